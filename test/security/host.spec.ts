/**
 * Security: a message cannot make a node send a request to another host than its config node's.
 * Every input node of the pack, in every operation, gets messages whose every property (its
 * TypedInputs and the msg properties the nodes read) names another server in every form a URL can
 * take; that server must receive nothing. Below, the client's own rule: a request path resolves
 * under the connection's base URL, or is refused.
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, type FlowNode } from '../support/nr';
import { startHttp, json, type LocalServer } from '../support/servers';
import { HttpClient } from '../../nodes/lib/http';
import { OtError } from '../../nodes/lib/errors';
import { EXTRA_KEYS, MODULES, TRIGGERS, configNodes, instances } from '../fuzz/support';

type Obj = Record<string, unknown>;

describe('security: messages cannot send requests to another host', function () {
  this.timeout(120000);
  const h = useSandbox();
  const helper = useNodeRed();
  let evil: LocalServer;
  before(async () => {
    evil = await startHttp((req, res) => json(res, 200, { ticket: 'evil-ticket-000000', access_token: 'evil', job_id: 'evil', results: [] }));
  });
  after(() => evil.close());

  /** The other server, named every way a message could try. */
  function evilValues(): unknown[] {
    const hostPort = evil.url.replace(/^http:\/\//, '');
    return [
      `${evil.url}/otcs/cs.exe/api/v2/nodes/1`,
      `${evil.url}/`,
      `//${hostPort}/x`,
      hostPort,
      `http://sandbox@${hostPort}/x`,
      `${h.url}@${hostPort}/x`,
      `${evil.url}#${h.url}`,
      `https://${hostPort}/x`,
      `http://localhost:${evil.port}/x`,
      `/../../${hostPort}/x`,
      `..%2f..%2f${hostPort}`,
      { url: evil.url, href: evil.url, host: hostPort, path: evil.url, baseUrl: evil.url, id: evil.url },
      [evil.url, `${evil.url}/x`],
    ];
  }

  it('every node, every operation: nothing reaches another server, whatever the message says', async () => {
    const cfg = configNodes(h.url, h.csUrl);
    const { nodes, list } = instances();
    const watches = list.filter((i) => TRIGGERS.includes(i.type)).map((i) => i.id);
    await helper.load(MODULES as never, [
      TAB,
      ...cfg.nodes,
      ...nodes,
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
      { id: 'done1', type: 'complete', z: 'tab1', name: '', scope: watches, uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper', z: 'tab1' },
    ] as FlowNode[], cfg.creds as never);
    const ended = new Set<string>();
    for (const id of ['out', 'caught', 'completed']) helper.getNode(id).on('input', (m: Obj) => m.hostId !== undefined && ended.add(String(m.hostId)));
    const values = evilValues();
    let sent = 0;
    const ids: string[] = [];
    for (const inst of list) {
      values.forEach((v, k) => {
        const msg: Obj = {};
        for (const p of [...inst.props, ...EXTRA_KEYS.filter((x) => x !== '__proto__' && x !== 'constructor')]) msg[p] = v;
        // sometimes a real id beside the other server's address, so operations go deeper
        if (k % 2) Object.assign(msg, { nodeId: 2000, parentId: 2100 });
        const id = `${inst.id}#${k}`;
        msg.hostId = id;
        ids.push(id);
        helper.getNode(inst.id).receive(msg as never);
        sent++;
      });
    }
    const deadline = Date.now() + 60000;
    while (ended.size < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lost = ids.filter((id) => !ended.has(id));
    lost.should.eql([], 'messages that never ended');
    evil.requests.map((r) => `${r.method} ${r.url}`).should.eql([], 'requests reached the other server');
    console.log(`      ${sent} messages into ${list.length} nodes: none reached the other server`);
  });

  it('the client resolves every path under its base URL and refuses other origins and escapes', () => {
    const c = new HttpClient({ name: 'Extended ECM', baseUrl: 'http://cs.example.com:8080/otcs/cs.exe/api' });
    const refused = (p: string) => {
      let e: unknown;
      try {
        c.resolve(p);
      } catch (x) {
        e = x;
      }
      (e instanceof OtError).should.be.true(`"${p}" was not refused`);
      (e as OtError).code.should.equal('OT_INVALID_INPUT');
    };
    for (const p of ['http://evil.example.com/x', 'https://cs.example.com:8080/otcs/cs.exe/api/v1/auth', 'http://cs.example.com:8081/x', 'http://cs.example.com@evil.example.com/x', 'HTTP://EVIL.example.com/x', 'ftp://cs.example.com:8080/x', 'v2/nodes/../../../x', 'v2/nodes/%2e%2e/%2E%2e/x', '..', 'v2\\nodes']) refused(p);
    for (const p of ['v2/nodes/1', '/v2/nodes/1', '//evil.example.com/x', 'v2/nodes/..%2fx', 'http://cs.example.com:8080/otcs/cs.exe/api/v2/nodes/1']) {
      const u = c.resolve(p);
      u.host.should.equal('cs.example.com:8080');
      u.pathname.should.startWith('/otcs/cs.exe/api/');
    }
  });
});
