/**
 * `npm start` (scripts/start.js) end to end: it starts the sandbox and Node-RED 4 with the pack on
 * free ports, loads test examples (written to a temp folder, never to examples/) on their own tabs
 * with their config nodes pointed at the sandbox and given its credentials, honours the OT_* variables
 * for a real OpenText without printing secrets, and stops both children on SIGTERM.
 *
 * The pack is built into a temp folder (scripts/build.js --out --transpile-only) so the test neither
 * needs nor touches dist/.
 */
import type { ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { until } from './support/nr';
import { alive, buildPack, root, startPack } from './support/start';

type Obj = Record<string, unknown>;

const MESSAGING_SECRET = 'not-for-the-console-4711';

/** A test example as docs/EXAMPLES.md describes them: a tab first, the shared config nodes, the sandbox's default address. */
function example(tabLabel: string): Obj[] {
  const z = 'tab-' + tabLabel;
  return [
    { id: z, type: 'tab', label: tabLabel, disabled: false, info: `${tabLabel} (test example)` },
    { id: 'c1', type: 'comment', z, name: `${tabLabel}: what this example does`, info: 'Look at http://127.0.0.1:8701/_sandbox/ afterwards.', x: 160, y: 40, wires: [] },
    { id: 'i1', type: 'inject', z, name: 'go', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', x: 110, y: 100, wires: [['d1']] },
    { id: 'd1', type: 'debug', z, name: 'out', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 300, y: 100, wires: [] },
    { id: 'ot_xecm_sandbox', type: 'ot-xecm', name: 'Extended ECM (sandbox)', baseUrl: 'http://127.0.0.1:8701/otcs/cs.exe/api', authMode: 'password', otds: '', domain: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
    { id: 'ot_xecm_jsmith_sandbox', type: 'ot-xecm', name: 'Extended ECM (jsmith, sandbox)', baseUrl: 'http://127.0.0.1:8701/otcs/cs.exe/api', authMode: 'password', otds: '', domain: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
    { id: 'ot_messaging_sandbox', type: 'ot-messaging', name: 'Cloud Messaging (sandbox)', baseUrl: 'http://127.0.0.1:8701/mra/v1', authMode: 'basic', tokenUrl: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
  ];
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, body };
}

describe('npm start (scripts/start.js)', function () {
  this.timeout(120000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-start-'));
  const pack = path.join(tmp, 'pack');
  const userDir = path.join(tmp, 'node-red');
  const examples = path.join(tmp, 'examples');
  let child: ChildProcess;
  let out = '';
  let exited: Promise<number | null>;
  let nodeRed = '';
  let sandbox = '';
  let pids: { sandbox: number; nodeRed: number };

  before(async () => {
    // the pack, built aside
    buildPack(pack);
    // two test examples in a sub-folder: same config node ids, colliding flow node ids
    fs.mkdirSync(path.join(examples, 'Test pair'), { recursive: true });
    fs.writeFileSync(path.join(examples, 'Test pair', 'T-1 First test example.json'), JSON.stringify(example('T-1')));
    fs.writeFileSync(path.join(examples, 'Test pair', 'T-2 Second test example.json'), JSON.stringify(example('T-2')));

    const env: NodeJS.ProcessEnv = { ...process.env, OT_SANDBOX_PORT: '0', OT_MESSAGING_URL: 'https://messaging.example.invalid/mra/v1', OT_MESSAGING_USER: 'demo-user', OT_MESSAGING_PASSWORD: MESSAGING_SECRET };
    delete env.NODE_RED_PORT;
    for (const k of ['OT_XECM_URL', 'OT_OTDS_URL', 'OT_EXSTREAM_URL', 'OT_APPWORKS_URL']) delete env[k];
    const started = startPack({ pack, userDir, examples }, env, (text) => (out += text));
    child = started.child;
    exited = started.exited;
    ({ nodeRed, sandbox, pids } = await started.ready);
  });

  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const pid of pids ? [pids.sandbox, pids.nodeRed] : []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints both addresses and what to click first; both answer', async () => {
    out.should.match(/What to click first:/);
    out.should.containEql('pick the tab "T-1 First test example"');
    out.should.match(/2 example flows loaded, one tab each\. flows\.json is rewritten/);
    (await getJson(`${nodeRed}settings`)).status.should.equal(200);
    const st = await getJson(`${sandbox}/_sandbox/state`);
    st.status.should.equal(200);
    st.body!.should.have.properties(['cs', 'otds', 'messaging']);
  });

  it("lists the pack's node sets in Node-RED, with the config nodes loaded (the others are listed)", async () => {
    const r = await getJson(`${nodeRed}nodes`);
    r.status.should.equal(200);
    const sets = (r.body as Array<{ id: string; module: string; types: string[]; enabled: boolean; err?: unknown }>).filter((s) => s.module === 'node-red-contrib-opentext');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    sets.map((s) => s.id.split('/')[1]).sort().should.eql(Object.keys(pkg['node-red'].nodes).sort());
    const errText = (e: unknown) => (typeof e === 'string' ? e : e && typeof e === 'object' ? String((e as { message?: string; code?: string }).message || (e as { code?: string }).code || JSON.stringify(e)) : '');
    const configs = ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging', 'ot-appworks'].filter((t) => fs.existsSync(path.join(root, pkg['node-red'].nodes[t].replace(/^dist\//, '').replace(/\.js$/, '.ts'))));
    configs.should.containDeep(['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']);
    for (const t of configs) {
      const s = sets.find((x) => x.id.endsWith('/' + t))!;
      (s.err === undefined).should.be.true(`${t} did not load: ${errText(s.err)}`);
      s.enabled.should.be.true();
      s.types.should.containEql(t);
    }
    const failing = sets.filter((s) => s.err);
    // Report (not a failure): node sets that did not load, e.g. nodes not written yet.
    console.log(`      node sets loaded: ${sets.length - failing.length}/${sets.length}${failing.length ? `; not loaded: ${failing.map((s) => `${s.id.split('/')[1]} (${errText(s.err).split('\n')[0].slice(0, 60)})`).join(', ')}` : ''}`);
    sets.length.should.be.above(failing.length);
  });

  it('puts each example on its own tab, config nodes once, colliding ids renamed', async () => {
    const r = await getJson(`${nodeRed}flows`);
    r.status.should.equal(200);
    const flows = r.body as Array<Obj & { id: string; type: string; z?: string }>;
    const tabs = flows.filter((n) => n.type === 'tab');
    tabs.map((t) => t.label).should.eql(['T-1 First test example', 'T-2 Second test example']);
    tabs.map((t) => t.info).should.eql(['T-1 (test example)', 'T-2 (test example)']);
    for (const t of tabs) {
      const own = flows.filter((n) => n.z === t.id);
      own.map((n) => n.type).sort().should.eql(['comment', 'debug', 'inject']);
      const inject = own.find((n) => n.type === 'inject')!;
      const debug = own.find((n) => n.type === 'debug')!;
      (inject.wires as string[][]).should.eql([[debug.id]]);
      own.find((n) => n.type === 'comment')!.info!.should.equal(`Look at ${sandbox}/_sandbox/ afterwards.`);
    }
    flows.filter((n) => n.id === 'i1').should.have.length(1);
    flows.filter((n) => n.type === 'ot-xecm').map((n) => n.id).should.eql(['ot_xecm_sandbox', 'ot_xecm_jsmith_sandbox']);
    const xecm = flows.find((n) => n.id === 'ot_xecm_sandbox')!;
    xecm.should.have.properties({ type: 'ot-xecm', name: 'Extended ECM (sandbox)', baseUrl: `${sandbox}/otcs/cs.exe/api` });
    should(xecm.z).be.undefined();
  });

  it('gives the config nodes the sandbox credentials, and they work against the sandbox', async () => {
    const test = async (id: string) => {
      const res = await fetch(`${nodeRed}opentext/ot-xecm/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, settings: { baseUrl: `${sandbox}/otcs/cs.exe/api`, authMode: 'password' } }) });
      return (await res.json()) as { ok: boolean; message: string };
    };
    (await getJson(`${nodeRed}credentials/ot-xecm/ot_xecm_sandbox`)).body!.should.eql({ username: 'Admin', has_password: true });
    (await test('ot_xecm_sandbox')).should.eql({ ok: true, message: 'connected as Admin' });
    (await getJson(`${nodeRed}credentials/ot-xecm/ot_xecm_jsmith_sandbox`)).body!.should.eql({ username: 'jsmith', has_password: true });
    (await test('ot_xecm_jsmith_sandbox')).should.eql({ ok: true, message: 'connected as jsmith' });
    const stored = JSON.parse(fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8')) as Record<string, Obj>;
    stored.ot_xecm_sandbox.should.eql({ username: 'Admin', password: 'sandbox-admin' });
  });

  it('points a product at a real OpenText from OT_* variables and never prints the secret', async () => {
    const flows = (await getJson(`${nodeRed}flows`)).body as Array<Obj & { id: string }>;
    flows.find((n) => n.id === 'ot_messaging_sandbox')!.should.have.property('baseUrl', 'https://messaging.example.invalid/mra/v1');
    (await getJson(`${nodeRed}credentials/ot-messaging/ot_messaging_sandbox`)).body!.should.have.properties({ username: 'demo-user', has_password: true });
    out.should.match(/Cloud Messaging: +https:\/\/messaging\.example\.invalid\/mra\/v1 as demo-user, password set \(OT_MESSAGING_\*\)/);
    out.should.match(/Extended ECM: +sandbox http:\/\/127\.0\.0\.1:\d+\/otcs\/cs\.exe\/api/);
    out.should.not.containEql(MESSAGING_SECRET);
    out.should.not.containEql('sandbox-admin');
  });

  it('sets up the user directory: the pack linked in, settings without telemetry, tours and secret', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    pkg.dependencies['node-red-contrib-opentext'].should.equal(`file:${path.relative(userDir, pack).split(path.sep).join('/')}`);
    const link = path.join(userDir, 'node_modules', 'node-red-contrib-opentext');
    fs.lstatSync(link).isSymbolicLink().should.be.true();
    fs.realpathSync(link).should.equal(fs.realpathSync(pack));
    const settings = fs.readFileSync(path.join(userDir, 'settings.js'), 'utf8');
    settings.should.match(/credentialSecret: false/);
    settings.should.match(/telemetry: \{ enabled: false/);
    settings.should.match(/tours: false/);
    settings.should.match(/uiHost: '127\.0\.0\.1'/);
  });

  it('stops Node-RED and the sandbox on SIGTERM', async () => {
    alive(pids.sandbox).should.be.true();
    alive(pids.nodeRed).should.be.true();
    child.kill('SIGTERM');
    const code = await exited;
    should(code).equal(0);
    await until(() => !alive(pids.sandbox) && !alive(pids.nodeRed), 15000, 'both children to exit');
    out.should.match(/npm start: stopped\./);
    const refused = async (url: string) => fetch(url).then(() => false, () => true);
    (await refused(`${sandbox}/_sandbox/state`)).should.be.true();
    (await refused(`${nodeRed}settings`)).should.be.true();
  });
});
