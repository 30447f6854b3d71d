/**
 * Content Server search (`POST api/v2/search`, and the deprecated GET): form fields or the JSON of
 * the `body` field; `where` in a useful subset of LQL (Livelink Query Language):
 *
 *   OTName:"Contract*"   OTSubType:144   OTParentID:2000   OTLocation:2000 (anywhere below)
 *   OTModifyDate:[2026-01-01T00:00:00Z TO *]   OTCreateDate:[2026-01-01 TO 2026-01-31]
 *   OTObjectDate, OTObjectSize, OTMIMEType, OTDescription, OTObjectID, OTFileName
 *   Attr_9830_2:"x"  (also OTAttribute_9830_2, "Attr_9830_2":"x", [QLREGION "Attr_9830_2"] "x")
 *   AND, OR, NOT, parentheses, implicit AND, bare words / "phrases" (name, description, text)
 *   wildcards * and ?, comparisons OTObjectSize:>1000
 *
 * `lookfor` (complexquery | allwords | anywords | exactphrase), `within`, `page`, `limit`, `sort`
 * (relevance, asc_/desc_ + OTName, OTObjectDate, OTCreateDate, OTModifyDate, OTObjectSize), and
 * `location_id1`, `location_id2`... Results: `results[].data.properties`, `collection.paging`.
 */
import { Ctx, csError, csParams, HttpError, SandboxApp } from '../server';
import { cs, csAuth, CsNode, getNode, nodeProperties, SUBTYPES } from './cs-core';
import { categoryDef } from './cs-categories';
import { versionJson } from './cs-nodes';

const QUERY_ERROR =
  'Error Evaluating Query, You have either not specified any search criterion at all, or one of your Livelink Query Language statements is incorrect. Edit the query by clicking an option in at least one list and/or correcting the statements that appear in the fields';

function queryError(detail?: string): HttpError {
  return csError(400, QUERY_ERROR, detail);
}

// ---- LQL ------------------------------------------------------------------------------------------

type Value =
  | { t: 'text'; text: string; quoted: boolean }
  | { t: 'range'; lo?: string; hi?: string }
  | { t: 'cmp'; op: '>' | '>=' | '<' | '<='; text: string };

export type Expr = { k: 'and' | 'or'; a: Expr; b: Expr } | { k: 'not'; a: Expr } | { k: 'term'; region?: string; value: Value };

/** Parses an LQL `where` clause; throws Content Server's 400 for what it cannot read. */
export function parseLql(input: string): Expr {
  let i = 0;
  const s = input;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const keyword = (): string | undefined => {
    ws();
    const m = /^(and|or|not)(?=[\s("[]|$)/i.exec(s.slice(i));
    return m ? m[1].toLowerCase() : undefined;
  };
  const quoted = (): string => {
    // s[i] === '"'
    i++;
    let out = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      out += s[i++];
    }
    if (s[i] !== '"') throw queryError('unterminated quote');
    i++;
    return out;
  };
  const word = (): string => {
    const start = i;
    while (i < s.length && !/[\s()]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  const value = (): Value => {
    ws();
    if (i >= s.length) throw queryError('a region without a value');
    const c = s[i];
    if (c === '[' || c === '{') {
      const close = c === '[' ? ']' : '}';
      const end = s.indexOf(close, i);
      if (end < 0) throw queryError('unterminated range');
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      const m = /^(.*?)\s+TO\s+(.*)$/i.exec(inner);
      if (!m) throw queryError(`cannot read the range [${inner}]`);
      const unq = (x: string) => x.trim().replace(/^"(.*)"$/, '$1');
      const lo = unq(m[1]);
      const hi = unq(m[2]);
      return { t: 'range', lo: lo === '*' ? undefined : lo, hi: hi === '*' ? undefined : hi };
    }
    if (c === '"') return { t: 'text', text: quoted(), quoted: true };
    const cmp = /^(>=|<=|>|<)/.exec(s.slice(i));
    if (cmp) {
      i += cmp[1].length;
      ws();
      const text = s[i] === '"' ? quoted() : word();
      if (!text) throw queryError('a comparison without a value');
      return { t: 'cmp', op: cmp[1] as '>' | '>=' | '<' | '<=', text };
    }
    const w = word();
    if (!w) throw queryError();
    return { t: 'text', text: w, quoted: false };
  };
  const primary = (): Expr => {
    ws();
    if (i >= s.length) throw queryError('the query ends too early');
    if (s[i] === '(') {
      i++;
      const e = or();
      ws();
      if (s[i] !== ')') throw queryError('a parenthesis is not closed');
      i++;
      return e;
    }
    const ql = /^\[\s*QLREGION\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1\s*\]/i.exec(s.slice(i));
    if (ql) {
      i += ql[0].length;
      return { k: 'term', region: ql[2], value: value() };
    }
    const region = /^([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(s.slice(i));
    if (region) {
      i += region[0].length;
      return { k: 'term', region: region[1], value: value() };
    }
    if (s[i] === '"') {
      const text = quoted();
      if (s[i] === ':' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) {
        i++;
        return { k: 'term', region: text, value: value() };
      }
      return { k: 'term', value: { t: 'text', text, quoted: true } };
    }
    if (s[i] === ')') throw queryError('unexpected )');
    const w = word();
    if (!w) throw queryError();
    return { k: 'term', value: { t: 'text', text: w, quoted: false } };
  };
  const not = (): Expr => {
    if (keyword() === 'not') {
      i += 3;
      return { k: 'not', a: not() };
    }
    return primary();
  };
  const and = (): Expr => {
    let left = not();
    for (;;) {
      ws();
      if (i >= s.length || s[i] === ')') return left;
      const kw = keyword();
      if (kw === 'or') return left;
      if (kw === 'and') i += 3;
      left = { k: 'and', a: left, b: not() };
    }
  };
  const or = (): Expr => {
    let left = and();
    while (keyword() === 'or') {
      i += 2;
      left = { k: 'or', a: left, b: and() };
    }
    return left;
  };
  ws();
  if (i >= s.length) throw queryError();
  const e = or();
  ws();
  if (i < s.length) throw queryError(`cannot read "${s.slice(i, i + 30)}"`);
  return e;
}

// ---- matching -------------------------------------------------------------------------------------

type Kind = 'text' | 'number' | 'date' | 'bool';

function tokens(v: string): string[] {
  return v.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function wildcard(p: string): RegExp {
  return new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'is');
}

/** Region text matching: whole value, or words / a phrase of it; * and ? are wildcards. */
export function textMatches(value: string, pattern: string): boolean {
  const v = value.toLowerCase();
  const p = pattern.toLowerCase().trim();
  if (!p) return false;
  if (/[*?]/.test(p)) {
    const re = wildcard(p);
    if (re.test(v)) return true;
    return !/\s/.test(p) && tokens(v).some((t) => re.test(t));
  }
  if (v === p) return true;
  const pt = tokens(p).join(' ');
  return pt.length > 0 && ` ${tokens(v).join(' ')} `.includes(` ${pt} `);
}

/** A date bound: "*", YYYYMMDD, YYYY-MM-DD (a whole day) or an ISO date and time. */
function dateBound(text: string, end: boolean): number | undefined {
  const t = text.trim();
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (m) return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${end ? '23:59:59.999' : '00:00:00'}Z`);
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return Date.parse(`${t}T${end ? '23:59:59.999' : '00:00:00'}Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) {
    const v = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t : t + 'Z');
    return Number.isNaN(v) ? undefined : v;
  }
  return undefined;
}

function compareScalar(kind: Kind, actual: unknown, v: Value): boolean {
  if (actual === null || actual === undefined || actual === '') return false;
  if (kind === 'text') {
    const a = String(actual);
    if (v.t === 'text') return textMatches(a, v.text);
    const al = a.toLowerCase();
    if (v.t === 'range') return (v.lo === undefined || al >= v.lo.toLowerCase()) && (v.hi === undefined || al <= v.hi.toLowerCase());
    const x = v.text.toLowerCase();
    return v.op === '>' ? al > x : v.op === '>=' ? al >= x : v.op === '<' ? al < x : al <= x;
  }
  if (kind === 'bool') {
    if (v.t !== 'text') return false;
    return String(actual).toLowerCase() === v.text.toLowerCase();
  }
  if (kind === 'number') {
    const a = Number(actual);
    const num = (x: string) => {
      const n = Number(x);
      if (!Number.isFinite(n)) throw queryError(`"${x}" is not a number`);
      return n;
    };
    if (v.t === 'text') return a === num(v.text);
    if (v.t === 'range') return (v.lo === undefined || a >= num(v.lo)) && (v.hi === undefined || a <= num(v.hi));
    const x = num(v.text);
    return v.op === '>' ? a > x : v.op === '>=' ? a >= x : v.op === '<' ? a < x : a <= x;
  }
  // date
  const a = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(String(actual)) ? String(actual) : String(actual) + 'Z');
  if (Number.isNaN(a)) return false;
  const bound = (x: string, end: boolean) => {
    const b = dateBound(x, end);
    if (b === undefined) throw queryError(`"${x}" is not a date`);
    return b;
  };
  if (v.t === 'text') return a >= bound(v.text, false) && a <= bound(v.text, true);
  if (v.t === 'range') return (v.lo === undefined || a >= bound(v.lo, false)) && (v.hi === undefined || a <= bound(v.hi, true));
  const lo = bound(v.text, false);
  const hi = bound(v.text, true);
  return v.op === '>' ? a > hi : v.op === '>=' ? a >= lo : v.op === '<' ? a < lo : a <= hi;
}

function ancestors(app: SandboxApp, n: CsNode): number[] {
  const out: number[] = [];
  let p = n.parent_id === -1 ? undefined : getNode(app, n.parent_id);
  for (let guard = 0; p && guard < 200; guard++) {
    out.push(p.id);
    p = p.parent_id === -1 ? undefined : getNode(app, p.parent_id);
  }
  return out;
}

function regionOf(app: SandboxApp, n: CsNode, region: string): { kind: Kind; values: unknown[] } {
  const r = region.toLowerCase();
  const last = n.versions[n.versions.length - 1];
  switch (r) {
    case 'otname':
      return { kind: 'text', values: [n.name] };
    case 'otdescription':
    case 'otcomment':
      return { kind: 'text', values: [n.description] };
    case 'otsubtype':
      return { kind: 'number', values: [n.type] };
    case 'otparentid':
      return { kind: 'number', values: [n.parent_id] };
    case 'otlocation':
      return { kind: 'number', values: ancestors(app, n) };
    case 'otobjectid':
    case 'otdataid':
      return { kind: 'number', values: [n.id] };
    case 'otmodifydate':
      return { kind: 'date', values: [n.modify_date] };
    case 'otcreatedate':
    case 'otobjectdate':
      return { kind: 'date', values: [n.create_date] };
    case 'otmimetype':
      return { kind: 'text', values: last ? [last.mime_type] : [] };
    case 'otfilename':
      return { kind: 'text', values: last ? [last.file_name] : [] };
    case 'otobjectsize':
    case 'otdatasize':
    case 'otfilesize':
      return { kind: 'number', values: [Number(nodeProperties(app, n).size) || 0] };
    case 'otcreatedby':
    case 'otownerid':
      return { kind: 'number', values: [r === 'otcreatedby' ? n.create_user_id : n.owner_user_id] };
  }
  const attr = /^(?:attr|otattribute)_(\d+)_(\d+)$/i.exec(region);
  if (attr) {
    const def = categoryDef(app, Number(attr[1]));
    const a = def?.attributes.find((x) => x.id === Number(attr[2]));
    if (!def || !a) throw queryError(`unknown region ${region}`);
    const raw = n.categories[attr[1]]?.[`${attr[1]}_${attr[2]}`];
    const values = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
    const kind: Kind = a.type === 'integer' || a.type === 'user' ? 'number' : a.type === 'date' ? 'date' : a.type === 'boolean' ? 'bool' : 'text';
    return { kind, values };
  }
  throw queryError(`unknown region ${region}`);
}

function fullText(app: SandboxApp, n: CsNode, v: Value, within: string): boolean {
  if (v.t !== 'text') return false;
  const texts: string[] = [];
  if (within !== 'content') texts.push(n.name, n.description);
  if (within !== 'metadata') {
    const last = n.versions[n.versions.length - 1];
    const info = last ? app.content.info(last.contentId) : undefined;
    if (info?.buffer && info.size <= 1024 * 1024) texts.push(info.buffer.toString('utf8'));
  }
  return texts.some((t) => textMatches(t, v.text));
}

function evaluate(app: SandboxApp, e: Expr, n: CsNode, within: string): boolean {
  switch (e.k) {
    case 'and':
      return evaluate(app, e.a, n, within) && evaluate(app, e.b, n, within);
    case 'or':
      return evaluate(app, e.a, n, within) || evaluate(app, e.b, n, within);
    case 'not':
      return !evaluate(app, e.a, n, within);
    default: {
      if (!e.region) return fullText(app, n, e.value, within);
      const r = regionOf(app, n, e.region);
      return r.values.some((x) => compareScalar(r.kind, x, e.value));
    }
  }
}

/** Validates the regions and values of a parsed query once (so bad queries fail even on no data). */
function validate(app: SandboxApp, e: Expr): void {
  if (e.k === 'and' || e.k === 'or') {
    validate(app, e.a);
    validate(app, e.b);
    return;
  }
  if (e.k === 'not') return validate(app, e.a);
  if (e.k !== 'term' || !e.region) return;
  const probe: CsNode = { id: 0, parent_id: -1, name: '', type: 0, description: '', create_date: '1970-01-01T00:00:00Z', modify_date: '1970-01-01T00:00:00Z', create_user_id: 0, modify_user_id: 0, owner_user_id: 0, versions: [], categories: {}, classifications: [], extra: {} };
  const r = regionOf(app, probe, e.region);
  compareScalar(r.kind, r.kind === 'date' ? '1970-01-01T00:00:00Z' : r.kind === 'number' ? 0 : 'x', e.value);
}

// ---- the request ----------------------------------------------------------------------------------

const SORT_REGIONS: Record<string, (app: SandboxApp, n: CsNode) => string | number> = {
  otname: (_a, n) => n.name.toLowerCase(),
  otobjectdate: (_a, n) => n.create_date,
  otcreatedate: (_a, n) => n.create_date,
  otmodifydate: (_a, n) => n.modify_date,
  otobjectsize: (a, n) => Number(nodeProperties(a, n).size) || 0,
  otdatasize: (a, n) => Number(nodeProperties(a, n).size) || 0,
};

function intField(p: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const v = p[name];
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw csError(400, `Invalid datatype specified for argument ${name}`);
  return n;
}

function buildQuery(p: Record<string, unknown>): Expr {
  const where = typeof p.where === 'string' ? p.where.trim() : '';
  const lookfor = String(p.lookfor || 'complexquery').toLowerCase();
  if (!where) throw queryError();
  if (lookfor === 'complexquery') return parseLql(where);
  const words = lookfor === 'exactphrase' ? [where] : where.split(/\s+/).filter(Boolean);
  const terms: Expr[] = words.map((w) => ({ k: 'term', value: { t: 'text', text: w, quoted: lookfor === 'exactphrase' } }));
  if (!['allwords', 'anywords', 'exactphrase'].includes(lookfor)) throw csError(400, 'Invalid datatype specified for argument lookfor');
  return terms.reduce((a, b) => ({ k: lookfor === 'anywords' ? 'or' : 'and', a, b }));
}

let cacheSeq = 1000;

function runSearch(ctx: Ctx) {
  const app = ctx.app;
  csAuth(ctx);
  const p = csParams(ctx);
  const expr = buildQuery(p);
  validate(app, expr);
  const within = String(p.within || 'all').toLowerCase();
  const locations: number[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (!/^location_id\d*$/.test(k) || v === '' || v === undefined) continue;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw csError(400, `Invalid datatype specified for argument ${k}`);
    locations.push(n);
  }
  const limit = intField(p, 'limit', 10, 1000);
  const page = intField(p, 'page', 1, 1000000);
  const sortRaw = typeof p.sort === 'string' && p.sort.trim() ? p.sort.trim() : 'relevance';
  let sortFn: ((a: CsNode, b: CsNode) => number) | undefined;
  if (sortRaw.toLowerCase() !== 'relevance') {
    const m = /^(?:(asc|desc)_)?([A-Za-z]+)$/.exec(sortRaw);
    const key = m && SORT_REGIONS[m[2].toLowerCase()];
    if (!m || !key) throw csError(400, 'Invalid datatype specified for argument sort');
    const dir = (m[1] || 'asc').toLowerCase() === 'desc' ? -1 : 1;
    sortFn = (a, b) => {
      const x = key(app, a);
      const y = key(app, b);
      return x < y ? -dir : x > y ? dir : a.id - b.id;
    };
  }
  let hits = [...cs(app).nodes.values()].filter((n) => !n.deleted && !(n.type === 131 && n.parent_id === -1));
  if (locations.length) hits = hits.filter((n) => ancestors(app, n).some((a) => locations.includes(a)));
  hits = hits.filter((n) => evaluate(app, expr, n, within));
  hits.sort(sortFn || ((a, b) => a.id - b.id));
  const total = hits.length;
  const start = (page - 1) * limit;
  const slice = hits.slice(start, start + limit);
  const where = String(p.where);
  const results = slice.map((n) => {
    const last = n.versions[n.versions.length - 1];
    const parent = n.parent_id === -1 ? undefined : getNode(app, n.parent_id);
    const data: Record<string, unknown> = { properties: { ...nodeProperties(app, n), short_summary: [n.description || ''], summary: [n.description || ''] } };
    if (last) data.versions = versionJson(n, last);
    return {
      data,
      links: {
        ancestors: ancestors(app, n)
          .reverse()
          .map((id) => ({ href: `api/v1/nodes/${id}`, name: getNode(app, id)?.name ?? '' })),
        parent: parent ? { href: `api/v1/nodes/${parent.id}`, name: parent.name } : {},
      },
      search_result_metadata: { current_version: true, object_href: null, object_id: `DataId=${n.id}&Version=${last?.version_number ?? 0}`, result_type: '264', source_id: null, version_type: null },
      type_name: SUBTYPES[n.type] || 'Node',
    };
  });
  return {
    status: 200,
    body: {
      collection: {
        paging: {
          limit,
          page,
          page_total: Math.ceil(total / limit),
          range_min: slice.length ? start + 1 : 0,
          range_max: start + slice.length,
          result_header_string: `Results ${slice.length ? start + 1 : 0} to ${start + slice.length} of ${total}`,
          total_count: total,
        },
        searching: { cache_id: ++cacheSeq, result_title: `Search Results for: ${where}`, regions_order: ['OTName', 'OTLocation', 'OTObjectDate', 'OTObjectSize'] },
        sorting: { sort: [sortRaw] },
      },
      links: { data: { self: { body: '', content_type: '', href: '/api/v2/search', method: ctx.method, name: '' } } },
      results,
    },
  };
}

/** Registers the search routes (part of the Content Server documents area). */
export function searchRoutes(app: SandboxApp): void {
  app.cs('POST', '/v2/search', (ctx) => runSearch(ctx));
  app.cs('GET', '/v2/search', (ctx) => runSearch(ctx));
}
