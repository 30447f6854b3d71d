/**
 * Content Server categories: reading the user's category input (nested {"9830":{"9830_2":"x"}} or
 * {"9830":{"2":"x"}}, flat {"9830_2":"x"}, "9830_1":{} or {"9830":{}} for "apply with defaults"),
 * and the category calls on a node (`v2/nodes/{id}/categories`, opentext-api.md §2.6).
 */
import type { HttpClient } from '../http';
import { csBody } from '../http';
import { invalidInput } from '../errors';
import { csRequest, obj, Obj } from './nodes';

const FLAT_KEY = /^(\d+)_\d+(?:_\d+){0,2}$/;

/**
 * Turns category input into the flat v2 form Content Server's create call takes. Accepts an object
 * or its JSON text; throws OT_INVALID_INPUT naming the first key it cannot read.
 */
export function normaliseCategories(input: unknown, what = 'categories'): Obj | undefined {
  if (input === undefined || input === null || input === '') return undefined;
  let v = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (e) {
      throw invalidInput(`${what} is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidInput(`${what} must be an object like {"9830": {"9830_2": "value"}} or {"9830_2": "value"}`);
  const out: Obj = {};
  for (const [k, val] of Object.entries(v as Obj)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    if (/^\d+$/.test(k)) {
      if (!val || typeof val !== 'object' || Array.isArray(val)) throw invalidInput(`${what}: category ${k} must hold an object of attribute values, like {"${k}_2": "value"}`);
      const inner = Object.entries(val as Obj);
      if (inner.length === 0) out[`${k}_1`] = {};
      for (const [ik, iv] of inner) {
        const key = /^\d+(?:_\d+){0,2}$/.test(ik) && !ik.startsWith(`${k}_`) ? `${k}_${ik}` : ik;
        if (!key.startsWith(`${k}_`) || !FLAT_KEY.test(key)) throw invalidInput(`${what}: "${ik}" is not an attribute key of category ${k} (use "${k}_<attribute id>")`);
        out[key] = iv;
      }
      continue;
    }
    if (!FLAT_KEY.test(k)) throw invalidInput(`${what}: "${k}" is not a category attribute key (use "<category id>_<attribute id>", e.g. "9830_2")`);
    out[k] = val;
  }
  return out;
}

/** Groups flat keys by category id. */
export function groupByCategory(flat: Obj): Map<number, Obj> {
  const out = new Map<number, Obj>();
  for (const [k, v] of Object.entries(flat)) {
    const m = FLAT_KEY.exec(k);
    if (!m) continue;
    const id = Number(m[1]);
    if (!out.has(id)) out.set(id, {});
    out.get(id)![k] = v;
  }
  return out;
}

export interface AttributeInfo {
  key: string;
  name?: string;
  type_name?: string;
  required?: boolean;
  multi_value?: boolean;
}

export interface NodeCategory {
  id: number;
  name?: string;
  /** Attribute values by key ("9830_2": "x"). */
  values: Obj;
  /** Attribute definitions by key, when the server sent them. */
  attributes?: Record<string, AttributeInfo>;
}

/** `GET v2/nodes/{id}/categories?metadata`: the categories applied to a node, with their values. */
export async function getCategories(client: HttpClient, nodeId: number): Promise<NodeCategory[]> {
  const res = await csRequest(client, { operation: 'get categories', method: 'GET', path: `v2/nodes/${nodeId}/categories`, query: { metadata: '' } });
  const results = obj(res.data).results;
  const out: NodeCategory[] = [];
  for (const r of Array.isArray(results) ? results : []) {
    const data = obj(obj(obj(r).data).categories);
    const meta = obj(obj(obj(r).metadata).categories);
    const ids = [...Object.keys(data), ...Object.keys(meta)].map((k) => /^(\d+)_/.exec(k)?.[1] ?? (/^\d+$/.test(k) ? k : undefined)).filter((x): x is string => !!x);
    if (ids.length === 0) continue;
    const id = Number(ids[0]);
    const values: Obj = {};
    for (const [k, v] of Object.entries(data)) if (k !== `${id}_1` && FLAT_KEY.test(k)) values[k] = v;
    const head = obj(meta[String(id)]);
    const nameHolder = obj(data[`${id}_1`]);
    const attributes: Record<string, AttributeInfo> = {};
    for (const [k, m] of Object.entries(meta)) if (k.startsWith(`${id}_`)) attributes[k] = { ...(obj(m) as unknown as AttributeInfo), key: k };
    out.push({ id, name: typeof head.name === 'string' ? head.name : typeof nameHolder.name === 'string' ? nameHolder.name : undefined, values, attributes: Object.keys(attributes).length ? attributes : undefined });
  }
  return out;
}

/** `POST v2/nodes/{id}/categories`: applies one category (defaults, then the given values). */
export async function applyCategory(client: HttpClient, nodeId: number, categoryId: number, values: Obj = {}): Promise<void> {
  await csRequest(client, { operation: 'apply category', method: 'POST', path: `v2/nodes/${nodeId}/categories`, body: csBody({ category_id: categoryId, ...values }) });
}

/** `PUT v2/nodes/{id}/categories/{category_id}/`: changes values of an applied category. */
export async function updateCategory(client: HttpClient, nodeId: number, categoryId: number, values: Obj): Promise<void> {
  await csRequest(client, { operation: 'update category', method: 'PUT', path: `v2/nodes/${nodeId}/categories/${categoryId}/`, body: csBody(values) });
}

/** `DELETE v2/nodes/{id}/categories/{category_id}/`. */
export async function removeCategory(client: HttpClient, nodeId: number, categoryId: number): Promise<void> {
  await csRequest(client, { operation: 'remove category', method: 'DELETE', path: `v2/nodes/${nodeId}/categories/${categoryId}/` });
}

/**
 * Sets category values on a node: categories already applied are updated, the others applied.
 * Returns the node's categories afterwards.
 */
export async function setCategories(client: HttpClient, nodeId: number, input: unknown): Promise<NodeCategory[]> {
  const flat = normaliseCategories(input);
  if (!flat || Object.keys(flat).length === 0) throw invalidInput('set categories: no category values given');
  const current = new Set((await getCategories(client, nodeId)).map((c) => c.id));
  for (const [catId, values] of groupByCategory(flat)) {
    const own = Object.fromEntries(Object.entries(values).filter(([k]) => k !== `${catId}_1`));
    if (current.has(catId)) {
      if (Object.keys(own).length) await updateCategory(client, nodeId, catId, own);
    } else {
      await applyCategory(client, nodeId, catId, own);
    }
  }
  return getCategories(client, nodeId);
}

/** `GET v1/forms/nodes/categories/create?id&category_id`: the attribute form of a category. */
export async function getCategoryForm(client: HttpClient, nodeId: number, categoryId: number): Promise<Obj> {
  const res = await csRequest(client, { operation: 'get category form', method: 'GET', path: 'v1/forms/nodes/categories/create', query: { id: nodeId, category_id: categoryId } });
  return obj(res.data);
}
