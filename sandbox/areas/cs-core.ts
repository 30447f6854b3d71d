/**
 * Content Server core: users, groups, the node tree, tickets and authentication (`v1/auth`,
 * `v1/ping`), and `csAuth()` which every Content Server, Business Workspaces, Workflow and
 * Records Management route calls first. Other areas keep their own data in their own state,
 * keyed by node id; the node tree here is the one truth about nodes.
 */
import crypto from 'crypto';
import { Area, Ctx, csError, csParams, HttpError, SandboxApp } from '../server';
import { validateBearer, validateOtdsTicket } from './otds';

export interface CsUser {
  id: number;
  name: string;
  password: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  /** OTDS user name that maps to this user (for bearer / OTDS ticket access). */
  otds?: string;
  manager_id?: number;
}

export interface CsGroup {
  id: number;
  name: string;
  members: number[];
}

export interface CsVersion {
  version_number: number;
  file_name: string;
  file_size: number;
  mime_type: string;
  contentId: string;
  create_date: string;
  owner_id: number;
  description?: string;
}

export interface CsNode {
  id: number;
  parent_id: number;
  name: string;
  type: number;
  description: string;
  create_date: string;
  modify_date: string;
  create_user_id: number;
  modify_user_id: number;
  owner_user_id: number;
  /** Documents: versions, newest last. */
  versions: CsVersion[];
  /** Category values, nested form: { "<catId>": { "<catId>_<attrId>": value } }. */
  categories: Record<string, Record<string, unknown>>;
  /** Plain (non-RM) classification ids. */
  classifications: number[];
  /** Free extra properties some subtypes carry (workspace type id, URL, ...). */
  extra: Record<string, unknown>;
  deleted?: boolean;
}

export interface CategoryAttribute {
  id: number;
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'user' | 'set';
  required?: boolean;
  multi?: boolean;
  max?: number;
  /** For sets: the attributes inside. */
  children?: CategoryAttribute[];
  default?: unknown;
  valid_values?: unknown[];
}

export interface CategoryDef {
  id: number;
  name: string;
  attributes: CategoryAttribute[];
}

export interface Ticket {
  ticket: string;
  userId: number;
  expiresAt: number;
}

export interface CsState {
  users: Map<number, CsUser>;
  groups: Map<number, CsGroup>;
  nodes: Map<number, CsNode>;
  /** parent id -> child ids (in creation order). */
  children: Map<number, number[]>;
  categories: Map<number, CategoryDef>;
  tickets: Map<string, Ticket>;
  nextId: number;
  enterpriseId: number;
  /** Ticket idle lifetime in ms. */
  ticketLifetimeMs: number;
  /** How many logins were made (tests read this). */
  logins: number;
}

export const SUBTYPES: Record<number, string> = {
  0: 'Folder',
  1: 'Shortcut',
  128: 'Workflow Map',
  131: 'Category',
  136: 'Compound Document',
  140: 'URL',
  141: 'Enterprise Workspace',
  144: 'Document',
  298: 'Collection',
  751: 'E-mail Folder',
  833: 'Hold',
  848: 'Business Workspace',
};

export function cs(app: SandboxApp): CsState {
  return app.area<CsState>('cs');
}

export function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function newTicket(): string {
  return crypto.randomBytes(24).toString('base64').replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
}

/** Table size at which expired tickets are dropped next, per state (see issueTicket). */
const pruneTicketsAt = new WeakMap<CsState, number>();

export function issueTicket(app: SandboxApp, userId: number): string {
  const s = cs(app);
  const t = newTicket();
  const now = app.now();
  s.tickets.set(t, { ticket: t, userId, expiresAt: now + s.ticketLifetimeMs });
  // Keep the table bounded: drop expired tickets now and then. The next scan waits until the table
  // has doubled, so issuing stays O(1) on average (every response issues a ticket; scanning the
  // table on every request made the sandbox slower with each request served).
  if (s.tickets.size > (pruneTicketsAt.get(s) ?? 5000)) {
    for (const [k, v] of s.tickets) if (v.expiresAt < now) s.tickets.delete(k);
    pruneTicketsAt.set(s, Math.max(5000, s.tickets.size * 2));
  }
  return t;
}

/**
 * Authenticates a Content Server request: `OTCSTicket` header (or the LLCookie cookie), an
 * `OTDSTicket` header, or `Authorization: Bearer`. Adds a fresh OTCSTicket to the response.
 * Returns the user. Throws the 401 the real server gives.
 */
export function csAuth(ctx: Ctx): CsUser {
  const app = ctx.app;
  const s = cs(app);
  const h = ctx.req.headers;
  let userId: number | undefined;
  const ticket = (h['otcsticket'] as string | undefined) || /(?:^|;\s*)LLCookie=([^;]+)/.exec(String(h.cookie || ''))?.[1];
  if (ticket) {
    const t = s.tickets.get(ticket);
    if (t && t.expiresAt > app.now()) userId = t.userId;
  } else if (h['otdsticket']) {
    const u = validateOtdsTicket(app, String(h['otdsticket']));
    if (u) userId = userForOtds(s, u);
  } else if (typeof h.authorization === 'string' && /^bearer\s+/i.test(h.authorization)) {
    const u = validateBearer(app, h.authorization.replace(/^bearer\s+/i, ''));
    if (u) userId = userForOtds(s, u);
  }
  const user = userId !== undefined ? s.users.get(userId) : undefined;
  if (!user) throw csError(401, 'Authentication Required');
  ctx.outHeaders['OTCSTicket'] = issueTicket(app, user.id);
  return user;
}

function userForOtds(s: CsState, otdsUser: string): number | undefined {
  const name = otdsUser.split('@')[0].toLowerCase();
  for (const u of s.users.values()) if ((u.otds || u.name).toLowerCase() === otdsUser.toLowerCase() || u.name.toLowerCase() === name) return u.id;
  return undefined;
}

// ---- node tree primitives ---------------------------------------------------------------------------

export function getNode(app: SandboxApp, id: unknown): CsNode | undefined {
  const n = cs(app).nodes.get(Number(id));
  return n && !n.deleted ? n : undefined;
}

/** The node or the 404 Content Server gives for an unknown id. */
export function mustNode(app: SandboxApp, id: unknown): CsNode {
  const n = /^\d+$/.test(String(id)) ? getNode(app, id) : undefined;
  if (!n) throw csError(404, `Could not process object, invalid ID ${String(id)}`);
  return n;
}

export function childrenOf(app: SandboxApp, parentId: number): CsNode[] {
  const s = cs(app);
  return (s.children.get(parentId) || []).map((id) => s.nodes.get(id)!).filter((n) => n && !n.deleted);
}

export function findChildByName(app: SandboxApp, parentId: number, name: string): CsNode | undefined {
  const lower = name.toLowerCase();
  return childrenOf(app, parentId).find((n) => n.name.toLowerCase() === lower);
}

export interface NewNode {
  parent_id: number;
  name: string;
  type: number;
  description?: string;
  userId: number;
  id?: number;
  extra?: Record<string, unknown>;
}

/** Creates a node; enforces the unique name per container as Content Server does. */
export function createNode(app: SandboxApp, n: NewNode): CsNode {
  const s = cs(app);
  if (!getNode(app, n.parent_id) && n.parent_id !== -1) throw csError(400, `Could not process object, invalid parent_id ${n.parent_id}`);
  const name = String(n.name ?? '').trim();
  if (!name) throw csError(400, 'A name is required.');
  if (name.length > 248) throw csError(400, 'The name is too long. Names cannot exceed 248 characters.');
  if (/[:]/.test(name)) throw csError(400, 'Names cannot contain a colon (:).');
  if (n.parent_id !== -1 && findChildByName(app, n.parent_id, name)) {
    throw csError(400, `An item with the name '${name}' already exists.`);
  }
  const id = n.id ?? s.nextId++;
  if (n.id !== undefined && n.id >= s.nextId) s.nextId = n.id + 1;
  const t = iso(app.now());
  const node: CsNode = {
    id,
    parent_id: n.parent_id,
    name,
    type: n.type,
    description: n.description || '',
    create_date: t,
    modify_date: t,
    create_user_id: n.userId,
    modify_user_id: n.userId,
    owner_user_id: n.userId,
    versions: [],
    categories: {},
    classifications: [],
    extra: n.extra || {},
  };
  s.nodes.set(id, node);
  if (!s.children.has(n.parent_id)) s.children.set(n.parent_id, []);
  s.children.get(n.parent_id)!.push(id);
  if (!s.children.has(id)) s.children.set(id, []);
  touch(app, n.parent_id, n.userId);
  return node;
}

export function touch(app: SandboxApp, id: number, userId?: number): void {
  const n = getNode(app, id);
  if (!n) return;
  n.modify_date = iso(app.now());
  if (userId) n.modify_user_id = userId;
}

/** Moves a node to another parent (unique names enforced). */
export function moveNode(app: SandboxApp, node: CsNode, parentId: number): void {
  const s = cs(app);
  if (!getNode(app, parentId)) throw csError(400, `Could not process object, invalid parent_id ${parentId}`);
  if (findChildByName(app, parentId, node.name)) throw csError(400, `An item with the name '${node.name}' already exists.`);
  for (let p: CsNode | undefined = getNode(app, parentId); p; p = getNode(app, p.parent_id)) {
    if (p.id === node.id) throw csError(400, 'A node cannot be moved into itself or one of its children.');
  }
  const old = s.children.get(node.parent_id);
  if (old) old.splice(old.indexOf(node.id), 1);
  node.parent_id = parentId;
  s.children.get(parentId)!.push(node.id);
  touch(app, parentId);
}

/** Deletes a node and everything below it. */
export function deleteNode(app: SandboxApp, node: CsNode): void {
  const s = cs(app);
  for (const c of childrenOf(app, node.id)) deleteNode(app, c);
  node.deleted = true;
  const siblings = s.children.get(node.parent_id);
  if (siblings) siblings.splice(siblings.indexOf(node.id), 1);
  for (const v of node.versions) app.content.delete(v.contentId);
  s.nodes.delete(node.id);
}

/** Adds a version to a document from stored content. */
export function addVersion(app: SandboxApp, node: CsNode, v: { contentId: string; file_name: string; mime_type: string; userId: number; description?: string }): CsVersion {
  const info = app.content.info(v.contentId);
  const version: CsVersion = {
    version_number: node.versions.length + 1,
    file_name: v.file_name,
    file_size: info?.size ?? 0,
    mime_type: v.mime_type || 'application/octet-stream',
    contentId: v.contentId,
    create_date: iso(app.now()),
    owner_id: v.userId,
    description: v.description,
  };
  node.versions.push(version);
  touch(app, node.id, v.userId);
  return version;
}

/** The path of names from the Enterprise workspace down to a node. */
export function pathOf(app: SandboxApp, node: CsNode): string[] {
  const names: string[] = [];
  for (let n: CsNode | undefined = node; n; n = n.parent_id === -1 ? undefined : getNode(app, n.parent_id)) names.unshift(n.name);
  return names;
}

/** The v2 `properties` object of a node. */
export function nodeProperties(app: SandboxApp, n: CsNode): Record<string, unknown> {
  const last = n.versions[n.versions.length - 1];
  const s = cs(app);
  return {
    id: n.id,
    parent_id: n.parent_id,
    name: n.name,
    type: n.type,
    type_name: SUBTYPES[n.type] || 'Node',
    description: n.description,
    create_date: n.create_date,
    create_user_id: n.create_user_id,
    modify_date: n.modify_date,
    modify_user_id: n.modify_user_id,
    owner_user_id: n.owner_user_id,
    container: n.type !== 144 && n.type !== 140 && n.type !== 1,
    container_size: childrenOf(app, n.id).length,
    size: last ? last.file_size : childrenOf(app, n.id).length,
    size_formatted: last ? `${Math.ceil(last.file_size / 1024)} KB` : `${childrenOf(app, n.id).length} Items`,
    mime_type: last ? last.mime_type : null,
    versions_control_code: false,
    volume_id: -s.enterpriseId,
    ...n.extra,
  };
}

// ---- area -------------------------------------------------------------------------------------------

interface CsFixture {
  users?: CsUser[];
  groups?: CsGroup[];
  nodes?: Array<{ id: number; parent_id: number; name: string; type: number; description?: string; extra?: Record<string, unknown>; content?: string; mime_type?: string; categories?: Record<string, Record<string, unknown>> }>;
  categories?: CategoryDef[];
}

export const csCoreArea: Area = {
  name: 'cs',
  init(fixture, app) {
    const f = (fixture.cs || {}) as CsFixture;
    const state: CsState = {
      users: new Map(),
      groups: new Map(),
      nodes: new Map(),
      children: new Map(),
      categories: new Map(),
      tickets: new Map(),
      nextId: 100000,
      enterpriseId: 2000,
      ticketLifetimeMs: (app.options.ticketLifetime ?? 1800) * 1000,
      logins: 0,
    };
    app.state.cs = state;
    for (const u of f.users || []) state.users.set(u.id, { ...u });
    for (const g of f.groups || []) state.groups.set(g.id, { ...g, members: [...g.members] });
    for (const c of f.categories || []) state.categories.set(c.id, c);
    const admin = (f.users || [])[0]?.id ?? 1000;
    const sorted = [...(f.nodes || [])].sort((a, b) => (a.parent_id === -1 ? -1 : b.parent_id === -1 ? 1 : 0));
    for (const n of sorted) {
      if (n.type === 141) state.enterpriseId = n.id;
      const node = createNode(app, { id: n.id, parent_id: n.parent_id, name: n.name, type: n.type, description: n.description, userId: admin, extra: n.extra });
      if (n.categories) node.categories = JSON.parse(JSON.stringify(n.categories));
      if (n.content !== undefined) {
        const contentId = app.content.put(Buffer.from(n.content, 'utf8'));
        addVersion(app, node, { contentId, file_name: n.name, mime_type: n.mime_type || 'text/plain', userId: admin });
      }
    }
    for (const c of state.categories.values()) {
      if (!state.nodes.has(c.id)) {
        // categories live in the Categories volume; keep them out of the Enterprise tree
        state.nodes.set(c.id, { id: c.id, parent_id: -1, name: c.name, type: 131, description: '', create_date: iso(app.now()), modify_date: iso(app.now()), create_user_id: admin, modify_user_id: admin, owner_user_id: admin, versions: [], categories: {}, classifications: [], extra: {} });
      }
    }
    return state;
  },
  snapshot(state) {
    const s = state as CsState;
    return {
      users: [...s.users.values()].map(({ password: _p, ...u }) => u),
      groups: [...s.groups.values()],
      nodes: [...s.nodes.values()].filter((n) => !n.deleted).map((n) => ({ ...n, versions: n.versions.map(({ contentId: _c, ...v }) => v) })),
      logins: s.logins,
      activeTickets: s.tickets.size,
      /** Category definitions (names of categories and attributes, for the web page). */
      categories: [...s.categories.values()],
    };
  },
  routes(app) {
    app.cs('GET', '/v1/ping', () => ({
      status: 200,
      body: { rest_api: [{ build: 2, href: 'api/v1', version: 1 }, { build: 2, href: 'api/v2', version: 2 }], server: { name: 'OpenText Sandbox', version: '26.1' } },
    }));
    app.cs('POST', '/v1/auth', (ctx) => {
      // Only form fields are read (x-www-form-urlencoded or multipart), as on the real server.
      const p = csParams(ctx);
      const username = typeof p.username === 'string' ? p.username : '';
      const password = typeof p.password === 'string' ? p.password : '';
      const s = cs(app);
      const user = [...s.users.values()].find((u) => u.name.toLowerCase() === username.toLowerCase());
      if (!username || !user || user.password !== password) throw csError(401, 'Invalid username/password specified.');
      s.logins++;
      return { status: 200, body: { ticket: issueTicket(app, user.id) } };
    });
    app.cs('GET', '/v1/auth', (ctx) => {
      const user = csAuth(ctx);
      return { status: 200, body: { data: userInfo(user) } };
    });
    app.cs('DELETE', '/v1/auth', (ctx) => {
      csAuth(ctx);
      const t = ctx.req.headers['otcsticket'];
      if (typeof t === 'string') cs(app).tickets.delete(t);
      delete ctx.outHeaders['OTCSTicket'];
      return { status: 200, body: {} };
    });
    app.cs('GET', '/v1/members/:id', (ctx) => {
      csAuth(ctx);
      const s = cs(app);
      const u = s.users.get(Number(ctx.params.id));
      const g = s.groups.get(Number(ctx.params.id));
      if (u) return { status: 200, body: { data: userInfo(u) } };
      if (g) return { status: 200, body: { data: { id: g.id, name: g.name, type: 1, type_name: 'Group' } } };
      throw csError(404, `Member ${ctx.params.id} does not exist.`);
    });
  },
};

export function userInfo(u: CsUser): Record<string, unknown> {
  return { id: u.id, name: u.name, type: 0, type_name: 'User', first_name: u.first_name || '', last_name: u.last_name || '', business_email: u.email || '', display_name: [u.first_name, u.last_name].filter(Boolean).join(' ') || u.name };
}

/** Reads an integer parameter or throws Content Server's 400. */
export function intParam(p: Record<string, unknown>, name: string, required = true): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw csError(400, `Missing required parameter '${name}'.`);
    return undefined;
  }
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw new HttpError({ status: 400, body: { error: `Invalid value for parameter '${name}'.` } });
  return n;
}
