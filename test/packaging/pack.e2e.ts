/**
 * Packaging: `npm pack` of the module (built into a staging copy, so dist/ of the working tree is
 * neither needed nor touched), the tarball's contents (what users need, nothing else: no sources,
 * tests, bench, docs or test fixtures), then an `npm install <tarball>` into a fresh Node-RED user
 * directory, a real Node-RED started on it, and every node type found in `GET /nodes`, with the
 * catalogs, icons, editor resources and examples served; the installed `ot-sandbox` bin starts from
 * the packaged fixtures.
 *
 * The install fetches the runtime dependencies through npm (its cache first: after `npm ci` they are
 * there). OT_PACK_KEEP=1 keeps the temporary folder.
 */
import 'should';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { packDefinitions, readPackage, ROOT } from '../scorecard/node-defs';
import { stopChild } from '../support/process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = readPackage();
const defs = packDefinitions();

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}

function copyDir(src: string, dst: string): void {
  fs.cpSync(src, dst, { recursive: true, dereference: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string, out: () => string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('packaging: npm pack, install into a fresh Node-RED, every node type in GET /nodes', function () {
  this.timeout(300000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-pack-'));
  const stage = path.join(tmp, 'stage');
  const userDir = path.join(tmp, 'node-red');
  let packed: PackResult;
  let tarball = '';
  let nodeRed: ChildProcess | undefined;
  let nodeRedOut = '';
  let base = '';

  before(async function () {
    this.timeout(600000);
    // 1. a staging copy of the package: package.json, the package-root folders, a fresh build
    fs.mkdirSync(stage, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(stage, 'package.json'));
    for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md']) if (fs.existsSync(path.join(ROOT, f))) fs.copyFileSync(path.join(ROOT, f), path.join(stage, f));
    for (const d of ['examples', 'icons', 'resources']) if (fs.existsSync(path.join(ROOT, d))) copyDir(path.join(ROOT, d), path.join(stage, d));
    const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js'), '--out', path.join(stage, 'dist'), '--transpile-only'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
    // 2. npm pack
    const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: stage, encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
    const json = out.slice(out.indexOf('['));
    packed = (JSON.parse(json) as PackResult[])[0];
    tarball = path.join(tmp, packed.filename);
    fs.existsSync(tarball).should.be.true();
    fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'test-artifacts', 'pack-contents.txt'), `${packed.filename} ${packed.size} bytes (${packed.unpackedSize} unpacked), ${packed.entryCount} files\n` + packed.files.map((f) => `${f.size}\t${f.path}`).join('\n') + '\n');
  });

  after(async () => {
    await stopChild(nodeRed);
    if (!process.env.OT_PACK_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`      kept ${tmp}`);
  });

  const files = () => packed.files.map((f) => f.path);

  it('the tarball holds every node set: the .js, its .html, its en-US catalog and the icons beside it', () => {
    packed.filename.should.equal(`${pkg.name}-${pkg.version}.tgz`);
    const have = new Set(files());
    for (const [set, entry] of Object.entries(pkg['node-red'].nodes)) {
      have.has(entry).should.be.true(`${set}: ${entry} missing`);
      const dir = path.posix.dirname(entry);
      const base = path.posix.basename(entry, '.js');
      have.has(`${dir}/${base}.html`).should.be.true(`${set}: html missing`);
      have.has(`${dir}/locales/en-US/${base}.json`).should.be.true(`${set}: catalog missing`);
      const icon = defs.find((d) => d.type === set)!.icon;
      if (typeof icon === 'string') have.has(`${dir}/icons/${icon}`).should.be.true(`${set}: icons/${icon} missing`);
      else files().some((f) => f.startsWith(`${dir}/icons/`)).should.be.true(`${set}: no icons/ beside it`);
    }
    have.has('resources/opentext-editor.js').should.be.true();
    have.has('README.md').should.be.true();
    have.has('package.json').should.be.true();
    have.has(String((pkg as unknown as { main: string }).main)).should.be.true('main is missing');
  });

  it('the tarball holds the sandbox the ot-sandbox bin needs (code, web page, the default fixtures) and the examples', () => {
    const have = files();
    const bin = (pkg as unknown as { bin: Record<string, string> }).bin['ot-sandbox'];
    have.should.containEql(bin);
    have.should.containEql('dist/sandbox/web/index.html');
    const fixtures = fs.readdirSync(path.join(ROOT, 'sandbox', 'fixtures', 'default')).filter((f) => f.endsWith('.json'));
    fixtures.length.should.be.above(5);
    for (const f of fixtures) have.should.containEql(`dist/sandbox/fixtures/default/${f}`);
    const examples = have.filter((f) => f.startsWith('examples/'));
    const expected: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else expected.push(path.relative(ROOT, p).split(path.sep).join('/'));
      }
    };
    walk(path.join(ROOT, 'examples'));
    examples.sort().should.eql(expected.sort());
  });

  it('the tarball holds nothing users do not need: no TypeScript sources, tests, bench, docs, scripts, CI, test fixtures or maps', () => {
    const bad = files().filter(
      (f) =>
        /\.ts$/.test(f) ||
        /\.map$/.test(f) ||
        /^(test|bench|docs|scripts|\.ci|test-artifacts|node_modules|nodes|sandbox|coverage|\.node-red|\.compat)\//.test(f) ||
        /(^|\/)(test|tests|__tests__)\//.test(f) ||
        /^dist\/sandbox\/fixtures\/(?!default\/)/.test(f) ||
        /^(tsconfig.*\.json|eslint\.config\.mjs|package-lock\.json|\.gitignore|\.npmrc)$/.test(f) ||
        /\.(tgz|jsonl|log)$/.test(f),
    );
    bad.should.eql([]);
    // every file is under one of the folders package.json lists, or one npm always adds
    const roots = ((pkg as unknown as { files: string[] }).files || []).map((f) => f.replace(/\/$/, ''));
    const stray = files().filter((f) => f !== 'package.json' && !roots.some((r) => f === r || f.startsWith(r + '/')));
    stray.should.eql([]);
    packed.unpackedSize.should.be.below(20 * 1024 * 1024);
  });

  it('installs into a fresh Node-RED user directory with npm install <tarball>', function () {
    this.timeout(300000);
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'a fresh Node-RED user directory', version: '0.0.1', private: true, dependencies: {} }, null, 2));
    const r = spawnSync(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts', '--loglevel=error'], { cwd: userDir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    if (r.status !== 0) throw new Error(`npm install failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    const installed = JSON.parse(fs.readFileSync(path.join(userDir, 'node_modules', pkg.name, 'package.json'), 'utf8')) as { version: string };
    installed.version.should.equal(pkg.version);
    const deps = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    deps.dependencies.should.have.property(pkg.name);
    // the runtime dependencies came along; the development ones did not
    for (const d of Object.keys(pkg.dependencies || {})) fs.existsSync(path.join(userDir, 'node_modules', d)).should.be.true(`${d} not installed`);
    fs.existsSync(path.join(userDir, 'node_modules', 'typescript')).should.be.false();
  });

  it('Node-RED started on it lists every node type in GET /nodes, loaded and enabled', async function () {
    this.timeout(120000);
    const port = await freePort();
    const settings = path.join(userDir, 'settings.js');
    fs.writeFileSync(
      settings,
      `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, flowFile: 'flows.json', credentialSecret: false, telemetry: { enabled: false, updateNotification: false }, editorTheme: { tours: false }, logging: { console: { level: 'info', metrics: false, audit: false } }, externalModules: { palette: { allowInstall: false } } }, null, 2)};\n`,
    );
    nodeRed = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', settings, '--port', String(port), '--no-telemetry'], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_RED_DISABLE_TELEMETRY: '1' } });
    nodeRed.stdout!.on('data', (d: Buffer) => (nodeRedOut += d.toString()));
    nodeRed.stderr!.on('data', (d: Buffer) => (nodeRedOut += d.toString()));
    base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/settings`)).status === 200, 90000, 'Node-RED', () => nodeRedOut);
    const r = await fetch(`${base}/nodes`, { headers: { accept: 'application/json' } });
    r.status.should.equal(200);
    const sets = ((await r.json()) as Array<{ id: string; module: string; version: string; types: string[]; enabled: boolean; err?: unknown }>).filter((s) => s.module === pkg.name);
    sets.map((s) => s.id).sort().should.eql(Object.keys(pkg['node-red'].nodes).map((k) => `${pkg.name}/${k}`).sort());
    const types = sets.flatMap((s) => s.types).sort();
    types.should.eql(defs.map((d) => d.type).sort());
    for (const s of sets) {
      (s.err === undefined).should.be.true(`${s.id}: ${JSON.stringify(s.err)}`);
      s.enabled.should.be.true();
      s.version.should.equal(pkg.version);
    }
    nodeRedOut.should.not.match(/\[error\]/i);
  });

  it('serves the editor files of the installed pack: help, catalogs, icons, resources and the examples', async () => {
    const html = await (await fetch(`${base}/nodes`, { headers: { accept: 'text/html' } })).text();
    for (const d of defs) {
      html.should.containEql(`data-help-name="${d.type}"`);
      html.should.containEql(`RED.nodes.registerType('${d.type}'`);
    }
    const messages = (await (await fetch(`${base}/nodes/messages?lng=en-US`)).json()) as Record<string, unknown>;
    for (const set of Object.keys(pkg['node-red'].nodes)) (messages[`${pkg.name}/${set}`] !== undefined).should.be.true(`no catalog for ${set}`);
    for (const icon of new Set(defs.filter((d) => typeof d.icon === 'string').map((d) => String(d.icon)))) (await fetch(`${base}/icons/${pkg.name}/${icon}`)).status.should.equal(200, icon);
    (await fetch(`${base}/resources/${pkg.name}/opentext-editor.js`)).status.should.equal(200);
    const lib = (await (await fetch(`${base}/library/examples/flows/`)).json().catch(() => null)) as unknown;
    const ex = fs.readdirSync(path.join(ROOT, 'examples'), { recursive: true }).map(String).find((f) => f.endsWith('.json'));
    if (ex) {
      const exRes = await fetch(`${base}/library/examples/flows/${pkg.name}/${ex.replace(/\.json$/, '').split(path.sep).map(encodeURIComponent).join('/')}`);
      exRes.status.should.equal(200, `example ${ex}: ${JSON.stringify(lib)}`);
      Array.isArray(await exRes.json()).should.be.true();
    }
  });

  it('the installed ot-sandbox bin starts from the packaged fixtures', async function () {
    this.timeout(60000);
    const bin = path.join(userDir, 'node_modules', '.bin', process.platform === 'win32' ? 'ot-sandbox.cmd' : 'ot-sandbox');
    fs.existsSync(bin).should.be.true();
    let out = '';
    const sb = spawn(bin, ['--port', '0', '--host', '127.0.0.1'], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OT_SANDBOX_RECORD: '' } });
    sb.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    sb.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(async () => /listening on http:\/\/\S+/.test(out), 30000, 'the sandbox', () => out);
      const url = /listening on (http:\/\/\S+)/.exec(out)![1].replace(/\/+$/, '');
      const st = await fetch(`${url}/_sandbox/state`);
      st.status.should.equal(200);
      const state = (await st.json()) as Record<string, unknown>;
      state.should.have.properties(['cs', 'otds', 'rm', 'fax', 'push', 'exstream']);
      (await fetch(`${url}/_sandbox/`)).status.should.equal(200);
    } finally {
      await stopChild(sb);
    }
  });
});
