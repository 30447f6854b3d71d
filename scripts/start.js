#!/usr/bin/env node
// npm start: one command that builds the pack, starts the OpenText sandbox and a Node-RED 4 with the
// pack installed and every example flow on its own tab, connected to the sandbox (or to a real
// OpenText where the environment says so). Ctrl-C stops everything.
//
//   npm start                         Node-RED on http://127.0.0.1:1880/, sandbox on :8701
//   npm start -- --no-build           skip the build (use dist/ as it is)
//   node scripts/start.js --help      all options
//
// The Node-RED user directory is .node-red/ (git-ignored). Its flows.json is rewritten from
// examples/ on every start, so the examples are always fresh: export a flow you changed before
// restarting (the previous file is kept as flows.previous.json).
//
// The examples' "OpenText event in" nodes are wired to the sandbox: each gets the webhook secret
// (OT_WEBHOOK_SECRET or a random one per start) and, once Node-RED listens, its URL is registered
// with the sandbox (POST /_sandbox/webhooks) for the kinds of events it accepts.
'use strict';
const fs = require('fs');
const path = require('path');
const net = require('net');
const http = require('http');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const CS_PREFIX = '/otcs/cs.exe/api';
/** Config node types of the pack: pointed at the sandbox or a real OpenText, given credentials. */
const OT_CONFIG_TYPES = ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging', 'ot-appworks'];
const OTHER_CONFIG_TYPES = ['tls-config', 'http proxy', 'mqtt-broker', 'websocket-listener', 'websocket-client', 'serial-port', 'global-config'];

const USAGE = `usage: npm start [-- options]   (or: node scripts/start.js [options])

  --no-build           do not run scripts/build.js first (use dist/ as it is)
  --no-install         do not run "npm install" when node_modules is missing
  --pack DIR           the built pack to install into Node-RED (default: this repository)
  --user-dir DIR       Node-RED user directory (default: .node-red/ in the repository)
  --examples DIR       example flows to load (default: examples/)
  -h, --help           this text

Environment:
  NODE_RED_PORT (1880), OT_SANDBOX_PORT (8701; 0 picks free ports for both)
  A real OpenText instead of the sandbox, product by product (the sandbox still runs for the rest):
  OT_XECM_URL OT_XECM_USER OT_XECM_PASSWORD            Extended ECM REST base (…/otcs/cs.exe/api)
  OT_OTDS_URL OT_OTDS_CLIENT_ID OT_OTDS_CLIENT_SECRET  OTDS
  OT_EXSTREAM_URL                                      Exstream (uses the OTDS connection)
  OT_MESSAGING_URL OT_MESSAGING_USER OT_MESSAGING_PASSWORD  Cloud Messaging (…/mra/v1)
  OT_APPWORKS_URL OT_APPWORKS_KEY                      AppWorks Gateway
  OT_WEBHOOK_SECRET    the secret of the examples' "OpenText event in" nodes and of the sandbox's
                       webhooks (default: a random one per start, never printed)

Every "OpenText event in" node of the examples gets the webhook secret as its credential and is
registered with the sandbox as a webhook for the events it accepts (push answers, fax status,
inbound faxes, Exstream delivery exceptions), so the sandbox's callbacks reach every flow.`;

// ---- options -----------------------------------------------------------------------------------

function parseArgs(argv, env = process.env) {
  const o = {
    build: !env.OT_START_NO_BUILD,
    install: true,
    pack: root,
    userDir: path.join(root, '.node-red'),
    examples: path.join(root, 'examples'),
    nodeRedPort: portOf(env.NODE_RED_PORT, 1880, 'NODE_RED_PORT'),
    sandboxPort: portOf(env.OT_SANDBOX_PORT, 8701, 'OT_SANDBOX_PORT'),
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return path.resolve(v);
    };
    if (a === '--no-build') o.build = false;
    else if (a === '--no-install') o.install = false;
    else if (a === '--pack') o.pack = next();
    else if (a === '--user-dir') o.userDir = next();
    else if (a === '--examples') o.examples = next();
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  // OT_SANDBOX_PORT=0 asks for free ports everywhere (tests); NODE_RED_PORT=0 for Node-RED alone.
  if (o.sandboxPort === 0 && env.NODE_RED_PORT === undefined) o.nodeRedPort = 0;
  return o;
}

function portOf(v, fallback, name) {
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(String(v)) || Number(v) > 65535) throw new Error(`${name} must be a port number, not "${v}"`);
  return Number(v);
}

// ---- what to connect to ------------------------------------------------------------------------

function readJson(file, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
}

/** The sandbox's own test credentials, read from its default fixture (so they follow it). */
function sandboxCredentials(fixtureDir) {
  const cs = readJson(path.join(fixtureDir, 'cs.json'), {});
  const otds = readJson(path.join(fixtureDir, 'otds.json'), {});
  const messaging = readJson(path.join(fixtureDir, 'messaging.json'), {});
  const appworks = readJson(path.join(fixtureDir, 'appworks.json'), {});
  const users = Array.isArray(cs.users) ? cs.users : [];
  const admin = users.find((u) => u && u.name === 'Admin') || users[0] || { name: 'Admin', password: 'sandbox-admin' };
  const clients = Array.isArray(otds.clients) ? otds.clients : [];
  const client = (id, fallbackSecret) => {
    const c = clients.find((x) => x && x.clientId === id);
    return { clientId: id, clientSecret: c ? c.clientSecret : fallbackSecret };
  };
  const otdsUsers = Array.isArray(otds.users) ? otds.users : [];
  const otdsAdmin = otdsUsers.find((u) => u && u.userName === 'admin') || otdsUsers[0] || { userName: 'admin', password: 'sandbox-admin' };
  const account = (Array.isArray(messaging.accounts) && messaging.accounts[0]) || { username: 'sandbox-fax', password: 'sandbox-messaging' };
  const servers = Array.isArray(appworks.trustedServers) ? appworks.trustedServers : [];
  const server = servers.find((s) => s && s.enabled !== false) || servers[0];
  const csUsers = {};
  for (const u of users) if (u && u.name) csUsers[String(u.name).toLowerCase()] = { username: u.name, password: u.password };
  const otdsByName = {};
  for (const u of otdsUsers) if (u && u.userName) otdsByName[String(u.userName).toLowerCase()] = { username: u.userName, password: u.password };
  return {
    csUsers,
    otdsUsers: otdsByName,
    xecm: { username: admin.name, password: admin.password },
    otds: { ...client('node-red', 'sandbox-client-secret'), username: otdsAdmin.userName, password: otdsAdmin.password },
    messaging: { username: account.username, password: account.password },
    messagingOcp: client('messaging-tenant', 'sandbox-messaging-secret'),
    appworks: { key: server ? server.key : 'sandbox-appworks-key' },
  };
}

/** Products the environment points at a real OpenText. */
function realTargets(env = process.env) {
  const t = {};
  const v = (k) => (env[k] === undefined || env[k] === '' ? undefined : String(env[k]));
  if (v('OT_XECM_URL')) t.xecm = { url: v('OT_XECM_URL'), username: v('OT_XECM_USER'), password: v('OT_XECM_PASSWORD') };
  if (v('OT_OTDS_URL')) t.otds = { url: v('OT_OTDS_URL'), clientId: v('OT_OTDS_CLIENT_ID'), clientSecret: v('OT_OTDS_CLIENT_SECRET') };
  if (v('OT_EXSTREAM_URL')) t.exstream = { url: v('OT_EXSTREAM_URL') };
  if (v('OT_MESSAGING_URL')) t.messaging = { url: v('OT_MESSAGING_URL'), username: v('OT_MESSAGING_USER'), password: v('OT_MESSAGING_PASSWORD') };
  if (v('OT_APPWORKS_URL')) t.appworks = { url: v('OT_APPWORKS_URL'), key: v('OT_APPWORKS_KEY') };
  return t;
}

/** One line per product: where its config nodes point (no secret values, only whether one is set). */
function describeConnections(real, sandboxUrl) {
  const set = (x) => (x ? 'set' : 'NOT SET');
  const lines = [];
  lines.push(real.xecm ? `Extended ECM:     ${real.xecm.url} as ${real.xecm.username || '(no OT_XECM_USER)'}, password ${set(real.xecm.password)} (OT_XECM_*)` : `Extended ECM:     sandbox ${sandboxUrl}${CS_PREFIX}`);
  lines.push(real.otds ? `OTDS:             ${real.otds.url}, client ${real.otds.clientId || '(no OT_OTDS_CLIENT_ID)'}, secret ${set(real.otds.clientSecret)} (OT_OTDS_*)` : `OTDS:             sandbox ${sandboxUrl}/otdsws`);
  lines.push(real.exstream ? `Exstream:         ${real.exstream.url} (OT_EXSTREAM_URL)` : `Exstream:         sandbox ${sandboxUrl}`);
  lines.push(real.messaging ? `Cloud Messaging:  ${real.messaging.url} as ${real.messaging.username || '(no OT_MESSAGING_USER)'}, password ${set(real.messaging.password)} (OT_MESSAGING_*)` : `Cloud Messaging:  sandbox ${sandboxUrl}/mra/v1`);
  lines.push(real.appworks ? `AppWorks Gateway: ${real.appworks.url}, key ${set(real.appworks.key)} (OT_APPWORKS_*)` : `AppWorks Gateway: sandbox ${sandboxUrl}`);
  return lines;
}

// ---- webhooks: the examples' "OpenText event in" nodes -----------------------------------------

/** The sandbox's webhook kinds (POST /_sandbox/webhooks). */
const WEBHOOK_KINDS = ['push', 'fax', 'inboundFax', 'exstream'];
/**
 * Event types of ot-event-in (nodes/lib/events.ts EVENT_TYPES, its "types" setting) and the sandbox
 * webhook kind that sends them; "custom" events come from other systems (a portal, an app), never
 * from the sandbox.
 */
const EVENT_KIND = {
  'push.response': 'push',
  'push.opened': 'push',
  'fax.status': 'fax',
  'fax.inbound': 'inboundFax',
  'exstream.delivery_exception': 'exstream',
  custom: null,
};

/**
 * The webhook kinds an ot-event-in node with this "types" setting receives: the kinds of the types
 * ticked, all kinds when none is (the node then accepts every event). Unknown names are ignored as
 * the node ignores them.
 */
function webhookKinds(types) {
  const chosen = String(types || '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => Object.prototype.hasOwnProperty.call(EVENT_KIND, t));
  if (chosen.length === 0) return [...WEBHOOK_KINDS];
  return WEBHOOK_KINDS.filter((k) => chosen.some((t) => EVENT_KIND[t] === k));
}

/** The path an ot-event-in node listens on under httpNodeRoot (as the node normalises its "url"). */
function eventInPath(n) {
  const u = String(n.url || '').trim();
  return !u ? '' : u.startsWith('/') ? u : '/' + u;
}

/** The secret of the event-in nodes and the sandbox's webhooks: OT_WEBHOOK_SECRET, else random per start. */
function webhookSecret(env = process.env) {
  const v = env.OT_WEBHOOK_SECRET;
  if (v !== undefined && v !== '') return { secret: String(v), source: 'OT_WEBHOOK_SECRET' };
  return { secret: 'sandbox-' + crypto.randomBytes(24).toString('hex'), source: 'random' };
}

/** Joins Node-RED's address, its httpNodeRoot and a node's path. */
function endpointUrl(nodeRedBase, httpNodeRoot, p) {
  const base = String(nodeRedBase).replace(/\/+$/, '');
  const rootPath = String(httpNodeRoot || '/').replace(/\/+$/, '');
  return base + (rootPath && !rootPath.startsWith('/') ? '/' + rootPath : rootPath) + p;
}

/**
 * The body of POST /_sandbox/webhooks that points every kind at all endpoints receiving it, with the
 * secret. Endpoints of disabled nodes and without a path are left out; each URL once per kind.
 */
function webhookRegistration(endpoints, nodeRedBase, httpNodeRoot, secret) {
  const body = { secret };
  for (const e of endpoints) {
    if (e.disabled || !e.path) continue;
    const url = endpointUrl(nodeRedBase, httpNodeRoot, e.path);
    for (const k of e.kinds) {
      body[k] = body[k] || [];
      if (!body[k].includes(url)) body[k].push(url);
    }
  }
  return body;
}

// ---- flows from the examples -------------------------------------------------------------------

/** Every examples/**\/*.json, sorted by path; the tab label is the file name without .json. */
function listExamples(dir) {
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.toLowerCase().endsWith('.json')) out.push(f);
    }
  };
  walk(dir);
  return out
    .map((file) => ({ file, rel: path.relative(dir, file).split(path.sep).join('/'), label: path.basename(file).replace(/\.json$/i, '') }))
    .sort((a, b) => a.rel.localeCompare(b.rel));
}

/** The address example files are written against (docs/EXAMPLES.md); replaced by the running sandbox's. */
const SANDBOX_DEFAULT = 'http://127.0.0.1:8701';

function loadExample(ex, sandboxUrl) {
  let text = fs.readFileSync(ex.file, 'utf8');
  if (sandboxUrl) text = text.split(SANDBOX_DEFAULT).join(sandboxUrl.replace(/\/+$/, ''));
  const data = JSON.parse(text);
  const nodes = Array.isArray(data) ? data : data && Array.isArray(data.flows) ? data.flows : null;
  if (!nodes) throw new Error('not a flow (a JSON array of nodes)');
  return { ...ex, nodes: nodes.filter((n) => n && typeof n === 'object' && typeof n.id === 'string' && typeof n.type === 'string') };
}

const hashId = (s) => crypto.createHash('sha1').update(s).digest('hex').slice(0, 16);

function isConfigNode(n) {
  if (OT_CONFIG_TYPES.includes(n.type) || OTHER_CONFIG_TYPES.includes(n.type)) return true;
  if (n.type === 'tab' || n.type === 'subflow' || n.type === 'group' || n.type === 'junction' || n.type.startsWith('subflow:')) return false;
  return !('x' in n) && !('wires' in n);
}

/**
 * Builds flows.json and its credentials: one tab per example, the pack's config nodes pointed at
 * the sandbox or a real OpenText, config nodes with the same id kept once, colliding ids of flow
 * nodes renamed.
 */
function buildFlows({ examples, sandboxUrl, sandboxCreds, real = {}, availableTypes, webhookSecret }) {
  const flows = [];
  const credentials = {};
  const warnings = [];
  /** The ot-event-in nodes: {id, tab, name, path, kinds, disabled}. */
  const endpoints = [];
  const used = new Set();
  const configTypes = new Map();
  const sb = sandboxUrl.replace(/\/+$/, '');

  const configure = (n) => {
    const c = { ...n };
    let creds;
    switch (n.type) {
      case 'ot-xecm': {
        c.baseUrl = real.xecm ? real.xecm.url : sb + CS_PREFIX;
        if (real.xecm) creds = { username: real.xecm.username || '', password: real.xecm.password || '' };
        else {
          // docs/EXAMPLES.md: a connection of another user has the id ot_xecm_<user>_sandbox
          const who = /^ot_xecm_(.+)_sandbox$/.exec(n.id);
          const user = who && sandboxCreds.csUsers ? sandboxCreds.csUsers[who[1].toLowerCase()] : undefined;
          if (who && !user) warnings.push(`config node ${n.id}: the sandbox has no Content Server user "${who[1]}"; it logs in as ${sandboxCreds.xecm.username}`);
          creds = user ? { ...user } : { ...sandboxCreds.xecm };
        }
        break;
      }
      case 'ot-otds': {
        c.baseUrl = real.otds ? real.otds.url : sb;
        if (real.otds) creds = { clientId: real.otds.clientId || '', clientSecret: real.otds.clientSecret || '' };
        else {
          // the node-red client (as the example tests use it): its tokens work for CS and Exstream
          const who = /^ot_otds_(.+)_sandbox$/.exec(n.id);
          const user = who && sandboxCreds.otdsUsers ? sandboxCreds.otdsUsers[who[1].toLowerCase()] : undefined;
          if (who && !user) warnings.push(`config node ${n.id}: the sandbox has no OTDS user "${who[1]}"; it uses ${sandboxCreds.otds.username}`);
          creds = user ? { ...sandboxCreds.otds, ...user } : { ...sandboxCreds.otds };
        }
        break;
      }
      case 'ot-exstream':
        c.baseUrl = real.exstream ? real.exstream.url : sb;
        break;
      case 'ot-messaging':
        c.baseUrl = real.messaging ? real.messaging.url : sb + '/mra/v1';
        if (real.messaging) creds = { username: real.messaging.username || '', password: real.messaging.password || '' };
        else if (n.authMode === 'ocp') {
          c.tokenUrl = sb + '/tenants/sandbox/oauth2/token';
          creds = { ...sandboxCreds.messagingOcp };
        } else creds = { ...sandboxCreds.messaging };
        break;
      case 'ot-appworks':
        c.gatewayUrl = real.appworks ? real.appworks.url : sb;
        creds = { key: real.appworks ? real.appworks.key || '' : sandboxCreds.appworks.key };
        break;
    }
    return { node: c, creds };
  };

  /** An ot-event-in node: the webhook secret as its credential, its endpoint for the sandbox. */
  const eventIn = (n, ex) => {
    if (n.type !== 'ot-event-in') return;
    if (webhookSecret) credentials[n.id] = { secret: webhookSecret };
    const p = eventInPath(n);
    const e = { id: n.id, tab: ex.label, name: n.name || '', path: p, kinds: webhookKinds(n.types), disabled: n.d === true || (availableTypes ? !availableTypes.has('ot-event-in') : false) };
    const same = p && !e.disabled ? endpoints.find((x) => x.path === p && !x.disabled) : undefined;
    if (same) warnings.push(`${ex.rel}: "OpenText event in" ${n.name || n.id} listens on ${p} like the one of ${same.tab}; Node-RED gives that path's requests to only one of them`);
    if (!p) warnings.push(`${ex.rel}: "OpenText event in" ${n.name || n.id} has no URL; it is not registered with the sandbox`);
    endpoints.push(e);
  };

  for (const ex of examples) {
    const tabId = 'ot-example-' + hashId(ex.rel);
    const exTabs = new Set(ex.nodes.filter((n) => n.type === 'tab').map((n) => n.id));
    const subflows = new Set(ex.nodes.filter((n) => n.type === 'subflow').map((n) => n.id));
    const info = ex.nodes.find((n) => n.type === 'tab' && n.info)?.info;
    const tab = { id: tabId, type: 'tab', label: ex.label, disabled: false, info: info || `Example ${ex.rel} (loaded by npm start).` };
    // the tab's environment variables as the file has them (of all its tabs, the first of a name wins)
    const tabsWithEnv = ex.nodes.filter((n) => n.type === 'tab' && Array.isArray(n.env));
    if (tabsWithEnv.length) {
      const seen = new Set();
      tab.env = [];
      for (const e of tabsWithEnv.flatMap((n) => n.env)) {
        const name = e && typeof e === 'object' ? e.name : undefined;
        if (seen.has(name)) continue;
        seen.add(name);
        tab.env.push(e);
      }
    }
    flows.push(tab);
    used.add(tabId);
    // flow nodes whose id an earlier example already used get a new id in this one
    const remap = {};
    for (const n of ex.nodes) {
      if (n.type === 'tab' || isConfigNode(n) || subflows.has(n.id) || subflows.has(n.z)) continue;
      if (used.has(n.id)) remap[n.id] = hashId(ex.rel + '/' + n.id);
    }
    const mapId = (v) => (typeof v === 'string' && remap[v] ? remap[v] : v);
    const mapList = (v) => (Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? x.map(mapId) : mapId(x))) : v);
    for (const n0 of ex.nodes) {
      if (n0.type === 'tab') continue;
      if (isConfigNode(n0)) {
        if (n0.type === 'global-config') continue;
        const prev = configTypes.get(n0.id);
        if (prev) {
          if (prev !== n0.type) warnings.push(`${ex.rel}: config node ${n0.id} is a ${n0.type} here but a ${prev} in an earlier example; the first one is kept`);
          continue;
        }
        configTypes.set(n0.id, n0.type);
        used.add(n0.id);
        const { node, creds } = configure(n0);
        if (!subflows.has(node.z)) delete node.z;
        flows.push(node);
        if (creds) credentials[node.id] = creds;
        continue;
      }
      if (subflows.has(n0.id) || subflows.has(n0.z)) {
        // subflow definitions and their insides: shared by id like config nodes
        if (used.has(n0.id)) continue;
        used.add(n0.id);
        flows.push({ ...n0 });
        eventIn(n0, ex);
        continue;
      }
      const n = { ...n0, id: mapId(n0.id) };
      n.z = !n0.z || exTabs.has(n0.z) ? tabId : mapId(n0.z);
      for (const k of ['wires', 'links', 'nodes', 'scope']) if (k in n) n[k] = mapList(n[k]);
      if ('g' in n) n.g = mapId(n.g);
      used.add(n.id);
      flows.push(n);
      eventIn(n, ex);
    }
    if (availableTypes) {
      const missing = [...new Set(ex.nodes.map((n) => n.type).filter((t) => t.startsWith('ot-') && !availableTypes.has(t)))];
      if (missing.length) warnings.push(`${ex.rel} uses ${missing.join(', ')}, which this build does not have: Node-RED waits for the missing types and does not start the flows`);
    }
  }

  if (examples.length === 0) {
    // No examples yet: a welcome tab and one sandbox connection of each kind, ready to pick.
    const tab = 'ot-welcome';
    flows.push({ id: tab, type: 'tab', label: 'OpenText sandbox', disabled: false, info: 'Created by npm start because examples/ has no flows yet.' });
    flows.push({ id: 'ot-welcome-note', type: 'comment', z: tab, name: 'Drag OpenText nodes from the palette; the connections named "OpenText sandbox" point at the sandbox.', info: `Sandbox page: ${sb}/_sandbox/`, x: 330, y: 60, wires: [] });
    const defaults = {
      'ot-otds': { grant: 'client_credentials', clientAuth: 'form', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8 },
      'ot-xecm': { authMode: 'password', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8 },
      'ot-exstream': { family: 'orchestration', domain: 'sandbox', otds: 'ot-sandbox-otds', timeout: 60, retries: 3, maxDelay: 30, concurrency: 8 },
      'ot-messaging': { authMode: 'basic', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8 },
      'ot-appworks': { timeout: 30, retries: 3, maxDelay: 30, concurrency: 8 },
    };
    for (const type of OT_CONFIG_TYPES) {
      if (availableTypes && !availableTypes.has(type)) continue;
      const { node, creds } = configure({ id: 'ot-sandbox-' + type.slice(3), type, name: 'OpenText sandbox', ...defaults[type] });
      if (type === 'ot-exstream' && availableTypes && !availableTypes.has('ot-otds')) delete node.otds;
      flows.push(node);
      if (creds) credentials[node.id] = creds;
    }
  }
  return { flows, credentials, warnings, endpoints };
}

// ---- Node-RED user directory -------------------------------------------------------------------

function settingsJs(port) {
  return `// Written by scripts/start.js (npm start) on every start; edit scripts/start.js instead.
// A local demo: the editor listens on 127.0.0.1 only and credentials are stored unencrypted
// (credentialSecret: false), in flows_cred.json beside flows.json.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: false,
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: true, ui: true },
  runtimeState: { enabled: false, ui: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  exportGlobalContextKeys: false,
  editorTheme: {
    tours: false,
    projects: { enabled: false },
    page: { title: 'Node-RED · OpenText' },
    header: { title: 'Node-RED · OpenText sandbox' },
    palette: { categories: ['OpenText', 'common', 'function', 'network', 'sequence', 'parser', 'storage'] },
  },
};
`;
}

/** Installs the pack into the user directory as npm would for a "file:" dependency: a symlink. */
function prepareUserDir(userDir, pack, port) {
  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const rel = path.relative(userDir, pack).split(path.sep).join('/') || '.';
  const pkgFile = path.join(userDir, 'package.json');
  const pkg = readJson(pkgFile, { name: 'node-red-opentext-demo', description: 'Node-RED user directory of npm start', version: '0.0.0', private: true, dependencies: {} });
  pkg.dependencies = { ...(pkg.dependencies || {}), 'node-red-contrib-opentext': `file:${rel}` };
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  const link = path.join(userDir, 'node_modules', 'node-red-contrib-opentext');
  let st;
  try {
    st = fs.lstatSync(link);
  } catch {
    st = undefined;
  }
  if (st && st.isSymbolicLink() && path.resolve(path.dirname(link), fs.readlinkSync(link)) === path.resolve(pack)) {
    // already installed
  } else {
    if (st) fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(path.resolve(pack), link, 'junction');
  }
  fs.writeFileSync(path.join(userDir, 'settings.js'), settingsJs(port));
}

function writeFlows(userDir, flows, credentials) {
  const flowFile = path.join(userDir, 'flows.json');
  if (fs.existsSync(flowFile)) fs.copyFileSync(flowFile, path.join(userDir, 'flows.previous.json'));
  fs.writeFileSync(flowFile, JSON.stringify(flows, null, 4) + '\n');
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 4) + '\n', { mode: 0o600 });
}

/** Node types the built pack provides (node-red.nodes entries whose file exists). */
function availableTypes(pack) {
  const pkg = readJson(path.join(pack, 'package.json'), {});
  const nodes = (pkg['node-red'] && pkg['node-red'].nodes) || {};
  return new Set(Object.keys(nodes).filter((k) => fs.existsSync(path.join(pack, nodes[k]))));
}

// ---- processes ---------------------------------------------------------------------------------

const children = [];
let stopping = false;
const running = (c) => c.exitCode === null && c.signalCode === null;
const exitOf = (c) => (running(c) ? new Promise((r) => c.once('exit', () => r())) : Promise.resolve());

/** Stops both children (SIGTERM, SIGKILL after 10 s) and exits with `code`. */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (children.some(running)) console.log('\nnpm start: stopping Node-RED and the sandbox …');
  for (const c of children) if (running(c)) c.kill('SIGTERM');
  const all = Promise.all(children.map(exitOf));
  const late = await Promise.race([all.then(() => false), new Promise((r) => setTimeout(() => r(true), 10000))]);
  if (late) for (const c of children) if (running(c)) c.kill('SIGKILL');
  await all;
  if (children.length) console.log('npm start: stopped.');
  process.exit(code);
}

function watch(c, name) {
  children.push(c);
  c.on('exit', (code, sig) => {
    if (!stopping) {
      console.error(`npm start: ${name} stopped unexpectedly (${code !== null ? `exit code ${code}` : sig}); stopping the rest.`);
      void stop(1);
    }
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function ensurePortFree(port, what, envName) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', () => reject(new Error(`port ${port} for ${what} is in use (set ${envName} to use another one)`)));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
  });
}

function prefixLines(stream, prefix, out, onLine) {
  let rest = '';
  stream.on('data', (d) => {
    const text = rest + d.toString();
    const lines = text.split('\n');
    rest = lines.pop();
    for (const l of lines) {
      out.write(`${prefix}${l}\n`);
      if (onLine) onLine(l);
    }
  });
  stream.on('end', () => {
    if (rest) out.write(`${prefix}${rest}\n`);
  });
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** A JSON request to a local address: {status, body} (status 0 when it could not be sent). */
function requestJson(method, url, body) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { accept: 'application/json', ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) };
    const req = http.request(url, { method, headers, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let parsed;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(data);
  });
}

/**
 * Registers the examples' event-in endpoints with the sandbox (once Node-RED listens): one request
 * that sets every kind's URL list and the secret. Returns lines for the start-up summary (never the
 * secret's value).
 */
async function registerEndpoints({ sandboxUrl, nodeRedBase, endpoints, secret }) {
  const live = endpoints.filter((e) => !e.disabled && e.path);
  if (live.length === 0) return [];
  const settings = await requestJson('GET', nodeRedBase + '/settings');
  const httpNodeRoot = settings.body && Object.prototype.hasOwnProperty.call(settings.body, 'httpNodeRoot') ? settings.body.httpNodeRoot : '/';
  if (httpNodeRoot === false) return ['Webhooks: NOT registered: httpNodeRoot is false in settings.js, so Node-RED serves no "OpenText event in" endpoints.'];
  const body = webhookRegistration(live, nodeRedBase, httpNodeRoot, secret.secret);
  const r = await requestJson('POST', sandboxUrl.replace(/\/+$/, '') + '/_sandbox/webhooks', body);
  if (r.status !== 200) {
    const why = r.status ? `HTTP ${r.status}${r.body && r.body.error ? `: ${r.body.error}` : ''}` : r.error;
    throw new Error(`the sandbox refused the webhooks of the "OpenText event in" nodes (${why})`);
  }
  const counts = WEBHOOK_KINDS.filter((k) => body[k]).map((k) => `${k} ${body[k].length}`);
  const lines = [`Webhooks: ${live.length} "OpenText event in" endpoint${live.length === 1 ? '' : 's'} registered with the sandbox (${counts.join(', ') || 'no kinds'}), secret set (${secret.source === 'OT_WEBHOOK_SECRET' ? 'OT_WEBHOOK_SECRET' : 'random for this start; OT_WEBHOOK_SECRET chooses one'}):`];
  for (const e of live) lines.push(`  ${endpointUrl(nodeRedBase, httpNodeRoot, e.path)}  ${e.kinds.length ? e.kinds.join(', ') : 'no sandbox events (custom only)'}  (${e.tab})`);
  return lines;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`npm start: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const redJs = path.join(root, 'node_modules', 'node-red', 'red.js');
  if (!fs.existsSync(redJs) || !fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
    if (!opts.install) throw new Error('node_modules is missing: run npm install first');
    console.log('npm start: node_modules is missing, running npm install …');
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    if (r.status !== 0) throw new Error('npm install failed');
  }
  if (opts.build) {
    console.log('npm start: building the pack (scripts/build.js) …');
    const r = spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the build failed (see above); fix it or start with --no-build');
  }
  const cli = path.join(opts.pack, 'dist', 'sandbox', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${path.relative(process.cwd(), cli) || cli} is missing: build the pack (npm run build) or drop --no-build`);

  if (opts.sandboxPort !== 0) await ensurePortFree(opts.sandboxPort, 'the sandbox', 'OT_SANDBOX_PORT');
  const nodeRedPort = opts.nodeRedPort === 0 ? await freePort() : opts.nodeRedPort;
  if (opts.nodeRedPort !== 0) await ensurePortFree(nodeRedPort, 'Node-RED', 'NODE_RED_PORT');

  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  // 1. the sandbox (a child: its own process, its own Ctrl-C)
  const sandbox = spawn(process.execPath, [cli, '--port', String(opts.sandboxPort), '--host', '127.0.0.1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  watch(sandbox, 'the sandbox');
  const sandboxUrl = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the sandbox did not start within 30 s')), 30000);
    prefixLines(sandbox.stdout, '[sandbox] ', process.stdout, (l) => {
      const m = /listening on (http:\/\/\S+)/.exec(l);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    prefixLines(sandbox.stderr, '[sandbox] ', process.stderr);
    sandbox.once('exit', () => reject(new Error('the sandbox exited during start-up (see above)')));
  });

  // 2. the Node-RED user directory: the pack, settings, flows from the examples
  const fixtureDir = [path.join(opts.pack, 'dist', 'sandbox', 'fixtures', 'default'), path.join(root, 'sandbox', 'fixtures', 'default')].find((d) => fs.existsSync(d));
  const creds = sandboxCredentials(fixtureDir || path.join(root, 'sandbox', 'fixtures', 'default'));
  const real = realTargets();
  const types = availableTypes(opts.pack);
  const examples = [];
  for (const ex of listExamples(opts.examples)) {
    try {
      examples.push(loadExample(ex, sandboxUrl));
    } catch (e) {
      console.warn(`npm start: skipping example ${ex.rel}: ${e.message}`);
    }
  }
  const secret = webhookSecret();
  const { flows, credentials, warnings, endpoints } = buildFlows({ examples, sandboxUrl, sandboxCreds: creds, real, availableTypes: types, webhookSecret: secret.secret });
  for (const w of warnings) console.warn(`npm start: ${w}`);
  prepareUserDir(opts.userDir, opts.pack, nodeRedPort);
  writeFlows(opts.userDir, flows, credentials);

  // 3. Node-RED 4 from the devDependency
  const nodeRed = spawn(process.execPath, [redJs, '--userDir', opts.userDir, '--settings', path.join(opts.userDir, 'settings.js'), '--port', String(nodeRedPort), '--no-telemetry'], {
    cwd: opts.userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_DISABLE_TELEMETRY: '1' },
  });
  watch(nodeRed, 'Node-RED');
  prefixLines(nodeRed.stdout, '[node-red] ', process.stdout);
  prefixLines(nodeRed.stderr, '[node-red] ', process.stderr);
  const nodeRedUrl = `http://127.0.0.1:${nodeRedPort}/`;
  const deadline = Date.now() + 90000;
  while ((await get(nodeRedUrl + 'settings')) !== 200) {
    if (stopping) return;
    if (Date.now() > deadline) throw new Error('Node-RED did not answer within 90 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  // 4. the sandbox's callbacks to every "OpenText event in" of the examples (also when OT_* points a product elsewhere)
  const webhookLines = await registerEndpoints({ sandboxUrl, nodeRedBase: `http://127.0.0.1:${nodeRedPort}`, endpoints, secret });

  const first = examples[0];
  console.log(
    [
      '',
      '────────────────────────────────────────────────────────────────────────────',
      `Node-RED: ${nodeRedUrl}  sandbox: ${sandboxUrl}/_sandbox/`,
      '',
      ...describeConnections(real, sandboxUrl).map((l) => '  ' + l),
      ...(webhookLines.length ? ['', ...webhookLines.map((l) => '  ' + l)] : []),
      '',
      examples.length
        ? `${examples.length} example flow${examples.length === 1 ? '' : 's'} loaded, one tab each. flows.json is rewritten from examples/ on every start (the previous one is kept as flows.previous.json).`
        : 'examples/ has no flows yet: a tab "OpenText sandbox" with ready connections was created instead.',
      'What to click first:',
      `  1. open ${nodeRedUrl} and pick the tab ${first ? `"${first.label}"` : '"OpenText sandbox"'}`,
      first ? '  2. press the button of its inject node (the Comment node on the tab says what the flow does)' : '  2. drag an OpenText node from the palette and pick the "OpenText sandbox" connection',
      `  3. watch what happened on the sandbox page ${sandboxUrl}/_sandbox/ (pushes, faxes, documents, records)`,
      'Press Ctrl-C to stop both.',
      `(pids: sandbox ${sandbox.pid}, Node-RED ${nodeRed.pid}; user directory ${opts.userDir})`,
      '────────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
}

module.exports = { parseArgs, buildFlows, listExamples, loadExample, sandboxCredentials, realTargets, describeConnections, isConfigNode, settingsJs, prepareUserDir, availableTypes, webhookKinds, webhookSecret, webhookRegistration, endpointUrl, eventInPath, EVENT_KIND, WEBHOOK_KINDS };

if (require.main === module) {
  main().catch((e) => {
    console.error(`npm start: ${e.message}`);
    void stop(1);
  });
}
