/**
 * Stopping a child process the tests or the benchmark started: a signal, then SIGKILL if it has
 * not exited after a grace period. Resolves when it has exited (at once if it already had).
 */
import type { ChildProcess } from 'child_process';

export function stopChild(child: ChildProcess | undefined, opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 10000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(opts.signal || 'SIGTERM');
  });
}
