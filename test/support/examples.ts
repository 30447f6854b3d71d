/**
 * Harness for the example-flow tests: loads an example file exactly as shipped (only the sandbox
 * address substituted), gives its config nodes the sandbox credentials, deploys it with every node
 * of the pack, serves Node-RED's httpNode (http-in and ot-event-in entry points) on a real port,
 * and offers triggers for inject nodes.
 */
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import type { Node } from 'node-red';
import { useNodeRed, type FlowNode } from './nr';
import { useSandbox, type SandboxHandle } from './sandbox';

export const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');
/** The address example files are written against (the sandbox's default port). */
export const SANDBOX_DEFAULT = 'http://127.0.0.1:8701';

/** Every node module of the pack, from the TypeScript sources (package.json node-red.nodes). */
export function packNodeModules(): unknown[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.values(pkg['node-red'].nodes).map((p) => require(path.join(__dirname, '..', '..', p.replace(/^dist\//, '').replace(/\.js$/, ''))));
}

/**
 * The core node modules (inject, change, function, http in, ...) of the Node-RED the helper runs,
 * by node type. node-red-node-test-helper preloads only catch, status and complete; an example's
 * other core nodes would otherwise stay "missing types" and the flow would not start.
 */
let coreTypes: Map<string, string> | undefined;
export function coreNodeModules(flow: FlowNode[]): unknown[] {
  if (!coreTypes) {
    coreTypes = new Map();
    const runtime = require.resolve(process.env.NODE_RED_PATH || 'node-red');
    let dir = path.dirname(runtime);
    let core = '';
    for (let i = 0; i < 6 && !core; i++, dir = path.dirname(dir)) {
      for (const c of [path.join(dir, '@node-red', 'nodes', 'core'), path.join(dir, 'node_modules', '@node-red', 'nodes', 'core')]) if (fs.existsSync(c)) core = c;
    }
    if (!core) throw new Error(`cannot find @node-red/nodes/core beside ${runtime}`);
    for (const group of fs.readdirSync(core)) {
      const d = path.join(core, group);
      if (!fs.statSync(d).isDirectory()) continue;
      for (const f of fs.readdirSync(d).filter((x) => x.endsWith('.js'))) {
        const text = fs.readFileSync(path.join(d, f), 'utf8');
        for (const m of text.matchAll(/registerType\(\s*["']([^"']+)["']/g)) if (!coreTypes.has(m[1])) coreTypes.set(m[1], path.join(d, f));
      }
    }
  }
  const files = new Set<string>();
  for (const n of flow) {
    if (HELPER_PRELOADS.includes(n.type)) continue; // the helper loads these itself
    const f = coreTypes.get(n.type);
    if (f) files.add(f);
  }
  return [...files].map((f) => require(f));
}

const HELPER_PRELOADS = ['catch', 'status', 'complete'];
const preloaded = new Set<string>();
/**
 * node-red-node-test-helper registers catch, status and complete once per node of that type, so a
 * flow with two Catch nodes fails with "catch already registered": let each register once per load.
 */
type PreloadedModule = ((red: unknown) => unknown) & { otOnce?: boolean; otOriginal?: (red: unknown) => unknown };
const preloadedModules = (helper: unknown) => (helper as { _nodeModules?: Record<string, PreloadedModule> })._nodeModules;
function preloadOncePerLoad(helper: unknown): void {
  const mods = preloadedModules(helper);
  preloaded.clear();
  if (!mods) return;
  for (const [type, fn] of Object.entries(mods)) {
    if (fn.otOnce) continue;
    mods[type] = Object.assign(
      (red: unknown) => {
        if (preloaded.has(type)) return undefined;
        preloaded.add(type);
        return fn(red);
      },
      { otOnce: true, otOriginal: fn },
    );
  }
}

/** Puts the helper's own preloaded modules back, so the node tests after the examples load catch, status and complete again. */
function restorePreloaded(helper: unknown): void {
  const mods = preloadedModules(helper);
  for (const [type, fn] of Object.entries(mods || {})) if (fn.otOriginal) mods![type] = fn.otOriginal;
  preloaded.clear();
}

/** Sandbox credentials per config-node type (the examples ship without credentials). */
export const SANDBOX_CREDENTIALS: Record<string, Record<string, string>> = {
  'ot-xecm': { username: 'Admin', password: 'sandbox-admin' },
  'ot-otds': { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'admin', password: 'sandbox-admin' },
  'ot-messaging': { username: 'sandbox-fax', password: 'sandbox-messaging' },
};

/** The sandbox's Content Server users (fixture), for per-user connections. */
function csUsers(): Array<{ name: string; password: string }> {
  const f = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'sandbox', 'fixtures', 'default', 'cs.json'), 'utf8')) as { users: Array<{ name: string; password: string }> };
  return f.users;
}

/** Reads an example ("Records Management/RM-3 Legal hold notifications") as a flow array. */
export function readExample(name: string, sandboxUrl?: string): FlowNode[] {
  const file = path.join(EXAMPLES_DIR, name.endsWith('.json') ? name : `${name}.json`);
  let text = fs.readFileSync(file, 'utf8');
  if (sandboxUrl) text = text.split(SANDBOX_DEFAULT).join(sandboxUrl);
  const flow = JSON.parse(text) as FlowNode[];
  if (!Array.isArray(flow)) throw new Error(`${name}: an example must be a flat JSON array`);
  return flow;
}

export interface Deployed {
  flow: FlowNode[];
  node<T = Node>(id: string): T;
  /** Sends a message into a node (an inject node fires as if its button was clicked). */
  trigger(id: string, msg?: Record<string, unknown>): void;
  /** Base URL of the flow's httpNode (http-in / ot-event-in endpoints). */
  httpBase: string;
  /** Finds the first node with a given type and name (or label). */
  byName(name: string, type?: string): FlowNode;
}

export interface ExampleHarness {
  sb: SandboxHandle;
  deploy(name: string, opts?: { extraCredentials?: Record<string, Record<string, string>>; extraNodes?: FlowNode[] }): Promise<Deployed>;
}

/**
 * Use inside a describe: one sandbox, one Node-RED test helper, and a server for httpNode. Each
 * deploy replaces the previous flow.
 */
export function useExamples(): ExampleHarness {
  const helper = useNodeRed();
  const sb = useSandbox();
  type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let httpNode: Handler | undefined;
  const capture = (RED: { httpNode: Handler }) => {
    httpNode = RED.httpNode;
  };
  let server: http.Server;
  let base = '';
  before(async () => {
    server = http.createServer((req, res) => {
      if (httpNode) httpNode(req, res);
      else {
        res.statusCode = 503;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    restorePreloaded(helper);
  });
  const modules = packNodeModules();

  return {
    sb,
    async deploy(name, opts = {}) {
      // A second deploy in one test replaces the first flow.
      await helper.unload();
      const flow = readExample(name, sb.url);
      // The flow as shipped must hold no credentials.
      for (const n of flow) if ((n as Record<string, unknown>).credentials) throw new Error(`${name}: node ${n.id} ships credentials`);
      const creds: Record<string, Record<string, string>> = {};
      for (const n of flow) if (SANDBOX_CREDENTIALS[n.type]) creds[n.id] = { ...SANDBOX_CREDENTIALS[n.type] };
      // Per-user connections (docs/EXAMPLES.md): ot_xecm_<user>_sandbox logs in as that sandbox user.
      for (const n of flow) {
        const m = n.type === 'ot-xecm' ? /^ot_xecm_([a-z0-9]+)_sandbox$/i.exec(n.id) : null;
        const user = m ? csUsers().find((u) => u.name.toLowerCase() === m[1].toLowerCase()) : undefined;
        if (user) creds[n.id] = { username: user.name, password: user.password };
      }
      Object.assign(creds, opts.extraCredentials || {});
      const all = [...flow, ...(opts.extraNodes || [])];
      preloadOncePerLoad(helper);
      await helper.load([capture, ...modules, ...coreNodeModules(all)] as Parameters<typeof helper.load>[0], all, creds);
      return {
        flow,
        httpBase: base,
        node: <T>(id: string) => {
          const n = helper.getNode(id);
          if (!n) throw new Error(`${name}: no node ${id}`);
          return n as unknown as T;
        },
        trigger: (id: string, msg: Record<string, unknown> = {}) => {
          const n = helper.getNode(id);
          if (!n) throw new Error(`${name}: no node ${id}`);
          n.receive(msg);
        },
        byName: (nm: string, type?: string) => {
          const f = flow.find((n) => (n.name === nm || n.label === nm) && (!type || n.type === type));
          if (!f) throw new Error(`${name}: no node named "${nm}"`);
          return f;
        },
      };
    },
  };
}
