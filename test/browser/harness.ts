/**
 * Real-browser harness: the pack built into a temporary folder (scripts/build.js --transpile-only),
 * started by `npm start`'s own script (scripts/start.js: the OpenText sandbox and Node-RED 4 with
 * the pack installed, on free ports) with one seed tab holding the example connections (the config
 * node ids of docs/EXAMPLES.md, pointed at the sandbox with its credentials), and Debian's Chromium
 * driven by playwright-core. Screenshots go to test-artifacts/screenshots/.
 *
 * Environment: CHROMIUM_PATH (default /usr/bin/chromium), OT_BROWSER_HEADED=1 to watch.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const ROOT = path.join(__dirname, '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
/** Config node types of the pack (the seed tab gives the examples' connections of these types). */
export const CONFIG_TYPES = ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging', 'ot-appworks'];

type Obj = Record<string, unknown>;
export type FlowNode = Obj & { id: string; type: string };

/** Every examples/**\/*.json file, relative to examples/. */
export function exampleFiles(): string[] {
  const dir = path.join(ROOT, 'examples');
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.json')) out.push(path.relative(dir, f));
    }
  };
  walk(dir);
  return out.sort();
}

/** The first example whose file name starts with `prefix` + a space (e.g. "FAX-1"). */
export function findExample(prefix: string): { rel: string; folder: string; label: string; flow: FlowNode[] } | undefined {
  const rel = exampleFiles().find((f) => path.basename(f).startsWith(prefix + ' '));
  if (!rel) return undefined;
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', rel), 'utf8')) as FlowNode[];
  return { rel, folder: path.dirname(rel), label: path.basename(rel, '.json'), flow };
}

/** The seed tab: every connection the examples use (same ids), for start.js to point at the sandbox. */
export function seedFlow(): FlowNode[] {
  const configs = new Map<string, FlowNode>();
  const standard: FlowNode[] = [
    { id: 'ot_xecm_sandbox', type: 'ot-xecm', name: 'Extended ECM (sandbox)', baseUrl: 'http://127.0.0.1:8701/otcs/cs.exe/api', authMode: 'password', otds: '', domain: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
    { id: 'ot_otds_sandbox', type: 'ot-otds', name: 'OTDS (sandbox)', baseUrl: 'http://127.0.0.1:8701', tenant: '', tokenPath: '', grant: 'client_credentials', clientAuth: 'form', scope: '', subjectUser: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
    { id: 'ot_exstream_sandbox', type: 'ot-exstream', name: 'Exstream (sandbox)', baseUrl: 'http://127.0.0.1:8701', family: 'orchestration', domain: 'sandbox', tenant: '', otds: 'ot_otds_sandbox', timeout: 60, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
    { id: 'ot_messaging_sandbox', type: 'ot-messaging', name: 'Cloud Messaging (sandbox)', baseUrl: 'http://127.0.0.1:8701/mra/v1', authMode: 'basic', tokenUrl: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
    { id: 'ot_appworks_sandbox', type: 'ot-appworks', name: 'AppWorks Gateway (sandbox)', gatewayUrl: 'http://127.0.0.1:8701', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' },
  ];
  for (const n of standard) configs.set(n.id, n);
  for (const rel of exampleFiles()) {
    let flow: FlowNode[];
    try {
      flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', rel), 'utf8')) as FlowNode[];
    } catch {
      continue;
    }
    if (!Array.isArray(flow)) continue;
    for (const n of flow) if (n && CONFIG_TYPES.includes(n.type) && !configs.has(n.id)) configs.set(n.id, { ...n });
  }
  const tab = 'ot_browser_seed';
  return [
    { id: tab, type: 'tab', label: 'OpenText connections', disabled: false, info: 'The example connections, pointed at the sandbox by npm start.' },
    { id: 'ot_browser_seed_note', type: 'comment', z: tab, name: 'Connections of the examples (sandbox)', info: '', x: 200, y: 60, wires: [] },
    ...configs.values(),
  ];
}

export interface Stack {
  nodeRed: string;
  sandbox: string;
  tmp: string;
  output(): string;
  stop(): Promise<void>;
}

/** Builds the pack aside and starts `npm start` (scripts/start.js) on free ports. */
export async function startStack(): Promise<Stack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-browser-'));
  const pack = path.join(tmp, 'pack');
  const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js'), '--out', path.join(pack, 'dist'), '--transpile-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pack, 'package.json'));
  for (const d of ['node_modules', 'resources', 'icons', 'examples']) if (fs.existsSync(path.join(ROOT, d))) fs.symlinkSync(path.join(ROOT, d), path.join(pack, d), 'junction');
  const seed = path.join(tmp, 'seed');
  fs.mkdirSync(seed, { recursive: true });
  fs.writeFileSync(path.join(seed, 'OpenText connections.json'), JSON.stringify(seedFlow(), null, 2));

  const env: NodeJS.ProcessEnv = { ...process.env, OT_SANDBOX_PORT: '0' };
  delete env.NODE_RED_PORT;
  for (const k of Object.keys(env)) if (/^OT_(XECM|OTDS|EXSTREAM|MESSAGING|APPWORKS)_/.test(k)) delete env[k];
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--no-build', '--pack', pack, '--user-dir', path.join(tmp, 'node-red'), '--examples', seed], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const late = await Promise.race([gone.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 15000))]);
      if (late) child.kill('SIGKILL');
    }
    const pids = /pids: sandbox (\d+), Node-RED (\d+)/.exec(out);
    for (const pid of pids ? [Number(pids[1]), Number(pids[2])] : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120000;
  while (!/pids: sandbox \d+, Node-RED \d+/.test(out)) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`npm start exited (${child.exitCode}):\n${out}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not come up within 120 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const m = /Node-RED: (http:\/\/127\.0\.0\.1:\d+)\/ {2}sandbox: (http:\/\/127\.0\.0\.1:\d+)\/_sandbox\//.exec(out);
  if (!m) {
    await stop();
    throw new Error(`no address line in:\n${out}`);
  }
  return { nodeRed: m[1], sandbox: m[2], tmp, output: () => out, stop };
}

export interface Editor {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors since the last `takeErrors()`. */
  takeErrors(): string[];
  close(): Promise<void>;
}

/** Chromium (Debian's) with the flags that work in containers and CI, on the Node-RED editor. */
export async function openEditor(url: string): Promise<Editor> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: !process.env.OT_BROWSER_HEADED,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  let errors: string[] = [];
  // Only what concerns this Node-RED: the editor also asks the internet for the Flow Library
  // catalogue, which a machine without network access cannot reach.
  const local = (u: string) => !u || u.startsWith(url);
  page.on('console', (m) => {
    if (m.type() === 'error' && local(m.location().url || '')) errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (local(r.url()) && !/favicon/.test(r.url())) errors.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.setDefaultTimeout(20000);
  await page.goto(url + '/', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 60000 });
  await page.waitForFunction(() => {
    const w = globalThis as unknown as { RED?: { nodes: { getType(t: string): unknown }; workspaces: { active(): string } } };
    return !!w.RED && !!w.RED.nodes.getType('ot-xecm') && !!w.RED.workspaces.active();
  });
  return {
    browser,
    context,
    page,
    takeErrors: () => {
      const e = errors;
      errors = [];
      return e;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}

/** Saves a PNG under test-artifacts/screenshots/ (returns the path). */
export async function screenshot(page: Page, name: string, opts: { clip?: { x: number; y: number; width: number; height: number }; selector?: string } = {}): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  if (opts.selector) await page.locator(opts.selector).first().screenshot({ path: file });
  else await page.screenshot({ path: file, clip: opts.clip });
  return file;
}

/** GET /_sandbox/state[/area] of the sandbox. */
export async function sandboxState<T = Obj>(sandbox: string, area: string): Promise<T> {
  const r = await fetch(`${sandbox}/_sandbox/state/${encodeURIComponent(area)}`);
  if (r.status !== 200) throw new Error(`sandbox state ${area}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Polls until `check` returns a truthy value (or fails after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms = 15000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
