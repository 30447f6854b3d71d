/**
 * The four config nodes (ot-xecm, ot-otds, ot-exstream, ot-messaging) in a running flow against the
 * sandbox: settings reaching the client, ${ENV} credentials, OTDS modes, broken settings reported
 * on use, redeploys, and secrets kept out of status, logs and messages.
 */
import 'should';
import util from 'util';
import type { EventEmitter } from 'events';
import type { Node, NodeDef } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, xecmConfig, nextMessage, FlowNode, TAB } from '../support/nr';
import { configNode, onInput, register, type RED } from '../../nodes/lib/nodered';
import type { XecmConfigNode } from '../../nodes/xecm/xecm-connection';
import type { OtdsConfigNode } from '../../nodes/otds/otds-connection';
import type { ExstreamConfigNode } from '../../nodes/exstream/exstream-connection';
import type { MessagingConfigNode } from '../../nodes/messaging/messaging-connection';
import { cs } from '../../sandbox/areas/cs-core';
import { otds } from '../../sandbox/areas/otds';
import { otFailure as failure } from '../support/errors';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const otdsNode = require('../../nodes/otds/ot-otds');
const exstreamNode = require('../../nodes/exstream/ot-exstream');
const messagingNode = require('../../nodes/messaging/ot-messaging');

/**
 * A minimal node built only from the shared glue (onInput, configNode) that makes one call through
 * the Extended ECM connection: it shows what every node of the pack inherits.
 */
function probeModule(RED: RED): void {
  function Probe(this: Node, def: NodeDef & { server: string }) {
    RED.nodes.createNode(this, def);
    const node = this;
    onInput(node, async (msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      const res = await cfg.client.request<{ data: { name: string } }>({ operation: 'who am I', method: 'GET', path: 'v1/auth' });
      msg.payload = res.data.data.name;
      send(msg);
      return 'ok';
    });
  }
  register(RED, 'ot-test-probe', Probe);
}

const me = (n: XecmConfigNode) => n.client.request<{ data: { name: string } }>({ operation: 'who am I', method: 'GET', path: 'v1/auth' });

describe('config: ot-xecm', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('OT_TEST_')) delete process.env[k];
    Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([k]) => k.startsWith('OT_TEST_'))));
  });

  it('builds its client from the settings (timeout, attempts, max delay, concurrency)', async () => {
    const x = xecmConfig(h.csUrl, { timeout: 7, retries: 4, maxDelay: 3, concurrency: 5 });
    await helper.load([xecmNode], [x.node], x.creds);
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    n.client.options.timeoutMs.should.equal(7000);
    n.client.options.maxAttempts.should.equal(4);
    n.client.options.maxDelayMs.should.equal(3000);
    n.client.options.concurrency.should.equal(5);
    n.client.baseUrl.should.equal(h.csUrl);
    (await me(n)).data.data.name.should.equal('Admin');
  });

  it('reads ${ENV_VAR} credentials from the environment', async () => {
    process.env.OT_TEST_CS_USER = 'rmanager';
    process.env.OT_TEST_CS_PASS = 'sandbox-rm';
    const x = xecmConfig(h.csUrl);
    await helper.load([xecmNode], [x.node], { xecm1: { username: '${OT_TEST_CS_USER}', password: '${OT_TEST_CS_PASS}' } });
    (await me(helper.getNode('xecm1') as unknown as XecmConfigNode)).data.data.name.should.equal('rmanager');
  });

  it('reports a broken base URL on every use (OT_INVALID_INPUT) and logs it once', async () => {
    const x = xecmConfig('not a url');
    await helper.load([xecmNode], [x.node], x.creds);
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    const e = await failure(Promise.resolve().then(() => me(n)));
    e.code.should.equal('OT_INVALID_INPUT');
    e.message.should.match(/base URL "not a url" is not a valid URL/);
    const errors = helper.log().args.filter((a: Array<{ level: number; id?: string }>) => a[0].level === 20 && a[0].id === 'xecm1');
    errors.length.should.equal(1);
  });

  it('authenticates through an ot-otds node with a bearer token or an OTDS ticket', async () => {
    const flow: FlowNode[] = [
      { id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'password' },
      { ...xecmConfig(h.csUrl).node, id: 'xb', authMode: 'otds-bearer', otds: 'otds1' },
      { ...xecmConfig(h.csUrl).node, id: 'xt', authMode: 'otds-ticket', otds: 'otds1' },
    ];
    await helper.load([otdsNode, xecmNode], flow, { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'jsmith', password: 'sandbox-jsmith' } });
    (await me(helper.getNode('xb') as unknown as XecmConfigNode)).data.data.name.should.equal('jsmith');
    (await me(helper.getNode('xt') as unknown as XecmConfigNode)).data.data.name.should.equal('jsmith');
    otds(h.sb.app).tokenRequests.should.equal(1);
    otds(h.sb.app).ticketRequests.should.equal(1);
    cs(h.sb.app).logins.should.equal(0);
  });

  it('says clearly when the OTDS connection it needs is missing', async () => {
    const x = xecmConfig(h.csUrl, { authMode: 'otds-bearer', otds: '' });
    await helper.load([xecmNode], [x.node], x.creds);
    const e = await failure(me(helper.getNode('xecm1') as unknown as XecmConfigNode));
    e.code.should.equal('OT_INVALID_INPUT');
    e.message.should.match(/no OTDS connection is selected/);
  });

  it('keeps working after the OTDS node it uses is redeployed with other settings', async () => {
    const flow: FlowNode[] = [
      { id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials' },
      { ...xecmConfig(h.csUrl).node, authMode: 'otds-bearer', otds: 'otds1' },
    ];
    const creds = { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } };
    await helper.load([otdsNode, xecmNode], flow, creds);
    (await me(helper.getNode('xecm1') as unknown as XecmConfigNode)).data.data.name.should.equal('Admin');
    const changed = [{ ...flow[0], grant: 'password' }, flow[1]];
    await helper.setFlows(changed, 'nodes', { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'jsmith', password: 'sandbox-jsmith' } });
    (await me(helper.getNode('xecm1') as unknown as XecmConfigNode)).data.data.name.should.equal('jsmith');
  });

  it('closes its client when the flow stops (no request after a redeploy)', async () => {
    const x = xecmConfig(h.csUrl);
    await helper.load([xecmNode], [x.node], x.creds);
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    await me(n);
    await helper.unload();
    (await failure(me(n))).code.should.equal('OT_UNAVAILABLE');
  });
});

describe('config: ot-otds', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  afterEach(() => {
    delete process.env.OT_TEST_OTDS_SECRET;
  });

  it('reads a ${ENV_VAR} client secret and caches the token', async () => {
    process.env.OT_TEST_OTDS_SECRET = 'sandbox-client-secret';
    await helper.load([otdsNode], <FlowNode[]>[{ id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials' }], { otds1: { clientId: 'node-red', clientSecret: '${OT_TEST_OTDS_SECRET}' } });
    const n = helper.getNode('otds1') as unknown as OtdsConfigNode;
    const [a, b] = await Promise.all([n.auth().token.get(), n.auth().token.get()]);
    a.should.equal(b);
    otds(h.sb.app).tokenRequests.should.equal(1);
  });

  for (const baseSuffix of ['', '/otdsws']) {
    it(`gets a tenant ticket from /otdstenant/<tenant>/otdsws/... with the base URL ending in "${baseSuffix || '(host only)'}"`, async () => {
      await helper.load([otdsNode], <FlowNode[]>[{ id: 'otds1', type: 'ot-otds', baseUrl: h.url + baseSuffix, tenant: 'sandbox-tenant' }], { otds1: { username: 'exstream', password: 'sandbox-exstream' } });
      const ticket = await (helper.getNode('otds1') as unknown as OtdsConfigNode).auth().ticket.get();
      ticket.should.startWith('*OTDSSSO*');
      otds(h.sb.app).ticketRequests.should.equal(1);
    });

    it(`gets a tenant token from otdsws/otdstenant/<tenant>/oauth2/token with the base URL ending in "${baseSuffix || '(host only)'}"`, async () => {
      await helper.load([otdsNode], <FlowNode[]>[{ id: 'otds1', type: 'ot-otds', baseUrl: h.url + baseSuffix, tenant: 't1', grant: 'client_credentials' }], { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } });
      const n = helper.getNode('otds1') as unknown as OtdsConfigNode;
      n.auth().tokenPath().should.equal(baseSuffix ? 'otdstenant/t1/oauth2/token' : 'otdsws/otdstenant/t1/oauth2/token');
      (await n.auth().token.get()).should.be.a.String();
    });
  }

  it('sends the client credentials as HTTP Basic when asked', async () => {
    await helper.load([otdsNode], <FlowNode[]>[{ id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials', clientAuth: 'basic' }], { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } });
    (await (helper.getNode('otds1') as unknown as OtdsConfigNode).auth().token.get()).should.be.a.String();
  });

  it('reports an OTDS refusal with the OAuth error text', async () => {
    await helper.load([otdsNode], <FlowNode[]>[{ id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'password' }], { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'admin', password: 'wrong-otds-password' } });
    const e = await failure((helper.getNode('otds1') as unknown as OtdsConfigNode).auth().token.get());
    e.code.should.equal('OT_INVALID_INPUT');
    e.message.should.match(/Invalid username or password/);
    e.message.should.not.match(/wrong-otds-password/);
  });
});

describe('config: ot-exstream and ot-messaging', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  it('ot-exstream uses the OTDS bearer token (orchestration) or the OTDS ticket (16.x service gateway)', async () => {
    const flow: FlowNode[] = [
      { id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials' },
      { id: 'ex1', type: 'ot-exstream', baseUrl: h.url, family: 'orchestration', domain: 'sandbox', otds: 'otds1' },
      { id: 'ex2', type: 'ot-exstream', baseUrl: h.url, family: 'sgw', tenant: 'sandbox-tenant', otds: 'otds1' },
    ];
    await helper.load([otdsNode, exstreamNode], flow, { otds1: { clientId: 'exstream-service', clientSecret: 'sandbox-exstream-secret', username: 'exstream', password: 'sandbox-exstream' } });
    const ex1 = helper.getNode('ex1') as unknown as ExstreamConfigNode;
    ex1.exstreamDomain.should.equal('sandbox');
    ex1.family.should.equal('orchestration');
    const v = await ex1.client.request<Record<string, unknown>>({ operation: 'version', method: 'GET', path: 'orchestration/api/v1/version' });
    v.status.should.equal(200);
    const ex2 = helper.getNode('ex2') as unknown as ExstreamConfigNode;
    ex2.tenant.should.equal('sandbox-tenant');
    (await ex2.client.options.auth!.headers()).should.have.property('OTDSTicket');
    otds(h.sb.app).tokenRequests.should.equal(1);
    otds(h.sb.app).ticketRequests.should.equal(1);
  });

  it('ot-messaging authenticates with HTTP Basic or an OCP tenant token', async () => {
    const flow: FlowNode[] = [
      { id: 'm1', type: 'ot-messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'basic' },
      { id: 'm2', type: 'ot-messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: `${h.url}/tenants/sandbox/oauth2/token` },
    ];
    await helper.load([messagingNode], flow, { m1: { username: 'sandbox-fax', password: 'sandbox-messaging' }, m2: { clientId: 'messaging-tenant', clientSecret: 'sandbox-messaging-secret' } });
    for (const id of ['m1', 'm2']) {
      const e = await failure((helper.getNode(id) as unknown as MessagingConfigNode).client.request({ operation: 'fax status', method: 'GET', path: 'outbound/faxes/status', query: { job_id: 'no-such-job' } }));
      // authenticated: the job is unknown (a 401 would mean the credentials were refused)
      e.code.should.equal('OT_NOT_FOUND');
    }
    otds(h.sb.app).tokenRequests.should.equal(1);
  });

  it('ot-messaging refuses an OCP mode without a token URL, on use', async () => {
    await helper.load([messagingNode], <FlowNode[]>[{ id: 'm1', type: 'ot-messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: '' }], {});
    const n = helper.getNode('m1') as unknown as MessagingConfigNode;
    const e = await failure(Promise.resolve().then(() => n.client.request({ operation: 'x', method: 'GET', path: 'outbound/faxes/status', query: { job_id: 'x' } })));
    e.code.should.equal('OT_INVALID_INPUT');
    e.message.should.match(/token URL is empty/);
  });
});

describe('config: secrets stay out of status, logs and messages; flows share one login', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  const flow = (extra: Record<string, unknown> = {}): FlowNode[] => [
    TAB,
    { ...xecmConfig(h.csUrl, extra).node },
    // flow nodes carry x/y: without them the runtime files a node under config nodes
    { id: 'probe', type: 'ot-test-probe', z: 'tab1', x: 100, y: 100, server: 'xecm1', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'tab1', x: 300, y: 100, wires: [] },
    { id: 'catch', type: 'catch', z: 'tab1', x: 100, y: 200, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab1', x: 300, y: 200, wires: [] },
  ];

  function everything(statuses: unknown[], messages: unknown[]): string {
    const logs = helper.log().args.map((a: unknown[]) => util.inspect(a, { depth: 8 }));
    return [...logs, ...statuses.map((s) => JSON.stringify(s)), ...messages.map((m) => util.inspect(m, { depth: 8 }))].join('\n');
  }

  it('a failed login reaches Catch with OT_AUTH, and no password or ticket shows anywhere', async () => {
    await helper.load([xecmNode, probeModule], flow(), { xecm1: { username: 'Admin', password: 'wrong-password-771' } });
    const probe = helper.getNode('probe');
    const statuses: unknown[] = [];
    (probe as unknown as EventEmitter).on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0]));
    const caught = nextMessage<{ error: { code: string; message: string }; otError: { code: string } }>(helper.getNode('caught'));
    probe.receive({ payload: 'go' });
    const msg = await caught;
    msg.error.code.should.equal('OT_AUTH');
    msg.otError.code.should.equal('OT_AUTH');
    msg.error.message.should.match(/Content Server login failed: HTTP 401/);
    statuses.should.containEql({ fill: 'blue', shape: 'ring', text: 'working' });
    (statuses[statuses.length - 1] as { fill: string; text: string }).fill.should.equal('red');
    (statuses[statuses.length - 1] as { text: string }).text.should.match(/^auth \d\d:\d\d:\d\d$/);
    everything(statuses, [msg]).should.not.match(/wrong-password-771/);
  });

  it('100 concurrent messages through a flow cause exactly one login, and status and logs stay clean', async () => {
    await helper.load([xecmNode, probeModule], flow({ concurrency: 4 }), { xecm1: { username: 'Admin', password: 'sandbox-admin' } });
    const probe = helper.getNode('probe');
    const out = helper.getNode('out');
    const statuses: unknown[] = [];
    (probe as unknown as EventEmitter).on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0]));
    const received: Array<{ payload: string; n: number }> = [];
    const all = new Promise<void>((resolve) => {
      out.on('input', (m: unknown) => {
        received.push(m as { payload: string; n: number });
        if (received.length === 100) resolve();
      });
    });
    for (let n = 0; n < 100; n++) probe.receive({ payload: 'go', n });
    await all;
    received.every((m) => m.payload === 'Admin').should.be.true();
    received.map((m) => m.n).sort((a, b) => a - b).should.eql(Array.from({ length: 100 }, (_, i) => i));
    cs(h.sb.app).logins.should.equal(1);
    const tickets = [...cs(h.sb.app).tickets.keys()];
    tickets.length.should.be.above(100);
    const text = everything(statuses, received);
    text.should.not.match(/sandbox-admin/);
    for (const t of tickets) text.includes(t).should.be.false();
    // status updates are rate-limited (10 at once per 500 ms, then the newest at the end of the
    // window): 100 messages do not send 200 updates, and the last state still shows
    statuses.length.should.be.below(40);
    const deadline = Date.now() + 2000;
    while ((statuses[statuses.length - 1] as { fill: string }).fill !== 'green' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    (statuses[statuses.length - 1] as { fill: string }).fill.should.equal('green');
    everything(statuses, received).should.not.match(/sandbox-admin/);
  });

  it('a failed login is not latched: the next message succeeds once the password is right again', async () => {
    await helper.load([xecmNode, probeModule], flow(), { xecm1: { username: 'Admin', password: 'sandbox-admin' } });
    const user = cs(h.sb.app).users.get(1000)!;
    user.password = 'rotated-by-the-admin';
    const caught = nextMessage<{ error: { code: string } }>(helper.getNode('caught'));
    helper.getNode('probe').receive({ payload: 'first' });
    (await caught).error.code.should.equal('OT_AUTH');
    user.password = 'sandbox-admin';
    const out = nextMessage<{ payload: string }>(helper.getNode('out'));
    helper.getNode('probe').receive({ payload: 'second' });
    (await out).payload.should.equal('Admin');
    cs(h.sb.app).logins.should.equal(1);
  });

  it('a missing connection is a catchable OT_INVALID_INPUT', async () => {
    const f = flow();
    (f[2] as FlowNode).server = '';
    await helper.load([xecmNode, probeModule], f, {});
    const caught = nextMessage<{ error: { code: string; message: string } }>(helper.getNode('caught'));
    helper.getNode('probe').receive({ payload: 'go' });
    const msg = await caught;
    msg.error.code.should.equal('OT_INVALID_INPUT');
    msg.error.message.should.match(/no Extended ECM connection is selected/);
  });
});
