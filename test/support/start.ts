/**
 * Shared bits of the `npm start` tests (start.spec.ts, start-wiring.spec.ts): the pack built into
 * a temp folder (scripts/build.js --out --transpile-only, so the tests neither touch dist/ nor
 * the shared recording), scripts/start.js started on it, and its addresses and pids read back.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { until } from './nr';

export const root = path.join(__dirname, '..', '..');

/** Builds the pack into `pack` (dist/, package.json; node_modules, resources and icons linked). */
export function buildPack(pack: string): void {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--out', path.join(pack, 'dist'), '--transpile-only'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pack, 'package.json'));
  for (const d of ['node_modules', 'resources', 'icons']) fs.symlinkSync(path.join(root, d), path.join(pack, d), 'junction');
}

export interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Resolves when start.js has printed its addresses and pids (rejects when it exits first). */
  ready: Promise<{ nodeRed: string; sandbox: string; pids: { sandbox: number; nodeRed: number } }>;
}

/** Starts scripts/start.js --no-build on the pack; everything it prints goes to `onOutput` too. */
export function startPack(dirs: { pack: string; userDir: string; examples: string }, env: NodeJS.ProcessEnv, onOutput: (text: string) => void): Started {
  let out = '';
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js'), '--no-build', '--pack', dirs.pack, '--user-dir', dirs.userDir, '--examples', dirs.examples], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const take = (d: Buffer) => {
    out += d.toString();
    onOutput(d.toString());
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = (async () => {
    let gone = false;
    void exited.then(() => (gone = true));
    await until(() => gone || /pids: sandbox \d+, Node-RED \d+/.test(out), 100000, 'npm start to print its addresses');
    if (gone) throw new Error(`npm start exited:\n${out}`);
    const m = /Node-RED: (http:\/\/127\.0\.0\.1:\d+\/) {2}sandbox: (http:\/\/127\.0\.0\.1:\d+)\/_sandbox\//.exec(out);
    if (!m) throw new Error(`no address line in:\n${out}`);
    const p = /pids: sandbox (\d+), Node-RED (\d+)/.exec(out)!;
    return { nodeRed: m[1], sandbox: m[2], pids: { sandbox: Number(p[1]), nodeRed: Number(p[2]) } };
  })();
  return { child, exited, ready };
}

/** Whether a process is still there. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
