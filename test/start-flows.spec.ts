/**
 * npm start's pieces without processes: options, the sandbox credentials it reads from the fixture,
 * the OT_* variables for a real OpenText, and how example flows become flows.json (one tab each,
 * config nodes once and pointed at the sandbox, ids de-duplicated, zero examples handled).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';

type Node = Record<string, unknown> & { id: string; type: string; z?: string };
interface Example {
  file: string;
  rel: string;
  label: string;
  nodes: Node[];
}
interface Creds {
  xecm: { username: string; password: string };
  otds: { clientId: string; clientSecret: string; username: string; password: string };
  csUsers: Record<string, { username: string; password: string }>;
  otdsUsers: Record<string, { username: string; password: string }>;
  messaging: { username: string; password: string };
  messagingOcp: { clientId: string; clientSecret: string };
  appworks: { key: string };
}
interface Real {
  xecm?: { url: string; username?: string; password?: string };
  otds?: { url: string; clientId?: string; clientSecret?: string };
  exstream?: { url: string };
  messaging?: { url: string; username?: string; password?: string };
  appworks?: { url: string; key?: string };
}
interface StartModule {
  parseArgs(argv: string[], env: Record<string, string | undefined>): { build: boolean; install: boolean; pack: string; userDir: string; examples: string; nodeRedPort: number; sandboxPort: number; help: boolean };
  sandboxCredentials(dir: string): Creds;
  realTargets(env: Record<string, string | undefined>): Real;
  describeConnections(real: Real, sandboxUrl: string): string[];
  listExamples(dir: string): Array<{ file: string; rel: string; label: string }>;
  loadExample(ex: { file: string; rel: string; label: string }, sandboxUrl?: string): Example;
  buildFlows(o: { examples: Example[]; sandboxUrl: string; sandboxCreds: Creds; real?: Real; availableTypes?: Set<string>; webhookSecret?: string }): {
    flows: Node[];
    credentials: Record<string, Record<string, string>>;
    warnings: string[];
    endpoints: Endpoint[];
  };
  isConfigNode(n: Node): boolean;
  availableTypes(pack: string): Set<string>;
  webhookKinds(types: unknown): string[];
  webhookSecret(env: Record<string, string | undefined>): { secret: string; source: string };
  webhookRegistration(endpoints: Endpoint[], nodeRedBase: string, httpNodeRoot: string, secret: string): Record<string, unknown>;
  endpointUrl(nodeRedBase: string, httpNodeRoot: string, p: string): string;
  EVENT_KIND: Record<string, string | null>;
  WEBHOOK_KINDS: string[];
}
interface Endpoint {
  id: string;
  tab: string;
  name: string;
  path: string;
  kinds: string[];
  disabled: boolean;
}

const root = path.join(__dirname, '..');
const start = require('../scripts/start.js') as StartModule;
const SB = 'http://127.0.0.1:8701';
const creds = start.sandboxCredentials(path.join(root, 'sandbox', 'fixtures', 'default'));
const ex = (rel: string, nodes: Node[]): Example => ({ file: rel, rel, label: path.basename(rel, '.json'), nodes });

describe('npm start: options and connections', () => {
  it('reads ports from NODE_RED_PORT and OT_SANDBOX_PORT (0 = free ports) and the folder options', () => {
    const d = start.parseArgs([], {});
    d.should.containDeep({ build: true, install: true, nodeRedPort: 1880, sandboxPort: 8701, help: false });
    d.userDir.should.equal(path.join(root, '.node-red'));
    d.examples.should.equal(path.join(root, 'examples'));
    start.parseArgs([], { NODE_RED_PORT: '1999', OT_SANDBOX_PORT: '8799' }).should.containDeep({ nodeRedPort: 1999, sandboxPort: 8799 });
    start.parseArgs([], { OT_SANDBOX_PORT: '0' }).should.containDeep({ nodeRedPort: 0, sandboxPort: 0 });
    start.parseArgs([], { OT_SANDBOX_PORT: '0', NODE_RED_PORT: '1881' }).should.containDeep({ nodeRedPort: 1881, sandboxPort: 0 });
    const o = start.parseArgs(['--no-build', '--no-install', '--pack', '/tmp/p', '--user-dir', 'nr', '--examples', '/tmp/e'], { OT_START_NO_BUILD: undefined });
    o.should.containDeep({ build: false, install: false, pack: '/tmp/p', userDir: path.resolve('nr'), examples: '/tmp/e' });
    start.parseArgs(['--help'], {}).help.should.be.true();
    (() => start.parseArgs([], { NODE_RED_PORT: 'abc' })).should.throw(/NODE_RED_PORT must be a port number/);
    (() => start.parseArgs([], { OT_SANDBOX_PORT: '70000' })).should.throw(/OT_SANDBOX_PORT/);
    (() => start.parseArgs(['--turbo'], {})).should.throw(/unknown option --turbo/);
    (() => start.parseArgs(['--pack'], {})).should.throw(/--pack needs a value/);
  });

  it("takes the sandbox credentials from the sandbox's default fixture", () => {
    creds.xecm.should.eql({ username: 'Admin', password: 'sandbox-admin' });
    creds.otds.should.containDeep({ clientId: 'node-red', clientSecret: 'sandbox-client-secret' });
    creds.csUsers.jsmith.should.eql({ username: 'jsmith', password: 'sandbox-jsmith' });
    creds.otdsUsers.rmanager.should.eql({ username: 'rmanager', password: 'sandbox-rm' });
    creds.messaging.should.eql({ username: 'sandbox-fax', password: 'sandbox-messaging' });
    creds.messagingOcp.clientId.should.equal('messaging-tenant');
    const aw = JSON.parse(fs.readFileSync(path.join(root, 'sandbox', 'fixtures', 'default', 'appworks.json'), 'utf8')) as { trustedServers: Array<{ key: string; enabled?: boolean }> };
    creds.appworks.key.should.equal(aw.trustedServers.find((s) => s.enabled !== false)!.key);
  });

  it('reads a real OpenText per product from OT_* variables and describes it without secret values', () => {
    const env = { OT_XECM_URL: 'https://ecm.example.com/otcs/cs.exe/api', OT_XECM_USER: 'jdoe', OT_XECM_PASSWORD: 'pw-xecm-1', OT_OTDS_URL: 'https://otds.example.com', OT_OTDS_CLIENT_ID: 'nr', OT_OTDS_CLIENT_SECRET: 'pw-otds-2', OT_APPWORKS_URL: 'https://aw.example.com', OT_APPWORKS_KEY: 'pw-aw-3', OT_EXSTREAM_URL: '' };
    const real = start.realTargets(env);
    real.should.have.properties(['xecm', 'otds', 'appworks']);
    real.should.not.have.property('exstream');
    real.should.not.have.property('messaging');
    const text = start.describeConnections(real, SB).join('\n');
    text.should.match(/Extended ECM: +https:\/\/ecm\.example\.com\/otcs\/cs\.exe\/api as jdoe, password set/);
    text.should.match(/OTDS: +https:\/\/otds\.example\.com, client nr, secret set/);
    text.should.match(/Exstream: +sandbox http:\/\/127\.0\.0\.1:8701/);
    text.should.match(/Cloud Messaging: +sandbox http:\/\/127\.0\.0\.1:8701\/mra\/v1/);
    text.should.match(/AppWorks Gateway: https:\/\/aw\.example\.com, key set/);
    for (const secret of ['pw-xecm-1', 'pw-otds-2', 'pw-aw-3']) text.should.not.containEql(secret);
    start.describeConnections(start.realTargets({ OT_XECM_URL: 'https://x/api' }), SB)[0].should.match(/as \(no OT_XECM_USER\), password NOT SET/);
  });
});

describe('npm start: example flows to flows.json', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-flows-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lists examples/**/*.json sorted by path, labelled by file name; rejects files that are not flows', () => {
    fs.mkdirSync(path.join(tmp, 'ex', 'Records Management'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'ex', 'Cloud Fax'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'ex', 'Records Management', 'RM-2 Retention.json'), '[]');
    fs.writeFileSync(path.join(tmp, 'ex', 'Records Management', 'RM-1 Declaration.json'), JSON.stringify([{ id: 'a', type: 'comment', x: 1, y: 1, wires: [] }, { nonsense: true }]));
    fs.writeFileSync(path.join(tmp, 'ex', 'Cloud Fax', 'FAX-1 Inbound.json'), JSON.stringify({ flows: [{ id: 'b', type: 'comment', x: 1, y: 1, wires: [] }] }));
    fs.writeFileSync(path.join(tmp, 'ex', 'Cloud Fax', 'notes.txt'), 'not a flow');
    fs.writeFileSync(path.join(tmp, 'ex', 'broken.json'), '{"not": "a flow"}');
    const list = start.listExamples(path.join(tmp, 'ex'));
    list.map((e) => e.rel).should.eql(['broken.json', 'Cloud Fax/FAX-1 Inbound.json', 'Records Management/RM-1 Declaration.json', 'Records Management/RM-2 Retention.json']);
    list.map((e) => e.label).should.eql(['broken', 'FAX-1 Inbound', 'RM-1 Declaration', 'RM-2 Retention']);
    (() => start.loadExample(list[0])).should.throw(/not a flow/);
    start.loadExample(list[1]).nodes.map((n) => n.id).should.eql(['b']);
    start.loadExample(list[2]).nodes.map((n) => n.id).should.eql(['a']);
    start.listExamples(path.join(tmp, 'missing')).should.eql([]);
  });

  it('with zero examples: a welcome tab and one sandbox connection per available config type', () => {
    const r = start.buildFlows({ examples: [], sandboxUrl: SB + '/', sandboxCreds: creds, availableTypes: new Set(['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']) });
    r.warnings.should.eql([]);
    const tab = r.flows.find((n) => n.type === 'tab')!;
    tab.label!.should.equal('OpenText sandbox');
    r.flows.filter((n) => n.z === tab.id).map((n) => n.type).should.eql(['comment']);
    const cfg = r.flows.filter((n) => n.type.startsWith('ot-'));
    cfg.map((n) => n.type).should.eql(['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']);
    cfg.find((n) => n.type === 'ot-xecm')!.baseUrl!.should.equal(SB + '/otcs/cs.exe/api');
    cfg.find((n) => n.type === 'ot-messaging')!.baseUrl!.should.equal(SB + '/mra/v1');
    cfg.find((n) => n.type === 'ot-exstream')!.otds!.should.equal(cfg.find((n) => n.type === 'ot-otds')!.id);
    r.credentials[cfg.find((n) => n.type === 'ot-xecm')!.id].should.eql(creds.xecm);
    r.credentials[cfg.find((n) => n.type === 'ot-messaging')!.id].should.eql(creds.messaging);
    should(cfg.find((n) => n.type === 'ot-appworks')).be.undefined();
  });

  it('puts every example on its own tab and keeps config nodes (same id) once, global', () => {
    const a = ex('Pair/A-1 First.json', [
      { id: 'tabA', type: 'tab', label: 'whatever', info: 'The first example.' },
      { id: 'n1', type: 'inject', z: 'tabA', x: 1, y: 1, wires: [['n2']] },
      { id: 'n2', type: 'ot-upload', z: 'tabA', server: 'x1', x: 2, y: 1, wires: [[]] },
      { id: 'x1', type: 'ot-xecm', z: 'tabA', name: 'ECM', baseUrl: 'https://somewhere/api' },
      { id: 'gc', type: 'global-config', env: [], modules: { 'node-red-contrib-opentext': '0.1.0' } },
    ]);
    const b = ex('Pair/A-2 Second.json', [
      { id: 'm1', type: 'inject', z: '', x: 1, y: 1, wires: [['m2']] },
      { id: 'm2', type: 'ot-upload', server: 'x1', x: 2, y: 1, wires: [[]] },
      { id: 'x1', type: 'ot-xecm', name: 'ECM again', baseUrl: 'https://elsewhere/api' },
      { id: 'tls', type: 'tls-config', name: 'certs' },
    ]);
    const r = start.buildFlows({ examples: [a, b], sandboxUrl: SB, sandboxCreds: creds, availableTypes: new Set(['ot-xecm']) });
    const tabs = r.flows.filter((n) => n.type === 'tab');
    tabs.map((t) => t.label).should.eql(['A-1 First', 'A-2 Second']);
    tabs[0].info!.should.equal('The first example.');
    r.flows.filter((n) => n.z === tabs[0].id).map((n) => n.id).should.eql(['n1', 'n2']);
    r.flows.filter((n) => n.z === tabs[1].id).map((n) => n.id).should.eql(['m1', 'm2']);
    const x = r.flows.filter((n) => n.id === 'x1');
    x.should.have.length(1);
    x[0].should.containDeep({ name: 'ECM', baseUrl: SB + '/otcs/cs.exe/api' });
    x[0].should.not.have.property('z');
    r.flows.filter((n) => n.type === 'global-config').should.have.length(0);
    r.flows.filter((n) => n.type === 'tls-config').should.have.length(1);
    r.credentials.should.eql({ x1: creds.xecm });
    r.warnings.should.have.length(2);
    r.warnings[0].should.match(/A-1 First\.json uses ot-upload, which this build does not have/);
  });

  it('renames flow node ids that an earlier example used, with wires, links, scope and groups', () => {
    const make = (rel: string) =>
      ex(rel, [
        { id: 'g1', type: 'group', z: '', nodes: ['i1', 'l1'], x: 0, y: 0, w: 10, h: 10 },
        { id: 'i1', type: 'inject', z: '', g: 'g1', x: 1, y: 1, wires: [['l1']] },
        { id: 'l1', type: 'link out', z: '', g: 'g1', links: ['l2'], x: 2, y: 1, wires: [] },
        { id: 'l2', type: 'link in', z: '', links: ['l1'], x: 3, y: 1, wires: [['c1']] },
        { id: 'c1', type: 'catch', z: '', scope: ['i1'], x: 4, y: 1, wires: [['cfgdebug']] },
        { id: 'cfgdebug', type: 'debug', z: '', x: 5, y: 1, wires: [] },
      ]);
    const r = start.buildFlows({ examples: [make('E-1.json'), make('E-2.json')], sandboxUrl: SB, sandboxCreds: creds });
    const ids = r.flows.map((n) => n.id);
    new Set(ids).size.should.equal(ids.length);
    const [t1, t2] = r.flows.filter((n) => n.type === 'tab');
    const second = r.flows.filter((n) => n.z === t2.id);
    second.should.have.length(6);
    const byType = (t: string) => second.find((n) => n.type === t)!;
    for (const n of second) ['g1', 'i1', 'l1', 'l2', 'c1', 'cfgdebug'].should.not.containEql(n.id);
    byType('group').nodes!.should.eql([byType('inject').id, byType('link out').id]);
    byType('inject').g!.should.equal(byType('group').id);
    byType('inject').wires!.should.eql([[byType('link out').id]]);
    byType('link out').links!.should.eql([byType('link in').id]);
    byType('link in').links!.should.eql([byType('link out').id]);
    byType('link in').wires!.should.eql([[byType('catch').id]]);
    byType('catch').scope!.should.eql([byType('inject').id]);
    r.flows.filter((n) => n.z === t1.id).map((n) => n.id).should.eql(['g1', 'i1', 'l1', 'l2', 'c1', 'cfgdebug']);
  });

  it('gives each OpenText config type its sandbox URL and credentials (per-user connections, OCP messaging)', () => {
    const e = ex('X.json', [
      { id: 'o1', type: 'ot-otds', name: 'for CS', grant: 'password' },
      { id: 'o2', type: 'ot-otds', name: 'for Exstream', grant: 'client_credentials' },
      { id: 'e1', type: 'ot-exstream', otds: 'o2', baseUrl: 'https://exstream.example.com' },
      { id: 'm1', type: 'ot-messaging', authMode: 'ocp', tokenUrl: 'https://us.api.opentext.com/tenants/t/oauth2/token' },
      { id: 'm2', type: 'ot-messaging', authMode: 'basic' },
      { id: 'a1', type: 'ot-appworks', gatewayUrl: 'https://aw.example.com' },
    ]);
    const r = start.buildFlows({ examples: [e], sandboxUrl: SB, sandboxCreds: creds });
    const get = (id: string) => r.flows.find((n) => n.id === id)!;
    get('o1').baseUrl!.should.equal(SB);
    r.credentials.o1.should.eql(creds.otds);
    r.credentials.o2.should.eql(creds.otds);
    get('e1').baseUrl!.should.equal(SB);
    get('m1').should.containDeep({ baseUrl: SB + '/mra/v1', tokenUrl: SB + '/tenants/sandbox/oauth2/token' });
    r.credentials.m1.should.eql(creds.messagingOcp);
    r.credentials.m2.should.eql(creds.messaging);
    get('a1').gatewayUrl!.should.equal(SB);
    r.credentials.a1.should.eql(creds.appworks);
  });

  it('logs a connection with the id ot_xecm_<user>_sandbox / ot_otds_<user>_sandbox in as that sandbox user (docs/EXAMPLES.md)', () => {
    const e = ex('U.json', [
      { id: 'ot_xecm_sandbox', type: 'ot-xecm' },
      { id: 'ot_xecm_jsmith_sandbox', type: 'ot-xecm' },
      { id: 'ot_xecm_nobody_sandbox', type: 'ot-xecm' },
      { id: 'ot_otds_rmanager_sandbox', type: 'ot-otds', grant: 'password' },
    ]);
    const r = start.buildFlows({ examples: [e], sandboxUrl: SB, sandboxCreds: creds });
    r.credentials.ot_xecm_sandbox.should.eql(creds.xecm);
    r.credentials.ot_xecm_jsmith_sandbox.should.eql({ username: 'jsmith', password: 'sandbox-jsmith' });
    r.credentials.ot_xecm_nobody_sandbox.should.eql(creds.xecm);
    r.credentials.ot_otds_rmanager_sandbox.should.eql({ clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'rmanager', password: 'sandbox-rm' });
    r.warnings.should.eql(['config node ot_xecm_nobody_sandbox: the sandbox has no Content Server user "nobody"; it logs in as Admin']);
  });

  it('replaces the default sandbox address of example files with the running sandbox', () => {
    const dir = path.join(tmp, 'addr');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'A.json'), JSON.stringify([{ id: 'c', type: 'comment', info: 'See http://127.0.0.1:8701/_sandbox/', x: 1, y: 1, wires: [] }, { id: 'x', type: 'ot-xecm', baseUrl: 'http://127.0.0.1:8701/otcs/cs.exe/api' }]));
    const [a] = start.listExamples(dir);
    start.loadExample(a, 'http://127.0.0.1:40001/').nodes[0].info!.should.equal('See http://127.0.0.1:40001/_sandbox/');
    start.loadExample(a).nodes[0].info!.should.equal('See http://127.0.0.1:8701/_sandbox/');
  });

  it('uses the real OpenText of the OT_* variables for the matching config nodes only', () => {
    const e = ex('X.json', [
      { id: 'x1', type: 'ot-xecm' },
      { id: 'o1', type: 'ot-otds' },
      { id: 'e1', type: 'ot-exstream', otds: 'o1' },
      { id: 'm1', type: 'ot-messaging', authMode: 'basic' },
      { id: 'a1', type: 'ot-appworks' },
    ]);
    const real = start.realTargets({ OT_XECM_URL: 'https://ecm/api', OT_XECM_USER: 'u', OT_XECM_PASSWORD: 'p', OT_EXSTREAM_URL: 'https://exs', OT_OTDS_URL: 'https://otds', OT_OTDS_CLIENT_ID: 'c', OT_OTDS_CLIENT_SECRET: 's', OT_APPWORKS_URL: 'https://aw', OT_APPWORKS_KEY: 'k' });
    const r = start.buildFlows({ examples: [e], sandboxUrl: SB, sandboxCreds: creds, real });
    const get = (id: string) => r.flows.find((n) => n.id === id)!;
    get('x1').baseUrl!.should.equal('https://ecm/api');
    r.credentials.x1.should.eql({ username: 'u', password: 'p' });
    get('o1').baseUrl!.should.equal('https://otds');
    r.credentials.o1.should.eql({ clientId: 'c', clientSecret: 's' });
    get('e1').baseUrl!.should.equal('https://exs');
    get('m1').baseUrl!.should.equal(SB + '/mra/v1');
    r.credentials.m1.should.eql(creds.messaging);
    get('a1').gatewayUrl!.should.equal('https://aw');
    r.credentials.a1.should.eql({ key: 'k' });
  });

  it('tells config nodes from flow nodes', () => {
    start.isConfigNode({ id: 'a', type: 'ot-xecm', x: 1 }).should.be.true();
    start.isConfigNode({ id: 'a', type: 'some-config' }).should.be.true();
    start.isConfigNode({ id: 'a', type: 'inject', x: 1, y: 1, wires: [] }).should.be.false();
    start.isConfigNode({ id: 'a', type: 'group', x: 1 }).should.be.false();
    start.isConfigNode({ id: 'a', type: 'subflow:abc' }).should.be.false();
  });

  it("knows which of the package's node types a built pack has", () => {
    const pack = path.join(tmp, 'pack');
    fs.mkdirSync(path.join(pack, 'dist', 'nodes', 'xecm'), { recursive: true });
    fs.writeFileSync(path.join(pack, 'package.json'), JSON.stringify({ 'node-red': { nodes: { 'ot-xecm': 'dist/nodes/xecm/ot-xecm.js', 'ot-upload': 'dist/nodes/xecm/ot-upload.js' } } }));
    fs.writeFileSync(path.join(pack, 'dist', 'nodes', 'xecm', 'ot-xecm.js'), '');
    [...start.availableTypes(pack)].should.eql(['ot-xecm']);
  });
});

describe('npm start: tab environment and the "OpenText event in" nodes', () => {
  const eventIn = (id: string, z: string, url: string, types: string, extra: Record<string, unknown> = {}): Node => ({ id, type: 'ot-event-in', z, name: id, url, verify: 'either', tokenHeader: 'X-OT-Token', signatureHeader: 'X-OT-Signature', types, dedupe: 600, x: 100, y: 100, wires: [[]], ...extra });

  it('keeps the env variables of an example tab and of its groups as the file has them', () => {
    const env = [
      { name: 'RM7_ESCALATE_AFTER_MS', value: '14400000', type: 'num' },
      { name: 'GREETING', value: 'hello', type: 'str' },
      { name: 'FLAG', value: 'true', type: 'bool' },
    ];
    const groupEnv = [{ name: 'IN_GROUP', value: '{"a":1}', type: 'json' }];
    const e = ex('Pair/E-1 Env.json', [
      { id: 't', type: 'tab', label: 'E-1', info: 'x', env },
      { id: 'g', type: 'group', z: 't', name: '1. Do', env: groupEnv, nodes: ['n'], x: 0, y: 0, w: 10, h: 10 },
      { id: 'n', type: 'inject', z: 't', g: 'g', x: 1, y: 1, wires: [] },
    ]);
    const plain = ex('Pair/E-2 No env.json', [{ id: 't2', type: 'tab', label: 'E-2' }, { id: 'm', type: 'inject', z: 't2', x: 1, y: 1, wires: [] }]);
    const emptyEnv = ex('Pair/E-3 Empty env.json', [{ id: 't3', type: 'tab', label: 'E-3', env: [] }, { id: 'k', type: 'inject', z: 't3', x: 1, y: 1, wires: [] }]);
    const r = start.buildFlows({ examples: [e, plain, emptyEnv], sandboxUrl: SB, sandboxCreds: creds });
    const tabs = r.flows.filter((n) => n.type === 'tab');
    tabs[0].env!.should.eql(env);
    tabs[0].should.containDeep({ label: 'E-1 Env', info: 'x', disabled: false });
    tabs[1].should.not.have.property('env');
    tabs[2].env!.should.eql([]);
    r.flows.find((n) => n.type === 'group')!.env!.should.eql(groupEnv);
    // an example of several tabs (one tab in npm start): their variables together, the first of a name wins
    const two = ex('Two.json', [
      { id: 'a', type: 'tab', label: 'A', env: [{ name: 'X', value: '1', type: 'str' }] },
      { id: 'b', type: 'tab', label: 'B', env: [{ name: 'X', value: '2', type: 'str' }, { name: 'Y', value: '3', type: 'str' }] },
    ]);
    start.buildFlows({ examples: [two], sandboxUrl: SB, sandboxCreds: creds }).flows[0].env!.should.eql([{ name: 'X', value: '1', type: 'str' }, { name: 'Y', value: '3', type: 'str' }]);
  });

  it('maps every event type of ot-event-in to the sandbox webhook kind that sends it', () => {
    const { EVENT_TYPES } = require('../nodes/lib/events') as { EVENT_TYPES: string[] };
    Object.keys(start.EVENT_KIND).sort().should.eql([...EVENT_TYPES].sort());
    start.WEBHOOK_KINDS.should.eql(['push', 'fax', 'inboundFax', 'exstream']);
    start.webhookKinds('push.response').should.eql(['push']);
    start.webhookKinds('push.opened,push.response,custom').should.eql(['push']);
    start.webhookKinds(' fax.status , fax.inbound ').should.eql(['fax', 'inboundFax']);
    start.webhookKinds('exstream.delivery_exception').should.eql(['exstream']);
    start.webhookKinds('exstream.delivery_exception,push.opened').should.eql(['push', 'exstream']);
    start.webhookKinds('custom').should.eql([]);
    // none ticked (or only names the node does not know): the node takes every event
    for (const t of ['', undefined, null, 'no.such.type']) start.webhookKinds(t).should.eql(['push', 'fax', 'inboundFax', 'exstream']);
  });

  it('gives every ot-event-in node the webhook secret and lists its endpoint, kinds and tab', () => {
    const a = ex('Pair/W-1 Push.json', [{ id: 'ta', type: 'tab', label: 'W-1' }, eventIn('ev', 'ta', '/opentext/w1/events', 'push.response'), eventIn('off', 'ta', '/opentext/w1/off', '', { d: true })]);
    const b = ex('Pair/W-2 All.json', [{ id: 'tb', type: 'tab', label: 'W-2' }, eventIn('ev', 'tb', 'opentext/w2/events', ''), eventIn('portal', 'tb', '/opentext/w2/portal', 'custom')]);
    const c = ex('Pair/W-3 Same path.json', [{ id: 'tc', type: 'tab', label: 'W-3' }, eventIn('ev3', 'tc', '/opentext/w1/events', 'fax.status'), eventIn('nourl', 'tc', '', '')]);
    const r = start.buildFlows({ examples: [a, b, c], sandboxUrl: SB, sandboxCreds: creds, webhookSecret: 'sandbox-test-secret-1' });
    const ids = r.flows.filter((n) => n.type === 'ot-event-in').map((n) => n.id);
    ids.should.have.length(6);
    ids[2].should.not.equal('ev'); // the second "ev" was renamed; its credential follows the new id
    for (const id of ids) r.credentials[id].should.eql({ secret: 'sandbox-test-secret-1' });
    r.endpoints.map((e) => [e.id, e.tab, e.path, e.kinds, e.disabled]).should.eql([
      ['ev', 'W-1 Push', '/opentext/w1/events', ['push'], false],
      ['off', 'W-1 Push', '/opentext/w1/off', ['push', 'fax', 'inboundFax', 'exstream'], true],
      [ids[2], 'W-2 All', '/opentext/w2/events', ['push', 'fax', 'inboundFax', 'exstream'], false],
      ['portal', 'W-2 All', '/opentext/w2/portal', [], false],
      ['ev3', 'W-3 Same path', '/opentext/w1/events', ['fax'], false],
      ['nourl', 'W-3 Same path', '', ['push', 'fax', 'inboundFax', 'exstream'], false],
    ]);
    r.warnings.should.eql([
      'Pair/W-3 Same path.json: "OpenText event in" ev3 listens on /opentext/w1/events like the one of W-1 Push; Node-RED gives that path\'s requests to only one of them',
      'Pair/W-3 Same path.json: "OpenText event in" nourl has no URL; it is not registered with the sandbox',
    ]);
    // without a secret (as before): no credentials for them, the endpoints are still listed
    const none = start.buildFlows({ examples: [a], sandboxUrl: SB, sandboxCreds: creds });
    none.credentials.should.eql({});
    none.endpoints.should.have.length(2);
    // a build without the node: its endpoints are not registered
    start.buildFlows({ examples: [a], sandboxUrl: SB, sandboxCreds: creds, availableTypes: new Set(['ot-xecm']) }).endpoints.every((e) => e.disabled).should.be.true();
  });

  it('registers each endpoint once per kind it receives, under httpNodeRoot, with the secret', () => {
    const eps: Endpoint[] = [
      { id: 'a', tab: 'A', name: '', path: '/opentext/a', kinds: ['push'], disabled: false },
      { id: 'b', tab: 'B', name: '', path: '/opentext/b', kinds: ['push', 'fax', 'inboundFax', 'exstream'], disabled: false },
      { id: 'c', tab: 'C', name: '', path: '/opentext/c', kinds: ['exstream'], disabled: true },
      { id: 'd', tab: 'D', name: '', path: '/opentext/a', kinds: ['push'], disabled: false },
      { id: 'e', tab: 'E', name: '', path: '', kinds: ['push'], disabled: false },
      { id: 'f', tab: 'F', name: '', path: '/opentext/f', kinds: [], disabled: false },
    ];
    start.webhookRegistration(eps, 'http://127.0.0.1:1880', '/', 's3cret').should.eql({
      secret: 's3cret',
      push: ['http://127.0.0.1:1880/opentext/a', 'http://127.0.0.1:1880/opentext/b'],
      fax: ['http://127.0.0.1:1880/opentext/b'],
      inboundFax: ['http://127.0.0.1:1880/opentext/b'],
      exstream: ['http://127.0.0.1:1880/opentext/b'],
    });
    start.webhookRegistration(eps.slice(0, 1), 'http://127.0.0.1:1999/', '/nodes/', 'x').should.eql({ secret: 'x', push: ['http://127.0.0.1:1999/nodes/opentext/a'] });
    start.endpointUrl('http://127.0.0.1:1880', 'api', '/x').should.equal('http://127.0.0.1:1880/api/x');
  });

  it('takes the secret from OT_WEBHOOK_SECRET, else a new random one per start', () => {
    start.webhookSecret({ OT_WEBHOOK_SECRET: 'mine-123' }).should.eql({ secret: 'mine-123', source: 'OT_WEBHOOK_SECRET' });
    const a = start.webhookSecret({});
    const b = start.webhookSecret({ OT_WEBHOOK_SECRET: '' });
    a.source.should.equal('random');
    b.source.should.equal('random');
    a.secret.should.match(/^sandbox-[0-9a-f]{48}$/);
    a.secret.should.not.equal(b.secret);
  });
});
