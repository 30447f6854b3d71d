/**
 * The sandbox of the benchmark, in its own process (so its work does not share the event loop of
 * what is measured), started from the built pack. Adds two bench-only control routes:
 *
 *   GET  /_sandbox/bench/stats   requests served, CPU time and RSS of the sandbox process
 *   POST /_sandbox/bench/docs    {"parent": id, "count": n, "prefix": "x"}: creates n small
 *                                 documents directly in the state (fixtures for declarations)
 *
 * Started by bench/lib/sandbox.ts with one JSON argument: {dist, tokenLifetime?, settings?}.
 */
import path from 'path';
import type { Sandbox, SandboxOptions } from '../../sandbox';
import type { SandboxApp } from '../../sandbox/server';

interface CsCore {
  createNode(app: SandboxApp, n: { parent_id: number; name: string; type: number; userId: number }): { id: number };
  addVersion(app: SandboxApp, node: { id: number }, v: { contentId: string; file_name: string; mime_type: string; userId: number }): unknown;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] || '{}') as { dist: string; tokenLifetime?: number; ticketLifetime?: number; settings?: Record<string, unknown> };
  const { start } = require(path.join(args.dist, 'sandbox')) as { start(o: SandboxOptions): Promise<Sandbox> };
  const core = require(path.join(args.dist, 'sandbox', 'areas', 'cs-core')) as CsCore;
  const sb = await start({ port: 0, quiet: true, record: false, tokenLifetime: args.tokenLifetime, ticketLifetime: args.ticketLifetime, settings: args.settings });
  const app = sb.app;
  app.route('GET', '/_sandbox/bench/stats', () => {
    const cpu = process.cpuUsage();
    return { status: 200, body: { requests: app.requestCount, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss } };
  });
  app.route('POST', '/_sandbox/bench/docs', (ctx) => {
    const b = (ctx.json || {}) as { parent?: number; count?: number; prefix?: string };
    const parent = Number(b.parent);
    const count = Math.max(0, Math.min(200000, Number(b.count) || 0));
    const prefix = String(b.prefix || 'doc');
    const ids: number[] = [];
    const content = Buffer.from('bench document\n');
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${i}.txt`;
      const node = core.createNode(app, { parent_id: parent, name, type: 144, userId: 1000 });
      core.addVersion(app, node, { contentId: app.content.put(content), file_name: name, mime_type: 'text/plain', userId: 1000 });
      ids.push(node.id);
    }
    return { status: 200, body: { ids } };
  });
  process.send?.({ url: sb.url });
  const stop = () => {
    sb.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

main().catch((e) => {
  console.error('bench sandbox:', e);
  process.exit(1);
});
