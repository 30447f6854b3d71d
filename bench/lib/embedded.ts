/**
 * Node-RED's real runtime embedded in the bench process, with the pack installed from its build
 * (loaded by the registry from the user directory like any installed module), and a driver that
 * sends messages into a flow and waits for each one's end: the flow's output (a sink node) or a
 * Catch node.
 */
import http from 'http';
import path from 'path';
import { ROOT, baseSettings, prepareUserDir, type FlowNode } from './pack';

export interface RuntimeNode {
  id: string;
  type: string;
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', cb: (msg: Record<string, unknown>, send: unknown, done: () => void) => void): void;
  context(): { global: { get(k: string, store?: string, cb?: (e: unknown, v: unknown) => void): unknown; set(k: string, v: unknown, store?: string, cb?: (e: unknown) => void): void; keys(store?: string, cb?: (e: unknown, keys: string[]) => void): unknown } };
}

interface NodeRedModule {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): RuntimeNode | null };
  runtime: { flows: { setFlows(o: { flows: { flows: FlowNode[]; credentials?: Record<string, unknown> }; deploymentType?: string }): Promise<unknown> } };
}

export interface Embedded {
  node(id: string): RuntimeNode;
  /** Replaces the flows (a full deploy; config nodes carry `credentials` inline as the editor sends them). */
  deploy(flows: FlowNode[]): Promise<void>;
  stop(): Promise<void>;
}

let started: NodeRedModule | undefined;

/** Starts the runtime once per process (Node-RED cannot be initialised twice). */
export async function startEmbedded(userDir: string, pack: string): Promise<Embedded> {
  if (started) throw new Error('the embedded Node-RED is already running');
  prepareUserDir(userDir, { pack });
  const RED = require(path.join(ROOT, 'node_modules', 'node-red')) as NodeRedModule;
  const settings = { ...baseSettings(userDir), httpAdminRoot: false, httpNodeRoot: false, disableEditor: true };
  RED.init(http.createServer(), settings);
  // start() answers before the flow file is loaded; a deploy before that would race with the load
  const events = (require(path.join(ROOT, 'node_modules', '@node-red', 'util')) as { events: { once(e: string, cb: () => void): void } }).events;
  const loaded = new Promise<void>((resolve) => events.once('flows:started', () => resolve()));
  await RED.start();
  await loaded;
  started = RED;
  return {
    node(id) {
      const n = RED.nodes.getNode(id);
      if (!n) throw new Error(`no node ${id} in the running flows`);
      return n;
    },
    async deploy(flows) {
      const credentials: Record<string, unknown> = {};
      const plain = flows.map(({ credentials: c, ...n }) => {
        if (c) credentials[n.id as string] = c;
        return n as FlowNode;
      });
      await RED.runtime.flows.setFlows({ flows: { flows: plain, credentials }, deploymentType: 'full' });
      // setFlows answers before the new flows have started: wait for every flow node to exist
      const ids = flows.filter((n) => n.z).map((n) => n.id);
      for (let i = 0; ids.some((id) => !RED.nodes.getNode(id)); i++) {
        if (i > 500) throw new Error(`the flows did not start: missing ${ids.filter((id) => !RED.nodes.getNode(id)).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      await RED.stop();
    },
  };
}

export interface Outcome {
  ok: boolean;
  msg: Record<string, unknown>;
}

/**
 * Sends messages into a flow and resolves each with its end. The flow must wire its result into
 * the node `sinkId` and have a Catch node wired into `caughtId`; messages carry `benchId`.
 */
export class FlowDriver {
  private seq = 0;
  private readonly pending = new Map<number, (o: Outcome) => void>();

  constructor(
    private readonly rt: Embedded,
    sinkId: string,
    caughtId: string,
  ) {
    const finish = (ok: boolean) => (msg: Record<string, unknown>, _send: unknown, done: () => void) => {
      const id = Number(msg.benchId);
      const p = this.pending.get(id);
      if (p) {
        this.pending.delete(id);
        p({ ok, msg });
      }
      done();
    };
    rt.node(sinkId).on('input', finish(true));
    rt.node(caughtId).on('input', finish(false));
  }

  /** One message into `entryId`; resolves with its outcome (rejects on OT errors unless `allowError`). */
  call(entryId: string, msg: Record<string, unknown>, allowError = false): Promise<Outcome> {
    const id = ++this.seq;
    const node = this.rt.node(entryId);
    return new Promise<Outcome>((resolve, reject) => {
      this.pending.set(id, (o) => {
        if (!o.ok && !allowError) {
          const err = o.msg.error as { message?: string; code?: string } | undefined;
          reject(new Error(`${entryId}: ${err?.code || ''} ${err?.message || 'failed'}`));
        } else resolve(o);
      });
      node.receive({ ...msg, benchId: id });
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }
}
