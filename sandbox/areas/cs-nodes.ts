/**
 * Content Server documents and folders (api/v1 and api/v2): get, create (folders, documents by
 * multipart upload or Large File Upload key, copies), update (rename, move, description), delete,
 * children with paging / filters / sort, versions, content download, categories on a node, the
 * category create form, the Large File Upload (`v2/multipart`) sessions, and search
 * (`v2/search`, in cs-search.ts).
 *
 * Parameters are read with csParams(): form fields and the JSON of the `body` form field; a JSON
 * request body is ignored, as on the real server, so such a request fails for want of its fields.
 */
import crypto from 'crypto';
import { Area, Ctx, csError, csParams, Reply, SandboxApp } from '../server';
import { UploadedFile } from '../multipart';
import { addVersion, childrenOf, csAuth, CsNode, CsVersion, createNode, deleteNode, findChildByName, getNode, moveNode, mustNode, nodeProperties, pathOf, SUBTYPES, touch } from './cs-core';
import { mimeByExtension, OCTET_STREAM } from '../../nodes/lib/cs/mime';
import { searchRoutes } from './cs-search';
import { categoriesForCreate, categoryCreateForm, categoryResult, checkRequired, groupCategoryInput, mergeCategoryValues, mustCategory } from './cs-categories';

// ---- state ----------------------------------------------------------------------------------------

export interface LargeUpload {
  key: string;
  userId: number;
  file_name: string;
  file_size: number;
  mime_type: string;
  part_size: number;
  num_parts: number;
  /** part number -> content id */
  parts: Map<number, string>;
  status: 'open' | 'complete';
  contentId?: string;
  created: number;
}

export interface CsNodesState {
  uploads: Map<string, LargeUpload>;
}

function state(app: SandboxApp): CsNodesState {
  return app.area<CsNodesState>('cs-nodes');
}

/**
 * Checks other areas may add before a node is deleted (a records hold, for example): a guard
 * throws the HttpError the real server would give. Areas register guards in their routes().
 */
export type DeleteGuard = (app: SandboxApp, node: CsNode) => void;
const deleteGuards: DeleteGuard[] = [];
export function registerDeleteGuard(guard: DeleteGuard): void {
  if (!deleteGuards.includes(guard)) deleteGuards.push(guard);
}

// ---- helpers --------------------------------------------------------------------------------------

/** Node types this area creates through POST nodes (others have their own APIs). */
const CREATABLE = new Set([0, 136, 140, 144, 751]);
const CONTAINERS = new Set([0, 136, 141, 202, 751, 848, 298]);
const LARGE_UPLOAD_TTL_MS = 24 * 3600 * 1000;

/** Content Server takes the MIME type from the file name when the client sends a generic one. */
function mimeFor(contentType: string | undefined, fileName: string): string {
  const ct = (contentType || '').split(';')[0].trim().toLowerCase();
  if (ct && ct !== OCTET_STREAM) return ct;
  return mimeByExtension(fileName);
}

function isV2(ctx: Ctx): boolean {
  return ctx.path.startsWith(ctx.app.csPrefix + '/v2/');
}

function isContainer(n: CsNode): boolean {
  return CONTAINERS.has(n.type);
}

function selfLink(ctx: Ctx): Record<string, unknown> {
  return { data: { self: { body: '', content_type: '', href: ctx.path.replace(ctx.app.csPrefix, '/api'), method: ctx.method, name: '' } } };
}

/** Deletes the uploaded file parts a handler did not keep (failed requests store nothing). */
async function withFiles<T>(ctx: Ctx, fn: (keep: (f: UploadedFile) => string) => Promise<T> | T): Promise<T> {
  const kept = new Set<string>();
  try {
    return await fn((f) => {
      kept.add(f.contentId);
      return f.contentId;
    });
  } finally {
    for (const f of Object.values(ctx.files)) if (!kept.has(f.contentId)) ctx.app.content.delete(f.contentId);
  }
}

/** Form fields sent at all (query parameters do not count): PUT/POST without any are refused. */
function requireSomeParams(ctx: Ctx): void {
  if (Object.keys(ctx.form).length === 0 && Object.keys(ctx.files).length === 0) throw csError(400, 'Parameters are required for PUT, POST, and PATCH methods');
}

function intArg(v: unknown, name: string, required: boolean): number | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw csError(400, `Missing required parameter '${name}'.`);
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw csError(400, `Invalid datatype specified for argument '${name}'`);
  return n;
}

function strArg(v: unknown, name: string, required: boolean): string | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (required) throw csError(400, `Missing required parameter '${name}'.`);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw csError(400, `Invalid datatype specified for argument '${name}'`);
  return String(v);
}

function checkName(name: string): string {
  const n = name.trim();
  if (!n) throw csError(400, 'A name is required.');
  if (n.length > 248) throw csError(400, 'The name is too long. Names cannot exceed 248 characters.');
  if (n.includes(':')) throw csError(400, 'Names cannot contain a colon (:).');
  return n;
}

function positiveQuery(ctx: Ctx, name: string, fallback: number, max = 10000): number {
  const v = ctx.query[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw csError(400, `Invalid value for parameter '${name}'.`);
  return Number(v);
}

// ---- JSON views -----------------------------------------------------------------------------------

export function versionJson(n: CsNode, v: CsVersion): Record<string, unknown> {
  const ext = /\.([a-z0-9]+)$/i.exec(v.file_name)?.[1]?.toLowerCase() ?? '';
  return {
    create_date: v.create_date,
    description: v.description ?? '',
    file_create_date: v.create_date,
    file_modify_date: v.create_date,
    file_name: v.file_name,
    file_size: v.file_size,
    file_type: ext,
    id: n.id,
    locked: false,
    locked_date: null,
    locked_user_id: null,
    mime_type: v.mime_type,
    modify_date: v.create_date,
    name: n.name,
    owner_id: v.owner_id,
    provider_id: 1,
    version_id: n.id * 1000 + v.version_number,
    version_number: v.version_number,
    version_number_major: v.version_number,
    version_number_minor: 0,
    version_number_name: String(v.version_number),
  };
}

/** `fields` parameters: "properties", "properties{id,name}", "versions", "categories" (repeatable). */
function parseFields(ctx: Ctx): Map<string, string[] | undefined> | undefined {
  const raw = ctx.queryAll.fields;
  if (!raw || raw.length === 0) return undefined;
  const out = new Map<string, string[] | undefined>();
  for (const value of raw) {
    let depth = 0;
    let cur = '';
    const parts: string[] = [];
    for (const ch of value) {
      if (ch === '{') depth++;
      if (ch === '}') depth--;
      if (ch === ',' && depth === 0) {
        parts.push(cur);
        cur = '';
      } else cur += ch;
    }
    parts.push(cur);
    for (const p of parts) {
      const m = /^\s*([a-z_]+)(?:\.[a-z_]+\([^)]*\))?\s*(?:\{([^}]*)\})?\s*$/i.exec(p);
      if (!m) throw csError(400, 'One or more parameters are invalid');
      out.set(m[1], m[2] ? m[2].split(',').map((s) => s.trim()).filter(Boolean) : undefined);
    }
  }
  return out;
}

function pick(obj: Record<string, unknown>, keys: string[] | undefined): Record<string, unknown> {
  if (!keys) return obj;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in obj) out[k] = obj[k];
  return out;
}

const PROPERTY_DEFINITIONS: Record<string, { name: string; type: number; type_name: string }> = {
  id: { name: 'ID', type: 2, type_name: 'Integer' },
  parent_id: { name: 'Parent ID', type: 2, type_name: 'Integer' },
  name: { name: 'Name', type: -1, type_name: 'String' },
  type: { name: 'Type', type: 2, type_name: 'Integer' },
  description: { name: 'Description', type: -1, type_name: 'String' },
  create_date: { name: 'Created', type: -7, type_name: 'Date' },
  modify_date: { name: 'Modified', type: -7, type_name: 'Date' },
  size: { name: 'Size', type: 2, type_name: 'Integer' },
  mime_type: { name: 'MIME Type', type: -1, type_name: 'String' },
};

/** One node as v2 returns it in `results` (properties, plus versions/categories when asked). */
export function v2Item(app: SandboxApp, n: CsNode, fields: Map<string, string[] | undefined> | undefined, withMetadata: boolean): Record<string, unknown> {
  const props = nodeProperties(app, n);
  const data: Record<string, unknown> = {};
  if (!fields || fields.has('properties')) data.properties = pick(props, fields?.get('properties'));
  if (fields?.has('versions')) {
    const vs = n.versions.map((v) => pick(versionJson(n, v), fields.get('versions')));
    data.versions = vs;
  }
  if (fields?.has('categories')) data.categories = Object.keys(n.categories).map((c) => (categoryResult(app, n, c, false).data as { categories: unknown }).categories);
  const item: Record<string, unknown> = { data };
  if (withMetadata) item.metadata = { properties: Object.fromEntries(Object.entries(PROPERTY_DEFINITIONS).map(([k, d]) => [k, { key: k, ...d }])) };
  return item;
}

function v1Node(app: SandboxApp, n: CsNode): Record<string, unknown> {
  return {
    addable_types: isContainer(n) ? [...CREATABLE].map((t) => ({ icon: '', type: t, type_name: SUBTYPES[t] || 'Node' })) : [],
    available_actions: [],
    available_roles: [{ type: 'categories', type_name: 'Categories' }],
    data: nodeProperties(app, n),
    definitions: {},
    definitions_order: Object.keys(PROPERTY_DEFINITIONS),
    type: n.type,
    type_name: SUBTYPES[n.type] || 'Node',
  };
}

function metadataToken(values: unknown): string {
  return crypto.createHash('md5').update(JSON.stringify(values ?? {})).digest('hex');
}

// ---- operations -----------------------------------------------------------------------------------

function rolesOf(p: Record<string, unknown>): { categories?: unknown; classifications?: unknown } {
  const roles = p.roles;
  if (roles === undefined || roles === null || roles === '') return {};
  let r = roles;
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r);
    } catch {
      throw csError(400, 'Body parameter is invalid');
    }
  }
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw csError(400, 'Body parameter is invalid');
  return r as { categories?: unknown; classifications?: unknown };
}

function classificationIds(raw: unknown): number[] {
  if (raw === undefined || raw === null) return [];
  const ids = (raw as { id?: unknown }).id;
  if (!Array.isArray(ids)) throw csError(400, 'Body parameter is invalid');
  return ids.map((x) => {
    const n = typeof x === 'number' ? x : Number(x);
    if (!Number.isSafeInteger(n) || n <= 0) throw csError(400, 'Body parameter is invalid');
    return n;
  });
}

/** Finds a completed Large File Upload for this user, or the real server's error. */
function mustCompletedUpload(app: SandboxApp, key: string, userId: number): LargeUpload {
  const up = state(app).uploads.get(key);
  if (!up || up.userId !== userId) throw csError(500, 'Failed to complete request. Either the UploadKey is invalid, or you do not have permission to access this upload session');
  if (app.now() - up.created > LARGE_UPLOAD_TTL_MS) throw csError(500, 'Multipart Upload session expired');
  if (up.status !== 'complete' || !up.contentId) throw csError(400, `The Large File Upload ${key} is not complete: close it with POST api/v2/multipart/${key} first.`);
  return up;
}

/** The content of a create / add-version request: the `file` part or a completed upload key. */
function contentOf(ctx: Ctx, p: Record<string, unknown>, userId: number, keep: (f: UploadedFile) => string): { take: () => { contentId: string; file_name: string; mime_type: string } } {
  const file = ctx.files.file;
  const key = strArg(p.upload_key, 'upload_key', false);
  if (file) {
    return { take: () => ({ contentId: keep(file), file_name: file.filename || 'file', mime_type: mimeFor(file.contentType, file.filename || String(p.name || '')) }) };
  }
  if (key && isV2(ctx)) {
    const up = mustCompletedUpload(ctx.app, key, userId);
    return {
      take: () => {
        state(ctx.app).uploads.delete(key);
        return { contentId: up.contentId!, file_name: up.file_name, mime_type: mimeFor(up.mime_type, up.file_name) };
      },
    };
  }
  throw csError(400, 'Error: File could not be found within the request.');
}

function createFrom(ctx: Ctx, userId: number, p: Record<string, unknown>, keep: (f: UploadedFile) => string): CsNode {
  const app = ctx.app;
  const type = intArg(p.type, 'type', true)!;
  const parentId = intArg(p.parent_id, 'parent_id', true)!;
  const name = checkName(strArg(p.name, 'name', true)!);
  const parent = getNode(app, parentId);
  if (!parent) throw csError(400, `Could not process object, invalid parent_id ${parentId}`);
  if (!isContainer(parent)) throw csError(400, `Could not process object, invalid parent_id ${parentId}: '${parent.name}' is not a container`);
  if (!CREATABLE.has(type)) throw csError(400, `Could not process object, invalid type ${type}`);
  if (type === 140 && !strArg(p.url, 'url', false)) throw csError(400, "Missing required parameter 'url'.");
  const roles = rolesOf(p);
  // Validate everything before anything is stored: a refused request leaves nothing behind.
  const categories = categoriesForCreate(app, roles.categories);
  const classifications = classificationIds(roles.classifications);
  if (findChildByName(app, parentId, name)) throw csError(400, `An item with the name '${name}' already exists.`);
  const content = type === 144 ? contentOf(ctx, p, userId, keep) : undefined;
  const node = createNode(app, { parent_id: parentId, name, type, description: strArg(p.description, 'description', false) || '', userId, extra: type === 140 ? { url: String(p.url) } : undefined });
  node.categories = categories;
  node.classifications = classifications;
  if (content) {
    const c = content.take();
    addVersion(app, node, { ...c, userId });
  }
  return node;
}

async function copyTree(app: SandboxApp, src: CsNode, parentId: number, name: string, userId: number): Promise<CsNode> {
  const copy = createNode(app, { parent_id: parentId, name, type: src.type, description: src.description, userId, extra: JSON.parse(JSON.stringify(src.extra)) });
  copy.categories = JSON.parse(JSON.stringify(src.categories));
  copy.classifications = [...src.classifications];
  for (const v of src.versions) {
    const contentId = await app.content.concat([v.contentId]);
    addVersion(app, copy, { contentId, file_name: v.file_name, mime_type: v.mime_type, userId, description: v.description });
  }
  for (const c of childrenOf(app, src.id)) await copyTree(app, c, copy.id, c.name, userId);
  return copy;
}

async function copyFrom(app: SandboxApp, userId: number, p: Record<string, unknown>): Promise<CsNode> {
  const original = mustNode(app, intArg(p.original_id, 'original_id', true));
  const parentId = intArg(p.parent_id, 'parent_id', true)!;
  const parent = getNode(app, parentId);
  if (!parent) throw csError(400, `Could not process object, invalid parent_id ${parentId}`);
  if (!isContainer(parent)) throw csError(400, `Could not process object, invalid parent_id ${parentId}: '${parent.name}' is not a container`);
  if (original.type === 141) throw csError(400, "Could not process object, invalid action 'copy'");
  for (let x: CsNode | undefined = parent; x; x = x.parent_id === -1 ? undefined : getNode(app, x.parent_id)) {
    if (x.id === original.id) throw csError(400, 'A node cannot be copied into itself or one of its children.');
  }
  const name = checkName(strArg(p.name, 'name', false) ?? original.name);
  const roles = rolesOf(p);
  const categories = categoriesForCreate(app, roles.categories, original.categories);
  if (findChildByName(app, parentId, name)) throw csError(400, `An item with the name '${name}' already exists.`);
  const copy = await copyTree(app, original, parentId, name, userId);
  copy.categories = categories;
  return copy;
}

// ---- children -------------------------------------------------------------------------------------

type SortKey = 'name' | 'modify_date' | 'create_date' | 'size' | 'type' | 'id';

function childSort(ctx: Ctx): { key: SortKey; dir: 1 | -1; text: string } {
  const raw = (ctx.query.sort || 'asc_name').trim();
  const m = /^(?:(asc|desc)_)?([a-z_]+)$/i.exec(raw);
  const key = m?.[2]?.toLowerCase() as SortKey | undefined;
  if (!m || !key || !['name', 'modify_date', 'create_date', 'size', 'type', 'id'].includes(key)) throw csError(400, `Invalid value for parameter 'sort'.`);
  const dir = (m[1] || 'asc').toLowerCase() === 'desc' ? -1 : 1;
  return { key, dir, text: `${dir === 1 ? 'asc' : 'desc'}_${key}` };
}

function sortValue(app: SandboxApp, n: CsNode, key: SortKey): string | number {
  switch (key) {
    case 'name':
      return n.name.toLowerCase();
    case 'modify_date':
      return n.modify_date;
    case 'create_date':
      return n.create_date;
    case 'size':
      return Number(nodeProperties(app, n).size) || 0;
    case 'type':
      return n.type;
    default:
      return n.id;
  }
}

function listChildren(ctx: Ctx, parent: CsNode, defaultLimit: number) {
  const app = ctx.app;
  if (!isContainer(parent)) throw csError(500, "Could not process object, invalid action 'browse'");
  let items = childrenOf(app, parent.id);
  const types: number[] = [];
  for (const v of ctx.queryAll.where_type || []) {
    for (const t of v.split(',')) {
      if (!/^\s*-?\d+\s*$/.test(t)) throw csError(400, "Invalid datatype specified for argument 'where_type'");
      types.push(Number(t));
    }
  }
  if (types.length) items = items.filter((n) => types.includes(n.type) || (types.includes(-1) && isContainer(n)));
  const whereName = ctx.query.where_name;
  if (whereName) {
    const needle = whereName.toLowerCase();
    items = items.filter((n) => n.name.toLowerCase().includes(needle));
  }
  const sort = childSort(ctx);
  items = [...items].sort((a, b) => {
    const x = sortValue(app, a, sort.key);
    const y = sortValue(app, b, sort.key);
    if (x < y) return -sort.dir;
    if (x > y) return sort.dir;
    return a.id - b.id;
  });
  const limit = positiveQuery(ctx, 'limit', defaultLimit);
  const page = positiveQuery(ctx, 'page', 1, 1000000);
  const total = items.length;
  const start = (page - 1) * limit;
  const slice = items.slice(start, start + limit);
  const paging = {
    limit,
    page,
    page_total: Math.ceil(total / limit),
    range_min: slice.length ? start + 1 : 0,
    range_max: start + slice.length,
    total_count: total,
  };
  return { slice, paging, sort: sort.text };
}

// ---- the area -------------------------------------------------------------------------------------

function settingNumber(app: SandboxApp, name: string, fallback: number): number {
  const v = app.options.settings?.[name];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

export const csNodesArea: Area = {
  name: 'cs-nodes',
  init: (): CsNodesState => ({ uploads: new Map() }),
  snapshot(s) {
    const st = s as CsNodesState;
    return { largeUploads: [...st.uploads.values()].map((u) => ({ key: u.key, file_name: u.file_name, file_size: u.file_size, num_parts: u.num_parts, parts: [...u.parts.keys()], status: u.status })) };
  },
  routes(app) {
    searchRoutes(app);
    // -- get / create / update / delete --
    for (const v of ['v1', 'v2'] as const) {
      app.cs('GET', `/${v}/nodes/:id`, (ctx) => {
        csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        if (v === 'v1') return { status: 200, body: v1Node(app, n) };
        const results: Record<string, unknown> = v2Item(app, n, parseFields(ctx), 'metadata' in ctx.query);
        if ('state' in ctx.query) results.state = { properties: { metadata_token: metadataToken(n.modify_date) }, categories: Object.fromEntries(Object.entries(n.categories).map(([c, vals]) => [c, { metadata_token: metadataToken(vals) }])) };
        return { status: 200, body: { links: selfLink(ctx), results } };
      });

      app.cs('POST', `/${v}/nodes`, (ctx) =>
        withFiles(ctx, async (keep) => {
          const user = csAuth(ctx);
          requireSomeParams(ctx);
          const p = csParams(ctx);
          const node = p.original_id !== undefined && p.original_id !== '' ? await copyFrom(app, user.id, p) : createFrom(ctx, user.id, p, keep);
          if (v === 'v1') return { status: 200, body: { id: node.id } };
          return { status: 200, body: { links: selfLink(ctx), results: { data: { properties: nodeProperties(app, node) } } } };
        }),
      );

      app.cs('PUT', `/${v}/nodes/:id`, (ctx) => {
        const user = csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        requireSomeParams(ctx);
        const p = csParams(ctx);
        if (n.type === 141 && (p.name !== undefined || p.parent_id !== undefined)) throw csError(400, "Could not process object, invalid action 'update'");
        const newName = p.name !== undefined ? checkName(strArg(p.name, 'name', true)!) : undefined;
        const newParent = intArg(p.parent_id, 'parent_id', false);
        const description = p.description !== undefined ? String(p.description ?? '') : undefined;
        if (newParent !== undefined && newParent !== n.parent_id) {
          const target = getNode(app, newParent);
          if (!target) throw csError(400, `Could not process object, invalid parent_id ${newParent}`);
          if (!isContainer(target)) throw csError(400, `Could not process object, invalid parent_id ${newParent}: '${target.name}' is not a container`);
        }
        if (newName !== undefined && newName.toLowerCase() !== n.name.toLowerCase()) {
          const clash = findChildByName(app, newParent ?? n.parent_id, newName);
          if (clash && clash.id !== n.id) throw csError(400, `An item with the name '${newName}' already exists.`);
        }
        if (newParent !== undefined && newParent !== n.parent_id) {
          const oldParent = n.parent_id;
          const oldName = n.name;
          if (newName !== undefined) n.name = newName; // the unique-name check of the move uses the new name
          try {
            moveNode(app, n, newParent);
          } catch (e) {
            n.name = oldName;
            throw e;
          }
          touch(app, oldParent, user.id);
        } else if (newName !== undefined) {
          n.name = newName;
        }
        if (description !== undefined) n.description = description;
        touch(app, n.id, user.id);
        if (v === 'v1') return { status: 200, body: {} };
        return { status: 200, body: { links: selfLink(ctx), results: { data: { properties: nodeProperties(app, n) } } } };
      });

      app.cs('DELETE', `/${v}/nodes/:id`, (ctx) => {
        const user = csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        if (n.type === 141 || n.parent_id === -1) throw csError(400, "Could not process object, invalid action 'delete'");
        const check = (x: CsNode) => {
          for (const g of deleteGuards) g(app, x);
          for (const c of childrenOf(app, x.id)) check(c);
        };
        check(n);
        const parent = n.parent_id;
        deleteNode(app, n);
        touch(app, parent, user.id);
        if (v === 'v1') return { status: 200, body: {} };
        return { status: 200, body: { links: selfLink(ctx), results: {} } };
      });

      // -- children --
      app.cs('GET', `/${v}/nodes/:id/nodes`, (ctx) => {
        csAuth(ctx);
        const parent = mustNode(app, ctx.params.id);
        const { slice, paging, sort } = listChildren(ctx, parent, v === 'v1' ? 25 : 100);
        if (v === 'v1') {
          return { status: 200, body: { data: slice.map((n) => nodeProperties(app, n)), definitions: {}, definitions_order: Object.keys(PROPERTY_DEFINITIONS), ...paging, sort, where_name: ctx.query.where_name ?? '', where_type: ctx.queryAll.where_type ?? [] } };
        }
        const fields = parseFields(ctx);
        const withMeta = 'metadata' in ctx.query;
        return {
          status: 200,
          body: {
            collection: { paging: { ...paging, links: {} }, sorting: { sort: [{ key: 'sort', value: sort }] } },
            links: selfLink(ctx),
            results: slice.map((n) => v2Item(app, n, fields, withMeta)),
          },
        };
      });

      // -- versions --
      app.cs('GET', `/${v}/nodes/:id/versions`, (ctx) => {
        csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        if (n.type !== 144) throw csError(400, "Could not process object, invalid action 'versions'");
        const list = n.versions.map((x) => versionJson(n, x));
        if (v === 'v1') return { status: 200, body: { data: list, definitions: {} } };
        return { status: 200, body: { links: selfLink(ctx), results: list.map((x) => ({ data: { versions: x } })), collection: { paging: { limit: list.length, page: 1, page_total: 1 } } } };
      });

      app.cs('POST', `/${v}/nodes/:id/versions`, (ctx) =>
        withFiles(ctx, (keep) => {
          const user = csAuth(ctx);
          const n = mustNode(app, ctx.params.id);
          requireSomeParams(ctx);
          const p = csParams(ctx);
          if (n.type !== 144) throw csError(400, "Could not process object, invalid action 'versions-add'");
          const roles = rolesOf(p);
          const cats = groupCategoryInput(roles.categories);
          const merged: Record<string, Record<string, unknown>> = {};
          for (const [catId, keys] of cats) {
            const def = mustCategory(app, catId);
            merged[String(catId)] = mergeCategoryValues(app, def, n.categories[String(catId)], keys);
            checkRequired(def, merged[String(catId)]);
          }
          const c = contentOf(ctx, p, user.id, keep).take();
          const version = addVersion(app, n, { ...c, userId: user.id, description: strArg(p.description, 'description', false) });
          Object.assign(n.categories, merged);
          if (v === 'v1') return { status: 200, body: { id: n.id, version_number: version.version_number } };
          return { status: 200, body: { links: selfLink(ctx), results: { data: { properties: nodeProperties(app, n), versions: versionJson(n, version) } } } };
        }),
      );

      const versionOf = (ctx: Ctx): { n: CsNode; ver: CsVersion } => {
        const n = mustNode(app, ctx.params.id);
        const num = ctx.params.version;
        const ver = /^\d+$/.test(num) ? n.versions.find((x) => x.version_number === Number(num)) : undefined;
        if (!ver) throw csError(400, 'Sorry, the item you requested could not be accessed. Either it does not exist or you do not have permission to access it. If you were sent a link to this item, please contact the sender for assistance');
        return { n, ver };
      };

      app.cs('GET', `/${v}/nodes/:id/versions/:version`, (ctx) => {
        csAuth(ctx);
        const { n, ver } = versionOf(ctx);
        if (v === 'v1') return { status: 200, body: { data: versionJson(n, ver), definitions: {} } };
        return { status: 200, body: { links: selfLink(ctx), results: { data: { versions: versionJson(n, ver) } } } };
      });

      // -- content --
      const content = (ctx: Ctx, n: CsNode, ver: CsVersion | undefined): Reply => {
        if (!ver) throw csError(400, n.type === 144 ? 'The document has no version.' : "Could not process object, invalid action 'download'");
        const info = app.content.info(ver.contentId);
        if (!info) throw csError(500, 'Sorry, the item you requested could not be accessed.');
        const ascii = ver.file_name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
        const disposition = ctx.query.action === 'open' ? 'inline' : 'attachment';
        return {
          status: 200,
          body: app.content.stream(ver.contentId),
          contentType: ver.mime_type,
          headers: { 'Content-Disposition': `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(ver.file_name)}`, 'Content-Length': String(info.size) },
        };
      };
      app.cs('GET', `/${v}/nodes/:id/content`, (ctx) => {
        csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        return content(ctx, n, n.versions[n.versions.length - 1]);
      });
      app.cs('GET', `/${v}/nodes/:id/versions/:version/content`, (ctx) => {
        csAuth(ctx);
        const { n, ver } = versionOf(ctx);
        return content(ctx, n, ver);
      });

      // -- categories on a node --
      app.cs('GET', `/${v}/nodes/:id/categories`, (ctx) => {
        csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        const results = Object.keys(n.categories).map((c) => categoryResult(app, n, c, 'metadata' in ctx.query));
        return { status: 200, body: { links: selfLink(ctx), results } };
      });
      app.cs('GET', `/${v}/nodes/:id/categories/:cat`, (ctx) => {
        csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        const def = mustCategory(app, ctx.params.cat);
        if (!n.categories[String(def.id)]) throw csError(400, "Could not process object, invalid action 'categories-get'");
        return { status: 200, body: { links: selfLink(ctx), results: categoryResult(app, n, String(def.id), 'metadata' in ctx.query) } };
      });
      app.cs('POST', `/${v}/nodes/:id/categories`, (ctx) => {
        const user = csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        requireSomeParams(ctx);
        const p = csParams(ctx);
        const def = mustCategory(app, p.category_id);
        if (n.categories[String(def.id)]) throw csError(400, `The attribute group '${def.name}' already exists`);
        const keys = Object.fromEntries(Object.entries(p).filter(([k]) => /^\d+_/.test(k)));
        for (const k of Object.keys(keys)) if (!k.startsWith(`${def.id}_`)) throw csError(500, 'Invalid attribute entry found', `'${k}' is not an attribute of category ${def.id}`);
        const values = mergeCategoryValues(app, def, undefined, keys);
        checkRequired(def, values);
        n.categories[String(def.id)] = values;
        touch(app, n.id, user.id);
        return { status: 200, body: { links: selfLink(ctx), results: {} } };
      });
      app.cs('PUT', `/${v}/nodes/:id/categories/:cat`, (ctx) => {
        const user = csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        requireSomeParams(ctx);
        const p = csParams(ctx);
        const def = mustCategory(app, ctx.params.cat);
        const current = n.categories[String(def.id)];
        if (!current) throw csError(400, "Could not process object, invalid action 'categories-update'");
        const keys = Object.fromEntries(Object.entries(p).filter(([k]) => /^\d+_/.test(k)));
        for (const k of Object.keys(keys)) {
          if (!k.startsWith(`${def.id}_`)) throw csError(400, `Category ID '${def.id}' was specified for Categories Update, but a non-matching attribute ('${k}') was found`);
        }
        const tokenHolder = keys[`${def.id}_1`] as { metadata_token?: unknown } | undefined;
        const token = typeof p.metadata_token === 'string' ? p.metadata_token : tokenHolder && typeof tokenHolder === 'object' ? tokenHolder.metadata_token : undefined;
        if (typeof token === 'string' && token && token !== metadataToken(current)) throw csError(409, 'Could not update metadata (edit conflict).');
        const values = mergeCategoryValues(app, def, current, keys);
        checkRequired(def, values);
        n.categories[String(def.id)] = values;
        touch(app, n.id, user.id);
        return { status: 200, body: { links: selfLink(ctx), results: {}, state: { categories: { [String(def.id)]: { metadata_token: metadataToken(values) } } } } };
      });
      app.cs('DELETE', `/${v}/nodes/:id/categories/:cat`, (ctx) => {
        const user = csAuth(ctx);
        const n = mustNode(app, ctx.params.id);
        const def = mustCategory(app, ctx.params.cat);
        if (!n.categories[String(def.id)]) throw csError(400, "Could not process object, invalid action 'categories-remove'");
        delete n.categories[String(def.id)];
        touch(app, n.id, user.id);
        return { status: 200, body: { links: selfLink(ctx), results: {} } };
      });
    }

    // -- the category create form --
    app.cs('GET', '/v1/forms/nodes/categories/create', (ctx) => {
      csAuth(ctx);
      if (!ctx.query.id) throw csError(400, 'Could not retrieve form. Invalid or missing parameters');
      if (!/^\d+$/.test(ctx.query.id)) throw csError(400, "Invalid datatype specified for argument 'id'");
      mustNode(app, ctx.query.id);
      if (!ctx.query.category_id) throw csError(400, 'Could not retrieve form. Invalid or missing parameters');
      const def = mustCategory(app, ctx.query.category_id);
      return { status: 200, body: categoryCreateForm(def) };
    });

    // -- Large File Upload --
    const limits = () => ({
      min: settingNumber(app, 'csLargeUploadMinSize', 1),
      max: settingNumber(app, 'csLargeUploadMaxSize', 100 * 1024 ** 3),
      part: settingNumber(app, 'csLargeUploadPartSize', 8 * 1024 * 1024),
    });
    app.cs('GET', '/v2/multipart/settings', (ctx) => {
      csAuth(ctx);
      const l = limits();
      return { status: 200, body: { is_enabled: true, max_size: l.max, min_size: l.min } };
    });
    app.cs('POST', '/v2/multipart', (ctx) => {
      const user = csAuth(ctx);
      const p = csParams(ctx);
      const fileName = typeof p.file_name === 'string' ? p.file_name.trim() : '';
      const mime = typeof p.mime_type === 'string' ? p.mime_type.trim() : '';
      if (!fileName) throw csError(400, "Pattern of argument was not recognized. 'file_name' must be a non-empty string.");
      if (!mime) throw csError(400, "Pattern of argument was not recognized. 'mime_type' must be a non-empty string.");
      const size = intArg(p.file_size, 'file_size', true)!;
      const l = limits();
      if (size < l.min || size > l.max) throw csError(500, `Invalid block size: File size must be between ${l.min} and ${l.max} bytes.`);
      const key = crypto.randomBytes(16).toString('hex');
      const up: LargeUpload = { key, userId: user.id, file_name: fileName, file_size: size, mime_type: mime, part_size: l.part, num_parts: Math.max(1, Math.ceil(size / l.part)), parts: new Map(), status: 'open', created: app.now() };
      state(app).uploads.set(key, up);
      return { status: 200, body: { upload_key: key, part_size: up.part_size, num_parts: up.num_parts, max_retries: 3 } };
    });
    const openUpload = (ctx: Ctx, userId: number): LargeUpload => {
      const up = state(app).uploads.get(ctx.params.key);
      if (!up || up.userId !== userId) throw csError(500, 'Failed to complete request. Either the UploadKey is invalid, or you do not have permission to access this upload session');
      if (app.now() - up.created > LARGE_UPLOAD_TTL_MS) throw csError(500, 'Multipart Upload session expired');
      return up;
    };
    app.cs('POST', '/v2/multipart/:key/:part', (ctx) =>
      withFiles(ctx, (keep) => {
        const user = csAuth(ctx);
        const up = openUpload(ctx, user.id);
        if (up.status !== 'open') throw csError(500, 'Invalid status. Cannot close an empty or already closed upload.');
        const n = /^\d+$/.test(ctx.params.part) ? Number(ctx.params.part) : NaN;
        if (!(n >= 1 && n <= up.num_parts)) throw csError(500, `Invalid BlockID: Expected BlockID between 1 and ${up.num_parts}`);
        if (up.parts.has(n)) throw csError(500, `Invalid BlockID: BlockID ${n} has already been uploaded.`);
        const file = ctx.files.part_content;
        if (!file) throw csError(400, 'Error: File could not be found within the request.');
        const expected = n < up.num_parts ? up.part_size : up.file_size - up.part_size * (up.num_parts - 1);
        if (file.size !== expected) throw csError(400, `Invalid part size: part ${n} of ${up.num_parts} must be ${expected} bytes, got ${file.size}.`);
        up.parts.set(n, keep(file));
        return { status: 200, body: {} };
      }),
    );
    app.cs('POST', '/v2/multipart/:key', async (ctx) => {
      const user = csAuth(ctx);
      const up = openUpload(ctx, user.id);
      if (up.status !== 'open' || up.parts.size === 0) throw csError(500, 'Invalid status. Cannot close an empty or already closed upload.');
      const missing: number[] = [];
      for (let i = 1; i <= up.num_parts; i++) if (!up.parts.has(i)) missing.push(i);
      if (missing.length) throw csError(500, `Failed to complete request. Part(s) ${missing.join(', ')} of ${up.num_parts} were not uploaded.`);
      const ids = [...up.parts.keys()].sort((a, b) => a - b).map((i) => up.parts.get(i)!);
      const contentId = await app.content.concat(ids);
      for (const id of ids) app.content.delete(id);
      up.parts.clear();
      const size = app.content.info(contentId)?.size;
      if (size !== up.file_size) {
        app.content.delete(contentId);
        state(app).uploads.delete(up.key);
        throw csError(500, `Failed to complete request. ${size} bytes were uploaded where file_size was ${up.file_size}.`);
      }
      up.contentId = contentId;
      up.status = 'complete';
      return { status: 200, body: {} };
    });
    app.cs('DELETE', '/v2/multipart/:key', (ctx) => {
      const user = csAuth(ctx);
      const up = openUpload(ctx, user.id);
      for (const id of up.parts.values()) app.content.delete(id);
      if (up.contentId) app.content.delete(up.contentId);
      state(app).uploads.delete(up.key);
      return { status: 200, body: {} };
    });
  },
  tick(app, now) {
    const st = app.area<CsNodesState | undefined>('cs-nodes');
    if (!st) return;
    for (const up of st.uploads.values()) {
      if (now - up.created <= LARGE_UPLOAD_TTL_MS * 2) continue;
      for (const id of up.parts.values()) app.content.delete(id);
      if (up.contentId) app.content.delete(up.contentId);
      st.uploads.delete(up.key);
    }
  },
};

/** Exposed for other areas and tests: where a node sits, as names. */
export function nodePath(app: SandboxApp, id: number): string[] | undefined {
  const n = getNode(app, id);
  return n ? pathOf(app, n) : undefined;
}

