/**
 * Security: secrets (passwords, client secrets, keys, and every ticket and token the sandbox
 * hands out) never appear in a node's settings, in `msg` (outputs and what Catch nodes get), in
 * error objects, in status texts or in log lines — for successes, for refusals, and when a server
 * echoes the request (credentials included) back in its error.
 * (Exported flows are checked against a real Node-RED in admin.spec.ts.)
 */
import 'should';
import http from 'http';
import { AddressInfo } from 'net';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, type FlowNode } from '../support/nr';
import { cs } from '../../sandbox/areas/cs-core';
import { otds } from '../../sandbox/areas/otds';
import { htmlDefaults, packTypes } from '../fuzz/support';

type Obj = Record<string, unknown>;
const TYPES = packTypes();
const MODULES = TYPES.map((t) => require(t.file) as unknown);

const SECRET_NAME = /(password|passwd|secret|token|ticket|apikey|api_key|^key$|credential)/i;
/** Settings named after a secret that hold no secret: where it is sent, which header carries it. */
const NOT_A_SECRET = /(path|url|header|type|mode|lifetime)$/i;
const FIXED_SECRETS = ['sandbox-admin', 'sandbox-client-secret', 'sandbox-messaging', 'sandbox-messaging-secret', 'sandbox-appworks-key', 'sandbox-exstream', 'wrong-password-5521', 'event-secret-90a1c3'];

/** Text of anything (Buffers and streams shown by kind, cycles cut) to search for secrets. */
function text(v: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(v, (_k, x: unknown) => {
      if (Buffer.isBuffer(x)) return `<buffer ${x.length}>`;
      if (x && typeof x === 'object') {
        if (seen.has(x)) return '<cycle>';
        seen.add(x);
        if (typeof (x as { pipe?: unknown }).pipe === 'function') return '<stream>';
      }
      if (typeof x === 'bigint') return String(x);
      return x;
    }) ?? '';
  } catch (e) {
    return String(e);
  }
}

describe('security: secrets stay out of settings, messages, errors, status texts and logs', function () {
  this.timeout(60000);
  const h = useSandbox();
  const helper = useNodeRed();

  it('no node keeps a secret in its settings: each one is a credential of type password', () => {
    const registered: Record<string, { credentials?: Record<string, { type: string }> }> = {};
    const stub: unknown = new Proxy(function () {}, { get: () => stub, apply: () => stub });
    const fakeRed = new Proxy(
      {},
      {
        get: (_t, k) =>
          k === 'nodes'
            ? {
                registerType: (type: string, _c: unknown, opts?: { credentials?: Record<string, { type: string }> }) => {
                  registered[type] = opts || {};
                },
                getNode: () => null,
              }
            : stub,
      },
    );
    for (const t of TYPES) (require(t.file) as (RED: unknown) => void)(fakeRed);
    for (const t of TYPES) {
      const defaults = htmlDefaults(t.file, t.type);
      const leaking = Object.keys(defaults).filter((k) => SECRET_NAME.test(k) && !NOT_A_SECRET.test(k));
      leaking.should.eql([], `${t.type} keeps ${leaking.join(', ')} in its settings (exported with the flow)`);
      for (const [name, def] of Object.entries(registered[t.type]?.credentials || {})) {
        if (SECRET_NAME.test(name)) def.type.should.equal('password', `${t.type}: the credential ${name} must be of type password`);
      }
    }
    Object.keys(registered).sort().should.eql(TYPES.map((t) => t.type).sort());
    // the config nodes that authenticate have their secrets as credentials
    registered['ot-xecm'].credentials!.should.have.property('password');
    registered['ot-otds'].credentials!.should.have.properties('clientSecret', 'password');
    registered['ot-messaging'].credentials!.should.have.properties('password', 'clientSecret');
    registered['ot-appworks'].credentials!.should.have.property('key');
    registered['ot-event-in'].credentials!.should.have.property('secret');
  });

  it('successes, refusals and echoing servers of every connection type: no secret in msg, errors, status or logs', async () => {
    // A server that answers every request with a 500 whose body echoes the request: its headers
    // (Authorization, tickets) and its body (passwords, client secrets, keys).
    const echo = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.stringify({ error: `bad request ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${Buffer.concat(chunks).toString()}`, errorDetail: JSON.stringify(req.headers), message: Buffer.concat(chunks).toString() });
        res.writeHead(500, { 'content-type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', () => ok()));
    const e = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const conn = { timeout: 5, retries: 1, maxDelay: 1, concurrency: 4 };
    const out = (id: string) => ({ z: 'tab1', wires: [['out'], ['out']], id });
    const nodes: FlowNode[] = [
      TAB,
      // connections: right, wrong credentials, and an echoing server
      { id: 'x-ok', type: 'ot-xecm', name: 'ok', baseUrl: h.csUrl, authMode: 'password', ...conn },
      { id: 'x-bad', type: 'ot-xecm', name: 'bad', baseUrl: h.csUrl, authMode: 'password', ...conn },
      { id: 'x-echo', type: 'ot-xecm', name: 'echo', baseUrl: `${e}/otcs/cs.exe/api`, authMode: 'password', ...conn },
      { id: 'o-ok', type: 'ot-otds', name: 'otds', baseUrl: h.url, grant: 'client_credentials', ...conn },
      { id: 'o-echo', type: 'ot-otds', name: 'otds echo', baseUrl: e, grant: 'password', ...conn },
      { id: 'x-bearer', type: 'ot-xecm', name: 'bearer', baseUrl: h.csUrl, authMode: 'otds-bearer', otds: 'o-ok', ...conn },
      { id: 'x-ticket', type: 'ot-xecm', name: 'ticket', baseUrl: h.csUrl, authMode: 'otds-ticket', otds: 'o-ok', ...conn },
      { id: 'x-otds-echo', type: 'ot-xecm', name: 'via echo', baseUrl: h.csUrl, authMode: 'otds-bearer', otds: 'o-echo', ...conn },
      { id: 'm-ok', type: 'ot-messaging', name: 'm', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', ...conn },
      { id: 'm-bad', type: 'ot-messaging', name: 'm bad', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', ...conn },
      { id: 'm-echo', type: 'ot-messaging', name: 'm echo', baseUrl: `${e}/mra/v1`, authMode: 'basic', ...conn },
      { id: 'm-ocp', type: 'ot-messaging', name: 'ocp', baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: `${h.url}/tenants/sandbox/oauth2/token`, ...conn },
      { id: 'm-ocp-echo', type: 'ot-messaging', name: 'ocp echo', baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: `${e}/tenants/sandbox/oauth2/token`, ...conn },
      { id: 'aw-ok', type: 'ot-appworks', name: 'aw', gatewayUrl: h.url, ...conn },
      { id: 'aw-bad', type: 'ot-appworks', name: 'aw bad', gatewayUrl: h.url, ...conn },
      { id: 'aw-echo', type: 'ot-appworks', name: 'aw echo', gatewayUrl: e, ...conn },
      // nodes using them
      ...['x-ok', 'x-bad', 'x-echo', 'x-bearer', 'x-ticket', 'x-otds-echo'].map((server) => ({ ...out(`get-${server}`), type: 'ot-node', server, operation: 'get', node: 'nodeId', nodeType: 'msg' })),
      { ...out('rec-declare'), type: 'ot-record', server: 'x-ok', operation: 'declare', nodeId: 'payload', nodeIdType: 'msg', classId: '3001', classIdType: 'num' },
      ...['m-ok', 'm-bad', 'm-echo', 'm-ocp', 'm-ocp-echo'].map((server) => ({ ...out(`fax-${server}`), type: 'ot-fax-send', server, destinations: '15551234567', destinationsType: 'str', documents: 'payload', documentsType: 'msg', strings: 'text', submitId: '_msgid', submitIdType: 'msg' })),
      { ...out('faxstatus'), type: 'ot-fax-status', server: 'm-ok', jobId: 'payload', jobIdType: 'msg' },
      ...['aw-ok', 'aw-bad', 'aw-echo'].map((appworks) => ({ ...out(`push-${appworks}`), type: 'ot-push', backend: 'appworks', appworks, mode: 'compose', recipients: 'recipients', recipientsType: 'msg', title: 'Hi', body: 'There', submitId: '_msgid', submitIdType: 'msg', awType: 'node-red', displayType: 'show' })),
      { ...out('push-m'), type: 'ot-push', backend: 'messaging', messaging: 'm-ok', mode: 'compose', recipients: 'recipients', recipientsType: 'msg', title: 'Hi', body: 'There', submitId: '_msgid', submitIdType: 'msg', domain: 'MR' },
      { id: 'ev', type: 'ot-event-in', z: 'tab1', url: '/secret-events', verify: 'either', dedupe: 0, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
    const creds = {
      'x-ok': { username: 'Admin', password: 'sandbox-admin' },
      'x-bad': { username: 'Admin', password: 'wrong-password-5521' },
      'x-echo': { username: 'Admin', password: 'sandbox-admin' },
      'o-ok': { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'admin', password: 'sandbox-admin' },
      'o-echo': { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'admin', password: 'sandbox-admin' },
      'm-ok': { username: 'sandbox-fax', password: 'sandbox-messaging' },
      'm-bad': { username: 'sandbox-fax', password: 'wrong-password-5521' },
      'm-echo': { username: 'sandbox-fax', password: 'sandbox-messaging' },
      'm-ocp': { clientId: 'messaging-tenant', clientSecret: 'sandbox-messaging-secret' },
      'm-ocp-echo': { clientId: 'messaging-tenant', clientSecret: 'sandbox-messaging-secret' },
      'aw-ok': { key: 'sandbox-appworks-key' },
      'aw-bad': { key: 'wrong-password-5521' },
      'aw-echo': { key: 'sandbox-appworks-key' },
      ev: { secret: 'event-secret-90a1c3' },
    };
    let httpNode: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
    const capture = (RED: { httpNode: typeof httpNode }) => {
      httpNode = RED.httpNode;
    };
    const front = http.createServer((req, res) => (httpNode ? httpNode(req, res) : res.end()));
    await new Promise<void>((ok) => front.listen(0, '127.0.0.1', () => ok()));
    try {
      await helper.load([capture, ...MODULES] as never, nodes, creds as never);
      const seen: string[] = [];
      const ended: Obj[] = [];
      helper.getNode('out').on('input', (m: Obj) => {
        seen.push(`out ${text(m)}`);
        ended.push(m);
      });
      helper.getNode('caught').on('input', (m: Obj) => {
        seen.push(`caught ${text(m)}`);
        ended.push(m);
      });
      for (const n of nodes) {
        const node = helper.getNode(n.id) as (Node & { on(e: string, f: (c: { args: unknown[] }) => void): void }) | null;
        if (!node) continue;
        for (const ev of ['status', 'warn', 'error', 'log', 'debug', 'trace']) node.on(`call:${ev}`, (c) => seen.push(`${n.id} ${ev} ${text(c.args)}`));
      }
      const sends: Array<[string, Obj]> = [
        ...['x-ok', 'x-bad', 'x-echo', 'x-bearer', 'x-ticket', 'x-otds-echo'].flatMap((s): Array<[string, Obj]> => [
          [`get-${s}`, { nodeId: 2000 }],
          [`get-${s}`, { nodeId: 999999 }],
        ]),
        ['rec-declare', { payload: 2203 }],
        ['rec-declare', { payload: 2401 }],
        ...['m-ok', 'm-bad', 'm-echo', 'm-ocp', 'm-ocp-echo'].map((s): [string, Obj] => [`fax-${s}`, { payload: 'a fax' }]),
        ['faxstatus', { payload: 'xsi-unknown-1' }],
        ...['aw-ok', 'aw-bad', 'aw-echo'].map((s): [string, Obj] => [`push-${s}`, { recipients: 'rmanager' }]),
        ['push-m', { recipients: 'rmanager' }],
      ];
      for (const [id, msg] of sends) (helper.getNode(id) as Node).receive(msg as never);
      const base = `http://127.0.0.1:${(front.address() as AddressInfo).port}/secret-events`;
      // the secret in the header: the emitted event carries the body, never the headers
      for (const [i, token] of ['event-secret-90a1c3', 'not-the-secret', ''].entries()) {
        const r = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ot-token': token }, body: JSON.stringify({ event: 'push.opened', eventId: `e-${i}`, job_id: 'j1' }) });
        seen.push(`event-in answer ${r.status} ${await r.text()}`);
      }
      const deadline = Date.now() + 30000;
      while (ended.length < sends.length + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      ended.length.should.be.aboveOrEqual(sends.length + 1);
      // the refusals really happened (so their texts were checked)
      const codes = ended.map((m) => (m.error as Obj | undefined)?.code).filter(Boolean);
      codes.should.containEql('OT_AUTH');
      codes.should.containEql('OT_POLICY');
      codes.should.containEql('OT_API');

      // every ticket and token the sandbox handed out in this test, and the fixed secrets
      const issued = [...cs(h.sb.app).tickets.keys(), ...otds(h.sb.app).issued.keys()];
      issued.length.should.be.above(5);
      const basics = [['sandbox-fax', 'sandbox-messaging'], ['messaging-tenant', 'sandbox-messaging-secret']].map(([u, p]) => Buffer.from(`${u}:${p}`).toString('base64'));
      const logText = text((helper.log() as unknown as { args: unknown[][] }).args);
      const all = [...seen, logText].join('\n');
      const found = [...FIXED_SECRETS, ...issued, ...basics].filter((s) => all.includes(s));
      found.should.eql([], `secrets found in msg, errors, status or logs:\n${found.map((s) => `${s}: …${all.slice(Math.max(0, all.indexOf(s) - 200), all.indexOf(s) + 40)}…`).join('\n')}`);
      all.should.not.match(/OTDSSSO\*[A-Za-z0-9]/);
      // the echoing server's answers (request headers and bodies) did reach the error texts, masked
      all.should.match(/bad request POST \/otcs\/cs\.exe\/api\/v1\/auth/);
      all.should.match(/bad request POST \/gateway\/v2\/notifications/);
      all.should.match(/\*\*\*/);
    } finally {
      echo.close();
      front.close();
    }
  });
});
