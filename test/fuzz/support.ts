/**
 * Fuzzing support: a seeded generator of random and malformed values (wrong types, huge strings,
 * missing fields, `__proto__` keys, invalid JSON text, negative and huge numbers, odd Buffers and
 * streams), and the node definitions of the pack read from each node's editor file (the dialog's
 * defaults tell which properties are TypedInputs a message can set).
 */
import fs from 'fs';
import path from 'path';
import { Readable } from 'stream';
import { prng } from '../../sandbox/server';

const ROOT = path.join(__dirname, '..', '..');

type Obj = Record<string, unknown>;
/** A flow node as the test helper takes it. */
export type FlowNode = Obj & { id: string; type: string };

export interface Rand {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

export function rand(seed: number): Rand {
  const r = prng(seed);
  return {
    next: r,
    int: (n) => Math.floor(r() * n),
    pick: (list) => list[Math.floor(r() * list.length)],
    chance: (p) => r() < p,
  };
}

/** The pack's node types and the module file of each (package.json node-red.nodes). */
export function packTypes(): Array<{ type: string; file: string }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.entries(pkg['node-red'].nodes).map(([type, p]) => ({ type, file: path.join(ROOT, p.replace(/^dist\//, '').replace(/\.js$/, '')) }));
}

export type Defaults = Record<string, { value?: unknown; type?: string; required?: boolean }>;

/** The `defaults` object of a node's RED.nodes.registerType call in its .html. */
export function htmlDefaults(moduleFile: string, type: string): Defaults {
  const html = fs.readFileSync(`${moduleFile}.html`, 'utf8');
  const at = html.indexOf(`registerType('${type}'`);
  if (at < 0) throw new Error(`${type}: no registerType call in its .html`);
  const d = html.indexOf('defaults:', at);
  const open = html.indexOf('{', d);
  let depth = 0;
  let quote: string | undefined;
  let end = -1;
  let prev = '';
  for (let i = open; i < html.length; i++) {
    const c = html[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '/' && html[i + 1] !== '/' && html[i + 1] !== '*' && (/[(,=:[!&|?{};]|^$/.test(prev) || /\breturn\s*$/.test(html.slice(i - 10, i)))) {
      // a regular expression literal: skip it (it may hold quotes and braces)
      let inClass = false;
      for (i++; i < html.length; i++) {
        const x = html[i];
        if (x === '\\') i++;
        else if (x === '[') inClass = true;
        else if (x === ']') inClass = false;
        else if (x === '/' && !inClass) break;
      }
      prev = '/';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      end = i;
      break;
    }
    if (!/\s/.test(c)) prev = c;
  }
  if (end < 0) throw new Error(`${type}: cannot read the defaults`);
  // RED.validators.number(), window.OpenTextEditor.range(...)(...): anything, at any depth
  const stub: unknown = new Proxy(function () {}, { get: () => stub, apply: () => stub });
  return new Function('RED', 'window', '$', `return (${html.slice(open, end + 1)});`)(stub, stub, stub) as Defaults;
}

/** Properties a message may set: defaults `x` with a `xType` companion. */
export function typedProps(defaults: Defaults): string[] {
  return Object.keys(defaults).filter((k) => Object.prototype.hasOwnProperty.call(defaults, `${k}Type`));
}

// ---- values --------------------------------------------------------------------------------------

const HUGE = 'x'.repeat(1024 * 1024);
const NUMBERS = [0, -0, -1, 1, 2, 7, -2147483648, 2 ** 31, 2 ** 53 + 1, -(2 ** 53), 1e308, -1e308, 5e-324, 3.14159, NaN, Infinity, -Infinity, 0.5, 1e21];
const STRINGS = [
  '',
  ' ',
  '\t\n',
  'a',
  'null',
  'undefined',
  'true',
  '0',
  '-5',
  '1e3',
  '0x10',
  '12abc',
  '2026-02-30',
  'not a date',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e/%2e%2e/x',
  'http://127.0.0.1:9/evil',
  '//127.0.0.1:9/evil',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '__proto__',
  'constructor',
  'prototype',
  '{"a":1',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '[1,2,',
  '{}',
  '[]',
  '"quoted"',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '{{#payload}}{{/payload}}',
  '{{{payload}}}',
  '{{> partial}}',
  '{{=<% %>=}}',
  '\u0000\u0001\u001f',
  'line\r\nX-Injected: 1',
  'ünïcödé ✓ 日本語 🙂',
  '\ud800',
  'a'.repeat(300),
  'user:rmanager',
  'group:legal, topic:statements',
  '15551234567',
  '+1 555 123-4567',
  'Litigation 2026',
  'FIN-100',
  'ACTIVE',
  'approve',
  'sandbox',
  'customer-statement',
  '2201',
  '5001',
  '-2201',
  '2201.5',
];
/** Ids and names the sandbox's default tenant knows, to reach deeper code paths now and then. */
const VALID_IDS = [2000, 2100, 2200, 2201, 2203, 2205, 2300, 2401, 2500, 3001, 3003, 3004, 4001, 5001, 5002, 1000, 1001];

export function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

function deep(depth: number, array: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = array ? [v] : { k: v };
  return v;
}

function stream(r: Rand): Readable {
  switch (r.int(3)) {
    case 0:
      return Readable.from([]);
    case 1:
      return Readable.from([Buffer.from('streamed '), Buffer.from('content')]);
    default: {
      // a stream that breaks; the no-op listener stands for whoever made it (a file read node
      // listens too), so a message refused before its stream is read does not crash the process
      const s = new Readable({ read() {} });
      s.on('error', () => undefined);
      setTimeout(() => s.destroy(new Error('the stream broke')), 5);
      return s;
    }
  }
}

/** A random value of any shape. `key` biases it towards what the property is about, sometimes. */
export function value(r: Rand, key = '', depth = 0): unknown {
  if (r.chance(0.18) && depth === 0) {
    // something plausible for this key
    const k = key.toLowerCase();
    if (/(id|node|parent|hold|dest|folder|workspace|version|items|nodes|template|classid|map)/.test(k)) return r.chance(0.5) ? r.pick(VALID_IDS) : String(r.pick(VALID_IDS));
    if (/recipient/.test(k)) return r.pick(['rmanager', 'user:jsmith', ['user:mboss', 'group:legal'], { users: ['cclerk'] }]);
    if (/destination/.test(k)) return r.pick(['15551234567', ['15551234567', '15557654321'], [{ fax: '15551234567', ref: 'x' }]]);
    if (/record/.test(k)) return r.pick([{ record_date: '2026-01-15', status: 'ACTIVE' }, { subject: 'x', bogus_field: 1 }, { received_date: 'yesterday' }]);
    if (/operation/.test(k)) return r.pick(['get', 'children', 'search', 'download', 'createFolder', 'createPath', 'rename', 'move', 'copy', 'delete', 'addVersion', 'getCategories', 'setCategories', 'explode']);
    if (/categor/.test(k)) return r.pick([{}, { '9830': {} }, { '9830_2': 'x' }, '{"9830_2":', [1]]);
    if (/(date|qdate)/.test(k)) return r.pick(['2026-01-01', new Date(), Date.now(), '2026-13-45']);
    if (/payload/.test(k)) return r.pick([Buffer.from('%PDF-1.4\n%%EOF\n'), 'hello', VALID_IDS[r.int(VALID_IDS.length)], { documents: ['text'] }]);
  }
  const kind = r.int(depth > 3 ? 6 : 13);
  switch (kind) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return r.chance(0.5);
    case 3:
      return r.pick(NUMBERS);
    case 4:
      return r.int(1e6) - 1000;
    case 5:
      return r.pick(STRINGS);
    case 6:
      return r.chance(0.15) ? (r.chance(0.2) ? HUGE + HUGE + HUGE : HUGE) : r.pick(STRINGS) + r.pick(STRINGS);
    case 7:
      return r.pick([Buffer.alloc(0), Buffer.from('%PDF-1.4\n%%EOF\n'), Buffer.from([0, 255, 254, 0, 1]), Buffer.alloc(70000, 7)]);
    case 8: {
      const n = r.int(5);
      return Array.from({ length: n }, () => value(r, key, depth + 1));
    }
    case 9: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[r.pick(['a', 'id', 'name', 'data', 'path', 'text', 'base64', 'fax', 'users', 'type', 'value', '0', ''])] = value(r, key, depth + 1);
      return o;
    }
    case 10:
      // own __proto__ / constructor keys, as JSON.parse makes them
      return JSON.parse(r.pick(['{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"a":{"__proto__":{"polluted":"yes"}}}', '[{"__proto__":{"polluted":"yes"}}]']));
    case 11:
      return r.pick([circular(), deep(200, false), deep(200, true), new Date('invalid'), new Date(), () => 'fn', Symbol('s'), 10n]);
    default:
      return stream(r);
  }
}

/** Message properties the nodes read besides their TypedInputs (documented msg overrides). */
export const EXTRA_KEYS = [
  'payload',
  'topic',
  'operation',
  'record',
  'categories',
  'faxOptions',
  'filename',
  'mimeType',
  'parentId',
  'nodeId',
  'recipients',
  'destinations',
  'documentType',
  'title',
  'body',
  'data',
  'deepLink',
  'reference',
  'query',
  'page',
  'faxJobId',
  'faxId',
  'workspaceId',
  'processId',
  'task',
  'req',
  '__proto__',
  'constructor',
];

/** A random message for a node whose TypedInputs read `props` from the message. */
export function message(r: Rand, props: string[]): Record<string, unknown> {
  const keys = [...new Set([...props, ...EXTRA_KEYS])];
  const msg: Record<string, unknown> = {};
  const p = r.next() * 0.7;
  for (const k of keys) {
    if (!r.chance(p)) continue;
    if (k === '__proto__' || k === 'constructor') {
      // an own property of that name, not the prototype
      Object.defineProperty(msg, k, { value: JSON.parse('{"polluted":"yes"}'), enumerable: true, configurable: true, writable: true });
      continue;
    }
    msg[k] = value(r, k);
  }
  return msg;
}

// ---- the pack's nodes, set up for messages to reach every operation ----------------------------

export const TYPES = packTypes();
export const MODULES = TYPES.map((t) => require(t.file) as unknown);
export const DEFAULTS: Record<string, Defaults> = Object.fromEntries(TYPES.map((t) => [t.type, htmlDefaults(t.file, t.type)]));
export const CONFIG_TYPES = ['ot-otds', 'ot-xecm', 'ot-messaging', 'ot-exstream', 'ot-appworks'];
/** Trigger nodes: a message asks for a poll; the poll's end is the message's end (Complete or Catch). */
export const TRIGGERS = ['ot-ecm-watch', 'ot-rm-watch', 'ot-fax-in'];
export const INPUT_TYPES = TYPES.map((t) => t.type).filter((t) => !CONFIG_TYPES.includes(t) && t !== 'ot-event-in');

/**
 * Settings variants per node type (every operation / mode), and overrides that keep the fuzz away
 * from the file system of this machine (downloads to Buffers, uploads from the message, fax text
 * not read as file paths) and from long waits.
 */
export const VARIANTS: Record<string, Obj[]> = {
  'ot-upload': [{ target: 'parent' }, { target: 'bo' }, { target: 'workspace' }, { target: 'parent', onClash: 'rename' }, { target: 'parent', onClash: 'version' }, { target: 'parent', onClash: 'skip', chunkMiB: '0.0001' }],
  'ot-node': ['get', 'children', 'search', 'download', 'createFolder', 'createPath', 'rename', 'move', 'copy', 'delete', 'addVersion', 'getCategories', 'setCategories'].map((operation) => ({ operation })),
  'ot-workspace': ['findByBo', 'findByName', 'get', 'create', 'findOrCreate'].map((operation) => ({ operation, notFound: 'pass' })),
  'ot-workflow': [
    { operation: 'start', startMode: 'draft' },
    { operation: 'start', startMode: 'oneStep' },
    { operation: 'start', startMode: 'roles' },
    { operation: 'status' },
    { operation: 'assignments' },
    { operation: 'openTasks' },
    { operation: 'sendOn' },
    { operation: 'changeStatus', statusChange: 'suspend' },
    { operation: 'changeStatus', statusChange: 'delete' },
  ],
  'ot-ecm-watch': [{ source: 'folder' }, { source: 'search', query: 'OTName:{{payload}}' }, { source: 'assignments' }],
  'ot-record': [{ operation: 'declare' }, { operation: 'update' }, { operation: 'undeclare' }, { operation: 'finalize' }, { operation: 'finalize', finalizeMode: 'queue', waitSec: 1 }, { operation: 'get', includeHolds: true, includeSchedule: true }],
  'ot-hold': ['apply', 'remove', 'nodeHolds', 'list', 'get', 'create', 'items'].map((operation) => ({ operation })),
  'ot-disposition': ['searches', 'run', 'snapshots', 'items', 'review', 'perform', 'finish'].map((operation) => ({ operation, waitSec: 1 })),
  'ot-rm-watch': [{ mode: 'holds' }, { mode: 'due', output: 'owner' }, { mode: 'snapshots', output: 'batch' }],
  'ot-exstream-generate': [{ mode: 'generate' }, { mode: 'ondemand' }, { mode: 'batch' }, { mode: 'sgw', server: 'exs2' }, { mode: 'generate', output: 'pdf' }, { mode: 'generate', output: 'raw' }],
  'ot-fax-send': [{ waitFinal: false }, { waitFinal: true, maxWait: 3 }],
  'ot-fax-status': [{}],
  'ot-fax-in': [{}, { customer: true, maxPerPoll: 2 }],
  'ot-fax-ack': [{ ignoreMissing: false }, { ignoreMissing: true }],
  'ot-push': [{ backend: 'messaging', mode: 'compose' }, { backend: 'messaging', mode: 'raw' }, { backend: 'appworks', mode: 'compose' }, { backend: 'appworks', mode: 'raw' }],
};
export const SAFE: Record<string, Obj> = {
  'ot-node': { downloadTo: 'buffer', source: 'payload' },
  'ot-upload': { source: 'payload' },
  'ot-fax-send': { strings: 'text' },
  'ot-ecm-watch': { interval: 0 },
  'ot-rm-watch': { interval: 0 },
  'ot-fax-in': { interval: 0 },
};

export function configNodes(url: string, csUrl: string): { nodes: FlowNode[]; creds: Record<string, Obj> } {
  const conn = { timeout: 5, retries: 2, maxDelay: 1, concurrency: 8 };
  return {
    nodes: [
      { id: 'otds1', type: 'ot-otds', name: 'fuzz otds', baseUrl: url, grant: 'client_credentials', ...conn },
      { id: 'otds2', type: 'ot-otds', name: 'fuzz otds tenant', baseUrl: url, tenant: 'sandbox', ...conn },
      { id: 'xecm1', type: 'ot-xecm', name: 'fuzz xecm', baseUrl: csUrl, authMode: 'password', ...conn },
      { id: 'msg1', type: 'ot-messaging', name: 'fuzz messaging', baseUrl: `${url}/mra/v1`, authMode: 'basic', ...conn },
      { id: 'exs1', type: 'ot-exstream', name: 'fuzz exstream', baseUrl: url, family: 'orchestration', domain: 'sandbox', otds: 'otds1', ...conn },
      { id: 'exs2', type: 'ot-exstream', name: 'fuzz exstream sgw', baseUrl: url, family: 'sgw', tenant: 'sandbox', otds: 'otds2', ...conn },
      { id: 'aw1', type: 'ot-appworks', name: 'fuzz appworks', gatewayUrl: url, ...conn },
    ],
    creds: {
      otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'admin', password: 'sandbox-admin' },
      otds2: { clientId: 'node-red', clientSecret: 'sandbox-client-secret', username: 'exstream', password: 'sandbox-exstream' },
      xecm1: { username: 'Admin', password: 'sandbox-admin' },
      msg1: { username: 'sandbox-fax', password: 'sandbox-messaging' },
      aw1: { key: 'sandbox-appworks-key' },
    },
  };
}
export const CONFIG_ID: Record<string, string> = { 'ot-otds': 'otds1', 'ot-xecm': 'xecm1', 'ot-messaging': 'msg1', 'ot-exstream': 'exs1', 'ot-appworks': 'aw1' };

export interface Instance {
  id: string;
  type: string;
  props: string[];
}

/** One node per variant, every TypedInput read from the message (or, every other one, as the dialog's default). */
export function instances(): { nodes: FlowNode[]; list: Instance[] } {
  const nodes: FlowNode[] = [];
  const list: Instance[] = [];
  for (const type of INPUT_TYPES) {
    const defaults = DEFAULTS[type];
    const variants = VARIANTS[type] || [{}];
    variants.forEach((variant, vi) => {
      for (const mapped of [true, false]) {
        const id = `fz-${type}-${vi}-${mapped ? 'm' : 'd'}`;
        const def: FlowNode = { id, type, z: 'tab1', name: '', wires: [['out'], ['out']] };
        for (const [k, d] of Object.entries(defaults)) {
          if (d && typeof d === 'object' && 'value' in d) def[k] = d.value;
          if (d && typeof d.type === 'string' && CONFIG_ID[d.type]) def[k] = CONFIG_ID[d.type];
        }
        const props = typedProps(defaults);
        if (mapped) {
          for (const p of props) {
            def[p] = p;
            def[`${p}Type`] = 'msg';
          }
        }
        Object.assign(def, variant, SAFE[type] || {});
        nodes.push(def);
        list.push({ id, type, props: mapped ? props : [] });
      }
    });
  }
  return { nodes, list };
}

