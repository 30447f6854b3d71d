/**
 * The pack as Node-RED sees it: built into the bench's work folder (never into the repository's
 * dist/, which other runs use) and installed into Node-RED user directories as npm installs a
 * "file:" dependency (a symlink in node_modules).
 */
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';

export const ROOT = path.join(__dirname, '..', '..');
export const PACK_NAME = 'node-red-contrib-opentext';

/** Builds the pack into <work>/pack (dist/, package.json, icons/, resources/); returns that folder. */
export function buildPack(work: string): string {
  const pack = path.join(work, 'pack');
  fs.rmSync(pack, { recursive: true, force: true });
  fs.mkdirSync(pack, { recursive: true });
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js'), '--out', path.join(pack, 'dist'), '--transpile-only'], { stdio: 'pipe', cwd: ROOT });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pack, 'package.json'));
  for (const d of ['icons', 'resources']) if (fs.existsSync(path.join(ROOT, d))) fs.symlinkSync(path.join(ROOT, d), path.join(pack, d), 'junction');
  // the pack's own dependencies (axios, form-data, ...) resolve from the repository's node_modules
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pack, 'node_modules'), 'junction');
  return pack;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/**
 * A Node-RED user directory with (or without) the pack installed, a flow file, and its
 * credentials (stored unencrypted: credentialSecret false).
 */
export function prepareUserDir(dir: string, opts: { pack?: string; flows?: FlowNode[]; credentials?: Record<string, Record<string, string>>; settings?: Record<string, unknown> } = {}): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  const pkg: Record<string, unknown> = { name: 'bench-user-dir', version: '0.0.0', private: true, dependencies: {} };
  if (opts.pack) {
    (pkg.dependencies as Record<string, string>)[PACK_NAME] = `file:${opts.pack}`;
    fs.symlinkSync(opts.pack, path.join(dir, 'node_modules', PACK_NAME), 'junction');
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(opts.flows || []));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(opts.credentials || {}), { mode: 0o600 });
  return dir;
}

/** Settings shared by the embedded runtime and the Node-RED processes. */
export function baseSettings(userDir: string): Record<string, unknown> {
  return {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    uiHost: '127.0.0.1',
    logging: { console: { level: process.env.BENCH_LOG || 'warn', metrics: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
  };
}
