/**
 * Lists for the edit dialogs' drop-downs (workspace types and templates, categories and their
 * attributes, workflow maps, RM classifications, RSIs, holds, Exstream domains and communications),
 * read through a deployed connection, and the admin endpoints that serve them:
 *
 *   GET opentext/<config type>/lists/<list>?server=<config node id>[&type=&category=&node=&domain=]
 *
 * Each endpoint needs the `<config type>.read` permission (RED.auth.needsPermission). Answers
 * `{ok: true, items: [{value, label, ...}]}`, or `{ok: false, code, message}` with 400 (bad
 * parameter), 404 (no deployed connection with that id: deploy it first) or 502 (the OpenText call
 * failed; `code` is the pack's error code, the text is the server's, with secrets redacted).
 *
 * The list operations take the connection's HttpClient first, like every product operation.
 */
import type { Node } from 'node-red';
import type { Request, Response } from 'express';
import type { HttpClient } from './http';
import { OtError, invalidInput } from './errors';
import { redact } from './redact';
import type { RED } from './nodered';
import { collectPages, csPaging } from './paging';
import { csRequest, obj, type NodeProps } from './cs/nodes';
import { listWorkspaceTypes } from './cs/workspaces';
import { search } from './cs/search';
import { listHolds } from './rm/holds';
import { listRsis } from './rm/records';
import { listCommunications, listDomains } from './exstream';

/** One entry of a drop-down. */
export interface Choice {
  value: string | number;
  label: string;
  [extra: string]: unknown;
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Volume subtypes (Content Server, pyxecm's constants). */
export const VOLUME = { enterprise: 141, categories: 133, classifications: 198 } as const;
/** Container subtypes that are browsed into: category folder, classification tree / classification. */
const CATEGORY_FOLDER = 132;
const CLASSIFICATION_TREE = 196;

// ---- Content Server volumes ----------------------------------------------------------------------

/**
 * `GET v2/volumes/{subtype}`: the volume's node (id, name, type). The reply is read both as
 * `results.data.properties` and as a one-element `results` array (the OpenAPI document says array).
 */
export async function getVolume(client: HttpClient, subtype: number): Promise<NodeProps> {
  const res = await csRequest(client, { operation: 'get volume', method: 'GET', path: `v2/volumes/${subtype}`, query: { fields: 'properties' } });
  const results = obj(res.data).results;
  const entry = Array.isArray(results) ? results[0] : results;
  const p = obj(obj(obj(entry).data).properties);
  if (typeof p.id !== 'number') throw new OtError({ code: 'OT_API', message: `get volume ${subtype}: the reply has no node properties`, operation: 'get volume' });
  return p as NodeProps;
}

function listProps(data: unknown): NodeProps[] {
  const results = obj(data).results;
  return (Array.isArray(results) ? results : []).map((r) => obj(obj(obj(r).data).properties)).filter((p): p is NodeProps => typeof p.id === 'number');
}

/** Every child of a volume (`GET v2/volumes/{subtype}/nodes`, all pages). */
export async function browseVolume(client: HttpClient, subtype: number, maxItems = 2000): Promise<NodeProps[]> {
  const r = await collectPages(async (page, limit) => {
    const res = await csRequest(client, { operation: 'browse volume', method: 'GET', path: `v2/volumes/${subtype}/nodes`, query: { page, limit, sort: 'asc_name' } });
    return { items: listProps(res.data), ...csPaging(res.data) };
  }, { returnAll: true, limit: 200, maxItems });
  return r.items;
}

/** Every child of a container (`GET v2/nodes/{id}/nodes`, all pages). */
async function browseNode(client: HttpClient, id: number, maxItems = 2000): Promise<NodeProps[]> {
  const r = await collectPages(async (page, limit) => {
    const res = await csRequest(client, { operation: 'browse', method: 'GET', path: `v2/nodes/${id}/nodes`, query: { page, limit, sort: 'asc_name' } });
    return { items: listProps(res.data), ...csPaging(res.data) };
  }, { returnAll: true, limit: 200, maxItems });
  return r.items;
}

const hasChildren = (p: NodeProps): boolean => {
  const o = p as unknown as Obj;
  return o.container === true && (num(o.container_size) ?? 1) > 0;
};

// ---- lists ----------------------------------------------------------------------------------------

/** Workspace types with their templates (`GET v2/businessworkspacetypes?expand_templates=true`). */
export async function workspaceTypeChoices(client: HttpClient): Promise<Choice[]> {
  const types = await listWorkspaceTypes(client);
  return types
    .map((t) => ({ value: t.name || t.id, label: t.name ? `${t.name} (${t.id})` : String(t.id), id: t.id, name: t.name, templates: t.templates.map((x) => ({ value: x.id, label: `${x.name} (${x.id})` })) }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** The templates of one workspace type (by id or name, case-insensitive), or of every type. */
export async function templateChoices(client: HttpClient, type?: string): Promise<Choice[]> {
  const types = await listWorkspaceTypes(client);
  const wanted = (type || '').trim().toLowerCase();
  const pick = wanted ? types.filter((t) => String(t.id) === wanted || t.name.toLowerCase() === wanted) : types;
  return pick.flatMap((t) => t.templates.map((x) => ({ value: x.id, label: wanted ? `${x.name} (${x.id})` : `${t.name}: ${x.name} (${x.id})`, type: t.name })));
}

/**
 * Categories of the Categories volume (`GET v2/volumes/133/nodes`), category folders browsed into
 * (`GET v2/nodes/{id}/nodes`, depth 4); labels carry the folder path.
 */
export async function categoryChoices(client: HttpClient): Promise<Choice[]> {
  const out: Choice[] = [];
  const visit = async (items: NodeProps[], prefix: string, depth: number) => {
    for (const p of items) {
      const name = text(p.name);
      if (p.type === 131) out.push({ value: p.id, label: `${prefix}${name} (${p.id})`, name });
      else if (p.type === CATEGORY_FOLDER && depth < 4 && hasChildren(p)) await visit(await browseNode(client, p.id), `${prefix}${name} / `, depth + 1);
    }
  };
  await visit(await browseVolume(client, VOLUME.categories), '', 0);
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * The attributes of a category, from its create form (`GET v1/forms/nodes/categories/create?id=&
 * category_id=`, as pyxecm reads attribute schemas). The form needs a node to apply the category
 * to: `nodeId`, or the Enterprise Workspace (`GET v2/volumes/141`). Values are attribute keys
 * (`<category>_<attribute>`), as the upload, workspace and ECM nodes take them.
 */
export async function attributeChoices(client: HttpClient, categoryId: number, nodeId?: number): Promise<Choice[]> {
  const target = nodeId ?? (await getVolume(client, VOLUME.enterprise)).id;
  const res = await csRequest(client, { operation: 'read category form', method: 'GET', path: 'v1/forms/nodes/categories/create', query: { id: target, category_id: categoryId } });
  const forms = obj(res.data).forms;
  const form = obj(Array.isArray(forms) ? forms[0] : undefined);
  const props = obj(obj(form.schema).properties);
  const out: Choice[] = [];
  const add = (key: string, p: Obj, prefix: string) => {
    if (!/^\d+_\d+(_\d+)*$/.test(key) || typeof p.title !== 'string') return;
    const item = obj(p.items);
    const multi = p.type === 'array';
    const inner = multi ? item : p;
    const kind = inner.format === 'date' ? 'date' : typeof inner.type === 'string' ? inner.type : 'string';
    const sub = obj(multi ? item.properties : p.properties);
    const isSet = Object.keys(sub).length > 0 || (multi && !item.type);
    out.push({ value: key, label: `${prefix}${p.title}`, type: isSet ? 'set' : kind, multi, required: p.required === true, ...(Array.isArray(inner.enum) ? { values: inner.enum.filter((v) => v !== '') } : {}) });
    for (const [k, v] of Object.entries(sub)) add(k, obj(v), `${prefix}${p.title}: `);
  };
  for (const [k, v] of Object.entries(props)) add(k, obj(v), '');
  if (out.length === 0) throw new OtError({ code: 'OT_NOT_FOUND', message: `category ${categoryId}: the form lists no attributes`, operation: 'read category form' });
  return out;
}

/** Workflow maps the connection's user can see (`POST v2/search`, `OTSubType:128`). */
export async function workflowMapChoices(client: HttpClient): Promise<Choice[]> {
  const r = await search(client, { where: 'OTSubType:128', sort: 'asc_OTName' }, { returnAll: true, limit: 100, maxItems: 2000 });
  return r.items.map((p) => ({ value: p.id, label: `${text(p.name)} (${p.id})`, name: text(p.name) })).sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * RM classifications of the file plan: the Classifications volume (`GET v2/volumes/198/nodes`),
 * containers with children browsed into (`GET v2/nodes/{id}/nodes`, depth 4). Classification trees
 * (grouping levels) are not offered themselves.
 */
export async function rmClassificationChoices(client: HttpClient): Promise<Choice[]> {
  const out: Choice[] = [];
  const visit = async (items: NodeProps[], prefix: string, depth: number) => {
    for (const p of items) {
      const name = text(p.name);
      if (p.type !== CLASSIFICATION_TREE) out.push({ value: p.id, label: `${prefix}${name} (${p.id})`, name });
      if (depth < 4 && hasChildren(p)) await visit(await browseNode(client, p.id), `${prefix}${name} / `, depth + 1);
    }
  };
  await visit(await browseVolume(client, VOLUME.classifications), '', 0);
  return out;
}

/** RSIs (`GET v2/rsis`): the value is the RSI's name, as the record node and the API take it. */
export async function rsiChoices(client: HttpClient): Promise<Choice[]> {
  const rsis = await listRsis(client);
  return rsis.map((r) => ({ value: r.name, label: r.title ? `${r.name} – ${r.title}` : r.name, id: r.id, status: r.status })).sort((a, b) => a.label.localeCompare(b.label));
}

/** Holds (`GET v2/holds`): the value is the hold's name (the hold node resolves names), active first. */
export async function holdChoices(client: HttpClient): Promise<Choice[]> {
  const { holds } = await listHolds(client);
  return holds
    .map((h) => ({ value: h.name, label: `${h.name}${h.type ? ` (${h.type})` : ''}${h.active ? '' : ' – inactive'}`, id: h.id, active: h.active }))
    .sort((a, b) => Number(b.active) - Number(a.active) || a.label.localeCompare(b.label));
}

/** Exstream design domains (`GET design/api/v1/domains`). */
export async function domainChoices(client: HttpClient): Promise<Choice[]> {
  return (await listDomains(client)).map((d) => ({ value: d, label: d }));
}

/** Approved Exstream communications of a domain with their driver names. */
export async function communicationChoices(client: HttpClient, domain: string): Promise<Choice[]> {
  const list = await listCommunications(client, domain);
  return list.map((c) => ({ value: c.id, label: c.name, name: c.name, driverDataSources: c.driverDataSources }));
}

// ---- endpoints ------------------------------------------------------------------------------------

interface ConnectionNode extends Node {
  client: HttpClient;
  exstreamDomain?: string;
  family?: string;
}

type Query = Record<string, string | undefined>;
type Lister = (client: HttpClient, q: Query, cfg: ConnectionNode) => Promise<Choice[]>;

function idParam(q: Query, name: string, required: boolean): number | undefined {
  const v = (q[name] || '').trim();
  if (!v) {
    if (required) throw invalidInput(`the parameter "${name}" is required`);
    return undefined;
  }
  if (!/^\d+$/.test(v)) throw invalidInput(`the parameter "${name}" must be a node id, not "${v}"`);
  return Number(v);
}

/** The lists each config-node type offers. */
export const LISTS: Record<string, Record<string, Lister>> = {
  'ot-xecm': {
    workspacetypes: (c) => workspaceTypeChoices(c),
    templates: (c, q) => templateChoices(c, q.type),
    categories: (c) => categoryChoices(c),
    attributes: (c, q) => attributeChoices(c, idParam(q, 'category', true)!, idParam(q, 'node', false)),
    workflowmaps: (c) => workflowMapChoices(c),
    rmclassifications: (c) => rmClassificationChoices(c),
    rsis: (c) => rsiChoices(c),
    holds: (c) => holdChoices(c),
  },
  'ot-exstream': {
    domains: (c, _q, cfg) => {
      if (cfg.family === 'sgw') throw invalidInput('this Exstream connection uses the 16.x service gateway, which has no design service to list domains');
      return domainChoices(c);
    },
    communications: (c, q, cfg) => {
      if (cfg.family === 'sgw') throw invalidInput('this Exstream connection uses the 16.x service gateway, which has no design service to list communications');
      const domain = (q.domain || '').trim() || cfg.exstreamDomain || '';
      if (!domain) throw invalidInput('no domain: set one in the node or in the connection');
      return communicationChoices(c, domain);
    },
  },
};

const registered = new WeakMap<object, Set<string>>();

/**
 * Registers `GET opentext/<type>/lists/:list` for a config-node type that has lists (once per
 * httpAdmin app); the other types are left alone.
 */
export function registerListEndpoints(RED: RED, type: string): void {
  const lists = LISTS[type];
  if (!lists || !RED.httpAdmin) return;
  const app = RED.httpAdmin as unknown as object;
  const done = registered.get(app) || new Set<string>();
  if (done.has(type)) return;
  done.add(type);
  registered.set(app, done);
  RED.httpAdmin.get(`/opentext/${type}/lists/:list`, RED.auth.needsPermission(`${type}.read`), async (req: Request, res: Response) => {
    const q: Query = {};
    for (const [k, v] of Object.entries(req.query || {})) if (typeof v === 'string') q[k] = v;
    const list = lists[String(req.params.list)];
    if (!list) {
      res.status(404).json({ ok: false, code: 'OT_NOT_FOUND', message: `no list "${req.params.list}"; lists: ${Object.keys(lists).join(', ')}` });
      return;
    }
    const id = (q.server || '').trim();
    const cfg = id ? (RED.nodes.getNode(id) as ConnectionNode | null) : null;
    if (!cfg || cfg.type !== type || !cfg.client) {
      res.status(404).json({ ok: false, code: 'NOT_DEPLOYED', message: id ? `the connection ${id} is not deployed: deploy it first` : 'no connection selected' });
      return;
    }
    try {
      const items = await list(cfg.client, q, cfg);
      res.json({ ok: true, items });
    } catch (e) {
      const err = e instanceof OtError ? e : new OtError({ code: 'OT_API', message: (e as Error)?.message || String(e) });
      res.status(err.code === 'OT_INVALID_INPUT' && err.statusCode === undefined ? 400 : 502).json({ ok: false, code: err.code, message: redact(err.message) });
    }
  });
}
