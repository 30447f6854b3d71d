/**
 * npm run bench: the pack's benchmark against the OpenText sandbox. Prints a table and writes the
 * same figures to bench/results.json. Every comparison is measured side by side in one run.
 *
 *   npm run bench                          everything (about 6-10 minutes on 2 cores)
 *   npm run bench -- --quick               small counts (a smoke run, figures not meaningful)
 *   npm run bench -- --only overhead,auth  some scenarios: overhead, auth, streaming,
 *                                          throughput, load, watch
 *   npm run bench -- --stream-mib 1024     size of the streaming test file (default 1024 = 1 GiB)
 *   npm run bench -- --server-ms 5         server time per request for the overhead target (default 5)
 *
 * See bench/README.md for what each figure means and how it is measured.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { buildPack, ROOT } from './lib/pack';
import { startSandbox, type BenchSandbox } from './lib/sandbox';
import { startEmbedded, type Embedded } from './lib/embedded';
import { errorText, table } from './lib/util';
import { overhead, throughput } from './scenarios/calls';
import { auth } from './scenarios/auth';
import { watchCost } from './scenarios/watch';
import { streaming, loadCost } from './scenarios/process';

export interface Row {
  scenario: string;
  measure: string;
  pack: number | string;
  baseline: number | string;
  ratio?: number;
  target: string;
  pass?: boolean;
  unit?: string;
}

export interface Ctx {
  work: string;
  pack: string;
  dist: string;
  quick: boolean;
  streamMiB: number;
  /** Server time per request for the overhead target (the sandbox's latency fault), ms. */
  serverMs: number;
  sandbox(): Promise<BenchSandbox>;
  runtime(): Promise<Embedded>;
  rows: Row[];
  details: Record<string, unknown>;
  log(text: string): void;
}

const SCENARIOS = ['overhead', 'auth', 'streaming', 'throughput', 'load', 'watch'] as const;
type Scenario = (typeof SCENARIOS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Scenario[]; streamMiB: number; serverMs: number } {
  let quick = false;
  let only: Scenario[] = [...SCENARIOS];
  let streamMiB = 1024;
  let serverMs = 5;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--only') {
      const list = String(argv[++i] || '').split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of list) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s} (${SCENARIOS.join(', ')})`);
      only = list as Scenario[];
    } else if (a === '--stream-mib') {
      streamMiB = Number(argv[++i]);
      if (!Number.isInteger(streamMiB) || streamMiB < 1) throw new Error('--stream-mib needs a whole number of MiB');
    } else if (a === '--server-ms') {
      serverMs = Number(argv[++i]);
      if (!Number.isFinite(serverMs) || serverMs < 0 || serverMs > 1000) throw new Error('--server-ms needs a number of milliseconds from 0 to 1000');
    } else if (a === '-h' || a === '--help') {
      console.log('usage: npm run bench [-- --quick] [--only overhead,auth,streaming,throughput,load,watch] [--stream-mib N] [--server-ms N]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (quick && !argv.includes('--stream-mib')) streamMiB = 64;
  return { quick, only, streamMiB, serverMs };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-bench-'));
  const log = (t: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${t}`);
  log(`building the pack into ${work}/pack`);
  const pack = buildPack(work);
  let sandbox: BenchSandbox | undefined;
  let runtime: Embedded | undefined;
  const ctx: Ctx = {
    work,
    pack,
    dist: path.join(pack, 'dist'),
    quick: args.quick,
    streamMiB: args.streamMiB,
    serverMs: args.serverMs,
    async sandbox() {
      sandbox ||= await startSandbox(path.join(pack, 'dist'));
      return sandbox;
    },
    async runtime() {
      runtime ||= await startEmbedded(path.join(work, 'embedded'), pack);
      return runtime;
    },
    rows: [],
    details: {},
    log,
  };
  const failures: string[] = [];
  const run = async (name: Scenario, fn: (c: Ctx) => Promise<void>) => {
    if (!args.only.includes(name)) return;
    log(`--- ${name}`);
    try {
      await fn(ctx);
    } catch (e) {
      failures.push(`${name}: ${errorText(e)}`);
      log(`${name} FAILED: ${(e as Error)?.stack || errorText(e)}`);
    }
  };
  try {
    // The processes first (quiet machine), then the embedded runtime's scenarios.
    await run('load', loadCost);
    await run('streaming', streaming);
    await run('overhead', overhead);
    await run('throughput', throughput);
    await run('auth', auth);
    await run('watch', watchCost);
  } finally {
    await runtime?.stop().catch(() => undefined);
    await sandbox?.close();
  }

  const rows = ctx.rows.map((r) => [r.scenario, r.measure, String(r.pack), String(r.baseline), r.ratio === undefined ? '' : r.ratio.toFixed(3), r.target, r.pass === undefined ? '' : r.pass ? 'yes' : 'NO']);
  console.log('\n' + table(['scenario', 'measure', 'pack', 'baseline', 'ratio', 'target', 'met'], rows));
  const seconds = Math.round((Date.now() - started) / 1000);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version },
    quick: args.quick,
    seconds,
    rows: ctx.rows,
    details: ctx.details,
    failures,
  };
  const out = path.join(ROOT, 'bench', 'results.json');
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${ctx.rows.filter((r) => r.pass === false).length} target(s) missed, ${failures.length} scenario(s) failed; ${seconds} s; written to ${path.relative(process.cwd(), out)}`);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
