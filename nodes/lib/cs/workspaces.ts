/**
 * Business Workspaces (Extended ECM): workspace types, find (by business object, by type and
 * name), get, create, find-or-create, the workspace of a node, and a workspace's first-level
 * folders. Paths and fields: Business Workspaces REST API v1/v2 (BWS-OAS), opentext-api.md §2.8.
 */
import { HttpClient, csBody } from '../http';
import { OtError, invalidInput } from '../errors';
import { collectPages, csPaging } from '../paging';

export interface WorkspaceRef {
  id: number;
  name: string;
  typeId?: number;
}

export interface BusinessObjectRef {
  extSystemId: string;
  boType: string;
  boId: string;
}

export interface WorkspaceTypeInfo {
  id: number;
  name: string;
  rmEnabled?: boolean;
  /** Present when listed with templates. */
  templates: Array<{ id: number; name: string }>;
}

export interface WorkspaceChild {
  id: number;
  name: string;
  type: number;
}

/** What the workspace node puts on `msg.payload`. */
export interface WorkspaceDetails {
  id: number;
  name: string;
  description?: string;
  parentId?: number;
  typeId?: number;
  typeName?: string;
  templateId?: number;
  businessObjects: BusinessObjectRef[];
  /** First-level children (folders and anything else directly inside the workspace). */
  children: WorkspaceChild[];
  /** Container children by name, for quick lookups ("Statements" -> 12345). */
  folders: Record<string, number>;
  /** Whether this call created the workspace (find-or-create and create). */
  created?: boolean;
}

export interface CreateWorkspaceInput {
  /** Template node id (wins over the type). */
  templateId?: number;
  /** Workspace type id; with a single-template type the template follows. */
  typeId?: number;
  /** Workspace type name: resolved to its id (and template) through the types list. */
  typeName?: string;
  /** Optional when the type generates names from the business object. */
  name?: string;
  description?: string;
  parentId?: number;
  /**
   * Category values, nested `{"<cat>": {"<cat>_<attr>": v}}` or flat `{"<cat>_<attr>": v}`; sent
   * nested in `roles.categories`.
   */
  categories?: Record<string, unknown>;
  businessObject?: BusinessObjectRef;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads one entry of a `GET v2/businessworkspaces` result list. */
export function workspaceRefOf(entry: unknown): WorkspaceRef | undefined {
  const p = obj(obj(obj(entry).data).properties);
  const id = num(p.id);
  if (id === undefined) return undefined;
  return { id, name: typeof p.name === 'string' ? p.name : '', typeId: num(p.wnf_wksp_type_id) };
}

function results(data: unknown): unknown[] {
  const r = obj(data).results;
  return Array.isArray(r) ? r : [];
}

// ---- types --------------------------------------------------------------------------------------

/** `GET v2/businessworkspacetypes?expand_templates=true`. */
export async function listWorkspaceTypes(client: HttpClient, filter: { extSystemId?: string; boType?: string } = {}): Promise<WorkspaceTypeInfo[]> {
  const res = await client.request<Obj>({
    operation: 'list workspace types',
    method: 'GET',
    path: 'v2/businessworkspacetypes',
    query: { expand_templates: true, ext_system_id: filter.extSystemId, bo_type: filter.boType },
  });
  const out: WorkspaceTypeInfo[] = [];
  for (const r of results(res.data)) {
    const p = obj(obj(obj(r).data).properties);
    const id = num(p.wksp_type_id);
    if (id === undefined) continue;
    const templates = (Array.isArray(p.templates) ? p.templates : []).map((t) => ({ id: num(obj(t).id) ?? 0, name: text(obj(t).name) ?? '' })).filter((t) => t.id > 0);
    out.push({ id, name: text(p.wksp_type_name) ?? '', rmEnabled: typeof p.rm_enabled === 'boolean' ? p.rm_enabled : undefined, templates });
  }
  return out;
}

/** Finds a workspace type by id or (case-insensitive) name; OT_NOT_FOUND names the known types. */
export async function resolveWorkspaceType(client: HttpClient, typeIdOrName: number | string): Promise<WorkspaceTypeInfo> {
  const types = await listWorkspaceTypes(client);
  const wanted = String(typeIdOrName).trim();
  const hit = /^\d+$/.test(wanted) ? types.find((t) => t.id === Number(wanted)) : types.find((t) => t.name.toLowerCase() === wanted.toLowerCase());
  if (!hit) {
    throw new OtError({ code: 'OT_NOT_FOUND', message: `workspace type "${wanted}" not found; known types: ${types.map((t) => `${t.name} (${t.id})`).join(', ') || 'none'}`, operation: 'list workspace types' });
  }
  return hit;
}

// ---- find ---------------------------------------------------------------------------------------

/** `GET v2/businessworkspaces?expanded_view=true&where_ext_system_id&where_bo_type&where_bo_id`: the workspace of a business object. */
export async function findWorkspaceByBusinessObject(client: HttpClient, bo: { extSystemId: string; boType: string; boId: string }): Promise<WorkspaceRef | undefined> {
  const res = await client.request<Obj>({
    operation: 'find business workspace',
    method: 'GET',
    path: 'v2/businessworkspaces',
    query: { expanded_view: true, where_ext_system_id: bo.extSystemId, where_bo_type: bo.boType, where_bo_id: bo.boId, page: 1, limit: 10 },
  });
  for (const e of results(res.data)) {
    const ref = workspaceRefOf(e);
    if (ref) return ref;
  }
  return undefined;
}

/**
 * `GET v2/businessworkspaces?expanded_view=true&where_workspace_type_id|name&where_name=<name>`: a
 * workspace by type and exact name (the server compares names without case; the exact name wins,
 * a single case-insensitive match is accepted).
 */
export async function findWorkspaceByTypeAndName(client: HttpClient, q: { typeId?: number; typeName?: string; name: string }): Promise<WorkspaceRef | undefined> {
  const res = await client.request<Obj>({
    operation: 'find business workspace',
    method: 'GET',
    path: 'v2/businessworkspaces',
    query: {
      expanded_view: true,
      where_workspace_type_id: q.typeId,
      where_workspace_type_name: q.typeId === undefined ? q.typeName : undefined,
      where_name: q.name,
      page: 1,
      limit: 100,
    },
  });
  const refs = results(res.data).map(workspaceRefOf).filter((r): r is WorkspaceRef => !!r);
  const exact = refs.find((r) => r.name === q.name);
  if (exact) return exact;
  const loose = refs.filter((r) => r.name.toLowerCase() === q.name.toLowerCase());
  return loose.length === 1 ? loose[0] : undefined;
}

/** `GET v1/nodes/{id}/businessworkspace`: the workspace a node lives in, or undefined (404). */
export async function workspaceOfNode(client: HttpClient, nodeId: number): Promise<{ id: number; typeId?: number } | undefined> {
  try {
    const res = await client.request<Obj>({ operation: 'workspace of a node', method: 'GET', path: `v1/nodes/${nodeId}/businessworkspace` });
    const id = num(res.data?.id);
    return id === undefined ? undefined : { id, typeId: num(res.data?.workspace_type_id) };
  } catch (e) {
    if (e instanceof OtError && e.code === 'OT_NOT_FOUND' && /businessworkspace|business workspace/i.test(`${e.apiMessage} ${e.message}`) && !/invalid ID/i.test(e.apiMessage || '')) return undefined;
    throw e;
  }
}

// ---- get ----------------------------------------------------------------------------------------

/** `GET v2/nodes/{id}/nodes`, every page: the first-level children of a container. */
export async function listWorkspaceChildren(client: HttpClient, id: number): Promise<WorkspaceChild[]> {
  const all = await collectPages<WorkspaceChild>(
    async (page, limit) => {
      const res = await client.request<Obj>({ operation: 'list workspace folders', method: 'GET', path: `v2/nodes/${id}/nodes`, query: { page, limit, fields: 'properties{id,name,type}' } });
      const items = results(res.data)
        .map((r) => obj(obj(obj(r).data).properties))
        .map((p) => ({ id: num(p.id) ?? 0, name: text(p.name) ?? '', type: num(p.type) ?? -1 }))
        .filter((c) => c.id > 0);
      return { items, ...csPaging(res.data) };
    },
    { returnAll: true, limit: 100, maxItems: 2000 },
  );
  return all.items;
}

/** `GET v2/businessworkspaces/{id}` and its first-level children. */
export async function getWorkspace(client: HttpClient, id: number): Promise<WorkspaceDetails> {
  const res = await client.request<Obj>({ operation: 'get business workspace', method: 'GET', path: `v2/businessworkspaces/${id}` });
  const data = obj(obj(res.data?.results).data);
  const p = obj(data.properties);
  const bp = obj(data.business_properties);
  const refs = Array.isArray(data.workspace_references) ? data.workspace_references : [];
  const children = await listWorkspaceChildren(client, id);
  const folders: Record<string, number> = {};
  for (const c of children) if (c.type === 0 || c.type === 848 || c.type === 136 || c.type === 298 || c.type === 751) folders[c.name] = c.id;
  return {
    id: num(p.id) ?? id,
    name: text(p.name) ?? '',
    description: text(p.description),
    parentId: num(p.parent_id),
    typeId: num(bp.workspace_type_id),
    typeName: text(bp.workspace_type_name),
    templateId: num(p.wnf_wksp_template_id),
    businessObjects: refs
      .map((r) => obj(r))
      .filter((r) => r.business_object_id !== undefined)
      .map((r) => ({ extSystemId: text(r.ext_system_id) ?? text(r.ext_system_name) ?? '', boType: text(r.business_object_type) ?? '', boId: String(r.business_object_id) })),
    children,
    folders,
  };
}

// ---- create -------------------------------------------------------------------------------------

/** Normalises category values to the nested form `{"<cat>": {"<cat>_<attr>": v}}` (OT_INVALID_INPUT otherwise). */
export function nestCategories(values: Record<string, unknown> | undefined): Record<string, Record<string, unknown>> | undefined {
  if (!values || Object.keys(values).length === 0) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(values)) {
    if (/^\d+$/.test(k)) {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidInput(`categories: the values of category ${k} must be an object of "${k}_<attribute id>" keys`);
      for (const [ak, av] of Object.entries(v as Record<string, unknown>)) {
        const key = /^\d+$/.test(ak) ? `${k}_${ak}` : ak;
        if (!new RegExp(`^${k}_\\d+(_\\d+)*$`).test(key)) throw invalidInput(`categories: "${ak}" is not an attribute key of category ${k} (use "${k}_<attribute id>")`);
        (out[k] ||= {})[key] = av;
      }
      out[k] ||= {};
    } else {
      const m = /^(\d+)_\d+(_\d+)*$/.exec(k);
      if (!m) throw invalidInput(`categories: "${k}" is neither a category id nor a "<category id>_<attribute id>" key`);
      (out[m[1]] ||= {})[k] = v;
    }
  }
  return out;
}

function createBody(input: CreateWorkspaceInput, typeId: number | undefined, templateId: number | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (templateId !== undefined) body.template_id = templateId;
  if (typeId !== undefined) body.wksp_type_id = typeId;
  if (input.name) body.name = input.name;
  if (input.description) body.description = input.description;
  if (input.parentId !== undefined) body.parent_id = input.parentId;
  const categories = nestCategories(input.categories);
  if (categories) body.roles = { categories };
  if (input.businessObject) {
    body.ext_system_id = input.businessObject.extSystemId;
    body.bo_type = input.businessObject.boType;
    body.bo_id = input.businessObject.boId;
  }
  return body;
}

/** Resolves type name / type id / template into the ids the create call needs. */
async function resolveIds(client: HttpClient, input: CreateWorkspaceInput): Promise<{ typeId?: number; templateId?: number }> {
  let typeId = input.typeId;
  let templateId = input.templateId;
  if (templateId === undefined && (input.typeName !== undefined || typeId !== undefined)) {
    const t = await resolveWorkspaceType(client, input.typeName ?? String(typeId));
    typeId = t.id;
    if (t.templates.length === 1) templateId = t.templates[0].id;
    else if (t.templates.length > 1 && !input.businessObject) {
      throw invalidInput(`the workspace type "${t.name}" has ${t.templates.length} templates (${t.templates.map((x) => `${x.name} = ${x.id}`).join(', ')}): choose one`);
    }
  } else if (templateId !== undefined && input.typeName !== undefined) {
    typeId = (await resolveWorkspaceType(client, input.typeName)).id;
  }
  return { typeId, templateId };
}

/** `POST v2/businessworkspaces` with `body=<json>` (as pyxecm does): returns the new id. */
export async function createWorkspace(client: HttpClient, input: CreateWorkspaceInput): Promise<number> {
  if (!input.name && !input.businessObject) throw invalidInput('a workspace name is required (or a business object, for types that generate names)');
  if (input.templateId === undefined && input.typeId === undefined && input.typeName === undefined && !input.businessObject) throw invalidInput('a workspace template or type is required');
  const { typeId, templateId } = await resolveIds(client, input);
  const res = await client.request<Obj>({
    operation: 'create business workspace',
    method: 'POST',
    path: 'v2/businessworkspaces',
    body: csBody(createBody(input, typeId, templateId)),
  });
  const id = num(obj(res.data?.results).id) ?? num(obj(obj(obj(res.data?.results).data).properties).id);
  if (id === undefined) throw new OtError({ code: 'OT_API', message: 'create business workspace: the response carried no id', operation: 'create business workspace' });
  return id;
}

// ---- find-or-create -----------------------------------------------------------------------------

export interface FindOrCreateInput extends CreateWorkspaceInput {
  /** How to look for an existing workspace: by the business object (default when given) or by type and name. */
  findBy?: 'businessObject' | 'name';
}

/** In-flight find-or-create calls per connection and key: concurrent identical calls share one. */
const inflight = new WeakMap<HttpClient, Map<string, Promise<{ id: number }>>>();

async function findExisting(client: HttpClient, input: FindOrCreateInput): Promise<WorkspaceRef | undefined> {
  const byBo = input.businessObject && input.findBy !== 'name';
  if (byBo) return findWorkspaceByBusinessObject(client, input.businessObject!);
  if (!input.name) throw invalidInput('find-or-create by name needs the workspace name');
  let typeId = input.typeId;
  if (typeId === undefined && input.typeName === undefined && input.templateId !== undefined) {
    const types = await listWorkspaceTypes(client);
    typeId = types.find((t) => t.templates.some((x) => x.id === input.templateId))?.id;
    if (typeId === undefined) throw new OtError({ code: 'OT_NOT_FOUND', message: `no workspace type has the template ${input.templateId}`, operation: 'list workspace types' });
  }
  if (typeId === undefined && input.typeName === undefined) throw invalidInput('find-or-create by name needs the workspace type (or its template)');
  return findWorkspaceByTypeAndName(client, { typeId, typeName: input.typeName, name: input.name });
}

/**
 * Finds the workspace (by business object, or by type and name) and creates it when there is
 * none. Idempotent: a repeated call returns the same workspace; concurrent identical calls on
 * one connection share a single lookup and create; a create that loses a race against another
 * client ("already exists") is answered with the workspace that won.
 */
export async function findOrCreateWorkspace(client: HttpClient, input: FindOrCreateInput): Promise<{ id: number; created: boolean }> {
  const key = JSON.stringify(
    input.businessObject && input.findBy !== 'name'
      ? ['bo', input.businessObject.extSystemId.toLowerCase(), input.businessObject.boType.toLowerCase(), input.businessObject.boId]
      : ['name', input.typeId ?? input.typeName?.toLowerCase() ?? input.templateId, (input.name || '').toLowerCase(), input.parentId],
  );
  let map = inflight.get(client);
  if (!map) {
    map = new Map();
    inflight.set(client, map);
  }
  const running = map.get(key);
  if (running) {
    const r = await running;
    return { id: r.id, created: false };
  }
  let created = false;
  const p = (async () => {
    const found = await findExisting(client, input);
    if (found) return { id: found.id };
    try {
      const id = await createWorkspace(client, input);
      created = true;
      return { id };
    } catch (e) {
      if (e instanceof OtError && e.code === 'OT_CONFLICT') {
        const again = await findExisting(client, input);
        if (again) return { id: again.id };
      }
      throw e;
    }
  })();
  map.set(key, p);
  try {
    const r = await p;
    return { id: r.id, created };
  } finally {
    map.delete(key);
  }
}
