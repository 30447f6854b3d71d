/**
 * The OpenText sandbox: a strict, stateful local simulator of the OpenText APIs the pack calls.
 *
 *   const sb = await start({ port: 0 });   // sb.url, sb.app (state), sb.close()
 */
import fs from 'fs';
import path from 'path';
import { SandboxApp, SandboxOptions } from './server';
import { AREAS } from './areas';

export type { SandboxOptions, FaultConfig, FaultRule } from './server';
export { SandboxApp } from './server';

export interface Sandbox {
  url: string;
  port: number;
  /** Content Server REST base, e.g. http://127.0.0.1:8701/otcs/cs.exe/api */
  csUrl: string;
  app: SandboxApp;
  /** Reads the JSON state (all areas, or one). */
  state(area?: string): unknown;
  reset(): void;
  close(): Promise<void>;
}

/** The default tenant: one JSON file per area (otds.json, cs.json, rm.json, ...). */
export const DEFAULT_FIXTURE = path.join(__dirname, 'fixtures', 'default');

/**
 * Loads a fixture: an object, a JSON file holding every area ({"otds": ..., "cs": ...}), or a
 * folder with one `<area>.json` per area.
 */
export function loadFixture(data: SandboxOptions['data']): Record<string, unknown> {
  if (data && typeof data === 'object') return JSON.parse(JSON.stringify(data));
  const target = typeof data === 'string' && data ? data : DEFAULT_FIXTURE;
  if (fs.statSync(target).isDirectory()) {
    const out: Record<string, unknown> = {};
    for (const f of fs.readdirSync(target).sort()) {
      if (f.endsWith('.json')) out[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(target, f), 'utf8'));
    }
    return out;
  }
  return JSON.parse(fs.readFileSync(target, 'utf8'));
}

export async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const app = new SandboxApp(options);
  for (const area of AREAS) app.use(area);
  app.reset(loadFixture(options.data));
  // a saved state replaces the fixture's (the fixture stays what a reset goes back to)
  if (options.stateFile) app.loadState(options.stateFile);
  const host = options.host || '127.0.0.1';
  const url = await app.listen(options.port ?? 0, host);
  const ticker = setInterval(() => app.tick(), 100);
  ticker.unref();
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    csUrl: url + app.csPrefix,
    app,
    state: (area?: string) => JSON.parse(JSON.stringify(app.snapshot(area))),
    reset: () => app.reset(),
    close: async () => {
      clearInterval(ticker);
      await app.close();
    },
  };
}
