/**
 * Fuzzing: random and malformed messages (wrong types, huge strings, missing fields, `__proto__`
 * keys, invalid JSON text, negative and huge numbers, circular and deep objects, broken streams)
 * into every node type of the pack (package.json node-red.nodes), in every operation, against the
 * sandbox over real HTTP; random settings for every config node; random requests to the event
 * endpoint. No crash, no unhandled rejection, nothing polluted, and every message ends in a success
 * or one clear, catchable error (an OT_ code and a message) — never silence.
 *
 * OT_FUZZ_MESSAGES (default 5000) messages in all; OT_FUZZ_SEED picks the random sequence.
 */
import 'should';
import http from 'http';
import { AddressInfo } from 'net';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, type FlowNode } from '../support/nr';
import { INPUT_TYPES, MODULES, TRIGGERS, configNodes, instances, message, rand, value, type Instance } from './support';

type Obj = Record<string, unknown>;
const TOTAL = Math.max(200, Number(process.env.OT_FUZZ_MESSAGES) || 5000);
const SEED = Number(process.env.OT_FUZZ_SEED) || 4242;
const PER_MESSAGE_MS = 60000;

describe(`fuzz: ${TOTAL} random and malformed messages into every node of the pack`, function () {
  this.timeout(240000);
  const h = useSandbox();
  const helper = useNodeRed();

  const problems: string[] = [];
  const crashes: string[] = [];
  const onUnhandled = (e: unknown) => crashes.push(`unhandled rejection: ${(e as Error)?.stack || String(e)}`);
  const onUncaught = (e: unknown) => crashes.push(`uncaught exception: ${(e as Error)?.stack || String(e)}`);
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
  before(() => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUncaught);
  });
  after(() => {
    process.removeListener('unhandledRejection', onUnhandled);
    process.removeListener('uncaughtException', onUncaught);
  });

  const noPollution = () => {
    Object.getOwnPropertyNames(Object.prototype).sort().join(',').should.equal(protoBefore);
    (({} as Obj).polluted === undefined).should.be.true('Object.prototype was polluted');
    (([] as unknown as Obj).polluted === undefined).should.be.true('Array.prototype was polluted');
  };

  /** Sends messages into nodes and resolves each with how it ended. */
  function tracker() {
    const ends = new Map<string, { out: number; caught: Obj[]; completed: number }>();
    const get = (id: string) => {
      let e = ends.get(id);
      if (!e) ends.set(id, (e = { out: 0, caught: [], completed: 0 }));
      return e;
    };
    const attach = () => {
      helper.getNode('out').on('input', (m: Obj) => m.fuzzId !== undefined && get(String(m.fuzzId)).out++);
      helper.getNode('caught').on('input', (m: Obj) => m.fuzzId !== undefined && get(String(m.fuzzId)).caught.push(m));
      helper.getNode('completed').on('input', (m: Obj) => m.fuzzId !== undefined && get(String(m.fuzzId)).completed++);
    };
    const send = async (inst: Instance, msg: Obj, fuzzId: string): Promise<void> => {
      msg.fuzzId = fuzzId;
      const node = helper.getNode(inst.id) as Node;
      try {
        node.receive(msg as never);
      } catch (e) {
        problems.push(`${inst.id}: receive threw ${(e as Error).message}`);
        return;
      }
      const trigger = TRIGGERS.includes(inst.type);
      const t0 = Date.now();
      for (;;) {
        const e = ends.get(fuzzId);
        const n = e ? (trigger ? e.completed : e.out) + e.caught.length : 0;
        if (n > 0 || Date.now() - t0 > PER_MESSAGE_MS) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    return { ends, attach, send };
  }

  /** Checks every message's end: one, and an error is a clear OT_ error. */
  function judge(ends: ReturnType<typeof tracker>['ends'], sent: Array<{ fuzzId: string; inst: Instance }>, label: string): { ok: number; caught: number } {
    let ok = 0;
    let caught = 0;
    for (const { fuzzId, inst } of sent) {
      const e = ends.get(fuzzId);
      const trigger = TRIGGERS.includes(inst.type);
      const outs = e ? (trigger ? e.completed : e.out) : 0;
      const errs = e ? e.caught.length : 0;
      if (outs + errs === 0) {
        problems.push(`${label} ${inst.id} ${fuzzId}: no output and no error within ${PER_MESSAGE_MS / 1000} s`);
        continue;
      }
      // ot-hold with several nodes sends the successes on AND raises the failures (documented)
      const partialHold = inst.type === 'ot-hold' && outs === 1 && errs === 1;
      if (outs > 1 || errs > 1 || (outs && errs && !partialHold)) problems.push(`${label} ${inst.id} ${fuzzId}: ended ${outs} time(s) with success and ${errs} time(s) with an error`);
      if (errs) {
        caught++;
        const err = e!.caught[0].error as Obj | undefined;
        const code = String(err?.code ?? '');
        const text = String(err?.message ?? '');
        if (!/^OT_[A-Z_]+$/.test(code)) problems.push(`${label} ${inst.id} ${fuzzId}: an error without an OT_ code: ${JSON.stringify(err).slice(0, 300)}`);
        if (!text.trim() || text.length > 5000) problems.push(`${label} ${inst.id} ${fuzzId}: an unclear error message (${text.length} characters): ${text.slice(0, 200)}`);
      } else ok++;
    }
    return { ok, caught };
  }

  it('every input node, every operation: each message ends in a success or one clear catchable error', async () => {
    const r = rand(SEED);
    const cfg = configNodes(h.url, h.csUrl);
    const { nodes, list } = instances();
    const watches = list.filter((i) => TRIGGERS.includes(i.type)).map((i) => i.id);
    const flow: FlowNode[] = [
      TAB,
      ...cfg.nodes,
      ...nodes,
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
      { id: 'done1', type: 'complete', z: 'tab1', name: '', scope: watches, uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper', z: 'tab1' },
    ];
    await helper.load(MODULES as never, flow, cfg.creds as never);
    const t = tracker();
    t.attach();
    // every node type gets its share; each instance of it in turn; a few messages in flight per node
    const perType = Math.ceil((TOTAL * 0.85) / INPUT_TYPES.length);
    const sent: Array<{ fuzzId: string; inst: Instance }> = [];
    await Promise.all(
      INPUT_TYPES.map(async (type) => {
        const mine = list.filter((i) => i.type === type);
        const lanes = Array.from({ length: 4 }, async (_, lane) => {
          for (let k = lane; k < perType; k += 4) {
            const inst = mine[k % mine.length];
            const fuzzId = `${type}#${k}`;
            sent.push({ fuzzId, inst });
            await t.send(inst, message(r, inst.props), fuzzId);
          }
        });
        await Promise.all(lanes);
      }),
    );
    const { ok, caught } = judge(t.ends, sent, 'input');
    console.log(`      ${sent.length} messages into ${list.length} nodes of ${INPUT_TYPES.length} types: ${ok} successes, ${caught} caught errors`);
    crashes.should.eql([]);
    problems.should.eql([]);
    noPollution();
    (ok + caught).should.equal(sent.length);
  });

  it('every config node with random settings: the nodes using it report a catchable error or work', async () => {
    const r = rand(SEED + 1);
    // A server that answers anything (not the sandbox: what the nodes send to a wrong address is
    // no request of the real API, and the sandbox's recording is checked against the API).
    const jr = rand(SEED + 11);
    const junk = http.createServer((req, res) => {
      req.resume();
      const kind = jr.int(8);
      if (kind === 0) return void res.destroy();
      if (kind === 1) return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":'), 1500);
      if (kind === 2) return void res.writeHead(302, { location: '/elsewhere' }).end();
      if (kind === 3) return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('{"error":"no"}');
      if (kind === 4) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ticket: 'junk-ticket-123456', access_token: 'junk-token-123456', expires_in: -5, job_id: 7, results: [] }));
      if (kind === 5) return void res.writeHead(500, { 'content-type': 'text/html' }).end('<html>' + 'x'.repeat(100000));
      if (kind === 6) return void res.writeHead(429, { 'retry-after': String(jr.pick(['1', '0', '-3', 'soon', '99999'])) }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((ok) => junk.listen(0, '127.0.0.1', () => ok()));
    const j = `http://127.0.0.1:${(junk.address() as AddressInfo).port}`;
    const urls = [j, `${j}/otcs/cs.exe/api`, `${j}/mra/v1`, '', ' ', 'not a url', 'ftp://127.0.0.1/x', `http://user:pass-9f7e3a@127.0.0.1:9/x`, 'http://127.0.0.1:9', 'http://[::1', 'http://127.0.0.1:0', 'https://127.0.0.1:9/api', '//127.0.0.1', `${j}/../x`, `${j}/%2e%2e/`, 'x'.repeat(5000), `https://${j.slice(7)}`];
    const numbers = [undefined, '', 'abc', -1, 0, 1, 1e9, '3600', NaN, '1e3', null];
    const users: Array<{ type: string; cfgKey: string; node: Obj }> = [
      { type: 'ot-xecm', cfgKey: 'server', node: { type: 'ot-node', operation: 'get', node: 'nodeId', nodeType: 'msg' } },
      { type: 'ot-messaging', cfgKey: 'server', node: { type: 'ot-fax-status', jobId: 'payload', jobIdType: 'msg' } },
      { type: 'ot-exstream', cfgKey: 'server', node: { type: 'ot-exstream-generate', mode: 'generate' } },
      { type: 'ot-appworks', cfgKey: 'appworks', node: { type: 'ot-push', backend: 'appworks', mode: 'compose', recipients: 'recipients', recipientsType: 'msg', title: 't', body: 'b' } },
      { type: 'ot-otds', cfgKey: 'otds', node: { type: 'ot-node', operation: 'get', node: 'nodeId', nodeType: 'msg' } },
    ];
    const rounds = Math.max(4, Math.floor((TOTAL * 0.1) / users.length));
    let ok = 0;
    let caught = 0;
    for (let round = 0; round < rounds; round++) {
      const nodes: FlowNode[] = [TAB];
      const creds: Record<string, Obj> = {};
      const sent: Array<{ fuzzId: string; inst: Instance }> = [];
      users.forEach((u, i) => {
        const settings: FlowNode = { id: `cfg${i}`, type: u.type, name: 'random', baseUrl: r.pick(urls), gatewayUrl: r.pick(urls), timeout: r.pick(numbers), retries: r.pick(numbers), maxDelay: r.chance(0.5) ? 0 : r.pick(numbers), concurrency: r.pick(numbers), authMode: r.pick(['password', 'otds-bearer', 'otds-ticket', 'basic', 'ocp', 'nonsense', undefined]), grant: r.pick(['client_credentials', 'password', 'token_exchange', 'bogus']), tenant: r.pick(['', 'sandbox', '../x', '%2e%2e']), tokenUrl: r.pick(urls), family: r.pick(['orchestration', 'sgw', 'x']), domain: r.pick(['sandbox', '', '..', '%2e%2e', 'a/b']), otds: r.pick(['otdsR', '', 'missing']), useProxyEnv: r.pick([true, false, 'false']), tls: r.pick(['', 'missing-tls']) };
        // the right address of the sandbox now and then (then the credentials decide)
        const right: Record<string, Obj> = { 'ot-xecm': { baseUrl: h.csUrl }, 'ot-otds': { baseUrl: h.url }, 'ot-messaging': { baseUrl: `${h.url}/mra/v1`, tokenUrl: `${h.url}/tenants/sandbox/oauth2/token` }, 'ot-appworks': { gatewayUrl: h.url } };
        if (right[u.type] && r.chance(0.3)) Object.assign(settings, right[u.type]);
        // at most a second between retries (10 attempts are allowed; the timeout matters only for the junk server's slow answer)
        settings.maxDelay = r.pick([0, 1, '0.5']);
        nodes.push(settings);
        const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
        creds[`cfg${i}`] = { username: text(value(r, 'username')), password: text(value(r, 'password')), clientId: r.pick(['node-red', '', 'x']), clientSecret: r.pick(['sandbox-client-secret', '', 'wrong-secret-1234']), key: r.pick(['sandbox-appworks-key', '', 'bad-key-98765']) };
        const user: FlowNode = { id: `user${i}`, z: 'tab1', wires: [['out'], ['out']], ...(u.node as Obj), type: String(u.node.type) };
        if (u.type === 'ot-otds') {
          nodes.push({ id: `xo${i}`, type: 'ot-xecm', name: 'via otds', baseUrl: h.csUrl, authMode: 'otds-bearer', otds: `cfg${i}`, timeout: 3, retries: 1 });
          user.server = `xo${i}`;
        } else user[u.cfgKey] = `cfg${i}`;
        if (u.type === 'ot-exstream') settings.otds = 'otdsR';
        nodes.push(user);
        sent.push({ fuzzId: `cfg-${round}-${i}`, inst: { id: `user${i}`, type: String(u.node.type), props: [] } });
      });
      nodes.push({ id: 'otdsR', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials', timeout: 3, retries: 1 });
      creds.otdsR = { clientId: 'node-red', clientSecret: 'sandbox-client-secret' };
      nodes.push({ id: 'out', type: 'helper', z: 'tab1' }, { id: 'c1', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'tab1' }, { id: 'done1', type: 'complete', z: 'tab1', name: '', scope: [], uncaught: false, wires: [['completed']] }, { id: 'completed', type: 'helper', z: 'tab1' });
      await helper.load(MODULES as never, nodes, creds as never);
      const t = tracker();
      t.attach();
      await Promise.all(sent.map((s) => t.send(s.inst, { payload: 'job-1', nodeId: 2000, recipients: 'rmanager' }, s.fuzzId)));
      const before = problems.length;
      const verdict = judge(t.ends, sent, `config round ${round}`);
      // say which settings made a message hang
      for (let k = before; k < problems.length; k++) {
        const m = /user(\d+) /.exec(problems[k]);
        if (m) problems[k] += ` – settings ${JSON.stringify(nodes.find((n) => n.id === `cfg${m[1]}`))?.slice(0, 600)} credentials ${JSON.stringify(creds[`cfg${m[1]}`])?.slice(0, 200)}`;
      }
      ok += verdict.ok;
      caught += verdict.caught;
      await helper.unload();
    }
    junk.close();
    console.log(`      ${rounds * users.length} messages through config nodes with random settings: ${ok} successes, ${caught} caught errors`);
    crashes.should.eql([]);
    problems.should.eql([]);
    noPollution();
  });

  it('ot-event-in: random requests to its endpoint are answered (never a crash, never a 5xx), and only verified events are emitted', async () => {
    const r = rand(SEED + 2);
    let httpNode: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
    const capture = (RED: { httpNode: typeof httpNode }) => {
      httpNode = RED.httpNode;
    };
    const server = http.createServer((req, res) => (httpNode ? httpNode(req, res) : res.end()));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await helper.load([capture, ...MODULES] as never, [TAB, { id: 'ev', type: 'ot-event-in', z: 'tab1', url: '/fuzz-events', verify: 'either', dedupe: 0, wires: [['out']] }, { id: 'out', type: 'helper', z: 'tab1' }], { ev: { secret: 'fuzz-shared-secret-7731' } } as never);
      const emitted: Obj[] = [];
      helper.getNode('out').on('input', (m: Obj) => emitted.push(m));
      const count = Math.max(50, Math.floor(TOTAL * 0.05));
      let authorised = 0;
      for (let i = 0; i < count; i++) {
        const v = value(r, 'payload');
        let body: Buffer;
        if (Buffer.isBuffer(v)) body = v;
        else if (typeof v === 'string') body = Buffer.from(v);
        else {
          try {
            body = Buffer.from(JSON.stringify(v) ?? '');
          } catch {
            body = Buffer.from('{"broken":');
          }
        }
        const headers: Record<string, string> = { 'content-type': r.pick(['application/json', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', '']) };
        const withToken = r.chance(0.5);
        if (withToken) headers['x-ot-token'] = r.chance(0.7) ? 'fuzz-shared-secret-7731' : String(r.pick(['', 'wrong', 'fuzz-shared-secret-7731 ', 'x'.repeat(10000)]));
        if (r.chance(0.2)) headers['x-ot-signature'] = String(r.pick(['sha256=00', 'sha256=', 'md5=1', '']));
        const res = await fetch(`${base}/fuzz-events`, { method: 'POST', headers, body: new Uint8Array(body) });
        const text = await res.text();
        if (res.status >= 500) problems.push(`event-in: HTTP ${res.status} for a random request: ${text.slice(0, 200)}`);
        if (res.status === 200 && JSON.parse(text).received === true && !JSON.parse(text).duplicate) authorised++;
        if (![200, 400, 401, 413].includes(res.status)) problems.push(`event-in: unexpected HTTP ${res.status}`);
      }
      await new Promise((ok) => setTimeout(ok, 200));
      emitted.length.should.equal(authorised);
      for (const m of emitted) JSON.stringify(m).should.not.match(/fuzz-shared-secret-7731/);
      console.log(`      ${count} random requests to ot-event-in: ${authorised} verified events emitted, the rest refused`);
    } finally {
      server.close();
    }
    crashes.should.eql([]);
    problems.should.eql([]);
    noPollution();
  });
});

