/**
 * node-red-node-test-helper set-up shared by the node tests: Node-RED 4 by default, or the
 * Node-RED named by NODE_RED_PATH (the compat run uses Node-RED 5 under Node 22).
 */
import helper from 'node-red-node-test-helper';
import type { Node } from 'node-red';

let initialised = false;

export function nrHelper(): typeof helper {
  if (!initialised) {
    const nr = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
    helper.init(nr);
    initialised = true;
  }
  return helper;
}

/** Starts the helper's server for the calling describe and unloads flows after each test. */
export function useNodeRed(): typeof helper {
  const h = nrHelper();
  before((done) => {
    h.startServer(done);
  });
  afterEach(async () => {
    await h.unload();
  });
  after((done) => {
    h.stopServer(done);
  });
  return h;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Resolves with the next message a helper node receives (rejects after `ms`). */
export function nextMessage<T = Record<string, unknown>>(node: Node, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
    node.once('input', (msg: unknown) => {
      clearTimeout(t);
      resolve(msg as T);
    });
  });
}

/** Collects every message a helper node receives. */
export function collect<T = Record<string, unknown>>(node: Node): T[] {
  const out: T[] = [];
  node.on('input', (msg: unknown) => out.push(msg as T));
  return out;
}

/** Waits until `check` returns true (polling every 20 ms), or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A tab node; nodes that need Catch/Status must carry `z` of a tab. */
export const TAB: FlowNode = { id: 'tab1', type: 'tab', label: 'test' };

/** ot-xecm config node JSON + credentials for the sandbox's admin user. */
export function xecmConfig(csUrl: string, extra: Record<string, unknown> = {}): { node: FlowNode; creds: Record<string, Record<string, string>> } {
  return {
    node: { id: 'xecm1', type: 'ot-xecm', name: 'sandbox', baseUrl: csUrl, authMode: 'password', timeout: 5, retries: 3, maxDelay: 2, concurrency: 8, ...extra },
    creds: { xecm1: { username: 'Admin', password: 'sandbox-admin' } },
  };
}
