/**
 * The drop-down list endpoints (nodes/lib/admin.ts) behind RED.auth.needsPermission for real:
 * node-red-node-test-helper lets every admin request through, so this starts a real Node-RED (the
 * one under test: NODE_RED_PATH in the compat run) with adminAuth — an admin ('*'), a read-only
 * user ('read', which grants every `<type>.read`) and a user who may only read flows — the pack's
 * ot-xecm loaded from the TypeScript source and deployed against the sandbox, then calls
 * GET opentext/ot-xecm/lists/... with each user's token.
 */
import 'should';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { useSandbox } from '../support/sandbox';
import { closedPort, nodeRedDir } from '../support/servers';

const ROOT = path.join(__dirname, '..', '..');

describe('editor drop-downs: list endpoints need the <type>.read permission (real Node-RED with adminAuth)', function () {
  this.timeout(90000);
  const h = useSandbox();
  let child: ChildProcess;
  let out = '';
  let url = '';
  let userDir = '';

  before(async () => {
    const nrDir = nodeRedDir();
    const bcrypt = require(require.resolve('bcryptjs', { paths: [nrDir] })) as { hashSync(p: string, rounds: number): string };
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-lists-auth-'));
    const nodesDir = path.join(userDir, 'pack');
    fs.mkdirSync(path.join(nodesDir, 'locales', 'en-US'), { recursive: true });
    // A CommonJS wrapper Node-RED loads (require in 4.x, import() in 5.x); ts-node compiles the source.
    fs.writeFileSync(path.join(nodesDir, 'ot-xecm.js'), `module.exports = require(${JSON.stringify(path.join(ROOT, 'nodes', 'xecm', 'ot-xecm.ts'))});\n`);
    fs.copyFileSync(path.join(ROOT, 'nodes', 'xecm', 'ot-xecm.html'), path.join(nodesDir, 'ot-xecm.html'));
    fs.copyFileSync(path.join(ROOT, 'nodes', 'xecm', 'locales', 'en-US', 'ot-xecm.json'), path.join(nodesDir, 'locales', 'en-US', 'ot-xecm.json'));
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([{ id: 'x1', type: 'ot-xecm', name: 'sandbox', baseUrl: h.csUrl, authMode: 'password', timeout: 10, retries: 1, maxDelay: 1, concurrency: 4 }]));
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ x1: { username: 'Admin', password: 'sandbox-admin' } }));
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
          { username: 'flows', password: bcrypt.hashSync('flows-pass-1', 4), permissions: ['flows.read'] },
        ],
      },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { tours: false },
      telemetry: { enabled: false },
      externalModules: { palette: { allowInstall: false } },
    };
    const settingsFile = path.join(userDir, 'settings.js');
    fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    child = spawn(process.execPath, ['-r', require.resolve('ts-node/register'), path.join(nrDir, 'red.js'), '--settings', settingsFile, '--userDir', userDir], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.test.json'), NODE_RED_ENABLE_PROJECTS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 60000;
    while (!/Started flows/.test(out)) {
      if (child.exitCode !== null) throw new Error(`Node-RED exited (${child.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`Node-RED did not start within 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function token(username: string, password: string, scope: string): Promise<string> {
    const res = await fetch(`${url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }).toString(),
    });
    res.status.should.equal(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const list = (name: string, bearer?: string) => fetch(`${url}/opentext/ot-xecm/lists/${name}?server=x1`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  it('refuses a request without a token (401) and does not call OpenText', async () => {
    (await list('holds')).status.should.equal(401);
    (await list('workspacetypes')).status.should.equal(401);
    (h.sb.app.area('cs') as { logins: number }).logins.should.equal(0);
  });

  it('refuses a user without ot-xecm.read (401)', async () => {
    const flows = await token('flows', 'flows-pass-1', 'flows.read');
    (await list('holds', flows)).status.should.equal(401);
    (h.sb.app.area('cs') as { logins: number }).logins.should.equal(0);
  });

  it('answers a read-only user and an admin with the lists, read through the deployed connection', async () => {
    const reader = await token('reader', 'reader-pass-1', 'read');
    const r = await list('holds', reader);
    r.status.should.equal(200);
    const body = (await r.json()) as { ok: boolean; items: Array<{ value: string }> };
    body.ok.should.be.true();
    body.items.map((i) => i.value).should.containEql('Litigation 2026');
    const admin = await token('admin', 'admin-pass-1', '*');
    const w = await list('workflowmaps', admin);
    w.status.should.equal(200);
    ((await w.json()) as { items: unknown[] }).items.length.should.be.above(0);
    out.should.not.match(/sandbox-admin|reader-pass-1|admin-pass-1/);
  });
});
