/**
 * Sandbox framework: fault injection over real HTTP. Every kind, per-route rules, the seeded
 * (reproducible) random sequence, rules set at start (options.faults) and at run time
 * (POST /_sandbox/faults), and the counters at GET /_sandbox/faults.
 */
import http from 'http';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { prng } from '../../sandbox/server';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

/** One request with node's http module (no keep-alive), so socket errors surface as they are. */
function request(url: string, opts: { method?: string; body?: string; contentType?: string; headers?: Record<string, string>; abortAfterMs?: number } = {}): Promise<Res> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string | number> = { ...(opts.headers || {}) };
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType || 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(opts.body);
    }
    const req = http.request({ method: opts.method || 'GET', hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers, agent: false });
    let timer: NodeJS.Timeout | undefined;
    if (opts.abortAfterMs) timer = setTimeout(() => req.destroy(Object.assign(new Error('aborted by the test'), { code: 'TEST_ABORT' })), opts.abortAfterMs);
    req.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (timer) clearTimeout(timer);
        resolve({ status: res.statusCode || 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started });
      });
    });
    req.end(opts.body);
  });
}

async function control(base: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const TOKEN_FORM = 'grant_type=client_credentials&client_id=node-red&client_secret=sandbox-client-secret';

describe('sandbox framework: fault injection', () => {
  const h = useSandbox();
  const ping = () => request(`${h.csUrl}/v1/ping`);
  const token = () => request(`${h.url}/otdsws/oauth2/token`, { method: 'POST', body: TOKEN_FORM });

  it('answers normally without rules', async () => {
    (await ping()).status.should.equal(200);
    (await token()).status.should.equal(200);
    const f = await control(h.url, '/_sandbox/faults');
    f.body.should.have.properties({ rules: [], counts: {} });
  });

  for (const status of [500, 502, 503, 504]) {
    it(`injects ${status} with Content Server's error body on CS paths and a JSON error elsewhere`, async () => {
      (await control(h.url, '/_sandbox/faults', { seed: 3, rules: [{ kind: String(status), probability: 1 }] })).status.should.equal(200);
      const cs = await ping();
      cs.status.should.equal(status);
      const csBody = JSON.parse(cs.text);
      Object.keys(csBody).should.eql(['error']);
      csBody.error.should.match(new RegExp(String(status)));
      const other = await token();
      other.status.should.equal(status);
      JSON.parse(other.text).should.have.properties({ status, error: 'Injected fault' });
      const f = await control(h.url, '/_sandbox/faults');
      (f.body.counts as Record<string, number>)[String(status)].should.equal(2);
    });
  }

  it('injects 429 with the configured Retry-After', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: '429', probability: 1, retryAfter: 7 }] });
    const r = await token();
    r.status.should.equal(429);
    should(r.headers['retry-after']).equal('7');
    const d = await control(h.url, '/_sandbox/faults', { rules: [{ kind: '429', probability: 1 }] });
    d.status.should.equal(200);
    should((await ping()).headers['retry-after']).equal('1');
  });

  it('adds at least the configured latency and then answers normally', async () => {
    const base = await ping();
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: 'latency', probability: 1, ms: 300 }] });
    const slow = await ping();
    slow.status.should.equal(200);
    JSON.parse(slow.text).should.have.property('rest_api');
    slow.ms.should.be.aboveOrEqual(300);
    slow.ms.should.be.above(base.ms);
    const login = await request(`${h.csUrl}/v1/auth`, { method: 'POST', body: 'username=Admin&password=sandbox-admin' });
    login.status.should.equal(200);
    login.ms.should.be.aboveOrEqual(300);
  });

  it('resets the connection', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: 'reset', probability: 1 }] });
    const err = await ping().then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    should.exist(err);
    err!.code!.should.match(/^(ECONNRESET|EPIPE)$/);
    const f = await control(h.url, '/_sandbox/faults');
    (f.body.counts as Record<string, number>).reset.should.equal(1);
  });

  it('hangs until the client gives up, or closes after the configured ms', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: 'hang', probability: 1, ms: 60000 }] });
    const started = Date.now();
    const err = await request(`${h.csUrl}/v1/ping`, { abortAfterMs: 400 }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    should.exist(err);
    err!.code!.should.equal('TEST_ABORT');
    (Date.now() - started).should.be.aboveOrEqual(400);

    await control(h.url, '/_sandbox/faults', { rules: [{ kind: 'hang', probability: 1, ms: 250 }] });
    const t0 = Date.now();
    const closed = await ping().then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    should.exist(closed);
    closed!.code!.should.equal('ECONNRESET');
    (Date.now() - t0).should.be.aboveOrEqual(240);
    // the sandbox still answers other requests meanwhile and afterwards
    await control(h.url, '/_sandbox/faults', { rules: [] });
    (await ping()).status.should.equal(200);
  });

  it('sends malformed JSON with a JSON content type', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: 'malformed', probability: 1 }] });
    const r = await ping();
    r.status.should.equal(200);
    String(r.headers['content-type']).should.startWith('application/json');
    r.text.length.should.be.above(0);
    (() => JSON.parse(r.text)).should.throw(SyntaxError);
  });

  it('answers 401 as for an expired ticket (CS) or an expired token (others)', async () => {
    const login = await request(`${h.csUrl}/v1/auth`, { method: 'POST', body: 'username=Admin&password=sandbox-admin' });
    const ticket = JSON.parse(login.text).ticket as string;
    (await request(`${h.csUrl}/v1/auth`, { headers: { OTCSTicket: ticket } })).status.should.equal(200);
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: 'expired', probability: 1 }] });
    const cs = await request(`${h.csUrl}/v1/auth`, { headers: { OTCSTicket: ticket } });
    cs.status.should.equal(401);
    Object.keys(JSON.parse(cs.text)).should.eql(['error']);
    const other = await token();
    other.status.should.equal(401);
    JSON.parse(other.text).should.have.property('error', 'invalid_token');
    String(other.headers['www-authenticate']).should.match(/invalid_token/);
  });

  it('applies a rule only to requests whose "METHOD /path" matches its route expression', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: '503', probability: 1, route: '^GET .*/v1/ping$' }] });
    (await ping()).status.should.equal(503);
    (await token()).status.should.equal(200);
    (await request(`${h.csUrl}/v1/auth`, { method: 'POST', body: 'username=Admin&password=sandbox-admin' })).status.should.equal(200);
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: '500', probability: 1, route: '^POST /otdsws/' }] });
    (await ping()).status.should.equal(200);
    (await token()).status.should.equal(500);
  });

  it('takes the first rule that fires, in order', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: '502', probability: 1, route: 'ping' }, { kind: '504', probability: 1 }] });
    (await ping()).status.should.equal(502);
    (await token()).status.should.equal(504);
    const f = await control(h.url, '/_sandbox/faults');
    should(f.body.counts).eql({ 502: 1, 504: 1 });
  });

  it('never injects faults into the control API (/_sandbox)', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: '500', probability: 1 }] });
    (await control(h.url, '/_sandbox/state')).status.should.equal(200);
    (await request(`${h.url}/_sandbox/`)).status.should.equal(200);
    const f = await control(h.url, '/_sandbox/faults');
    should(f.body.counts).eql({});
  });

  it('is deterministic for a seed: the same seed gives the same sequence, as mulberry32 predicts', async () => {
    const run = async (seed: number) => {
      await control(h.url, '/_sandbox/faults', { seed, rules: [{ kind: '500', probability: 0.5 }] });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await ping()).status);
      return out;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    a.should.eql(b);
    a.should.not.eql(c);
    const rand = prng(42);
    a.should.eql(a.map(() => (rand() < 0.5 ? 500 : 200)));
    a.should.containEql(500);
    a.should.containEql(200);
    const f = await control(h.url, '/_sandbox/faults');
    f.body.should.have.property('seed', 7);
    (f.body.counts as Record<string, number>)['500'].should.equal(c.filter((s) => s === 500).length);
  });

  it('rejects bad rules with 400 and keeps the previous ones', async () => {
    await control(h.url, '/_sandbox/faults', { rules: [{ kind: '503', probability: 1, route: 'ping' }] });
    const bad = [
      { rules: 'all' },
      { rules: [{ kind: '418', probability: 1 }] },
      { rules: [{ kind: '500', probability: 2 }] },
      { rules: [{ kind: '500', probability: 1, route: '(' }] },
      { rules: [{ kind: 'latency', probability: 1, ms: -5 }] },
      { seed: 'x', rules: [] },
    ];
    for (const b of bad) {
      const r = await control(h.url, '/_sandbox/faults', b);
      r.status.should.equal(400, JSON.stringify(b));
      should(r.body.error).be.a.String();
    }
    (await ping()).status.should.equal(503);
  });
});

describe('sandbox framework: faults set at start (options.faults)', () => {
  const h = useSandbox({ faults: { seed: 5, rules: [{ kind: '502', probability: 1, route: '^GET .*/v1/ping$' }] } }, false);

  it('applies them from the first request and reports them at GET /_sandbox/faults', async () => {
    (await request(`${h.csUrl}/v1/ping`)).status.should.equal(502);
    (await request(`${h.url}/otdsws/oauth2/token`, { method: 'POST', body: TOKEN_FORM })).status.should.equal(200);
    const f = await control(h.url, '/_sandbox/faults');
    f.body.should.have.property('seed', 5);
    (f.body.rules as unknown[]).should.have.length(1);
    should(f.body.counts).eql({ 502: 1 });
  });

  it('replaces them at run time with POST /_sandbox/faults', async () => {
    const r = await control(h.url, '/_sandbox/faults', { rules: [] });
    r.status.should.equal(200);
    r.body.should.have.properties({ seed: 1, rules: [] });
    (await request(`${h.csUrl}/v1/ping`)).status.should.equal(200);
  });
});
