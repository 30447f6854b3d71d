/**
 * Extended ECM Business Workspaces (Business Workspaces REST API v1/v2, opentext-api.md §2.8):
 * workspace types and templates, the create form, create (with template folder structure,
 * categories and business objects), search by type / name / business object, get, and the
 * workspace of any node.
 *
 * A workspace IS a Content Server node of subtype 848 in the cs-core tree; this area keeps only the
 * workspace-specific data (type, template, business objects, recently accessed lists) in its own
 * maps keyed by node id.
 */
import { Area, Ctx, csError, csParams, SandboxApp } from '../server';
import { CategoryAttribute, CategoryDef, childrenOf, createNode, cs, csAuth, CsNode, CsUser, getNode, iso, mustNode, nodeProperties } from './cs-core';

// ---- state --------------------------------------------------------------------------------------

export interface BoType {
  bo_type_id: number;
  ext_system_id: string;
  bo_type: string;
}

export interface WorkspaceTemplate {
  id: number;
  name: string;
  /** First-level folders created in every workspace made from this template (in this order). */
  folders: string[];
  /** Categories applied to every workspace made from this template. */
  categories: number[];
  typeId: number;
}

export interface WorkspaceType {
  wksp_type_id: number;
  wksp_type_name: string;
  icon?: string;
  /** Default parent (the "Content Server folder" location of the type). */
  location: number;
  rm_enabled?: boolean;
  /** Name generation for workspaces with a business object: "{bo_id}", "{bo_type} {bo_id}". */
  name_pattern?: string;
  bo_types: BoType[];
  templates: WorkspaceTemplate[];
  /** Manual creation allowed (default true). */
  manual_creation?: boolean;
}

export interface BusinessObject {
  ext_system_id: string;
  bo_type: string;
  bo_id: string;
}

export interface WorkspaceRecord {
  id: number;
  typeId: number;
  templateId: number;
  bo: BusinessObject[];
  /** Sub-folder ids created from the template, by name. */
  folders: Record<string, number>;
}

export interface BwsState {
  types: Map<number, WorkspaceType>;
  templates: Map<number, WorkspaceTemplate>;
  boTypes: Map<number, BoType & { typeId: number }>;
  workspaces: Map<number, WorkspaceRecord>;
  /** user id -> recently accessed workspace ids, newest first. */
  recent: Map<number, number[]>;
  defaultPageSize: number;
  /** How many workspaces were created through the API (tests read it). */
  created: number;
}

interface BwsFixture {
  categories?: CategoryDef[];
  types?: Array<Omit<WorkspaceType, 'templates'> & { templates: Array<Omit<WorkspaceTemplate, 'typeId'>> }>;
  workspaces?: Array<{ id: number; template_id: number; name: string; description?: string; parent_id?: number; bo?: BusinessObject[]; categories?: Record<string, Record<string, unknown>> }>;
  settings?: { defaultPageSize?: number };
}

export function bws(app: SandboxApp): BwsState {
  return app.area<BwsState>('bws');
}

// ---- helpers ------------------------------------------------------------------------------------

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

function intOrThrow(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(String(v).trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw csError(400, `Invalid value for parameter '${name}'.`);
  return n;
}

function boolParam(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === '' || s === 'true' || s === '1') return true; // "?expanded_view" alone means true
  if (s === 'false' || s === '0') return false;
  return undefined;
}

function sameBo(a: BusinessObject, b: BusinessObject): boolean {
  return a.ext_system_id.toLowerCase() === b.ext_system_id.toLowerCase() && a.bo_type.toLowerCase() === b.bo_type.toLowerCase() && a.bo_id === b.bo_id;
}

/** The workspace record of a live node (records of deleted nodes are dropped on the way). */
export function workspaceOf(app: SandboxApp, id: number): { node: CsNode; ws: WorkspaceRecord } | undefined {
  const s = bws(app);
  const ws = s.workspaces.get(id);
  if (!ws) return undefined;
  const node = getNode(app, id);
  if (!node || node.type !== 848) {
    s.workspaces.delete(id);
    return undefined;
  }
  return { node, ws };
}

/** The workspace that owns a business object, if any. */
export function workspaceByBo(app: SandboxApp, bo: BusinessObject): { node: CsNode; ws: WorkspaceRecord } | undefined {
  for (const id of [...bws(app).workspaces.keys()]) {
    const w = workspaceOf(app, id);
    if (w && w.ws.bo.some((b) => sameBo(b, bo))) return w;
  }
  return undefined;
}

/** The nearest workspace at or above a node. */
export function enclosingWorkspace(app: SandboxApp, node: CsNode): { node: CsNode; ws: WorkspaceRecord } | undefined {
  for (let n: CsNode | undefined = node; n; n = n.parent_id === -1 ? undefined : getNode(app, n.parent_id)) {
    const w = workspaceOf(app, n.id);
    if (w) return w;
  }
  return undefined;
}

function boTypeFor(s: BwsState, ext: string, boType: string): (BoType & { typeId: number }) | undefined {
  for (const t of s.boTypes.values()) if (t.ext_system_id.toLowerCase() === ext.toLowerCase() && t.bo_type.toLowerCase() === boType.toLowerCase()) return t;
  return undefined;
}

function touchRecent(s: BwsState, userId: number, wsId: number): void {
  const list = (s.recent.get(userId) || []).filter((x) => x !== wsId);
  list.unshift(wsId);
  s.recent.set(userId, list.slice(0, 50));
}

// ---- categories ---------------------------------------------------------------------------------

function attrById(def: CategoryDef, attrId: number): CategoryAttribute | undefined {
  return def.attributes.find((a) => a.id === attrId);
}

function checkValue(def: CategoryDef, attr: CategoryAttribute, key: string, value: unknown): unknown {
  const values = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && !attr.multi) throw csError(400, `Attribute '${attr.name}' (${key}) of category '${def.name}' takes a single value.`);
  if (attr.multi && attr.max && values.length > attr.max) throw csError(400, `Attribute '${attr.name}' (${key}) takes at most ${attr.max} values.`);
  for (const v of values) {
    if (v === null || v === '') continue;
    const bad = () => csError(400, `Invalid value for attribute '${attr.name}' (${key}) of category '${def.name}': ${JSON.stringify(v).slice(0, 60)}.`);
    switch (attr.type) {
      case 'integer':
      case 'user':
        if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v))) throw bad();
        break;
      case 'boolean':
        if (typeof v !== 'boolean' && !(typeof v === 'string' && /^(true|false)$/i.test(v))) throw bad();
        break;
      case 'date':
        if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw bad();
        break;
      case 'string':
        if (typeof v !== 'string' && typeof v !== 'number') throw bad();
        break;
      default:
        break;
    }
    if (attr.valid_values && attr.valid_values.length && !attr.valid_values.includes(v)) throw bad();
  }
  return value;
}

/**
 * Reads `roles.categories` in the nested form ({"<cat>": {"<cat>_<attr>": v}}) or the flat v2
 * form ({"<cat>_<attr>": v}), checks every category and attribute against the definitions, and
 * returns the nested form.
 */
export function readCategoryValues(app: SandboxApp, raw: unknown): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (raw === undefined || raw === null || raw === '') return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw csError(400, 'The categories in roles must be an object.');
  const defs = cs(app).categories;
  const put = (key: string, value: unknown) => {
    const m = /^(\d+)_(\d+)$/.exec(key);
    if (!m) throw csError(400, `Invalid attribute key '${key}'. Use <category id>_<attribute id>.`);
    const def = defs.get(Number(m[1]));
    if (!def) throw csError(400, `Category ${m[1]} does not exist.`);
    const attr = attrById(def, Number(m[2]));
    if (!attr) throw csError(400, `Attribute ${key} does not exist in category '${def.name}'.`);
    (out[m[1]] ||= {})[key] = checkValue(def, attr, key, value);
  };
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (/^\d+$/.test(k)) {
      const def = defs.get(Number(k));
      if (!def) throw csError(400, `Category ${k} does not exist.`);
      out[k] ||= {};
      if (v === null || v === undefined) continue;
      if (typeof v !== 'object' || Array.isArray(v)) throw csError(400, `The values of category ${k} must be an object.`);
      for (const [ak, av] of Object.entries(v as Record<string, unknown>)) {
        if (ak === `${k}_1`) continue; // "<cat>_1": {} applies the category with defaults
        if (!ak.startsWith(`${k}_`)) throw csError(400, `Attribute key '${ak}' does not belong to category ${k}.`);
        put(ak, av);
      }
    } else {
      put(k, v);
    }
  }
  return out;
}

/** Applies a template's categories: given values win, the rest get defaults; required ones must be set. */
function applyTemplateCategories(app: SandboxApp, tpl: WorkspaceTemplate, given: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const defs = cs(app).categories;
  const out: Record<string, Record<string, unknown>> = JSON.parse(JSON.stringify(given));
  for (const catId of tpl.categories) {
    const def = defs.get(catId);
    if (!def) continue;
    const vals = (out[String(catId)] ||= {});
    for (const a of def.attributes) {
      const key = `${catId}_${a.id}`;
      if (!(key in vals)) vals[key] = a.default ?? (a.multi ? [] : null);
      const v = vals[key];
      if (a.required && (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0))) {
        throw csError(400, `The attribute '${a.name}' (${key}) of category '${def.name}' is required.`);
      }
    }
  }
  return out;
}

// ---- views --------------------------------------------------------------------------------------

function typeView(t: WorkspaceType, expandTemplates: boolean, expandInfo: boolean): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    wksp_type_id: t.wksp_type_id,
    wksp_type_name: t.wksp_type_name,
    wksp_type_names: { en: t.wksp_type_name },
    rm_enabled: !!t.rm_enabled,
    wksp_creation_enabled: t.manual_creation !== false,
    wksp_creation: { location: 'ContentServerFolder', location_value: t.location, use_also_for_manual_creation: true, directly_open_created_wksp: false },
    wksp_name_generation: { use_also_for_wksp_without_bo: false, wksp_names: { en: t.name_pattern || '' } },
  };
  if (expandTemplates) properties.templates = t.templates.map((tp) => ({ id: tp.id, name: tp.name, subtype: 848 }));
  const data: Record<string, unknown> = { properties };
  if (expandInfo) data.wksp_info = { wksp_type_icon: t.icon || '', in_use: true, indexing_status: 'UpToDate' };
  return { data };
}

function searchItem(app: SandboxApp, node: CsNode, ws: WorkspaceRecord): Record<string, unknown> {
  const t = bws(app).types.get(ws.typeId);
  return {
    actions: { data: {}, map: {}, order: [] },
    data: {
      properties: {
        ...nodeProperties(app, node),
        wnf_wksp_type_id: ws.typeId,
        wnf_wksp_type_id_formatted: t?.wksp_type_name ?? '',
        wnf_wksp_template_id: ws.templateId,
      },
    },
  };
}

function references(app: SandboxApp, ws: WorkspaceRecord): Array<Record<string, unknown>> {
  const s = bws(app);
  return ws.bo.map((b) => {
    const bt = boTypeFor(s, b.ext_system_id, b.bo_type);
    return {
      id: String(ws.id),
      has_business_object_id: true,
      business_object_id: b.bo_id,
      business_object_type: b.bo_type,
      business_object_type_id: bt?.bo_type_id,
      ext_system_id: b.ext_system_id,
      ext_system_name: b.ext_system_id,
      workspace_type_id: ws.typeId,
    };
  });
}

function specificView(app: SandboxApp, node: CsNode, ws: WorkspaceRecord): Record<string, unknown> {
  const t = bws(app).types.get(ws.typeId);
  return {
    links: { data: { self: { body: '', content_type: '', href: `/api/v2/businessworkspaces/${node.id}`, method: 'GET', name: '' } } },
    results: {
      actions: { data: {}, map: {}, order: [] },
      data: {
        properties: { ...nodeProperties(app, node), rm_enabled: !!t?.rm_enabled },
        business_properties: {
          workspace_type_id: ws.typeId,
          workspace_type_name: t?.wksp_type_name ?? '',
          workspace_type_name_multilingual: { en: t?.wksp_type_name ?? '' },
          isEarly: false,
          has_default_display: ws.bo.length > 0,
          has_default_search: false,
        },
        wksp_info: { wksp_type_icon: t?.icon || '' },
        workspace_references: references(app, ws),
      },
    },
  };
}

// ---- operations ---------------------------------------------------------------------------------

function resolveTemplate(s: BwsState, p: Record<string, unknown>): { tpl: WorkspaceTemplate; bo?: BusinessObject; boTypeId?: number } {
  const templateId = intOrThrow(p.template_id, 'template_id');
  const typeId = intOrThrow(p.wksp_type_id, 'wksp_type_id');
  const boTypeId = intOrThrow(p.bo_type_id, 'bo_type_id');
  const ext = str(p.ext_system_id);
  const boType = str(p.bo_type);
  const boId = str(p.bo_id);
  let bt: (BoType & { typeId: number }) | undefined;
  if (boTypeId !== undefined) {
    bt = s.boTypes.get(boTypeId);
    if (!bt) throw csError(400, `The business object type ${boTypeId} does not exist.`);
  } else if (ext || boType) {
    if (!ext || !boType) throw csError(400, 'ext_system_id and bo_type must be given together.');
    bt = boTypeFor(s, ext, boType);
    if (!bt) throw csError(400, `The business object type '${boType}' of external system '${ext}' is not configured.`);
  }
  if ((bt || boId) && !(bt && boId)) {
    throw csError(400, boId ? 'A business object ID needs its business object type (bo_type_id, or ext_system_id and bo_type).' : 'The business object ID (bo_id) is missing.');
  }
  let tpl: WorkspaceTemplate | undefined;
  if (templateId !== undefined) {
    tpl = s.templates.get(templateId);
    if (!tpl) throw csError(400, `The workspace template ${templateId} does not exist.`);
  } else if (bt) {
    tpl = s.types.get(bt.typeId)?.templates[0];
  } else if (typeId !== undefined) {
    const t = s.types.get(typeId);
    if (!t) throw csError(400, `The workspace type ${typeId} does not exist.`);
    if (t.templates.length === 1) tpl = t.templates[0];
    else throw csError(400, `The workspace type ${typeId} has ${t.templates.length} templates; provide template_id.`);
  }
  if (!tpl) throw csError(400, 'The workspace template could not be determined: provide template_id, or a business object type.');
  if (typeId !== undefined && typeId !== tpl.typeId) throw csError(400, `The template ${tpl.id} does not belong to the workspace type ${typeId}.`);
  if (bt && bt.typeId !== tpl.typeId) throw csError(400, `The business object type '${bt.bo_type}' is not assigned to the workspace type of template ${tpl.id}.`);
  return { tpl, bo: bt && boId ? { ext_system_id: bt.ext_system_id, bo_type: bt.bo_type, bo_id: boId } : undefined, boTypeId: bt?.bo_type_id };
}

/** Creates a workspace node with its template folders, categories and business object link. */
export function createWorkspace(
  app: SandboxApp,
  user: CsUser,
  input: { tpl: WorkspaceTemplate; name: string; description?: string; parentId?: number; categories: Record<string, Record<string, unknown>>; bo?: BusinessObject[]; id?: number; folderIds?: boolean },
): { node: CsNode; ws: WorkspaceRecord } {
  const s = bws(app);
  const type = s.types.get(input.tpl.typeId)!;
  for (const b of input.bo || []) {
    const owner = workspaceByBo(app, b);
    if (owner) throw csError(400, `A business workspace for the business object ${b.ext_system_id}/${b.bo_type}/${b.bo_id} already exists (${owner.node.id}).`);
  }
  const parentId = input.parentId ?? type.location;
  const parent = getNode(app, parentId);
  if (!parent) throw csError(400, `Could not process object, invalid parent_id ${parentId}`);
  if (parent.type === 144 || parent.type === 140 || parent.type === 1) throw csError(400, `The item ${parentId} cannot contain a business workspace.`);
  const categories = applyTemplateCategories(app, input.tpl, input.categories);
  const node = createNode(app, { id: input.id, parent_id: parentId, name: input.name, type: 848, description: input.description, userId: user.id });
  node.categories = categories;
  const ws: WorkspaceRecord = { id: node.id, typeId: input.tpl.typeId, templateId: input.tpl.id, bo: (input.bo || []).map((b) => ({ ...b })), folders: {} };
  input.tpl.folders.forEach((name, i) => {
    const f = createNode(app, { id: input.folderIds ? node.id + i + 1 : undefined, parent_id: node.id, name, type: 0, userId: user.id });
    ws.folders[name] = f.id;
  });
  s.workspaces.set(node.id, ws);
  return { node, ws };
}

function generatedName(type: WorkspaceType, bo: BusinessObject | undefined): string | undefined {
  if (!bo || !type.name_pattern) return undefined;
  return type.name_pattern.replace(/\{(bo_id|bo_type|ext_system_id)\}/g, (_m, k: keyof BusinessObject) => bo[k]);
}

function parsePaging(p: Record<string, unknown>, defaultLimit: number): { page: number; limit: number } {
  const page = intOrThrow(p.page, 'page') ?? 1;
  const limit = intOrThrow(p.limit, 'limit') ?? defaultLimit;
  if (page < 1) throw csError(400, "Invalid value for parameter 'page'.");
  if (limit < 1) throw csError(400, "Invalid value for parameter 'limit'.");
  return { page, limit };
}

/** where_name: equals (case-insensitive), or contains_ / startswith_ prefixes. */
function nameMatches(name: string, filter: string): boolean {
  const n = name.toLowerCase();
  if (filter.startsWith('contains_')) return n.includes(filter.slice(9).toLowerCase());
  if (filter.startsWith('startswith_')) return n.startsWith(filter.slice(11).toLowerCase());
  return n === filter.toLowerCase();
}

function search(ctx: Ctx, user: CsUser): Record<string, unknown> {
  const app = ctx.app;
  const s = bws(app);
  const q = ctx.query;
  if (q.where_column_query !== undefined) throw csError(400, 'where_column_query is not simulated by the OpenText sandbox; use the where_* filters.');
  const expanded = boolParam(q.expanded_view) === true;
  const typeId = intOrThrow(q.where_workspace_type_id, 'where_workspace_type_id');
  const typeName = q.where_workspace_type_name;
  const ext = q.where_ext_system_id;
  const boType = q.where_bo_type;
  const boId = q.where_bo_id;
  const where = q.where_name;
  const { page, limit } = parsePaging(q, s.defaultPageSize);
  const ids = expanded ? [...s.workspaces.keys()] : s.recent.get(user.id) || [];
  let list: Array<{ node: CsNode; ws: WorkspaceRecord }> = [];
  for (const id of ids) {
    const w = workspaceOf(app, id);
    if (!w) continue;
    const t = s.types.get(w.ws.typeId);
    if (typeId !== undefined && w.ws.typeId !== typeId) continue;
    if (typeName !== undefined && (t?.wksp_type_name || '').toLowerCase() !== typeName.toLowerCase()) continue;
    if (ext !== undefined || boType !== undefined || boId !== undefined) {
      const hit = w.ws.bo.some((b) => (ext === undefined || b.ext_system_id.toLowerCase() === ext.toLowerCase()) && (boType === undefined || b.bo_type.toLowerCase() === boType.toLowerCase()) && (boId === undefined || b.bo_id === boId));
      if (!hit) continue;
    }
    if (where !== undefined && !nameMatches(w.node.name, where)) continue;
    list.push(w);
  }
  const sort = q.sort;
  if (sort) {
    const m = /^(asc|desc)_(name|id|create_date|modify_date)$/.exec(sort);
    if (!m) throw csError(400, `Invalid value for parameter 'sort'.`);
    const key = m[2] as 'name' | 'id' | 'create_date' | 'modify_date';
    const dir = m[1] === 'asc' ? 1 : -1;
    list = list.sort((a, b) => {
      const av = a.node[key];
      const bv = b.node[key];
      return (typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv))) * dir;
    });
  }
  const total = list.length;
  const slice = list.slice((page - 1) * limit, page * limit);
  const paging: Record<string, unknown> = {
    page,
    limit,
    page_total: Math.max(1, Math.ceil(total / limit)),
    range_min: slice.length ? (page - 1) * limit + 1 : 0,
    range_max: (page - 1) * limit + slice.length,
    links: {},
  };
  if (boolParam(q.include_total_count) !== false) paging.total_count = total;
  const firstType = typeId !== undefined ? s.types.get(typeId) : undefined;
  return {
    links: { data: { self: { body: '', content_type: '', href: ctx.req.url || '', method: 'GET', name: '' } } },
    paging,
    results: slice.map((w) => searchItem(app, w.node, w.ws)),
    wksp_info: { wksp_type_icon: firstType?.icon || '' },
  };
}

function createForm(app: SandboxApp, tpl: WorkspaceTemplate, parentId: number | undefined): Record<string, unknown> {
  const s = bws(app);
  const type = s.types.get(tpl.typeId)!;
  const defs = cs(app).categories;
  const forms: Array<Record<string, unknown>> = [
    {
      data: { name: '', description: '', type: 848, parent_id: parentId ?? type.location, template_id: tpl.id, wksp_type_id: type.wksp_type_id },
      options: { fields: { name: { label: 'Name', type: 'text' }, description: { label: 'Description', type: 'textarea' } } },
      schema: {
        properties: {
          name: { type: 'string', title: 'Name', maxLength: 248 },
          description: { type: 'string', title: 'Description' },
          parent_id: { type: 'integer', title: 'Location' },
          template_id: { type: 'integer', title: 'Template', readonly: true },
          wksp_type_id: { type: 'integer', title: 'Workspace type', readonly: true },
        },
        required: type.name_pattern ? [] : ['name'],
        type: 'object',
      },
    },
  ];
  for (const catId of tpl.categories) {
    const def = defs.get(catId);
    if (!def) continue;
    const data: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    const fields: Record<string, unknown> = {};
    const required: string[] = [];
    for (const a of def.attributes) {
      const key = `${catId}_${a.id}`;
      data[key] = a.default ?? (a.multi ? [] : null);
      const type = a.type === 'integer' || a.type === 'user' ? 'integer' : a.type === 'boolean' ? 'boolean' : a.type === 'date' ? 'string' : 'string';
      properties[key] = { type: a.multi ? 'array' : type, title: a.name, ...(a.type === 'date' ? { format: 'date' } : {}), ...(a.valid_values ? { enum: a.valid_values } : {}), ...(a.multi ? { items: { type }, maxItems: a.max } : {}) };
      fields[key] = { label: a.name };
      if (a.required) required.push(key);
    }
    forms.push({ role_name: 'categories', data: { [String(catId)]: data }, options: { fields: { [String(catId)]: { label: def.name, fields } } }, schema: { properties: { [String(catId)]: { type: 'object', title: def.name, properties, required } }, type: 'object' } });
  }
  return { forms };
}

// ---- area ---------------------------------------------------------------------------------------

export const bwsArea: Area = {
  name: 'bws',
  init(fixture, app) {
    const f = (fixture.bws || {}) as BwsFixture;
    const state: BwsState = { types: new Map(), templates: new Map(), boTypes: new Map(), workspaces: new Map(), recent: new Map(), defaultPageSize: f.settings?.defaultPageSize ?? 500, created: 0 };
    app.state.bws = state;
    const c = cs(app);
    // Workspace categories join Content Server's category definitions (a category is a CS node).
    for (const def of f.categories || []) {
      if (c.categories.has(def.id)) continue;
      c.categories.set(def.id, def);
      if (!c.nodes.has(def.id)) {
        const admin = c.users.keys().next().value ?? 1000;
        const t = iso(app.now());
        c.nodes.set(def.id, { id: def.id, parent_id: -1, name: def.name, type: 131, description: '', create_date: t, modify_date: t, create_user_id: admin, modify_user_id: admin, owner_user_id: admin, versions: [], categories: {}, classifications: [], extra: {} });
      }
    }
    for (const t of f.types || []) {
      const type: WorkspaceType = { ...t, bo_types: (t.bo_types || []).map((b) => ({ ...b })), templates: [] };
      for (const tp of t.templates || []) {
        const tpl: WorkspaceTemplate = { id: tp.id, name: tp.name, folders: [...(tp.folders || [])], categories: [...(tp.categories || [])], typeId: t.wksp_type_id };
        type.templates.push(tpl);
        state.templates.set(tpl.id, tpl);
      }
      for (const b of type.bo_types) state.boTypes.set(b.bo_type_id, { ...b, typeId: t.wksp_type_id });
      state.types.set(t.wksp_type_id, type);
    }
    const admin = c.users.values().next().value as CsUser | undefined;
    if (admin) {
      for (const w of f.workspaces || []) {
        const tpl = state.templates.get(w.template_id);
        if (!tpl) throw new Error(`bws fixture: workspace ${w.id} names unknown template ${w.template_id}`);
        createWorkspace(app, admin, { id: w.id, tpl, name: w.name, description: w.description, parentId: w.parent_id, categories: w.categories || {}, bo: w.bo, folderIds: true });
      }
    }
    return state;
  },
  snapshot(state, app) {
    const s = state as BwsState;
    return {
      types: [...s.types.values()],
      workspaces: [...s.workspaces.keys()]
        .map((id) => workspaceOf(app, id))
        .filter((w): w is { node: CsNode; ws: WorkspaceRecord } => !!w)
        .map(({ node, ws }) => ({ id: ws.id, name: node.name, parent_id: node.parent_id, wksp_type_id: ws.typeId, template_id: ws.templateId, bo: ws.bo, folders: childrenOf(app, node.id).map((n) => ({ id: n.id, name: n.name, type: n.type })), categories: node.categories })),
      created: s.created,
    };
  },
  routes(app) {
    // Workspace types (with templates).
    app.cs('GET', '/v2/businessworkspacetypes', (ctx) => {
      csAuth(ctx);
      const s = bws(app);
      const q = ctx.query;
      const expandTemplates = boolParam(q.expand_templates) === true;
      const expandInfo = boolParam(q.expand_wksp_info) === true;
      let types = [...s.types.values()];
      if (q.ext_system_id !== undefined || q.bo_type !== undefined) {
        types = types.filter((t) => t.bo_types.some((b) => (q.ext_system_id === undefined || b.ext_system_id.toLowerCase() === q.ext_system_id.toLowerCase()) && (q.bo_type === undefined || b.bo_type.toLowerCase() === q.bo_type.toLowerCase())));
      }
      if (boolParam(q.where_manual_creation) === true) types = types.filter((t) => t.manual_creation !== false);
      if (q.sort) {
        if (q.sort !== 'asc_name' && q.sort !== 'desc_name') throw csError(400, `Invalid value for parameter 'sort'.`);
        types.sort((a, b) => a.wksp_type_name.localeCompare(b.wksp_type_name) * (q.sort === 'asc_name' ? 1 : -1));
      }
      return { status: 200, body: { links: { data: { self: { body: '', content_type: '', href: '/api/v2/businessworkspacetypes', method: 'GET', name: '' } } }, results: types.map((t) => typeView(t, expandTemplates, expandInfo)) } };
    });
    app.cs('GET', '/v2/businessworkspacetypes/:id', (ctx) => {
      csAuth(ctx);
      const id = intOrThrow(ctx.params.id, 'workspace_type_id');
      const t = id === undefined ? undefined : bws(app).types.get(id);
      if (!t) throw csError(404, `The workspace type ${ctx.params.id} does not exist.`);
      return { status: 200, body: { links: { data: {} }, results: typeView(t, boolParam(ctx.query.expand_templates) === true, boolParam(ctx.query.expand_wksp_info) === true) } };
    });

    // The create form: template_id, bo_type_id, or ext_system_id + bo_type.
    app.cs('GET', '/v2/forms/businessworkspaces/create', (ctx) => {
      csAuth(ctx);
      const s = bws(app);
      const q = ctx.query;
      if (q.template_id === undefined && q.bo_type_id === undefined && !(q.ext_system_id !== undefined && q.bo_type !== undefined)) {
        throw csError(400, 'Either template_id or bo_type_id, or ext_system_id and bo_type must be provided.');
      }
      const parentId = intOrThrow(q.parent_id, 'parent_id');
      if (parentId !== undefined) mustNode(app, parentId);
      let tpl: WorkspaceTemplate | undefined;
      if (q.template_id !== undefined) {
        const id = intOrThrow(q.template_id, 'template_id')!;
        tpl = s.templates.get(id);
        if (!tpl) throw csError(400, `The workspace template ${id} does not exist.`);
      } else {
        const bt = q.bo_type_id !== undefined ? s.boTypes.get(intOrThrow(q.bo_type_id, 'bo_type_id')!) : boTypeFor(s, q.ext_system_id, q.bo_type);
        if (!bt) throw csError(400, 'The business object type is not configured.');
        tpl = s.types.get(bt.typeId)?.templates[0];
        if (!tpl) throw csError(400, 'The workspace type of this business object type has no template.');
      }
      return { status: 200, body: createForm(app, tpl, parentId) };
    });

    // Create. Content Server reads form fields and the JSON of the `body` field (pyxecm posts
    // `body=<json>`); a raw JSON request body is not read, so such a request has no template.
    app.cs('POST', '/v2/businessworkspaces', (ctx) => {
      const user = csAuth(ctx);
      const s = bws(app);
      const p = csParams(ctx);
      if (p.ibo_workspace_id !== undefined) throw csError(400, 'Updating a business workspace (ibo_workspace_id) is not simulated by the OpenText sandbox.');
      const { tpl, bo } = resolveTemplate(s, p);
      const type = s.types.get(tpl.typeId)!;
      if (type.manual_creation === false) throw csError(400, `Manual creation is disabled for the workspace type '${type.wksp_type_name}'.`);
      const name = str(p.name)?.trim() || generatedName(type, bo);
      if (!name) throw csError(400, 'A name is required.');
      const parentId = intOrThrow(p.parent_id, 'parent_id');
      let categories: Record<string, Record<string, unknown>> = {};
      if (p.roles !== undefined && p.roles !== null) {
        if (typeof p.roles !== 'object' || Array.isArray(p.roles)) throw csError(400, 'roles must be an object.');
        categories = readCategoryValues(app, (p.roles as Record<string, unknown>).categories);
      }
      const description = str(p.description);
      const { node } = createWorkspace(app, user, { tpl, name, description, parentId, categories, bo: bo ? [bo] : [] });
      s.created++;
      touchRecent(s, user.id, node.id);
      return { status: 200, body: { links: { data: { self: { body: '', content_type: '', href: '/api/v2/businessworkspaces', method: 'POST', name: '' } } }, results: { id: node.id, sub_folder_id: 0, direct_open: false } } };
    });

    // Search (expanded view) or the recently accessed list (collapsed view, the default).
    app.cs('GET', '/v2/businessworkspaces', (ctx) => {
      const user = csAuth(ctx);
      return { status: 200, body: search(ctx, user) };
    });

    const getOne = (ctx: Ctx, idText: string) => {
      const user = csAuth(ctx);
      const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
      const node = Number.isFinite(id) ? getNode(app, id) : undefined;
      if (!node) throw csError(404, `Could not process object, invalid ID ${idText}`);
      const w = workspaceOf(app, node.id);
      if (!w) throw csError(400, `The node ${node.id} is not a business workspace.`);
      if (boolParam(ctx.query.add_recently_accessed) === true) touchRecent(bws(app), user.id, node.id);
      return { status: 200, body: specificView(app, w.node, w.ws) };
    };
    app.cs('GET', '/v2/businessworkspaces/:id', (ctx) => getOne(ctx, ctx.params.id));
    app.cs('GET', '/v1/businessworkspaces/:id', (ctx) => getOne(ctx, ctx.params.id));

    // The workspace of any node (the nearest one above it).
    app.cs('GET', '/v1/nodes/:id/businessworkspace', (ctx) => {
      csAuth(ctx);
      const node = mustNode(app, ctx.params.id);
      const w = enclosingWorkspace(app, node);
      if (!w) throw csError(404, `The node ${node.id} is not located in a business workspace.`);
      return { status: 200, body: { id: w.node.id, isLinked: w.ws.bo.length > 0, type: 848, workspace_type_id: w.ws.typeId } };
    });

    // pyxecm's lookup by business object ([OT-LIB]; not in the published OpenAPI document).
    app.cs('GET', '/v2/externalsystems/:ext/botypes/:boType/boids/:boId', (ctx) => {
      csAuth(ctx);
      const s = bws(app);
      const bt = boTypeFor(s, ctx.params.ext, ctx.params.boType);
      if (!bt) throw csError(400, `The business object type '${ctx.params.boType}' of external system '${ctx.params.ext}' is not configured.`);
      const w = workspaceByBo(app, { ext_system_id: ctx.params.ext, bo_type: ctx.params.boType, bo_id: ctx.params.boId });
      if (!w) throw csError(404, `No business workspace exists for the business object ${ctx.params.ext}/${ctx.params.boType}/${ctx.params.boId}.`);
      return { status: 200, body: specificView(app, w.node, w.ws) };
    });
  },
};

/** For other areas and tests: the workspace record of a node id, if it is a workspace. */
export function isWorkspace(app: SandboxApp, id: number): boolean {
  return !!workspaceOf(app, id);
}
