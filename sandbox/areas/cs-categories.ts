/**
 * Content Server categories in the sandbox: reading the `roles.categories` input of a create call
 * (nested v1 form {"9830":{"9830_2":"x"}}, flat v2 keys {"9830_2":"x"}, set rows "C_S_R_A",
 * multi-value arrays, "C_1":{} for "apply with defaults"), validating attribute ids, types,
 * valid values and required attributes against the category definitions of the fixture, and the
 * JSON views the REST API returns (values, metadata, the Alpaca create form).
 *
 * Values are stored on the node in the nested form: node.categories["9830"]["9830_2"] = value.
 */
import { csError, HttpError, SandboxApp } from '../server';
import { CategoryAttribute, CategoryDef, cs, CsNode } from './cs-core';

export type CategoryValues = Record<string, unknown>;

/** Category input grouped by category id: { "9830": { "9830_2": "x", ... } } (keys as given). */
export type CategoryInput = Map<number, Record<string, unknown>>;

const TYPE_NAMES: Record<CategoryAttribute['type'], string> = {
  string: 'String',
  integer: 'Integer',
  date: 'Date',
  boolean: 'Boolean',
  user: 'User',
  set: 'Set',
};

/** Content Server's numeric attribute types (as in the `metadata` of category responses). */
const TYPE_CODES: Record<CategoryAttribute['type'], number> = {
  string: -1,
  integer: 2,
  date: -7,
  boolean: 5,
  user: 14,
  set: -18,
};

export function categoryDef(app: SandboxApp, id: number): CategoryDef | undefined {
  return cs(app).categories.get(id);
}

function attrOf(def: CategoryDef, attrId: number): CategoryAttribute | undefined {
  return def.attributes.find((a) => a.id === attrId);
}

/**
 * Groups a `roles.categories` object (or the category part of a categories call) by category.
 * Throws Content Server's error for keys that are not attribute keys.
 */
export function groupCategoryInput(raw: unknown): CategoryInput {
  const out: CategoryInput = new Map();
  if (raw === undefined || raw === null || raw === '') return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw csError(400, 'Body parameter is invalid');
  const add = (catId: number, key: string, value: unknown) => {
    if (!out.has(catId)) out.set(catId, {});
    out.get(catId)![key] = value;
  };
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === 'inheritance') continue; // copy: which categories to keep; the sandbox merges
    if (/^\d+$/.test(k)) {
      // nested (v1) form: { "9830": { "9830_2": "x" } }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw csError(500, 'Invalid attribute entry found', `'${k}' must hold an object of attribute values`);
      const catId = Number(k);
      if (Object.keys(v).length === 0) add(catId, `${k}_1`, {});
      for (const [ik, iv] of Object.entries(v as Record<string, unknown>)) {
        if (!ik.startsWith(`${k}_`) || !/^\d+(_\d+){1,3}$/.test(ik)) throw csError(500, 'Invalid attribute entry found', `'${ik}' is not an attribute of category ${k}`);
        add(catId, ik, iv);
      }
      continue;
    }
    const m = /^(\d+)_\d+(?:_\d+){0,2}$/.exec(k);
    if (!m) throw csError(500, 'Invalid attribute entry found', `'${k}' is not an attribute key`);
    add(Number(m[1]), k, v);
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.every((x) => x === undefined || x === null || x === ''));
}

function badValue(def: CategoryDef, attr: CategoryAttribute, key: string, what: string): HttpError {
  return csError(400, `Invalid value for attribute '${attr.name}' (${key}) of category '${def.name}': ${what}`);
}

/** Content Server's date form: 2026-01-31T00:00:00. */
function normaliseDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!m) return undefined;
  const t = Date.parse(m[4] ? s.replace(' ', 'T') + (m[7] ? '' : 'Z') : `${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
  if (Number.isNaN(t)) return undefined;
  return new Date(t).toISOString().slice(0, 19);
}

function coerceOne(app: SandboxApp, def: CategoryDef, attr: CategoryAttribute, key: string, v: unknown): unknown {
  if (v === null || v === undefined || v === '') return null;
  switch (attr.type) {
    case 'string': {
      if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
      if (typeof v !== 'string') throw badValue(def, attr, key, 'text is expected');
      if (v.length > 2000) throw badValue(def, attr, key, 'the text is longer than 2000 characters');
      if (attr.valid_values && !attr.valid_values.includes(v)) throw badValue(def, attr, key, `'${v}' is not one of the valid values`);
      return v;
    }
    case 'integer': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) throw badValue(def, attr, key, 'a whole number is expected');
      if (attr.valid_values && !attr.valid_values.includes(n)) throw badValue(def, attr, key, `${n} is not one of the valid values`);
      return n;
    }
    case 'date': {
      const d = normaliseDate(v);
      if (!d) throw badValue(def, attr, key, 'a date (YYYY-MM-DD or an ISO 8601 date and time) is expected');
      return d;
    }
    case 'boolean': {
      if (v === true || v === 'true' || v === 1 || v === '1') return true;
      if (v === false || v === 'false' || v === 0 || v === '0') return false;
      throw badValue(def, attr, key, 'true or false is expected');
    }
    case 'user': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || !cs(app).users.has(n)) throw badValue(def, attr, key, `no user with id ${JSON.stringify(v)}`);
      return n;
    }
    default:
      throw badValue(def, attr, key, 'a set takes rows, not a value');
  }
}

function coerce(app: SandboxApp, def: CategoryDef, attr: CategoryAttribute, key: string, v: unknown): unknown {
  if (attr.multi) {
    const list = Array.isArray(v) ? v : v === null || v === undefined || v === '' ? [] : [v];
    if (attr.max && list.length > attr.max) throw badValue(def, attr, key, `at most ${attr.max} values are allowed`);
    return list.map((x) => coerceOne(app, def, attr, key, x));
  }
  if (Array.isArray(v)) {
    if (v.length > 1) throw badValue(def, attr, key, 'the attribute takes one value, not a list');
    v = v[0];
  }
  return coerceOne(app, def, attr, key, v);
}

/** The stored values of a category with every attribute at its default. */
export function defaultValues(def: CategoryDef): CategoryValues {
  const out: CategoryValues = {};
  for (const a of def.attributes) {
    if (a.type === 'set') continue; // rows are added by value
    out[`${def.id}_${a.id}`] = a.default !== undefined ? JSON.parse(JSON.stringify(a.default)) : a.multi ? [] : null;
  }
  return out;
}

/**
 * Applies the given keys to a category's stored values (validating them) and returns the result.
 * Without current values (a category being applied) it starts from the defaults.
 */
export function mergeCategoryValues(app: SandboxApp, def: CategoryDef, current: CategoryValues | undefined, keys: Record<string, unknown>): CategoryValues {
  const values: CategoryValues = current ? JSON.parse(JSON.stringify(current)) : defaultValues(def);
  for (const [key, raw] of Object.entries(keys)) {
    const parts = key.split('_').map(Number);
    if (parts[0] !== def.id || parts.some((p) => !Number.isSafeInteger(p))) throw csError(500, 'Invalid attribute entry found', `'${key}' is not an attribute of category ${def.id}`);
    if (parts.length === 2 && parts[1] === 1) continue; // "C_1": {} or {metadata_token}: the category itself
    const top = attrOf(def, parts[1]);
    if (!top) throw csError(500, 'Invalid attribute entry found', `category '${def.name}' (${def.id}) has no attribute ${parts[1]}`);
    if (parts.length === 2) {
      if (top.type === 'set') throw badValue(def, top, key, 'a set takes rows: use <category>_<set>_<row>_<attribute>');
      values[key] = coerce(app, def, top, key, raw);
      continue;
    }
    if (top.type !== 'set') throw csError(500, 'Invalid attribute entry found', `'${key}': attribute ${parts[1]} of category ${def.id} is not a set`);
    const row = parts[2];
    const maxRows = top.max ?? 50;
    if (row < 1 || row > maxRows) throw badValue(def, top, key, `row ${row} does not exist (1 to ${maxRows})`);
    if (parts.length === 3) {
      // "C_S_R": "" removes the row
      if (!isEmpty(raw)) throw badValue(def, top, key, 'only an empty value (remove the row) may be given for a row');
      for (const k of Object.keys(values)) if (k.startsWith(`${key}_`)) delete values[k];
      continue;
    }
    const child = (top.children || []).find((c) => c.id === parts[3]);
    if (!child) throw csError(500, 'Invalid attribute entry found', `set '${top.name}' of category ${def.id} has no attribute ${parts[3]}`);
    values[key] = coerce(app, def, child, key, raw);
  }
  return values;
}

/** Throws Content Server's error when a required attribute of the category is empty. */
export function checkRequired(def: CategoryDef, values: CategoryValues): void {
  for (const a of def.attributes) {
    if (!a.required || a.type === 'set') continue;
    const key = `${def.id}_${a.id}`;
    if (isEmpty(values[key])) throw csError(400, `Attribute '${a.name}' (${key}) of category '${def.name}' is required.`);
  }
}

/** The category definition or Content Server's error for an unknown category id. */
export function mustCategory(app: SandboxApp, id: unknown): CategoryDef {
  const n = typeof id === 'number' ? id : typeof id === 'string' && /^\s*\d+\s*$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(n)) throw csError(400, "Invalid datatype specified for argument 'category_id'");
  const def = categoryDef(app, n);
  if (!def) throw csError(400, `Could not process object, invalid category_id ${n}`);
  return def;
}

/**
 * Validates a whole `roles.categories` input of a create or copy call and returns the values to
 * store per category (defaults, then the given values; required attributes checked).
 */
export function categoriesForCreate(app: SandboxApp, raw: unknown, inherited?: Record<string, CategoryValues>): Record<string, CategoryValues> {
  const out: Record<string, CategoryValues> = inherited ? JSON.parse(JSON.stringify(inherited)) : {};
  for (const [catId, keys] of groupCategoryInput(raw)) {
    const def = mustCategory(app, catId);
    out[String(catId)] = mergeCategoryValues(app, def, out[String(catId)], keys);
  }
  for (const [catId, values] of Object.entries(out)) {
    const def = categoryDef(app, Number(catId));
    if (def) checkRequired(def, values);
  }
  return out;
}

function attrMetadata(def: CategoryDef, a: CategoryAttribute, key: string): Record<string, unknown> {
  return {
    key,
    name: a.name,
    type: TYPE_CODES[a.type],
    type_name: TYPE_NAMES[a.type],
    persona: a.type === 'user' ? 'user' : '',
    required: !!a.required,
    multi_value: !!a.multi,
    max_value: a.multi ? (a.max ?? null) : null,
    valid_values: a.valid_values ?? [],
    default_value: a.default ?? null,
    hidden: false,
    read_only: false,
  };
}

/** The `metadata.categories` object of a category: the category itself and its attributes. */
export function categoryMetadata(def: CategoryDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [String(def.id)]: { key: String(def.id), name: def.name, type: -18, type_name: 'Category', category_id: def.id },
  };
  for (const a of def.attributes) {
    out[`${def.id}_${a.id}`] = attrMetadata(def, a, `${def.id}_${a.id}`);
    for (const c of a.children || []) out[`${def.id}_${a.id}_x_${c.id}`] = attrMetadata(def, c, `${def.id}_${a.id}_x_${c.id}`);
  }
  return out;
}

/** One result of GET v2/nodes/{id}/categories: the values, and the definitions when asked. */
export function categoryResult(app: SandboxApp, node: CsNode, catId: string, withMetadata: boolean): Record<string, unknown> {
  const def = categoryDef(app, Number(catId));
  const values = node.categories[catId] || {};
  const data: Record<string, unknown> = { [`${catId}_1`]: { name: def?.name ?? catId }, ...values };
  const r: Record<string, unknown> = { data: { categories: data } };
  if (withMetadata && def) r.metadata = { categories: categoryMetadata(def) };
  return r;
}

/** The Alpaca form of GET v1/forms/nodes/categories/create (schema, options, default data). */
export function categoryCreateForm(def: CategoryDef): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  const data: Record<string, unknown> = { [`${def.id}_1`]: { name: def.name } };
  for (const a of def.attributes) {
    const key = `${def.id}_${a.id}`;
    const jsonType = a.type === 'integer' || a.type === 'user' ? 'integer' : a.type === 'boolean' ? 'boolean' : a.type === 'set' ? 'array' : 'string';
    const one: Record<string, unknown> = { type: jsonType, title: a.name, required: !!a.required, readonly: false };
    if (a.valid_values) one.enum = a.valid_values;
    if (a.type === 'date') one.format = 'date';
    properties[key] = a.multi ? { type: 'array', title: a.name, required: !!a.required, maxItems: a.max ?? null, items: { ...one, title: undefined } } : one;
    fields[key] = { label: a.name, type: a.type === 'date' ? 'date' : a.type === 'user' ? 'otcs_user_picker' : a.type === 'boolean' ? 'checkbox' : a.valid_values ? 'select' : 'text' };
    if (a.type !== 'set') data[key] = a.default ?? (a.multi ? [] : null);
  }
  return {
    forms: [
      {
        data,
        options: { fields, form: { attributes: { action: 'api/v1/nodes/categories', method: 'POST' }, renderForm: true } },
        schema: { properties, title: def.name, type: 'object' },
        role_name: 'categories',
        category_id: def.id,
      },
    ],
  };
}
