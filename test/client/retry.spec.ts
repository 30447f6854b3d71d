/**
 * Retries, back-off, Retry-After, timeouts and the concurrency limit of the HttpClient, against
 * sandbox faults and small local servers that count what reaches them.
 */
import 'should';
import { HttpClient, ClientOptions, RequestOptions, json as jsonBody, parseRetryAfter } from '../../nodes/lib/http';
import { CsTicketAuth } from '../../nodes/lib/auth';
import { useSandbox } from '../support/sandbox';
import { closedPort, faultSeed, json, LocalServer, sleep, startHttp } from '../support/servers';
import { otFailure } from '../support/errors';

const rejection = (p: Promise<unknown>) => otFailure(p, 'expected the request to fail');

function client(baseUrl: string, opts: Partial<ClientOptions> = {}): HttpClient {
  return new HttpClient({ name: 'Test', baseUrl, baseDelayMs: 20, maxDelayMs: 5000, timeoutMs: 5000, ...opts });
}

const post = (c: HttpClient, extra: Partial<RequestOptions> = {}) => c.request({ operation: 'create thing', method: 'POST', path: 'things', body: jsonBody({ name: 'x' }), ...extra });
const get = (c: HttpClient, extra: Partial<RequestOptions> = {}) => c.request({ operation: 'read thing', method: 'GET', path: 'things/1', ...extra });

describe('client: retries against sandbox faults', () => {
  const h = useSandbox();
  const ROUTE = '^GET .*/v1/auth$';

  async function loggedIn(opts: Partial<ClientOptions> = {}): Promise<HttpClient> {
    const c = client(h.csUrl, opts);
    c.options.auth = new CsTicketAuth(c, 'Admin', 'sandbox-admin');
    await me(c);
    return c;
  }
  const me = (c: HttpClient) => c.request<{ data: { name: string } }>({ operation: 'who am I', method: 'GET', path: 'v1/auth' });
  const count = (kind: string) => h.sb.app.faultCounts[kind] || 0;

  it('waits for Retry-After (429, 1 s) and succeeds on the next attempt', async () => {
    const c = await loggedIn();
    const before = count('429');
    h.sb.app.setFaults({ seed: faultSeed([true, false]), rules: [{ route: ROUTE, probability: 0.5, kind: '429', retryAfter: 1 }] });
    const t0 = Date.now();
    const res = await me(c);
    const elapsed = Date.now() - t0;
    res.status.should.equal(200);
    res.attempts.should.equal(2);
    elapsed.should.be.aboveOrEqual(1000);
    elapsed.should.be.below(3000);
    (count('429') - before).should.equal(1);
  });

  it('fails at once with OT_RATE_LIMITED when Retry-After asks for longer than the maximum delay', async () => {
    const c = await loggedIn({ maxDelayMs: 2000 });
    h.sb.app.setFaults({ rules: [{ route: ROUTE, probability: 1, kind: '429', retryAfter: 60 }] });
    const t0 = Date.now();
    const e = await rejection(me(c));
    e.code.should.equal('OT_RATE_LIMITED');
    e.statusCode!.should.equal(429);
    e.attempts!.should.equal(1);
    (Date.now() - t0).should.be.below(1000);
  });

  it('backs off exponentially on 503 and succeeds on the third attempt', async () => {
    const c = await loggedIn({ baseDelayMs: 200, random: () => 0 });
    const before = count('503');
    h.sb.app.setFaults({ seed: faultSeed([true, true, false]), rules: [{ route: ROUTE, probability: 0.5, kind: '503' }] });
    const t0 = Date.now();
    const res = await me(c);
    const elapsed = Date.now() - t0;
    res.attempts.should.equal(3);
    (count('503') - before).should.equal(2);
    // back-off with jitter 0: 100 ms after the first failure, 200 ms after the second
    elapsed.should.be.aboveOrEqual(290);
    c.backoff(1).should.equal(100);
    c.backoff(2).should.equal(200);
    c.backoff(3).should.equal(400);
  });

  it('gives up after maxAttempts on a 503 that does not go away (OT_UNAVAILABLE, attempts counted)', async () => {
    const c = await loggedIn({ maxAttempts: 3 });
    const before = count('503');
    h.sb.app.setFaults({ rules: [{ route: ROUTE, probability: 1, kind: '503' }] });
    const e = await rejection(me(c));
    e.code.should.equal('OT_UNAVAILABLE');
    e.attempts!.should.equal(3);
    (count('503') - before).should.equal(3);
  });

  it('times out a request that hangs (1 s client timeout → OT_TIMEOUT)', async () => {
    const c = await loggedIn({ timeoutMs: 1000, maxAttempts: 1 });
    h.sb.app.setFaults({ rules: [{ route: ROUTE, probability: 1, kind: 'hang', ms: 10000 }] });
    const t0 = Date.now();
    const e = await rejection(me(c));
    const elapsed = Date.now() - t0;
    e.code.should.equal('OT_TIMEOUT');
    e.message.should.match(/timed out after 1000 ms/);
    elapsed.should.be.aboveOrEqual(950);
    elapsed.should.be.below(4000);
  });

  it('repeats a GET after a connection reset (it is idempotent)', async () => {
    const c = await loggedIn();
    const before = count('reset');
    h.sb.app.setFaults({ seed: faultSeed([true, false]), rules: [{ route: ROUTE, probability: 0.5, kind: 'reset' }] });
    const res = await me(c);
    res.attempts.should.equal(2);
    (count('reset') - before).should.equal(1);
  });
});

describe('client: what is retried and what is not (local servers)', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server answering the scripted statuses in turn (the last one repeats). */
  async function scripted(steps: Array<number | 'reset' | 'hang' | { status: number; headers: Record<string, string> }>): Promise<LocalServer> {
    let i = 0;
    server = await startHttp((req, res, raw) => {
      const step = steps[Math.min(i++, steps.length - 1)];
      if (step === 'reset') {
        raw.socket.destroy();
        return;
      }
      if (step === 'hang') return;
      const s = typeof step === 'number' ? { status: step, headers: {} } : step;
      json(res, s.status, s.status < 300 ? { ok: true, method: req.method } : { error: `status ${s.status}` }, s.headers);
    });
    return server;
  }

  it('honours Retry-After given as an HTTP date', async () => {
    const s = await scripted([{ status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }, 200]);
    const t0 = Date.now();
    const res = await get(client(s.url));
    res.status.should.equal(200);
    res.attempts.should.equal(2);
    (Date.now() - t0).should.be.aboveOrEqual(1000);
    s.requests.length.should.equal(2);
  });

  it('parses both Retry-After forms', () => {
    parseRetryAfter('3')!.should.equal(3000);
    parseRetryAfter('0.5')!.should.equal(500);
    parseRetryAfter(new Date(1_000_000 + 4000).toUTCString(), 1_000_000)!.should.be.within(3000, 4000);
    (parseRetryAfter('soon') === undefined).should.be.true();
    (parseRetryAfter(undefined) === undefined).should.be.true();
  });

  it('does not retry a 400 (one request reaches the server; OT_INVALID_INPUT)', async () => {
    const s = await scripted([400]);
    const e = await rejection(get(client(s.url)));
    e.code.should.equal('OT_INVALID_INPUT');
    e.statusCode!.should.equal(400);
    e.attempts!.should.equal(1);
    s.requests.length.should.equal(1);
  });

  for (const [status, code] of [
    [502, 'OT_UNAVAILABLE'],
    [504, 'OT_TIMEOUT'],
  ] as const) {
    it(`does not repeat a POST on ${status} (it may have been processed)`, async () => {
      const s = await scripted([status, 200]);
      const e = await rejection(post(client(s.url)));
      e.code.should.equal(code);
      s.requests.length.should.equal(1);
    });

    it(`repeats a GET on ${status}`, async () => {
      const s = await scripted([status, 200]);
      (await get(client(s.url))).attempts.should.equal(2);
      s.requests.length.should.equal(2);
    });
  }

  it('does not repeat a POST after a timeout', async () => {
    const s = await scripted(['hang', 200]);
    const e = await rejection(post(client(s.url, { timeoutMs: 400 })));
    e.code.should.equal('OT_TIMEOUT');
    await sleep(100);
    s.requests.length.should.equal(1);
  });

  it('does not repeat a POST after a connection reset', async () => {
    const s = await scripted(['reset', 200]);
    const e = await rejection(post(client(s.url)));
    e.code.should.equal('OT_NETWORK');
    e.message.should.match(/ECONNRESET|socket hang up/);
    s.requests.length.should.equal(1);
  });

  it('repeats a de-duplicated POST (idempotent: true, e.g. with a submit id) on 502, timeout and reset', async () => {
    const s = await scripted([502, 'reset', 'hang', 201]);
    const res = await post(client(s.url, { timeoutMs: 400, maxAttempts: 4 }), { idempotent: true, headers: { 'X-MRA-SubmitId': 'abc-1' } });
    res.status.should.equal(201);
    res.attempts.should.equal(4);
    s.requests.length.should.equal(4);
    s.requests.every((r) => r.headers['x-mra-submitid'] === 'abc-1' && r.body === '{"name":"x"}').should.be.true();
  });

  it('repeats a POST on 503 and on 429 (the server did not process it)', async () => {
    const s = await scripted([503, { status: 429, headers: { 'retry-after': '0' } }, 201]);
    const res = await post(client(s.url));
    res.status.should.equal(201);
    res.attempts.should.equal(3);
    s.requests.length.should.equal(3);
  });

  it('repeats a POST when the connection was refused, and it arrives once the server is up', async () => {
    const port = await closedPort();
    const c = client(`http://127.0.0.1:${port}`, { baseDelayMs: 400, random: () => 0.5 });
    const pending = post(c);
    await sleep(100);
    server = await startHttp((_req, res) => json(res, 201, { id: 1 }), { port });
    const res = await pending;
    res.status.should.equal(201);
    res.attempts.should.be.aboveOrEqual(2);
    server.requests.length.should.equal(1);
  });

  it('keeps at most N requests in flight, in arrival order, dropping none', async () => {
    server = await startHttp(async (req, res) => {
      await sleep(25);
      json(res, 200, { n: Number(new URL(req.url, 'http://x').searchParams.get('n')) });
    });
    const c = client(server.url, { concurrency: 4 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => c.request<{ n: number }>({ operation: 'n', method: 'GET', path: 'n', query: { n } })));
    results.map((r) => r.data.n).should.eql(Array.from({ length: 40 }, (_, n) => n));
    server.maxInFlight.should.equal(4);
    server.requests.map((r) => Number(new URL(r.url, 'http://x').searchParams.get('n'))).should.eql(Array.from({ length: 40 }, (_, n) => n));
  });

  it('stops retrying when the client is closed during the back-off (node redeployed)', async () => {
    const s = await scripted([503, 200]);
    const c = client(s.url, { baseDelayMs: 400, random: () => 0.5 });
    const pending = get(c);
    await sleep(100);
    c.close();
    const e = await rejection(pending);
    e.code.should.equal('OT_UNAVAILABLE');
    e.message.should.match(/closed/);
    await sleep(500);
    s.requests.length.should.equal(1);
  });

  it('fails a closed client with OT_UNAVAILABLE', async () => {
    server = await startHttp((_req, res) => json(res, 200, {}));
    const c = client(server.url);
    c.close();
    (await rejection(get(c))).code.should.equal('OT_UNAVAILABLE');
    server.requests.length.should.equal(0);
  });
});
