/**
 * 6. Watch cost: one poll of ot-ecm-watch (a folder, "poll now") that finds one new document, with
 *    100,000 items already seen versus 100. The memory of what was seen is put into the node's
 *    context store before the first poll (the format of nodes/lib/watch.ts), the same way a
 *    restart with a persistent context store would find it. Each poll is timed from the trigger
 *    to its completion (a Complete node), and its event-loop work is measured too.
 */
import crypto from 'crypto';
import type { Ctx } from '../run';
import type { Embedded, RuntimeNode } from '../lib/embedded';
import { PlainClient } from '../lib/plain';
import { ecmWatch, frame, xecmConfig } from '../lib/flows';
import { mad, median, nowMs, round, sleep } from '../lib/util';

interface Saved {
  v: 1;
  cursor?: string;
  recent: Array<[string, string]>;
  init?: boolean;
}

/** The key nodes/lib/watch.ts keeps a folder watch's memory under (global context). */
function memoryKey(nodeId: string, folderId: number): string {
  const source = { kind: 'folder', folderId, subfolders: false, whereType: undefined };
  return `otEcmWatch_${nodeId}_${crypto.createHash('sha1').update(JSON.stringify(source)).digest('hex').slice(0, 12)}`;
}

function globalCtx(n: RuntimeNode) {
  return n.context().global;
}

function getGlobal(n: RuntimeNode, key: string): Promise<unknown> {
  return new Promise((resolve, reject) => globalCtx(n).get(key, undefined, (e, v) => (e ? reject(e) : resolve(v))));
}

function setGlobal(n: RuntimeNode, key: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => globalCtx(n).set(key, value, undefined, (e) => (e ? reject(e) : resolve())));
}

/** Triggers one poll and resolves when the watch node has finished it. */
function pollOnce(rt: Embedded): Promise<{ ms: number; emitted: number }> {
  const watch = rt.node('watch');
  return new Promise((resolve) => {
    let emitted = 0;
    const t0 = nowMs();
    const onOut = () => emitted++;
    const outNode = rt.node('watchOut') as RuntimeNode & { removeListener(e: string, f: unknown): void };
    const doneNode = rt.node('watchDone') as RuntimeNode & { removeListener(e: string, f: unknown): void };
    const onDone = (_m: unknown, _s: unknown, done: () => void) => {
      const ms = nowMs() - t0;
      done();
      // let the last emitted message arrive
      setImmediate(() => {
        outNode.removeListener('input', onOut);
        doneNode.removeListener('input', onDone);
        resolve({ ms, emitted });
      });
    };
    outNode.on('input', (_m, _s, done) => {
      onOut();
      done();
    });
    doneNode.on('input', onDone);
    watch.receive({ topic: 'poll now' });
  });
}

async function measure(ctx: Ctx, rt: Embedded, plain: PlainClient, csUrl: string, seen: number, polls: number): Promise<number[]> {
  const folder = await plain.folder(2000, `bench-watch-${seen}-${Date.now()}`);
  await rt.deploy(frame([xecmConfig('csW', csUrl, 8), ecmWatch('watch', 'csW', folder)]));
  const watch = rt.node('watch');
  const key = memoryKey('watch', folder);
  // the memory: `seen` items that were emitted before, and the cursor at the newest of them
  const recent: Array<[string, string]> = [];
  for (let i = 0; i < seen; i++) recent.push([String(900000000 + i), `2026-01-01T00:00:00Z|${i}`]);
  await sleep(1100); // the sandbox's modify dates have 1 s resolution: new documents come after the cursor
  await setGlobal(watch, key, { v: 1, cursor: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), recent, init: true } satisfies Saved);
  const times: number[] = [];
  for (let i = 0; i < polls + 2; i++) {
    await plain.upload(folder, `w-${i}.txt`, Buffer.from('watch me'));
    const r = await pollOnce(rt);
    if (r.emitted !== 1) throw new Error(`poll ${i} with ${seen} seen emitted ${r.emitted} messages (expected the 1 new document)`);
    if (i >= 2) times.push(r.ms); // the first polls load the memory and warm up
  }
  const saved = (await getGlobal(watch, key)) as Saved | undefined;
  if (!saved || saved.recent.length < seen) throw new Error(`the watch did not use the prepared memory (key ${key}); nodes/lib/watch.ts changed its format?`);
  ctx.log(`watch: ${seen} seen: median ${round(median(times), 2)} ms per poll (MAD ${round(mad(times), 2)})`);
  return times;
}

export async function watchCost(ctx: Ctx): Promise<void> {
  const sb = await ctx.sandbox();
  const rt = await ctx.runtime();
  const plain = new PlainClient(sb.csUrl);
  await plain.login();
  const polls = ctx.quick ? 10 : 40;
  const small = await measure(ctx, rt, plain, sb.csUrl, 100, polls);
  const large = await measure(ctx, rt, plain, sb.csUrl, 100000, polls);
  const m100 = median(small);
  const m100k = median(large);
  const noise = Math.max(3 * Math.max(mad(small), mad(large)), 0.1 * m100);
  const pass = m100k - m100 <= noise;
  ctx.rows.push({ scenario: 'watch', measure: `one poll finding 1 new item, 100,000 vs 100 seen (median ms of ${polls})`, pack: round(m100k, 2), baseline: round(m100, 2), ratio: round(m100k / m100, 3), target: 'same within noise', pass });
  ctx.details.watch = { polls, seen100: { medianMs: round(m100, 3), madMs: round(mad(small), 3) }, seen100000: { medianMs: round(m100k, 3), madMs: round(mad(large), 3) }, noiseMs: round(noise, 3) };
}
