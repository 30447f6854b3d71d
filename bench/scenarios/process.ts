/**
 * Scenarios that need a real `node-red` process (node_modules/node-red/red.js with a temporary
 * user directory and the pack installed from its build):
 *
 * 5. Load cost: time from process start to "Started flows", with and without the pack installed
 *    (empty flows), alternating, median of several starts each.
 * 3. Streaming: a generated file (1 GiB by default) uploaded with ot-upload (from a file, Large File
 *    Upload) and downloaded back with ot-node (to a file), content compared by SHA-256; the
 *    Node-RED process's resident memory is sampled from /proc and its peak growth over the
 *    baseline (after a warm-up transfer) is reported.
 */
import { ChildProcess, spawn } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import net from 'net';
import path from 'path';
import type { Ctx } from '../run';
import { ROOT, baseSettings, prepareUserDir, type FlowNode } from '../lib/pack';
import { xecmConfig } from '../lib/flows';
import { mad, median, nowMs, round, sleep } from '../lib/util';
import { stopChild } from '../../test/support/process';

const RED_JS = path.join(ROOT, 'node_modules', 'node-red', 'red.js');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface NodeRedProcess {
  child: ChildProcess;
  url: string;
  /** ms from spawn to "Started flows". */
  startMs: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node red.js` on a user directory; resolves when the flows have started. */
async function startNodeRed(userDir: string, extraSettings: Record<string, unknown> = {}): Promise<NodeRedProcess> {
  const port = await freePort();
  const settings = { ...baseSettings(userDir), uiPort: port, logging: { console: { level: 'info', metrics: false, audit: false } }, ...extraSettings };
  const file = path.join(userDir, 'settings.js');
  fs.writeFileSync(file, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  const t0 = nowMs();
  const child = spawn(process.execPath, [RED_JS, '--settings', file, '--userDir', userDir], { cwd: userDir, env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false', OT_SANDBOX_RECORD: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const startMs = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`Node-RED did not start within 60 s:\n${out.slice(-2000)}`)), 60000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Started flows/.test(out)) {
        clearTimeout(t);
        resolve(nowMs() - t0);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`Node-RED exited (${code}):\n${out.slice(-2000)}`));
    });
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    startMs,
    output: () => out,
    stop: () => stopChild(child, { signal: 'SIGINT' }),
  };
}

export async function loadCost(ctx: Ctx): Promise<void> {
  const runs = ctx.quick ? 3 : 7;
  const without: number[] = [];
  const withPack: number[] = [];
  const dirs = { without: path.join(ctx.work, 'load-without'), with: path.join(ctx.work, 'load-with') };
  prepareUserDir(dirs.without, {});
  prepareUserDir(dirs.with, { pack: ctx.pack });
  // one start each first, so both meet warm file system caches
  for (const d of [dirs.without, dirs.with]) await (await startNodeRed(d)).stop();
  let loaded = '';
  /** The pack's node types Node-RED registered (its admin API, open without adminAuth). */
  const packTypesOf = async (p: NodeRedProcess) => {
    const res = await fetch(`${p.url}/nodes`, { headers: { accept: 'application/json' } });
    const sets = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    return sets.filter((x) => x.module === 'node-red-contrib-opentext' && x.enabled && !x.err).flatMap((x) => x.types);
  };
  let types: string[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const);
    for (const which of order) {
      const p = await startNodeRed(dirs[which]);
      (which === 'with' ? withPack : without).push(p.startMs);
      if (i === 0) {
        const t = await packTypesOf(p);
        if (which === 'with') {
          types = t;
          loaded = p.output();
        } else if (t.length) throw new Error('the pack is loaded in the user directory without it');
      }
      await p.stop();
    }
  }
  const expected = Object.keys((JSON.parse(fs.readFileSync(path.join(ctx.pack, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);
  const missing = expected.filter((t) => !types.includes(t));
  if (missing.length) throw new Error(`Node-RED did not load these node types of the pack: ${missing.join(', ')}`);
  if (/\[(error|warn)\].*(opentext|ot-)/i.test(loaded)) ctx.log(`warning: Node-RED reported about the pack:\n${loaded.split('\n').filter((l) => /\[(error|warn)\]/.test(l)).join('\n')}`);
  const added = median(withPack) - median(without);
  ctx.log(`load: ${round(median(without), 0)} ms without, ${round(median(withPack), 0)} ms with the pack (+${round(added, 0)} ms), ${runs} starts each`);
  ctx.rows.push({ scenario: 'load', measure: `Node-RED start to "Started flows" (median of ${runs}, ms)`, pack: round(median(withPack), 0), baseline: round(median(without), 0), ratio: round(median(withPack) / median(without), 3), target: '<= +150 ms', pass: added <= 150 });
  ctx.details.load = { runs, withPackMs: withPack.map((x) => round(x, 1)), withoutMs: without.map((x) => round(x, 1)), addedMs: round(added, 1), madWith: round(mad(withPack), 1), madWithout: round(mad(without), 1), packTypesLoaded: types.length };
}

// ---- streaming ----------------------------------------------------------------------------------

/** Writes `mib` MiB of pseudo-random bytes (each MiB different) and returns its SHA-256. */
async function generate(file: string, mib: number): Promise<string> {
  const hash = crypto.createHash('sha256');
  const block = crypto.randomBytes(1024 * 1024);
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32BE(i, 0); // every MiB differs
      hash.update(block);
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] || 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function streamFlow(csUrl: string): { flows: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const cfg = xecmConfig('csS', csUrl, 4, { timeout: 600 });
  const { credentials, ...cfgNode } = cfg;
  const z = 'streamTab';
  const at = (n: FlowNode, i: number): FlowNode => ({ x: 120, y: 40 * (i + 1), z, ...n });
  const nodes: FlowNode[] = [
    { id: 'in', type: 'http in', name: '', url: '/stream', method: 'post', upload: false, swaggerDoc: '', wires: [['up']] },
    { id: 'up', type: 'ot-upload', name: '', server: 'csS', target: 'parent', parent: 'parentId', parentType: 'msg', source: 'file', file: 'payload.source', fileType: 'msg', docName: 'payload.name', docNameType: 'msg', onClash: 'error', chunkMiB: '', wires: [['prep']] },
    { id: 'prep', type: 'change', name: '', rules: [{ t: 'set', p: 'target', pt: 'msg', to: 'req.body.target', tot: 'msg' }], wires: [['down']] },
    { id: 'down', type: 'ot-node', name: '', server: 'csS', operation: 'download', node: 'nodeId', nodeType: 'msg', downloadTo: 'file', filePath: 'target', filePathType: 'msg', overwrite: false, wires: [['ok']] },
    { id: 'ok', type: 'change', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"ok":true}', tot: 'json' }], wires: [['res']] },
    { id: 'catch', type: 'catch', name: '', scope: null, uncaught: false, wires: [['fail']] },
    { id: 'fail', type: 'change', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' }, { t: 'set', p: 'statusCode', pt: 'msg', to: '500', tot: 'num' }], wires: [['res']] },
    { id: 'res', type: 'http response', name: '', statusCode: '', headers: {}, wires: [] },
  ];
  return {
    flows: [{ id: z, type: 'tab', label: 'stream' }, cfgNode as FlowNode, ...nodes.map(at)],
    credentials: { csS: credentials as Record<string, string> },
  };
}

export async function streaming(ctx: Ctx): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the streaming scenario reads /proc (Linux only)');
  const sb = await ctx.sandbox();
  const dir = path.join(ctx.work, 'stream');
  fs.mkdirSync(dir, { recursive: true });
  const userDir = path.join(ctx.work, 'stream-nodered');
  const { flows, credentials } = streamFlow(sb.csUrl);
  // a folder in the sandbox for the documents
  const folder = await createFolder(sb.csUrl, `bench-stream-${Date.now()}`);
  // msg.parentId comes from the request: the http in node puts the body in msg.payload; set parentId there
  (flows.find((n) => n.id === 'up') as FlowNode).parent = String(folder);
  (flows.find((n) => n.id === 'up') as FlowNode).parentType = 'num';
  prepareUserDir(userDir, { pack: ctx.pack, flows, credentials });
  const nr = await startNodeRed(userDir);
  try {
    const call = async (source: string, name: string, target: string) => {
      const res = await fetch(`${nr.url}/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source, name, target }) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`streaming flow failed: HTTP ${res.status} ${text.slice(0, 500)}`);
    };
    // warm-up: a 32 MiB file (Large File Upload too), so every code path is loaded before the baseline
    const warm = path.join(dir, 'warm.bin');
    const warmHash = await generate(warm, 32);
    await call(warm, 'warm.bin', path.join(dir, 'warm-back.bin'));
    if ((await sha256(path.join(dir, 'warm-back.bin'))) !== warmHash) throw new Error('the warm-up download differs from the upload');
    fs.rmSync(path.join(dir, 'warm-back.bin'));

    const big = path.join(dir, 'big.bin');
    ctx.log(`streaming: generating ${ctx.streamMiB} MiB`);
    const bigHash = await generate(big, ctx.streamMiB);
    await sleep(500);
    const pid = nr.child.pid!;
    const before = rssOf(pid).rss;
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    } catch {
      /* older kernels: the sampled peak is used */
    }
    let peak = before;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssOf(pid).rss);
      } catch {
        /* process gone */
      }
    }, 20);
    const t0 = nowMs();
    try {
      await call(big, 'big.bin', path.join(dir, 'big-back.bin'));
    } finally {
      clearInterval(sampler);
    }
    const ms = nowMs() - t0;
    const hwm = rssOf(pid).hwm;
    peak = Math.max(peak, hwm);
    const backHash = await sha256(path.join(dir, 'big-back.bin'));
    const same = backHash === bigHash;
    const growthMiB = (peak - before) / 2 ** 20;
    const mibPerSec = (2 * ctx.streamMiB) / (ms / 1000);
    ctx.log(`streaming: ${ctx.streamMiB} MiB up and down in ${round(ms / 1000, 1)} s, content ${same ? 'identical' : 'DIFFERENT'}, RSS ${round(before / 2 ** 20, 0)} MiB before, peak growth ${round(growthMiB, 1)} MiB`);
    ctx.rows.push({ scenario: 'streaming', measure: `peak RSS growth of Node-RED, ${ctx.streamMiB} MiB up + down (MiB)`, pack: round(growthMiB, 1), baseline: '-', target: '<= 64 MiB, same content', pass: growthMiB <= 64 && same });
    ctx.details.streaming = { mib: ctx.streamMiB, seconds: round(ms / 1000, 2), mibPerSecondBothWays: round(mibPerSec, 1), rssBeforeMiB: round(before / 2 ** 20, 1), peakRssMiB: round(peak / 2 ** 20, 1), growthMiB: round(growthMiB, 1), sha256: bigHash, contentIdentical: same };
    if (!same) throw new Error('the downloaded content differs from the uploaded file');
  } finally {
    await nr.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function createFolder(csUrl: string, name: string): Promise<number> {
  const login = await fetch(`${csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'Admin', password: 'sandbox-admin' }).toString() });
  const { ticket } = (await login.json()) as { ticket: string };
  const res = await fetch(`${csUrl}/v2/nodes`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', OTCSTicket: ticket }, body: new URLSearchParams({ body: JSON.stringify({ type: 0, parent_id: 2000, name }) }).toString() });
  const d = (await res.json()) as { results: { data: { properties: { id: number } } } };
  return d.results.data.properties.id;
}
