/** Small helpers of the benchmark: timing, statistics, a worker pool, a text table. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Median absolute deviation, scaled to be comparable with a standard deviation. */
export function mad(xs: number[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/**
 * Runs `count` jobs with at most `concurrency` in flight; returns the wall time in ms and each
 * job's latency. A failing job fails the run (the benchmark measures successes only).
 */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<{ ms: number; latencies: number[] }> {
  const latencies: number[] = new Array(count);
  let next = 0;
  let failure: unknown;
  const start = nowMs();
  const worker = async () => {
    while (failure === undefined) {
      const i = next++;
      if (i >= count) return;
      const t0 = nowMs();
      try {
        await job(i);
      } catch (e) {
        failure = e;
        return;
      }
      latencies[i] = nowMs() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure !== undefined) throw failure;
  return { ms: nowMs() - start, latencies };
}

/** A plain text table with right-aligned numbers. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? String(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => r.map((c, i) => (typeof rows[0]?.[i] === 'number' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
