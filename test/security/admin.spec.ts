/**
 * Security against a real Node-RED (the one under test, NODE_RED_PATH in the compat run) with
 * adminAuth on and every node of the pack installed from the TypeScript sources:
 *
 * - every admin endpoint the pack registers (found by loading each module, not listed by hand)
 *   refuses a request without a token and a user without its permission, and answers one with it;
 * - secrets are absent from exported flows: what GET /flows answers, and the flow file on disk
 *   (credentials are stored apart, encrypted), after a deploy that carried them.
 */
import 'should';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { useSandbox } from '../support/sandbox';
import { closedPort, nodeRedDir } from '../support/servers';
import { packTypes } from '../fuzz/support';

const ROOT = path.join(__dirname, '..', '..');
type Obj = Record<string, unknown>;

interface Route {
  method: string;
  path: string;
  permission?: string;
}

/** The admin routes the pack registers, with the permission each asks for. */
function packRoutes(): Route[] {
  const routes: Route[] = [];
  const stub: unknown = new Proxy(function () {}, { get: () => stub, apply: () => stub });
  const add = (method: string) => (p: string, ...handlers: unknown[]) => {
    const guard = handlers.find((x) => x && typeof x === 'object' && 'permission' in (x as Obj)) as { permission: string } | undefined;
    routes.push({ method, path: p, permission: guard?.permission });
  };
  const fakeRed = new Proxy(
    {},
    {
      get: (_t, k) => {
        if (k === 'httpAdmin') return { get: add('GET'), post: add('POST'), put: add('PUT'), delete: add('DELETE'), use: () => undefined };
        if (k === 'auth') return { needsPermission: (permission: string) => ({ permission }) };
        if (k === 'nodes') return { registerType: () => undefined, getNode: () => null };
        return stub;
      },
    },
  );
  for (const t of packTypes()) (require(t.file) as (RED: unknown) => void)(fakeRed);
  return routes;
}

interface RunningNodeRed {
  url: string;
  userDir: string;
  output: () => string;
  stop(): Promise<void>;
}

async function startNodeRed(): Promise<RunningNodeRed> {
  const nrDir = nodeRedDir();
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nrDir] })) as { hashSync(p: string, rounds: number): string };
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-security-admin-'));
  const nodesDir = path.join(userDir, 'pack');
  fs.mkdirSync(path.join(nodesDir, 'locales', 'en-US'), { recursive: true });
  for (const t of packTypes()) {
    // a CommonJS wrapper per node (ts-node compiles the source), with its .html and messages
    const base = path.basename(t.file);
    fs.writeFileSync(path.join(nodesDir, `${base}.js`), `module.exports = require(${JSON.stringify(`${t.file}.ts`)});\n`);
    fs.copyFileSync(`${t.file}.html`, path.join(nodesDir, `${base}.html`));
    const locale = path.join(path.dirname(t.file), 'locales', 'en-US', `${base}.json`);
    if (fs.existsSync(locale)) fs.copyFileSync(locale, path.join(nodesDir, 'locales', 'en-US', `${base}.json`));
  }
  const port = await closedPort();
  const settings = {
    uiPort: port,
    uiHost: '127.0.0.1',
    userDir,
    flowFile: 'flows.json',
    credentialSecret: 'security-test-credential-key',
    nodesDir: [nodesDir],
    adminAuth: {
      type: 'credentials',
      users: [
        { username: 'admin', password: bcrypt.hashSync('admin-pass-7', 4), permissions: '*' },
        { username: 'reader', password: bcrypt.hashSync('reader-pass-7', 4), permissions: 'read' },
        { username: 'viewer', password: bcrypt.hashSync('viewer-pass-7', 4), permissions: ['flows.read'] },
      ],
    },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { tours: false },
    telemetry: { enabled: false },
    externalModules: { palette: { allowInstall: false } },
  };
  const settingsFile = path.join(userDir, 'settings.js');
  fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['-r', require.resolve('ts-node/register'), path.join(nrDir, 'red.js'), '--settings', settingsFile, '--userDir', userDir], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.test.json'), NODE_RED_ENABLE_PROJECTS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        fs.rmSync(userDir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        done();
      });
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + 60000;
  while (!/Started flows/.test(out)) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED did not start within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, userDir, output: () => out, stop };
}

async function token(base: string, username: string, password: string, scope: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }).toString(),
  });
  res.status.should.equal(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('security: admin endpoints and exported flows (real Node-RED with adminAuth)', function () {
  this.timeout(120000);
  const h = useSandbox();
  let nr: RunningNodeRed;
  const routes = packRoutes();
  before(async () => {
    nr = await startNodeRed();
  });
  after(async () => {
    await nr?.stop();
  });

  const call = (r: Route, bearer: string | undefined) =>
    fetch(`${nr.url}${r.path.replace(/^\//, '/')}`, {
      method: r.method,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: r.method === 'GET' ? undefined : JSON.stringify({ settings: { baseUrl: 'http://127.0.0.1:9' }, credentials: { password: 'route-secret-1' } }),
    });

  it('the pack loaded, and every admin route it registers asks for a permission of its own type', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-7', '*');
    const res = await fetch(`${nr.url}/nodes`, { headers: { accept: 'application/json', authorization: `Bearer ${admin}` } });
    const sets = (await res.json()) as Array<{ types: string[]; err?: string }>;
    const loaded = sets.flatMap((s) => s.types);
    for (const t of packTypes()) loaded.should.containEql(t.type);
    sets.filter((s) => s.err && s.types.some((t) => t.startsWith('ot-'))).should.have.length(0);
    routes.length.should.be.above(4);
    for (const r of routes) {
      (r.permission || '').should.match(/^ot-[a-z-]+\.(read|write)$/, `${r.method} ${r.path} is not protected by RED.auth.needsPermission`);
      r.path.should.startWith(`/opentext/${r.permission!.split('.')[0]}/`);
    }
  });

  it('refuses every admin route without a token, and to a user without the permission', async () => {
    const viewer = await token(nr.url, 'viewer', 'viewer-pass-7', 'flows.read');
    const reader = await token(nr.url, 'reader', 'reader-pass-7', 'read');
    for (const r of routes) {
      (await call(r, undefined)).status.should.equal(401, `${r.method} ${r.path} without a token`);
      (await call(r, viewer)).status.should.be.oneOf([401, 403]);
      if (r.permission!.endsWith('.write')) (await call(r, reader)).status.should.be.oneOf([401, 403]);
    }
  });

  it('answers a user with the permission', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-7', '*');
    const reader = await token(nr.url, 'reader', 'reader-pass-7', 'read');
    for (const r of routes) {
      const who = r.permission!.endsWith('.read') ? reader : admin;
      const res = await call(r, who);
      [401, 403].includes(res.status).should.equal(false, `${r.method} ${r.path} refused a user with ${r.permission}`);
    }
    nr.output().should.not.match(/route-secret-1|admin-pass-7|reader-pass-7/);
  });

  it('a deployed flow with every connection: no secret in what GET /flows answers nor in the flow file', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-7', '*');
    const secrets = { csPassword: 'export-cs-password-81', clientSecret: 'export-client-secret-82', otdsPassword: 'export-otds-password-83', messagingPassword: 'export-messaging-84', ocpSecret: 'export-ocp-secret-85', appworksKey: 'export-appworks-key-86', eventSecret: 'export-event-secret-87' };
    const flows = [
      { id: 't1', type: 'tab', label: 'export' },
      { id: 'x1', type: 'ot-xecm', name: 'cs', baseUrl: h.csUrl, authMode: 'password', credentials: { username: 'Admin', password: secrets.csPassword } },
      { id: 'o1', type: 'ot-otds', name: 'otds', baseUrl: h.url, grant: 'password', credentials: { clientId: 'node-red', clientSecret: secrets.clientSecret, username: 'admin', password: secrets.otdsPassword } },
      { id: 'm1', type: 'ot-messaging', name: 'messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', credentials: { username: 'sandbox-fax', password: secrets.messagingPassword } },
      { id: 'm2', type: 'ot-messaging', name: 'ocp', baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: `${h.url}/tenants/t/oauth2/token`, credentials: { clientId: 'messaging-tenant', clientSecret: secrets.ocpSecret } },
      { id: 'a1', type: 'ot-appworks', name: 'aw', gatewayUrl: h.url, credentials: { key: secrets.appworksKey } },
      { id: 'e1', type: 'ot-exstream', name: 'ex', baseUrl: h.url, family: 'orchestration', domain: 'sandbox', otds: 'o1' },
      { id: 'ev1', type: 'ot-event-in', z: 't1', x: 100, y: 100, url: '/export-events', verify: 'token', wires: [[]], credentials: { secret: secrets.eventSecret } },
      { id: 'n1', type: 'ot-node', z: 't1', x: 100, y: 200, server: 'x1', operation: 'get', node: 'nodeId', nodeType: 'msg', wires: [[]] },
    ];
    const deploy = await fetch(`${nr.url}/flows`, { method: 'POST', headers: { 'content-type': 'application/json', 'node-red-deployment-type': 'full', authorization: `Bearer ${admin}` }, body: JSON.stringify(flows) });
    deploy.status.should.equal(204);
    const exported = await (await fetch(`${nr.url}/flows`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const onDisk = fs.readFileSync(path.join(nr.userDir, 'flows.json'), 'utf8');
    const credFile = path.join(nr.userDir, 'flows_cred.json');
    const credsOnDisk = fs.existsSync(credFile) ? fs.readFileSync(credFile, 'utf8') : '';
    const list = JSON.parse(exported) as Obj[];
    list.should.be.an.Array();
    list.length.should.equal(flows.length);
    for (const [name, s] of Object.entries(secrets)) {
      exported.includes(s).should.equal(false, `${name} is in GET /flows`);
      onDisk.includes(s).should.equal(false, `${name} is in flows.json`);
      credsOnDisk.includes(s).should.equal(false, `${name} is stored unencrypted`);
    }
    // the credentials were kept (encrypted), not dropped: the editor is told a password is set
    credsOnDisk.should.match(/"\$":/);
    const x1 = list.find((n) => n.id === 'x1')!;
    x1.should.not.have.property('credentials');
    nr.output().should.not.match(/export-[a-z-]+-8\d/);
  });
});
