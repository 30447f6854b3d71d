/**
 * 1. Overhead: small uploads and record declarations through a real Node-RED flow (embedded
 *    runtime, pack from its build) versus a plain axios keep-alive client making the same requests,
 *    at concurrency 1 and 16, measured in alternating chunks so both sides meet the same sandbox:
 *    judged with 5 ms of server time per request (--server-ms), reported with the sandbox
 *    answering at once.
 * 4. Throughput: record declarations pushed into the flow all at once, so the config node's
 *    concurrency limit (its default, 8) decides, versus the plain client with 8 workers.
 */
import type { Ctx } from '../run';
import { FlowDriver } from '../lib/embedded';
import { PlainClient } from '../lib/plain';
import { CAUGHT, SINK, declare, frame, plainInNodeRed, upload, xecmConfig } from '../lib/flows';
import { mean, nowMs, percentile, pool, round } from '../lib/util';
import type { BenchSandbox } from '../lib/sandbox';

const CLASS_ID = 3003; // HR-300 Personnel: no required record fields, allowed anywhere
const PER_FOLDER = 250; // Content Server checks names per folder: keep folders small so the sandbox's cost stays flat
const CONTENT = Buffer.from('x'.repeat(1024));
const FLOOR = 'plainInNodeRed';

/** Hands out folders of at most PER_FOLDER documents, created under the Enterprise workspace. */
class Folders {
  private current = 0;
  private used = PER_FOLDER;
  private n = 0;
  constructor(
    private readonly plain: PlainClient,
    private readonly prefix: string,
  ) {}
  async next(): Promise<number> {
    if (this.used >= PER_FOLDER) {
      this.current = await this.plain.folder(2000, `${this.prefix}-${++this.n}`);
      this.used = 0;
    }
    this.used++;
    return this.current;
  }
  /** Pre-creates the folders for `count` documents (outside any timing). */
  async reserve(count: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next());
    return out;
  }
}

async function requestsDuring(sb: BenchSandbox, fn: () => Promise<unknown>): Promise<number> {
  const before = (await sb.stats()).requests;
  await fn();
  return (await sb.stats()).requests - before - 1; // minus the stats call itself
}

interface Side {
  ms: number;
  latencies: number[];
  requests: number;
}

export async function overhead(ctx: Ctx): Promise<void> {
  const sb = await ctx.sandbox();
  const rt = await ctx.runtime();
  const N = ctx.quick ? 400 : 5000;
  const CHUNK = ctx.quick ? 100 : 500;
  const WARMUP = ctx.quick ? 50 : 300;
  await rt.deploy(frame([xecmConfig('csO', sb.csUrl, 16), upload('up', 'csO'), declare('rec', 'csO', CLASS_ID), plainInNodeRed(FLOOR)]));
  const driver = new FlowDriver(rt, SINK, CAUGHT);
  const plain = new PlainClient(sb.csUrl);
  await plain.login();
  // Node-RED's own share: the plain client called from a node of the same flow (same routing,
  // same driver), so the pack's cost is what the flow adds over this
  const floorCalls: Record<string, (msg: Record<string, unknown>) => Promise<unknown>> = {
    upload: (m) => plain.upload(Number(m.parentId), String(m.filename), CONTENT, 'text/plain').then((id) => (m.nodeId = id)),
    declare: (m) => plain.declare(Number(m.payload), CLASS_ID),
  };
  rt.node(FLOOR).on('input', (msg, send, done) => {
    // as the pack's nodes do: send, then done (or done with the error, for Catch)
    floorCalls[String(msg.op)](msg).then(
      () => {
        (send as (m: unknown) => void)(msg);
        (done as () => void)();
      },
      (e: Error) => (done as (e?: Error) => void)(e),
    );
  });
  const folders = new Folders(plain, 'bench-overhead');
  const details: Record<string, unknown> = { serverMs: ctx.serverMs };

  /** Uploads, then declarations of the documents just uploaded, at each concurrency. */
  const run = async (label: string, key: string, withFloor: boolean, target: boolean) => {
    for (const conc of [1, 16]) {
      // the documents' folders are made first (outside any timing and any server time)
      const nodeParents = await folders.reserve(N + WARMUP);
      const plainParents = await folders.reserve(N + WARMUP);
      const floorParents = withFloor ? await folders.reserve(N + WARMUP) : [];
      if (ctx.serverMs > 0 && target) await sb.post('/_sandbox/faults', { seed: 1, rules: [{ kind: 'latency', ms: ctx.serverMs, probability: 1 }] });
      try {
        const ids: number[] = [];
        const tag = `${key}${conc}`;
        const nodeUpload = (i: number) =>
          driver.call('up', { payload: CONTENT, parentId: nodeParents[i], filename: `n-${tag}-${i}.txt`, mimeType: 'text/plain' }).then((o) => ids.push(Number(o.msg.nodeId)));
        const plainUpload = (i: number) => plain.upload(plainParents[i], `p-${tag}-${i}.txt`, CONTENT, 'text/plain').then((id) => ids.push(id));
        const floorUpload = (i: number) => driver.call(FLOOR, { op: 'upload', parentId: floorParents[i], filename: `r-${tag}-${i}.txt` }).then((o) => ids.push(Number(o.msg.nodeId)));
        const up = await sideBySide(ctx, sb, `upload c=${conc}, ${label}`, N, CHUNK, WARMUP, conc, nodeUpload, plainUpload, withFloor ? floorUpload : undefined);
        report(ctx, `upload 1 KiB, concurrency ${conc}, ${label}`, up.node, up.plain, target, up.floor);
        details[`upload_c${conc}_${key}`] = summary(up.node, up.plain, N, up.floor);

        let next = 0;
        const take = () => {
          if (next >= ids.length) throw new Error('ran out of documents to declare');
          return ids[next++];
        };
        const nodeDeclare = () => driver.call('rec', { payload: take() });
        const plainDeclare = () => plain.declare(take(), CLASS_ID);
        const floorDeclare = () => driver.call(FLOOR, { op: 'declare', payload: take() });
        const dec = await sideBySide(ctx, sb, `declare c=${conc}, ${label}`, N, CHUNK, WARMUP, conc, nodeDeclare, plainDeclare, withFloor ? floorDeclare : undefined);
        report(ctx, `declare record, concurrency ${conc}, ${label}`, dec.node, dec.plain, target, dec.floor);
        details[`declare_c${conc}_${key}`] = summary(dec.node, dec.plain, N, dec.floor);
      } finally {
        if (ctx.serverMs > 0 && target) await sb.post('/_sandbox/faults', { rules: [] });
      }
    }
  };

  // The target: against a server that takes `--server-ms` (default 5 ms) per request, the
  // sandbox's latency fault on every request of both sides (a Content Server usually takes longer).
  await run(ctx.serverMs > 0 ? `${ctx.serverMs} ms server time` : 'sandbox answering at once', 'server', ctx.serverMs === 0, true);
  // Reported: the same against the sandbox answering at once (about 0.1 ms of CPU per request),
  // where the comparison is between the CPU costs of the two clients, with Node-RED's own share.
  if (ctx.serverMs > 0) await run('sandbox answering at once (CPU-bound)', 'cpu', true, false);
  ctx.details.overhead = details;
}

/** Warm-up, then N calls per side in alternating chunks (plain first in even chunks, the flow first in odd). */
async function sideBySide(
  ctx: Ctx,
  sb: BenchSandbox,
  what: string,
  n: number,
  chunk: number,
  warmup: number,
  conc: number,
  nodeJob: (i: number) => Promise<unknown>,
  plainJob: (i: number) => Promise<unknown>,
  floorJob?: (i: number) => Promise<unknown>,
): Promise<{ node: Side; plain: Side; floor?: Side }> {
  const node: Side = { ms: 0, latencies: [], requests: 0 };
  const plain: Side = { ms: 0, latencies: [], requests: 0 };
  const floor: Side | undefined = floorJob ? { ms: 0, latencies: [], requests: 0 } : undefined;
  const offset = warmup;
  await pool(warmup, conc, (i) => plainJob(i));
  await pool(warmup, conc, (i) => nodeJob(i));
  if (floorJob) await pool(warmup, conc, (i) => floorJob(i));
  for (let k = 0; k * chunk < n; k++) {
    const size = Math.min(chunk, n - k * chunk);
    const base = offset + k * chunk;
    const runSide = async (side: Side, job: (i: number) => Promise<unknown>) => {
      let r: { ms: number; latencies: number[] } | undefined;
      side.requests += await requestsDuring(sb, async () => {
        r = await pool(size, conc, (i) => job(base + i));
      });
      side.ms += r!.ms;
      side.latencies.push(...r!.latencies);
    };
    if (k % 2 === 0) {
      await runSide(plain, plainJob);
      await runSide(node, nodeJob);
    } else {
      await runSide(node, nodeJob);
      await runSide(plain, plainJob);
    }
    if (floor && floorJob) await runSide(floor, floorJob);
  }
  const floorText = floor ? `; plain client in a Node-RED node ${(floor.ms / n).toFixed(3)} ms/call (${(floor.ms / plain.ms).toFixed(3)})` : '';
  ctx.log(`${what}: flow ${(node.ms / n).toFixed(3)} ms/call, plain ${(plain.ms / n).toFixed(3)} ms/call, ratio ${(node.ms / plain.ms).toFixed(3)}; requests/call ${(node.requests / n).toFixed(2)} vs ${(plain.requests / n).toFixed(2)}${floorText}`);
  return { node, plain, floor };
}

function report(ctx: Ctx, measure: string, node: Side, plain: Side, target: boolean, floor?: Side): void {
  const n = node.latencies.length;
  const ratio = node.ms / plain.ms;
  ctx.rows.push({
    scenario: 'overhead',
    measure: `${measure} (ms per call, ${n} calls)`,
    pack: round(node.ms / n, 3),
    baseline: round(plain.ms / n, 3),
    ratio: round(ratio, 3),
    target: target ? 'ratio <= 1.10' : 'reported',
    ...(target ? { pass: ratio <= 1.1 } : {}),
  });
  if (floor) {
    // not a target: how much of the ratio Node-RED's message handling takes by itself
    ctx.rows.push({ scenario: 'overhead', measure: `  the plain client in a Node-RED node instead (Node-RED's own share)`, pack: round(floor.ms / n, 3), baseline: round(plain.ms / n, 3), ratio: round(floor.ms / plain.ms, 3), target: 'reported' });
  }
}

function summary(node: Side, plain: Side, n: number, floor?: Side): Record<string, unknown> {
  const side = (s: Side) => ({ totalMs: round(s.ms, 1), perCallMs: round(s.ms / n, 4), p50Ms: round(percentile(s.latencies, 50), 3), p99Ms: round(percentile(s.latencies, 99), 3), meanLatencyMs: round(mean(s.latencies), 3), requestsPerCall: round(s.requests / n, 3) });
  return { calls: n, flow: side(node), plain: side(plain), ratio: round(node.ms / plain.ms, 4), ...(floor ? { plainInNodeRed: side(floor), nodeRedRatio: round(floor.ms / plain.ms, 4) } : {}) };
}

export async function throughput(ctx: Ctx): Promise<void> {
  const sb = await ctx.sandbox();
  const rt = await ctx.runtime();
  const N = ctx.quick ? 1000 : 10000;
  const LIMIT = 8; // the config node's default concurrency
  await rt.deploy(frame([xecmConfig('csT', sb.csUrl, LIMIT), declare('recT', 'csT', CLASS_ID)]));
  const driver = new FlowDriver(rt, SINK, CAUGHT);
  const plain = new PlainClient(sb.csUrl);
  await plain.login();
  const folders = new Folders(plain, 'bench-throughput');
  // documents to declare, made directly in the sandbox's state (not measured)
  const docs: number[] = [];
  const parents = await folders.reserve(2 * N + 400);
  for (let i = 0; i < parents.length; i += PER_FOLDER) {
    const r = await sb.post<{ ids: number[] }>('/_sandbox/bench/docs', { parent: parents[i], count: Math.min(PER_FOLDER, parents.length - i), prefix: `t${i}` });
    docs.push(...r.ids);
  }
  let next = 0;
  const take = () => docs[next++];
  // warm-up
  await Promise.all(Array.from({ length: 100 }, () => driver.call('recT', { payload: take() })));
  await pool(100, LIMIT, () => plain.declare(take(), CLASS_ID));

  const half = N / 2;
  let nodeMs = 0;
  let plainMs = 0;
  const flowRun = async () => {
    const ids = Array.from({ length: half }, take);
    const t0 = nowMs();
    await Promise.all(ids.map((id) => driver.call('recT', { payload: id })));
    nodeMs += nowMs() - t0;
  };
  const plainRun = async () => {
    const ids = Array.from({ length: half }, take);
    plainMs += (await pool(half, LIMIT, (i) => plain.declare(ids[i], CLASS_ID))).ms;
  };
  await plainRun();
  await flowRun();
  await flowRun();
  await plainRun();
  const nodeRate = N / (nodeMs / 1000);
  const plainRate = N / (plainMs / 1000);
  ctx.log(`throughput: flow ${nodeRate.toFixed(0)} declarations/s, plain ${plainRate.toFixed(0)}/s at concurrency ${LIMIT}`);
  ctx.rows.push({ scenario: 'throughput', measure: `declarations per second (${N}, concurrency ${LIMIT})`, pack: round(nodeRate, 0), baseline: round(plainRate, 0), ratio: round(nodeRate / plainRate, 3), target: 'report (ratio ~1)' });
  ctx.details.throughput = { declarations: N, concurrency: LIMIT, flowPerSecond: round(nodeRate, 1), plainPerSecond: round(plainRate, 1), flowMs: round(nodeMs, 0), plainMs: round(plainMs, 0) };
}
