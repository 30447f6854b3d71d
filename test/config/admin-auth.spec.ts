/**
 * RED.auth.needsPermission for real. node-red-node-test-helper stubs the admin auth (every request
 * passes), so this file starts a real Node-RED (the one under test: NODE_RED_PATH in the compat
 * run) in a child process with adminAuth configured — an admin user ('*') and a read-only user —
 * and the pack's config nodes loaded from the TypeScript sources, then calls the Test connection
 * endpoints with each user's token.
 */
import 'should';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { useSandbox } from '../support/sandbox';
import { closedPort, nodeRedDir } from '../support/servers';
import { cs } from '../../sandbox/areas/cs-core';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG_NODES = ['xecm/ot-xecm', 'otds/ot-otds', 'exstream/ot-exstream', 'messaging/ot-messaging'];

interface RunningNodeRed {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts Node-RED with adminAuth and the pack's four config nodes; resolves when it listens. */
async function startNodeRed(): Promise<RunningNodeRed> {
  const nrDir = nodeRedDir();
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nrDir] })) as { hashSync(p: string, rounds: number): string };
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-admin-auth-'));
  const nodesDir = path.join(userDir, 'pack');
  fs.mkdirSync(path.join(nodesDir, 'locales', 'en-US'), { recursive: true });
  for (const n of CONFIG_NODES) {
    const base = path.basename(n);
    // A CommonJS wrapper: Node-RED (require in 4.x, import() in 5.x) loads it; ts-node compiles the source.
    fs.writeFileSync(path.join(nodesDir, `${base}.js`), `module.exports = require(${JSON.stringify(path.join(ROOT, 'nodes', `${n}.ts`))});\n`);
    fs.copyFileSync(path.join(ROOT, 'nodes', `${n}.html`), path.join(nodesDir, `${base}.html`));
    const locale = path.join(ROOT, 'nodes', path.dirname(n), 'locales', 'en-US', `${base}.json`);
    if (fs.existsSync(locale)) fs.copyFileSync(locale, path.join(nodesDir, 'locales', 'en-US', `${base}.json`));
  }
  const port = await closedPort();
  const settings = {
    uiPort: port,
    uiHost: '127.0.0.1',
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    nodesDir: [nodesDir],
    adminAuth: {
      type: 'credentials',
      users: [
        { username: 'admin', password: bcrypt.hashSync('admin-pass-1', 4), permissions: '*' },
        { username: 'reader', password: bcrypt.hashSync('reader-pass-1', 4), permissions: 'read' },
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
      if (child.exitCode !== null || child.signalCode !== null) {
        fs.rmSync(userDir, { recursive: true, force: true });
        return resolve();
      }
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        fs.rmSync(userDir, { recursive: true, force: true });
        resolve();
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
  return { url: `http://127.0.0.1:${port}`, output: () => out, stop };
}

async function token(base: string, username: string, password: string, scope: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }).toString(),
  });
  res.status.should.equal(200);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

describe('config: Test connection endpoints need the write permission (real Node-RED with adminAuth)', function () {
  this.timeout(90000);
  const h = useSandbox();
  let nr: RunningNodeRed;
  before(async () => {
    nr = await startNodeRed();
  });
  after(async () => {
    await nr?.stop();
  });

  const call = (type: string, bearer: string | undefined, body: unknown) =>
    fetch(`${nr.url}/opentext/${type}/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
  const body = () => ({ settings: { baseUrl: h.csUrl, authMode: 'password' }, credentials: { username: 'Admin', password: 'sandbox-admin' } });

  it('loaded the pack\'s config nodes without errors', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-1', '*');
    const res = await fetch(`${nr.url}/nodes`, { headers: { accept: 'application/json', authorization: `Bearer ${admin}` } });
    res.status.should.equal(200);
    const sets = (await res.json()) as Array<{ types: string[]; err?: string }>;
    const types = sets.flatMap((s) => s.types);
    for (const t of ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']) types.should.containEql(t);
    sets.filter((s) => s.err && s.types.some((t) => t.startsWith('ot-'))).should.have.length(0);
  });

  it('runs the Node-RED under test (NODE_RED_PATH in the compat run)', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-1', '*');
    const res = await fetch(`${nr.url}/settings`, { headers: { authorization: `Bearer ${admin}` } });
    const expected = JSON.parse(fs.readFileSync(path.join(nodeRedDir(), 'package.json'), 'utf8')).version;
    // Node-RED adds "-git" to its version when a .git folder sits two levels above it (a clone)
    ((await res.json()) as { version: string }).version.replace(/-git$/, '').should.equal(expected);
  });

  it('refuses a request without a token (401)', async () => {
    (await call('ot-xecm', undefined, body())).status.should.equal(401);
    cs(h.sb.app).logins.should.equal(0);
  });

  it('refuses a read-only user (401) for every config node type', async () => {
    const reader = await token(nr.url, 'reader', 'reader-pass-1', 'read');
    for (const type of ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']) (await call(type, reader, body())).status.should.equal(401);
    cs(h.sb.app).logins.should.equal(0);
  });

  it('answers an admin (200) and really tests the connection', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-1', '*');
    const ok = await call('ot-xecm', admin, body());
    ok.status.should.equal(200);
    ((await ok.json()) as Record<string, unknown>).should.eql({ ok: true, message: 'connected as Admin' });
    cs(h.sb.app).logins.should.equal(1);
    const bad = await call('ot-xecm', admin, { ...body(), credentials: { username: 'Admin', password: 'nope-123456' } });
    bad.status.should.equal(200);
    ((await bad.json()) as { ok: boolean; code: string }).code.should.equal('OT_AUTH');
    nr.output().should.not.match(/sandbox-admin|nope-123456|admin-pass-1/);
  });
});
