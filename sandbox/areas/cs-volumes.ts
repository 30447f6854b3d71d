/**
 * Content Server volumes (CS REST 2.0.2 `volumes` tag, [SPEC]):
 *
 *   GET api/v2/volumes/{subtype}         the volume's node:   results.data.properties
 *   GET api/v2/volumes/{subtype}/nodes   its children:        results[].data.properties + collection.paging
 *                                        (where_type, where_name, sort, page, limit)
 *
 * Volumes of the sandbox: 141 Enterprise Workspace (the node tree of cs-core), 133 Categories (the
 * category definitions of cs and bws, which cs-core keeps outside the Enterprise tree), and 198
 * Classifications (the RM file plan of rm-state: a selectable RM classification is a leaf of
 * subtype 551 [GUESS: RM classification subtype], a grouping level a "Classification Tree", 196).
 * Other integers answer 500 "Subtype N not registered", non-integers 400, as the spec lists.
 * The `results` of a single volume is an object here (like `GET v2/nodes/{id}`), although the
 * OpenAPI document types it as an array [GUESS]; clients should read both.
 */
import { Area, Ctx, csError, SandboxApp } from '../server';
import { cs, csAuth, CsNode, nodeProperties } from './cs-core';
import { rm } from './rm-state';

type Props = Record<string, unknown>;

interface VolumesState {
  /** Node id of the (virtual) Categories volume. */
  categoriesId: number;
}

const CATEGORIES = 133;
const ENTERPRISE = 141;
const CLASSIFICATIONS = 198;

function state(app: SandboxApp): VolumesState {
  return app.area<VolumesState>('cs-volumes');
}

function subtypeOf(ctx: Ctx): number {
  const t = ctx.params.type;
  if (!/^-?\d+$/.test(t)) throw csError(400, "Invalid datatype specified for argument 'volume_subtype'.");
  const n = Number(t);
  if (n !== CATEGORIES && n !== ENTERPRISE && n !== CLASSIFICATIONS) throw csError(500, `Subtype ${n} not registered`);
  return n;
}

function alive(app: SandboxApp, ids: number[]): CsNode[] {
  const s = cs(app);
  return ids.map((id) => s.nodes.get(id)).filter((n): n is CsNode => !!n && !n.deleted);
}

function categoryNodes(app: SandboxApp): CsNode[] {
  return [...cs(app).nodes.values()].filter((n) => n.type === 131 && n.parent_id === -1 && !n.deleted);
}

function rmState(app: SandboxApp): ReturnType<typeof rm> | undefined {
  try {
    return rm(app) || undefined;
  } catch {
    return undefined;
  }
}

/** The volume itself, as node properties. */
function volumeProps(app: SandboxApp, subtype: number): Props {
  const s = cs(app);
  if (subtype === ENTERPRISE) {
    const n = s.nodes.get(s.enterpriseId);
    if (!n) throw csError(500, `Subtype ${subtype} not registered`);
    return nodeProperties(app, n);
  }
  const common = { parent_id: -1, description: '', container: true, volume_id: 0, mime_type: null };
  if (subtype === CATEGORIES) {
    const size = categoryNodes(app).length;
    return { ...common, id: state(app).categoriesId, name: 'Categories', type: CATEGORIES, type_name: 'Categories Volume', container_size: size, size, size_formatted: `${size} Items` };
  }
  const r = rmState(app);
  if (!r) throw csError(500, `Subtype ${subtype} not registered`);
  const size = r.classes.size;
  return { ...common, id: r.volume.id, name: r.volume.name, type: CLASSIFICATIONS, type_name: 'Classification Volume', container_size: size, size, size_formatted: `${size} Items` };
}

/** The volume's children, as node properties. */
function childrenProps(app: SandboxApp, subtype: number): Props[] {
  const s = cs(app);
  if (subtype === ENTERPRISE) return alive(app, s.children.get(s.enterpriseId) || []).map((n) => nodeProperties(app, n));
  if (subtype === CATEGORIES) {
    const vol = state(app).categoriesId;
    return categoryNodes(app).map((n) => ({ ...nodeProperties(app, n), parent_id: vol, container: false, container_size: 0, size: 0, size_formatted: '', type_name: 'Category' }));
  }
  const r = rmState(app);
  if (!r) return [];
  return [...r.classes.values()].map((c) => ({
    id: c.id,
    parent_id: r.volume.id,
    name: c.name,
    type: c.selectable ? 551 : 196,
    type_name: c.selectable ? 'RM Classification' : 'Classification Tree',
    description: c.description,
    container: true,
    container_size: 0,
    size: 0,
    size_formatted: '0 Items',
    mime_type: null,
    volume_id: -r.volume.id,
  }));
}

function positive(ctx: Ctx, name: string, fallback: number): number {
  const v = ctx.query[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10000) throw csError(400, `Invalid value for parameter '${name}'.`);
  return Number(v);
}

function browse(ctx: Ctx, subtype: number): Props {
  let items = childrenProps(ctx.app, subtype);
  const types: number[] = [];
  for (const v of ctx.queryAll.where_type || []) {
    for (const t of v.split(',')) {
      if (!/^\s*-?\d+\s*$/.test(t)) throw csError(400, "Invalid datatype specified for argument 'where_type'");
      types.push(Number(t));
    }
  }
  if (types.length) items = items.filter((p) => types.includes(Number(p.type)) || (types.includes(-1) && p.container === true));
  const needle = (ctx.query.where_name || '').toLowerCase();
  if (needle) items = items.filter((p) => String(p.name).toLowerCase().includes(needle));
  const sortText = ctx.query.sort || 'asc_name';
  const m = /^(asc_|desc_)?(name|id|type|create_date|modify_date)$/.exec(sortText);
  if (!m) throw csError(400, `Invalid value for parameter 'sort'.`);
  const dir = m[1] === 'desc_' ? -1 : 1;
  const key = m[2];
  items = [...items].sort((a, b) => {
    const x = key === 'name' ? String(a.name).toLowerCase() : (a[key] as string | number);
    const y = key === 'name' ? String(b.name).toLowerCase() : (b[key] as string | number);
    return x < y ? -dir : x > y ? dir : Number(a.id) - Number(b.id);
  });
  const limit = positive(ctx, 'limit', 100);
  const page = positive(ctx, 'page', 1);
  const total = items.length;
  const start = (page - 1) * limit;
  const slice = items.slice(start, start + limit);
  return {
    collection: {
      paging: { limit, page, page_total: Math.ceil(total / limit), range_min: slice.length ? start + 1 : 0, range_max: start + slice.length, total_count: total, links: {} },
      sorting: { sort: [{ key: 'sort', value: `${m[1] || 'asc_'}${key}` }] },
    },
    links: { data: { self: { body: '', content_type: '', href: ctx.path.replace(ctx.app.csPrefix, '/api'), method: 'GET', name: '' } } },
    results: slice.map((p) => ({ data: { properties: p } })),
  };
}

export const csVolumesArea: Area = {
  name: 'cs-volumes',
  init(fixture, app) {
    const f = (fixture.cs || {}) as { categoriesVolume?: { id?: number } };
    let id = f.categoriesVolume?.id ?? 2003;
    const nodes = cs(app).nodes;
    while (nodes.has(id)) id++;
    const st: VolumesState = { categoriesId: id };
    app.state['cs-volumes'] = st;
    return st;
  },
  snapshot(s) {
    return s;
  },
  routes(app) {
    app.cs('GET', '/v2/volumes/:type', (ctx) => {
      csAuth(ctx);
      const subtype = subtypeOf(ctx);
      return { status: 200, body: { links: { data: { self: { body: '', content_type: '', href: ctx.path.replace(app.csPrefix, '/api'), method: 'GET', name: '' } } }, results: { data: { properties: volumeProps(app, subtype) } } } };
    });
    app.cs('GET', '/v2/volumes/:type/nodes', (ctx) => {
      csAuth(ctx);
      return { status: 200, body: browse(ctx, subtypeOf(ctx)) };
    });
  },
};
