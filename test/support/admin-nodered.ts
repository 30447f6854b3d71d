/**
 * A real Node-RED with adminAuth, for the tests of RED.auth.needsPermission (node-red-node-test-helper
 * lets every admin request through). It runs the Node-RED under test (NODE_RED_PATH in the compat
 * run) in a child process, with the given node modules of the pack loaded from their TypeScript
 * sources, and hands out the users' access tokens.
 */
import 'should';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { closedPort, nodeRedDir } from './servers';
import { stopChild } from './process';

const ROOT = path.join(__dirname, '..', '..');

export interface AdminUser {
  username: string;
  password: string;
  permissions: string | string[];
}

export interface NodeRedOptions {
  /** Prefix of the temporary user directory. */
  name: string;
  /** The node modules to load: absolute paths without extension (`.../nodes/xecm/ot-xecm`). */
  nodeFiles: string[];
  users: AdminUser[];
  /** false: credentials stored unencrypted. */
  credentialSecret: string | false;
  /** A flow file (and its credentials) to start with. */
  flows?: unknown[];
  credentials?: Record<string, unknown>;
}

export interface RunningNodeRed {
  url: string;
  userDir: string;
  /** Everything Node-RED printed so far. */
  output: () => string;
  stop(): Promise<void>;
}

/** The path without extension of one of the pack's nodes (`xecm/ot-xecm`). */
export const packNode = (rel: string): string => path.join(ROOT, 'nodes', rel);

/** Starts Node-RED with adminAuth and the given nodes; resolves when its flows are started. */
export async function startNodeRedWithAdminAuth(o: NodeRedOptions): Promise<RunningNodeRed> {
  const nrDir = nodeRedDir();
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nrDir] })) as { hashSync(p: string, rounds: number): string };
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `ot-${o.name}-`));
  const nodesDir = path.join(userDir, 'pack');
  fs.mkdirSync(path.join(nodesDir, 'locales', 'en-US'), { recursive: true });
  for (const file of o.nodeFiles) {
    // A CommonJS wrapper Node-RED loads (require in 4.x, import() in 5.x); ts-node compiles the source.
    const base = path.basename(file);
    fs.writeFileSync(path.join(nodesDir, `${base}.js`), `module.exports = require(${JSON.stringify(`${file}.ts`)});\n`);
    fs.copyFileSync(`${file}.html`, path.join(nodesDir, `${base}.html`));
    const locale = path.join(path.dirname(file), 'locales', 'en-US', `${base}.json`);
    if (fs.existsSync(locale)) fs.copyFileSync(locale, path.join(nodesDir, 'locales', 'en-US', `${base}.json`));
  }
  if (o.flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(o.flows));
  if (o.credentials) fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(o.credentials));
  const port = await closedPort();
  const settings = {
    uiPort: port,
    uiHost: '127.0.0.1',
    userDir,
    flowFile: 'flows.json',
    credentialSecret: o.credentialSecret,
    nodesDir: [nodesDir],
    adminAuth: { type: 'credentials', users: o.users.map((u) => ({ username: u.username, password: bcrypt.hashSync(u.password, 4), permissions: u.permissions })) },
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
  const stop = async () => {
    await stopChild(child, { graceMs: 5000 });
    fs.rmSync(userDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60000;
  while (!/Started flows/.test(out)) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Node-RED exited (${child.exitCode}):\n${out}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED did not start within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, userDir, output: () => out, stop };
}

/** A user's access token from Node-RED's admin API (password grant of the editor's client). */
export async function adminToken(base: string, username: string, password: string, scope: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }).toString(),
  });
  res.status.should.equal(200);
  return ((await res.json()) as { access_token: string }).access_token;
}
