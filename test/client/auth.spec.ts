/**
 * The client layer's authentication against the sandbox over real HTTP: Content Server ticket
 * refresh, single-flight logins and tokens, token expiry, one re-login on 401 (and no loop), and
 * failed logins that are not latched.
 */
import { Readable } from 'stream';
import 'should';
import { HttpClient, ClientOptions } from '../../nodes/lib/http';
import { CsTicketAuth, OtdsAuth, OtdsSettings, csViaOtds } from '../../nodes/lib/auth';
import { start } from '../../sandbox';
import { cs } from '../../sandbox/areas/cs-core';
import { otds } from '../../sandbox/areas/otds';
import { useSandbox } from '../support/sandbox';
import { faultSeed, json, sleep, startHttp } from '../support/servers';
import { multipart } from '../../nodes/lib/http';
import { otFailure } from '../support/errors';

function csClient(baseUrl: string, opts: Partial<ClientOptions> = {}, username = 'Admin', password = 'sandbox-admin') {
  const client = new HttpClient({ name: 'Extended ECM', baseUrl, baseDelayMs: 20, maxDelayMs: 2000, ...opts });
  const auth = new CsTicketAuth(client, username, password);
  client.options.auth = auth;
  return { client, auth };
}

const me = (client: HttpClient) => client.request<{ data: { name: string } }>({ operation: 'who am I', method: 'GET', path: 'v1/auth' });

const rejection = (p: Promise<unknown>) => otFailure(p, 'expected the request to fail');

function otdsAuth(baseUrl: string, settings: Partial<OtdsSettings> = {}, opts: Partial<ClientOptions> = {}): OtdsAuth {
  const client = new HttpClient({ name: 'OTDS', baseUrl, baseDelayMs: 20, ...opts });
  return new OtdsAuth(client, { baseUrl, grant: 'client_credentials', clientId: 'node-red', clientSecret: 'sandbox-client-secret', ...settings });
}

describe('client: Content Server ticket', () => {
  const h = useSandbox();

  it('replaces the ticket with the fresh OTCSTicket of each response, and the next request sends it', async () => {
    const { client, auth } = csClient(h.csUrl);
    const first = await me(client);
    first.data.data.name.should.equal('Admin');
    const fresh = String(first.headers.otcsticket);
    fresh.length.should.be.above(10);
    auth.ticket.current!.should.equal(fresh);
    // Only the fresh ticket stays valid: the next request must carry it and needs no new login.
    const tickets = cs(h.sb.app).tickets;
    for (const t of [...tickets.keys()]) if (t !== fresh) tickets.delete(t);
    const second = await me(client);
    second.status.should.equal(200);
    cs(h.sb.app).logins.should.equal(1);
    client.stats.reauths.should.equal(0);
    auth.ticket.current!.should.equal(String(second.headers.otcsticket));
    auth.ticket.logins.should.equal(1);
  });

  it('logs in once for 100 concurrent requests (single flight)', async () => {
    const { client } = csClient(h.csUrl, { concurrency: 8 });
    const results = await Promise.all(Array.from({ length: 100 }, () => me(client)));
    results.length.should.equal(100);
    results.every((r) => r.status === 200 && r.data.data.name === 'Admin').should.be.true();
    cs(h.sb.app).logins.should.equal(1);
    client.stats.reauths.should.equal(0);
  });

  it('logs in once even without a concurrency limit in the way (100 requests at once)', async () => {
    const { client } = csClient(h.csUrl, { concurrency: 100 });
    await Promise.all(Array.from({ length: 100 }, () => me(client)));
    cs(h.sb.app).logins.should.equal(1);
  });

  it('logs in again once after a 401 (ticket dropped by the server) and retries the request', async () => {
    const { client } = csClient(h.csUrl);
    await me(client);
    cs(h.sb.app).tickets.clear();
    const res = await me(client);
    res.status.should.equal(200);
    res.attempts.should.equal(1);
    cs(h.sb.app).logins.should.equal(2);
    client.stats.reauths.should.equal(1);
  });

  it('logs in again once after an "expired" 401 fault on one request', async () => {
    const { client } = csClient(h.csUrl);
    await me(client);
    const before = h.sb.app.faultCounts.expired || 0;
    h.sb.app.setFaults({ seed: faultSeed([true, false]), rules: [{ route: '^GET .*/v1/auth$', probability: 0.5, kind: 'expired' }] });
    const res = await me(client);
    res.status.should.equal(200);
    (h.sb.app.faultCounts.expired - before).should.equal(1);
    cs(h.sb.app).logins.should.equal(2);
    client.stats.reauths.should.equal(1);
  });

  it('stops after one re-login when the server keeps answering 401 (no endless loop)', async () => {
    const { client } = csClient(h.csUrl);
    await me(client);
    const before = h.sb.app.faultCounts.expired || 0;
    h.sb.app.setFaults({ rules: [{ route: '^GET .*/v1/auth$', probability: 1, kind: 'expired' }] });
    const e = await rejection(me(client));
    e.code.should.equal('OT_AUTH');
    // no endless loop: one re-login and one retry, then the 401 is reported
    cs(h.sb.app).logins.should.equal(2);
    (h.sb.app.faultCounts.expired - before).should.equal(2);
    client.stats.reauths.should.equal(1);
    h.sb.app.setFaults({ rules: [] });
    (await me(client)).status.should.equal(200);
  });

  it('stops when the re-login itself is refused (password changed): one login attempt more, then OT_AUTH', async () => {
    const { client } = csClient(h.csUrl);
    await me(client);
    const before = h.sb.app.requestCount;
    cs(h.sb.app).tickets.clear();
    cs(h.sb.app).users.get(1000)!.password = 'changed-by-admin';
    const e = await rejection(me(client));
    e.code.should.equal('OT_AUTH');
    e.message.should.match(/login failed: HTTP 401/);
    // GET (401) + POST v1/auth (401): nothing more
    (h.sb.app.requestCount - before).should.equal(2);
  });

  it('does not latch a failed login: the next request logs in once the password is right again', async () => {
    const { client, auth } = csClient(h.csUrl);
    const user = cs(h.sb.app).users.get(1000)!;
    user.password = 'not-yet';
    const e = await rejection(me(client));
    e.code.should.equal('OT_AUTH');
    e.statusCode!.should.equal(401);
    (auth.ticket.current === undefined).should.be.true();
    user.password = 'sandbox-admin';
    (await me(client)).data.data.name.should.equal('Admin');
    auth.ticket.logins.should.equal(2);
    cs(h.sb.app).logins.should.equal(1);
  });

  it('shares one failed login among concurrent requests and tries again afterwards', async () => {
    const { client, auth } = csClient(h.csUrl, { concurrency: 100 }, 'Admin', 'wrong-password');
    const errors = await Promise.all(Array.from({ length: 20 }, () => rejection(me(client))));
    errors.every((e) => e.code === 'OT_AUTH').should.be.true();
    auth.ticket.logins.should.equal(1);
    await rejection(me(client));
    auth.ticket.logins.should.equal(2);
  });
});

describe('client: a sandbox that is down, then up again', () => {
  it('fails with OT_NETWORK while nothing listens and succeeds on the same client once it is back', async () => {
    const first = await start({ port: 0, quiet: true });
    const port = first.port;
    const csUrl = first.csUrl;
    await first.close();
    const { client } = csClient(csUrl, { maxAttempts: 2 });
    const e = await rejection(me(client));
    e.code.should.equal('OT_NETWORK');
    e.message.should.match(/ECONNREFUSED/);
    const again = await start({ port, quiet: true });
    try {
      (await me(client)).data.data.name.should.equal('Admin');
      cs(again.app).logins.should.equal(1);
    } finally {
      client.close();
      await again.close();
    }
  });
});

describe('client: OTDS tokens', () => {
  const h = useSandbox();

  it('requests one token for 100 concurrent Content Server requests with the bearer', async () => {
    const o = otdsAuth(h.url, { grant: 'password', username: 'admin', password: 'sandbox-admin' });
    const client = new HttpClient({ name: 'Extended ECM', baseUrl: h.csUrl, auth: csViaOtds(o, 'bearer') });
    const results = await Promise.all(Array.from({ length: 100 }, () => me(client)));
    results.every((r) => r.data.data.name === 'Admin').should.be.true();
    otds(h.sb.app).tokenRequests.should.equal(1);
    o.token.logins.should.equal(1);
  });

  it('requests one OTDS ticket for 100 concurrent requests with the OTDSTicket header', async () => {
    const o = otdsAuth(h.url, { username: 'admin', password: 'sandbox-admin' });
    const client = new HttpClient({ name: 'Extended ECM', baseUrl: h.csUrl, auth: csViaOtds(o, 'otdsticket') });
    await Promise.all(Array.from({ length: 100 }, () => me(client)));
    otds(h.sb.app).ticketRequests.should.equal(1);
  });

  it('fetches a new token after a 401 (token revoked) and retries once', async () => {
    const o = otdsAuth(h.url);
    const client = new HttpClient({ name: 'Extended ECM', baseUrl: h.csUrl, auth: csViaOtds(o, 'bearer') });
    await me(client);
    otds(h.sb.app).issued.clear();
    (await me(client)).status.should.equal(200);
    otds(h.sb.app).tokenRequests.should.equal(2);
    client.stats.reauths.should.equal(1);
  });

  it('does not latch a refused token request (wrong client secret fixed in the directory)', async () => {
    const o = otdsAuth(h.url, { clientSecret: 'rotated-secret-2026' });
    const client = new HttpClient({ name: 'Extended ECM', baseUrl: h.csUrl, auth: csViaOtds(o, 'bearer') });
    const e = await rejection(me(client));
    e.code.should.equal('OT_AUTH');
    e.message.should.match(/invalid_client|Client authentication failed/);
    otds(h.sb.app).clients.find((c) => c.clientId === 'node-red')!.clientSecret = 'rotated-secret-2026';
    (await me(client)).status.should.equal(200);
    otds(h.sb.app).tokenRequests.should.equal(2);
  });
});

describe('client: OTDS token expiry', () => {
  // expires_in = 2 s: the client refreshes after 2 s minus 10 % (1.8 s), before the server refuses it.
  const h = useSandbox({ tokenLifetime: 2 });

  it('gets a new token after expires_in minus the margin, never one per request, and never sends an expired one', async () => {
    const o = otdsAuth(h.url);
    const client = new HttpClient({ name: 'Extended ECM', baseUrl: h.csUrl, auth: csViaOtds(o, 'bearer') });
    const started = Date.now();
    let requests = 0;
    const counts: number[] = [];
    while (Date.now() - started < 2600) {
      await me(client);
      requests++;
      counts.push(otds(h.sb.app).tokenRequests);
      await sleep(100);
    }
    requests.should.be.above(15);
    otds(h.sb.app).tokenRequests.should.equal(2);
    // the second token came after about 1.8 s, not before 1.5 s
    const firstSecond = counts.indexOf(2);
    firstSecond.should.be.above(10);
    client.stats.reauths.should.equal(0);
  });
});

describe('client: a 401 on a request whose body was given as an object', () => {
  /**
   * A minimal Content Server: tickets T1, T2, ...; only the newest is valid. The client logs in and
   * reads once; then the server forgets its ticket.
   */
  async function expiringTicketServer() {
    const state = { valid: '', n: 0 };
    const server = await startHttp((req, res) => {
      if (req.method === 'POST' && req.url === '/api/v1/auth') {
        state.valid = `T${++state.n}-ticket-value`;
        return json(res, 200, { ticket: state.valid });
      }
      if (req.headers.otcsticket !== state.valid) return json(res, 401, { error: 'Session expired or invalid. Please log in again.' });
      json(res, 200, { ok: true });
    });
    const { client } = csClient(`${server.url}/api`);
    await client.request({ operation: 'get', method: 'GET', path: 'v2/nodes/1' });
    state.valid = 'expired-on-the-server';
    return { server, client };
  }

  it('forgets the refused ticket, so the next request logs in first instead of meeting another 401', async () => {
    const { server, client } = await expiringTicketServer();
    try {
      // a multipart body streaming its content, given as an object (no factory), can be sent once:
      // no re-login and retry
      const upload = multipart({ body: JSON.stringify({ type: 144, parent_id: 2000, name: 'a.txt' }) }, { file: { data: Readable.from([Buffer.from('abc')]), filename: 'a.txt' } });
      const e = await rejection(client.request({ operation: 'upload', method: 'POST', path: 'v2/nodes', body: upload }));
      e.code.should.equal('OT_AUTH');
      const before = server.requests.length;
      (await client.request({ operation: 'get', method: 'GET', path: 'v2/nodes/1' })).status.should.equal(200);
      // a login, then the GET: the refused ticket was not sent again
      server.requests.slice(before).map((r) => `${r.method} ${r.url}`).should.eql(['POST /api/v1/auth', 'GET /api/v2/nodes/1']);
    } finally {
      await server.close();
    }
  });

  it('repeats a small multipart body made in memory after the re-login (it can be sent again)', async () => {
    const { server, client } = await expiringTicketServer();
    try {
      const upload = multipart({ body: JSON.stringify({ type: 144, parent_id: 2000, name: 'a.txt' }) }, { file: { data: Buffer.from('abc'), filename: 'a.txt' } });
      const r = await client.request({ operation: 'upload', method: 'POST', path: 'v2/nodes', body: upload });
      r.status.should.equal(200);
      r.attempts.should.equal(1);
      server.requests.map((x) => `${x.method} ${x.url}`).slice(-3).should.eql(['POST /api/v2/nodes', 'POST /api/v1/auth', 'POST /api/v2/nodes']);
      // the same bytes both times
      const [first, second] = server.requests.slice(-3).filter((x) => x.url === '/api/v2/nodes').map((x) => x.body);
      first.should.equal(second);
      second.should.match(/filename="a.txt"[\s\S]*abc/);
    } finally {
      await server.close();
    }
  });
});
