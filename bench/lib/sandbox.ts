/** Starts the benchmark's sandbox process (bench/lib/sandbox-child.ts) and talks to its control API. */
import { ChildProcess, fork } from 'child_process';
import path from 'path';
import { stopChild } from '../../test/support/process';

export interface BenchSandbox {
  url: string;
  csUrl: string;
  pid: number;
  get<T = unknown>(p: string): Promise<T>;
  post<T = unknown>(p: string, body: unknown): Promise<T>;
  stats(): Promise<{ requests: number; cpuMs: number; rss: number }>;
  close(): Promise<void>;
}

export async function startSandbox(dist: string, opts: { tokenLifetime?: number; ticketLifetime?: number; settings?: Record<string, unknown> } = {}): Promise<BenchSandbox> {
  const child: ChildProcess = fork(path.join(__dirname, 'sandbox-child.ts'), [JSON.stringify({ dist, ...opts })], {
    // BENCH_SANDBOX_PROFILE=<dir> writes a CPU profile of the sandbox process there (diagnostics)
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only'), ...(process.env.BENCH_SANDBOX_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SANDBOX_PROFILE}`] : [])],
    env: { ...process.env, OT_SANDBOX_RECORD: '', TS_NODE_PROJECT: path.join(__dirname, '..', '..', 'tsconfig.json') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the bench sandbox did not start within 30 s')), 30000);
    child.once('message', (m: unknown) => {
      clearTimeout(t);
      resolve((m as { url: string }).url);
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`the bench sandbox exited (${code})`));
    });
  });
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + p, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${p}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    url,
    csUrl: `${url}/otcs/cs.exe/api`,
    pid: child.pid!,
    get: (p) => call('GET', p),
    post: (p, body) => call('POST', p, body),
    stats: () => call('GET', '/_sandbox/bench/stats'),
    close: () => stopChild(child, { graceMs: 5000 }),
  };
}
