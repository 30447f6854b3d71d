/**
 * Records Management state of the sandbox: the file plan (RM classifications), RSIs with their
 * retention schedules, holds, the RM data of Content Server nodes (classification, record
 * details, holds, metadata tokens), RM queue tasks and disposition searches with their snapshots.
 * Everything is keyed by node id; the node tree itself stays in cs-core.
 *
 * Paths, fields and error texts follow the Records Management 26.1 REST API (RM-OAS); where the
 * definition says nothing (response bodies of writes, queue and snapshot status words, array
 * encodings) the choices are marked [GUESS] and listed in the README.
 */
import crypto from 'crypto';
import { Ctx, csError, HttpError, readAll, SandboxApp } from '../server';
import { MultipartError, parseMultipart } from '../multipart';
import { DATE_FIELDS, RECORD_FIELDS } from '../../nodes/lib/rm/vocabulary';
import { cs, CsNode, CsUser, getNode, iso } from './cs-core';

// ---- types --------------------------------------------------------------------------------------

export type AccessKind = 'classify' | 'holds' | 'disposition';

export interface RmCode {
  code: string;
  description: string;
  vital?: boolean;
  default_period?: number;
}

export interface RmClassDef {
  id: number;
  name: string;
  file_number: string;
  description: string;
  /** Record fields that must have a value before the classification can be applied. */
  required: string[];
  selectable: boolean;
  /** Default RSI name. */
  rsi?: string;
  status?: string;
  essential?: string;
  storage?: string;
  /** Node subtypes the classification may be applied to (empty = any). */
  allowed_subtypes: number[];
  /** Containers (ancestors) below which the classification may be applied (empty = anywhere). */
  allowed_locations: number[];
  record_officer_id?: number;
  records_manager_id?: number;
}

export interface RsiStage {
  id: number;
  stage: string;
  /** "Record Date", "Status Date", "Received Date", "Create Date", "Modification Date". */
  date_to_use: string;
  years: number;
  months: number;
  days: number;
  /** Disposition action code (0 none, 1 change status, 8 finalize, 9 mark official, 32 destroy ...). */
  action: number;
  disposition: string;
  permanent: boolean;
}

export interface RsiDef {
  id: number;
  name: string;
  title: string;
  subject: string;
  description: string;
  status: string;
  create_date: string;
  schedules: RsiStage[];
}

export interface HoldDef {
  id: number;
  name: string;
  type: string;
  comment: string;
  alternate_id: string;
  parent_id: number;
  active: boolean;
  date_applied: string;
  date_to_remove: string;
  apply_patron: string;
  edit_date: string;
  edit_patron: string;
}

export interface NodeHold {
  hold_id: number;
  date_applied: string;
  applied_by: number;
}

/** The RM data of one classified node. */
export interface RecordState {
  class_id: number;
  /** rsi, status, status_date, record_date, received_date, essential, official, storage, ... */
  fields: Record<string, string | boolean | number>;
  record_officer_id?: number;
  records_manager_id?: number;
  finalized: boolean;
  confidential: boolean;
  /** How many retention stages were actioned by disposition. */
  stages_done: number;
  classified_by: number;
  classified_at: string;
}

export interface QueueTask {
  id: number;
  task_name: string;
  node_id: number;
  apply_subitems: boolean;
  user_id: number;
  status: 'pending' | 'complete' | 'error';
  errMsg: string;
  due_at: number;
}

export interface SnapshotItem {
  id: number;
  name: string;
  type: number;
  parent_id: number;
  parent_name: string;
  class_id: number;
  rsi: string;
  stage: string;
  stage_count: number;
  disp_action: number;
  action_info: string;
  calculated_date: string;
  review_decision: 0 | 1 | 2;
  review_comments: string;
  action_performed: 0 | 1;
  create_date: string;
  modify_date: string;
  owner_user_id: number;
  mime_type: string;
  size: number;
}

export interface Snapshot {
  search_id: number;
  /** "YYYY-MM-DDTHH:mm:ss" (UTC). */
  qdate: string;
  snapshot_status: 'Running' | 'Completed';
  review_status: 'Not Reviewed' | 'In Review' | 'Review Complete';
  done_at: number;
  items: SnapshotItem[];
}

export interface DispSearch {
  id: number;
  name: string;
  description: string;
  parent: number;
  /** RSI names this search selects (empty = every RSI). */
  rsis: string[];
  /** Classification ids this search selects (empty = every classification). */
  classes: number[];
}

export interface RmLogEntry {
  at: string;
  user: number;
  op: string;
  node?: number;
  /** How the metadata token of a classification change compared: current, stale or missing. */
  token?: 'current' | 'stale' | 'missing';
  status: number;
}

export interface RmState {
  volume: { id: number; name: string; type: number };
  access: Record<AccessKind, { users: number[]; groups: number[] }>;
  settings: { multiClass: boolean; finalStatus: string; queueDelayMs: number; searchDelayMs: number };
  codes: Record<string, RmCode[]>;
  classes: Map<number, RmClassDef>;
  rsis: Map<number, RsiDef>;
  holds: Map<number, HoldDef>;
  records: Map<number, RecordState>;
  /** node id -> direct holds, in the order they were applied. */
  nodeHolds: Map<number, NodeHold[]>;
  /** node id -> current rm_metadataToken. */
  tokens: Map<number, string>;
  /** node id -> how many more token reads are followed by a simulated edit of another user. */
  conflicts: Map<number, number>;
  queues: Map<number, QueueTask>;
  searches: Map<number, DispSearch>;
  snapshots: Snapshot[];
  nextHoldId: number;
  nextQueueId: number;
  log: RmLogEntry[];
}

// ---- helpers --------------------------------------------------------------------------------------

export function rm(app: SandboxApp): RmState {
  return app.area<RmState>('rm');
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** The Content Server error body {"error": "..."} with a status. */
export const rmError = csError;

/** The v2 RM error body (ApiResponse): {"results": {"ok": false, "errMsg": "...", "id": 0}}. */
export function apiError(status: number, errMsg: string): HttpError {
  return new HttpError({ status, body: { results: { ok: false, errMsg, id: 0 } } });
}

/** Today (simulated clock) as YYYY-MM-DD. */
export function today(app: SandboxApp): string {
  return iso(app.now()).slice(0, 10);
}

/** YYYY-MM-DD plus years, months and days (calendar arithmetic in UTC). */
export function addPeriod(date: string, years: number, months: number, days: number): string {
  const d = new Date(date.slice(0, 10) + 'T00:00:00Z');
  d.setUTCFullYear(d.getUTCFullYear() + years, d.getUTCMonth() + months, d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Fixture dates: YYYY-MM-DD, an ISO date-time, "now", or "now±N(d|m|y)". */
export function fixtureDate(v: unknown, now: number): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v).trim();
  const rel = /^now(?:([+-])(\d+)([dmy]))?$/i.exec(s);
  const base = new Date(now).toISOString().slice(0, 10);
  if (rel) {
    if (!rel[1]) return base;
    const n = Number(rel[2]) * (rel[1] === '-' ? -1 : 1);
    const unit = rel[3].toLowerCase();
    return addPeriod(base, unit === 'y' ? n : 0, unit === 'm' ? n : 0, unit === 'd' ? n : 0);
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`rm fixture: cannot read the date ${JSON.stringify(v)}`);
  return new Date(t).toISOString().slice(0, 10);
}

/** A request date: YYYY-MM-DD or an ISO date-time; undefined for empty; 400 otherwise. */
export function requestDate(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v).trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z')) && new Date(Date.parse(s + 'T00:00:00Z')).toISOString().slice(0, 10) === s) return s;
  if (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s))) return new Date(Date.parse(s)).toISOString().slice(0, 10);
  throw rmError(400, `Invalid date '${s}' specified for '${name}'. Use the format YYYY-MM-DD.`);
}

/** Snapshot dates: "YYYY-MM-DDTHH:mm:ss", "D/YYYY-MM-DD:HH:mm:ss", "YYYY-MM-DD:HH:mm:ss", with or without Z. */
export function normQdate(v: unknown): string {
  let s = String(v ?? '').trim();
  s = s.replace(/^D\//i, '').replace(/\\:/g, ':');
  const m = /^(\d{4}-\d{2}-\d{2})[T: ](\d{2}):(\d{2}):(\d{2})/.exec(s);
  if (m) return `${m[1]}T${m[2]}:${m[3]}:${m[4]}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return `${s}T00:00:00`;
  return s;
}

export function newToken(): string {
  return crypto.randomBytes(16).toString('hex');
}

export function tokenOf(s: RmState, nodeId: number): string {
  let t = s.tokens.get(nodeId);
  if (!t) {
    t = newToken();
    s.tokens.set(nodeId, t);
  }
  return t;
}

export function rotateToken(s: RmState, nodeId: number): string {
  const t = newToken();
  s.tokens.set(nodeId, t);
  return t;
}

export function log(app: SandboxApp, e: Omit<RmLogEntry, 'at'>): void {
  const s = rm(app);
  s.log.push({ at: iso(app.now()), ...e });
  if (s.log.length > 1000) s.log.splice(0, s.log.length - 1000);
}

export function hasAccess(app: SandboxApp, user: CsUser, kind: AccessKind): boolean {
  const a = rm(app).access[kind];
  if (a.users.includes(user.id)) return true;
  const groups = cs(app).groups;
  return a.groups.some((g) => groups.get(g)?.members.includes(user.id));
}

/** The node or the RM API's 400 for an unknown id ("Could not get node for {id}"). */
export function rmNode(app: SandboxApp, id: unknown): CsNode {
  const n = /^\d+$/.test(String(id)) ? getNode(app, id) : undefined;
  if (!n) throw rmError(400, `Could not get node for ${String(id)}`);
  return n;
}

export function userName(app: SandboxApp, id: number | undefined): string {
  if (id === undefined) return '';
  const s = cs(app);
  return s.users.get(id)?.name ?? s.groups.get(id)?.name ?? '';
}

export function rsiByName(s: RmState, name: unknown): RsiDef | undefined {
  const n = String(name ?? '').trim().toLowerCase();
  for (const r of s.rsis.values()) if (r.name.toLowerCase() === n) return r;
  return undefined;
}

export function codeValid(s: RmState, list: string, value: string): boolean {
  const codes = s.codes[list];
  return !codes || codes.length === 0 || codes.some((c) => c.code.toLowerCase() === value.toLowerCase());
}

export function ancestors(app: SandboxApp, node: CsNode): CsNode[] {
  const out: CsNode[] = [];
  const seen = new Set<number>();
  for (let p = getNode(app, node.parent_id); p && !seen.has(p.id); p = getNode(app, p.parent_id)) {
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

export interface EffectiveHold {
  hold: HoldDef;
  /** The node the hold was applied to (the node itself or an ancestor). */
  on: CsNode;
  direct: boolean;
  applied: NodeHold;
}

/** Active holds on a node: its own and those of its containers (indirect). */
export function holdsOf(app: SandboxApp, node: CsNode): EffectiveHold[] {
  const s = rm(app);
  const out: EffectiveHold[] = [];
  for (const n of [node, ...ancestors(app, node)]) {
    for (const nh of s.nodeHolds.get(n.id) || []) {
      const hold = s.holds.get(nh.hold_id);
      if (hold && hold.active) out.push({ hold, on: n, direct: n.id === node.id, applied: nh });
    }
  }
  return out;
}

/** Active holds on a node or anything below it (what blocks destroying a container). */
export function holdsInSubtree(app: SandboxApp, node: CsNode): EffectiveHold[] {
  const own = holdsOf(app, node);
  if (own.length) return own;
  const kids = cs(app).children.get(node.id) || [];
  for (const id of kids) {
    const c = getNode(app, id);
    if (!c) continue;
    const h = holdsInSubtree(app, c);
    if (h.length) return h;
  }
  return [];
}

/**
 * Why Records Management forbids deleting a node, or undefined when it does not: the node or
 * something below it is under an active hold. For other areas (a node delete should call it:
 * `import { deletionRefusal } from './rm-state'`); the sandbox's own disposition never deletes
 * held items.
 */
export function deletionRefusal(app: SandboxApp, node: CsNode): string | undefined {
  if (!app.state.rm) return undefined;
  const held = holdsInSubtree(app, node);
  return held.length ? `The item is under hold ('${held[0].hold.name}') and cannot be deleted.` : undefined;
}

/** The date a retention stage is calculated from, for a record. */
export function stageBaseDate(app: SandboxApp, node: CsNode, rec: RecordState, stage: RsiStage): string {
  const f = rec.fields;
  const pick = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  switch (stage.date_to_use.toLowerCase()) {
    case 'status date':
      return pick(f.status_date) ?? node.create_date.slice(0, 10);
    case 'received date':
      return pick(f.received_date) ?? pick(f.record_date) ?? node.create_date.slice(0, 10);
    case 'create date':
      return node.create_date.slice(0, 10);
    case 'modification date':
      return node.modify_date.slice(0, 10);
    default:
      return pick(f.record_date) ?? node.create_date.slice(0, 10);
  }
}

/** The calculated date of a stage (undefined for permanent stages). */
export function stageDate(app: SandboxApp, node: CsNode, rec: RecordState, stage: RsiStage): string | undefined {
  if (stage.permanent) return undefined;
  return addPeriod(stageBaseDate(app, node, rec, stage), stage.years, stage.months, stage.days);
}

// ---- request parsing ---------------------------------------------------------------------------------

/**
 * Reads the request body of a route registered with body 'none', keeping every value of repeated
 * form keys (`ids=1&ids=2`). Fills ctx.form / ctx.record the way the server's own parser does, so
 * csParams() and the recording work unchanged.
 */
export async function readFormAll(ctx: Ctx): Promise<Record<string, string[]>> {
  const all: Record<string, string[]> = {};
  const ct = ctx.contentType.toLowerCase();
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    ctx.req.resume();
    return all;
  }
  if (ct.startsWith('multipart/form-data')) {
    const b = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctx.contentType);
    if (!b) throw new MultipartError('multipart/form-data without a boundary');
    const r = await parseMultipart(ctx.req, (b[1] || b[2]).trim(), ctx.app.content);
    ctx.form = r.fields;
    ctx.files = r.files;
    ctx.record.fields = r.kinds;
    for (const [k, v] of Object.entries(r.fields)) all[k] = [v];
    return all;
  }
  const raw = await readAll(ctx.req, 16 * 1024 * 1024);
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
      if (!(k in ctx.form)) ctx.form[k] = v;
      (all[k] ||= []).push(v);
      ctx.record.fields[k] = 'text';
    }
  } else if (ct.startsWith('application/json') || /\+json/.test(ct)) {
    try {
      ctx.json = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      ctx.json = undefined;
    }
    ctx.record.body = ctx.json;
  } else if (raw.length) {
    ctx.raw = raw;
  }
  return all;
}

/**
 * A list parameter in any of the plausible encodings [GUESS]: a JSON array inside `body`
 * (`body={"ids":[1,2]}`), repeated keys (`ids=1&ids=2`), `ids[]=1&ids[]=2`, a JSON array text
 * (`ids=[1,2]`), or a comma / space separated text (`ids=1,2` or `ids=1 2`).
 */
export function listParam(ctx: Ctx, p: Obj, all: Record<string, string[]>, name: string): string[] | undefined {
  const fromValue = (v: unknown): string[] | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
    if (typeof v === 'number') return [String(v)];
    const t = String(v).trim();
    if (t.startsWith('[')) {
      try {
        const arr = JSON.parse(t) as unknown;
        if (Array.isArray(arr)) return arr.map((x) => String(x).trim()).filter(Boolean);
      } catch {
        /* not JSON: fall through */
      }
      return t.replace(/^\[|\]$/g, '').split(/[\s,]+/).map((x) => x.replace(/^["']|["']$/g, '')).filter(Boolean);
    }
    return t.split(/[\s,;]+/).filter(Boolean);
  };
  const repeated = all[name] && all[name].length > 1 ? all[name] : undefined;
  const bracket = all[`${name}[]`] || ctx.queryAll[`${name}[]`];
  const queryRepeated = ctx.queryAll[name] && ctx.queryAll[name].length > 1 ? ctx.queryAll[name] : undefined;
  if (repeated) return repeated.flatMap((x) => fromValue(x) || []);
  if (bracket) return bracket.flatMap((x) => fromValue(x) || []);
  if (queryRepeated) return queryRepeated.flatMap((x) => fromValue(x) || []);
  return fromValue(p[name]);
}

/** Integer ids of a list parameter; undefined when absent; throws the given error for a non-integer. */
export function idList(ctx: Ctx, p: Obj, all: Record<string, string[]>, name: string, bad: () => HttpError): number[] | undefined {
  const l = listParam(ctx, p, all, name);
  if (!l) return undefined;
  const out: number[] = [];
  for (const x of l) {
    if (!/^\d+$/.test(x)) throw bad();
    out.push(Number(x));
  }
  return out;
}

export function boolParam(v: unknown, name: string): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw rmError(400, `Invalid value for parameter '${name}'.`);
}

// ---- init -------------------------------------------------------------------------------------------

interface RmFixture {
  classificationVolume?: { id: number; name: string; type: number };
  access?: Partial<Record<AccessKind, { users?: number[]; groups?: number[] }>>;
  settings?: Partial<RmState['settings']>;
  codes?: Record<string, RmCode[]>;
  classifications?: Array<Partial<RmClassDef> & { id: number; name: string }>;
  rsis?: Array<{ id: number; name: string; title?: string; subject?: string; description?: string; status?: string; schedules?: Array<Partial<RsiStage> & { id: number }> }>;
  holds?: Array<{ id: number; name: string; type?: string; comment?: string; alternate_id?: string; parent_id?: number; active?: boolean; date_applied?: string; date_to_remove?: string }>;
  records?: Array<Record<string, unknown> & { node: number; class_id: number }>;
  nodeHolds?: Array<{ node: number; hold: number; date_applied?: string; applied_by?: number }>;
  dispositionSearches?: Array<{ id: number; name: string; description?: string; parent?: number; rsis?: string[]; classes?: number[] }>;
}

export { DATE_FIELDS, RECORD_FIELDS };

export const FIELD_LABELS: Record<string, string> = {
  rsi: 'RSI',
  status: 'Status',
  status_date: 'Status Date',
  record_date: 'Record Date',
  received_date: 'Received Date',
  essential: 'Essential',
  official: 'Official',
  storage: 'Storage Medium',
  accession: 'Accession',
  subject: 'Subject',
  addressee: 'Addressee(s)',
  sent_to: 'Other Addressee(s)',
  originator: 'Author or Originator',
  establishment: 'Originating Organization',
  cycle_period: 'Update Cycle Period',
  next_review_date: 'Next Review Date',
  last_review_date: 'Last Review Date',
};

export function initRm(fixture: Record<string, unknown>, app: SandboxApp): RmState {
  const f = (fixture.rm || {}) as RmFixture;
  const now = app.now();
  const date = (v: unknown) => fixtureDate(v, now);
  const acc = (k: AccessKind) => ({ users: [...(f.access?.[k]?.users || [])], groups: [...(f.access?.[k]?.groups || [])] });
  const s: RmState = {
    volume: f.classificationVolume || { id: 3000, name: 'Classifications', type: 198 },
    access: { classify: acc('classify'), holds: acc('holds'), disposition: acc('disposition') },
    settings: {
      multiClass: !!f.settings?.multiClass,
      finalStatus: f.settings?.finalStatus || 'FINAL',
      queueDelayMs: Number(app.options.settings?.rmQueueDelayMs ?? f.settings?.queueDelayMs ?? 600),
      searchDelayMs: Number(app.options.settings?.rmSearchDelayMs ?? f.settings?.searchDelayMs ?? 400),
    },
    codes: JSON.parse(JSON.stringify(f.codes || {})),
    classes: new Map(),
    rsis: new Map(),
    holds: new Map(),
    records: new Map(),
    nodeHolds: new Map(),
    tokens: new Map(),
    conflicts: new Map(),
    queues: new Map(),
    searches: new Map(),
    snapshots: [],
    nextHoldId: 5100,
    nextQueueId: 1,
    log: [],
  };
  for (const c of f.classifications || []) {
    s.classes.set(c.id, {
      id: c.id,
      name: c.name,
      file_number: c.file_number || c.name.split(' ')[0],
      description: c.description || '',
      required: [...(c.required || [])],
      selectable: c.selectable !== false,
      rsi: c.rsi,
      status: c.status,
      essential: c.essential,
      storage: c.storage,
      allowed_subtypes: [...(c.allowed_subtypes || [])],
      allowed_locations: [...(c.allowed_locations || [])],
      record_officer_id: c.record_officer_id,
      records_manager_id: c.records_manager_id,
    });
  }
  for (const r of f.rsis || []) {
    s.rsis.set(r.id, {
      id: r.id,
      name: r.name,
      title: r.title || r.name,
      subject: r.subject || '',
      description: r.description || '',
      status: r.status || 'ACTIVE',
      create_date: date('now-3y')!,
      schedules: (r.schedules || []).map((st) => ({
        id: st.id,
        stage: st.stage || 'DESTROY',
        date_to_use: st.date_to_use || 'Record Date',
        years: Number(st.years || 0),
        months: Number(st.months || 0),
        days: Number(st.days || 0),
        action: Number(st.action ?? 32),
        disposition: st.disposition || 'DESTROY',
        permanent: !!st.permanent,
      })),
    });
  }
  for (const h of f.holds || []) {
    const applied = date(h.date_applied) || today(app);
    s.holds.set(h.id, {
      id: h.id,
      name: h.name,
      type: h.type || 'LEGAL',
      comment: h.comment || '',
      alternate_id: h.alternate_id || '',
      parent_id: h.parent_id || 0,
      active: h.active !== false,
      date_applied: applied,
      date_to_remove: date(h.date_to_remove) || '',
      apply_patron: 'Admin',
      edit_date: applied,
      edit_patron: 'Admin',
    });
    if (h.id >= s.nextHoldId) s.nextHoldId = h.id + 1;
  }
  for (const r of f.records || []) {
    if (!getNode(app, r.node)) continue; // a fixture without that node
    const cls = s.classes.get(r.class_id);
    const fields: RecordState['fields'] = {};
    for (const k of RECORD_FIELDS) {
      const v = r[k];
      if (v === undefined || v === null || v === '') continue;
      fields[k] = DATE_FIELDS.includes(k) ? date(v)! : k === 'official' ? !!v : k === 'cycle_period' ? Number(v) : String(v);
    }
    if (fields.status && !fields.status_date) fields.status_date = fields.record_date || today(app);
    s.records.set(r.node, {
      class_id: r.class_id,
      fields,
      record_officer_id: typeof r.record_officer_id === 'number' ? r.record_officer_id : cls?.record_officer_id,
      records_manager_id: typeof r.records_manager_id === 'number' ? r.records_manager_id : cls?.records_manager_id,
      finalized: !!r.finalized,
      confidential: !!r.confidential,
      stages_done: Number(r.stages_done || 0),
      classified_by: 1000,
      classified_at: iso(now),
    });
  }
  for (const nh of f.nodeHolds || []) {
    if (!getNode(app, nh.node) || !s.holds.has(nh.hold)) continue;
    const list = s.nodeHolds.get(nh.node) || [];
    list.push({ hold_id: nh.hold, date_applied: date(nh.date_applied) || today(app), applied_by: nh.applied_by || 1000 });
    s.nodeHolds.set(nh.node, list);
  }
  for (const d of f.dispositionSearches || []) {
    s.searches.set(d.id, { id: d.id, name: d.name, description: d.description || '', parent: d.parent || 0, rsis: [...(d.rsis || [])], classes: [...(d.classes || [])] });
  }
  return s;
}

/** JSON view for GET /_sandbox/state/rm (tokens are not secrets, but they are left out). */
export function snapshotRm(s: RmState): unknown {
  return {
    settings: s.settings,
    classifications: [...s.classes.values()],
    rsis: [...s.rsis.values()],
    holds: [...s.holds.values()],
    records: Object.fromEntries([...s.records.entries()].map(([k, v]) => [k, v])),
    nodeHolds: Object.fromEntries([...s.nodeHolds.entries()].filter(([, v]) => v.length > 0)),
    queues: [...s.queues.values()],
    dispositionSearches: [...s.searches.values()],
    snapshots: s.snapshots,
    log: s.log.slice(-200),
  };
}
