/**
 * Records Management: records (RM classifications of nodes), finalization, RSIs and RM codes.
 * Paths and fields: Records Management 26.1 REST API (RM-OAS), opentext-api.md §3.1 and §3.3.
 *
 * Every classification change reads the node's `rm_metadataToken` first
 * (`GET v1/nodes/{id}/rmclassifications`) and sends it with the change; when the server answers
 * with the edit conflict (409: someone changed the node in between) the token is read again and
 * the change is sent once more. Policy refusals (missing required metadata, a classification not
 * allowed there, no permission to classify, already classified, under hold, finalized) come back
 * as OT_POLICY carrying the server's reason.
 */
import { csBody, HttpClient } from '../http';
import { isOtError, OtError } from '../errors';
import { collectPages, csPaging, PagingOptions } from '../paging';
import { arr, ItemRef, mapRmError, num, obj, Obj, rmCall, rmItemPages, sleep, str, toDay } from './common';
import { nodeHolds, NodeHoldInfo } from './holds';
import { DATE_FIELDS, RECORD_FIELDS, RecordField } from './vocabulary';

export { RECORD_FIELDS };
export type { RecordField };
export type RecordFields = Partial<Record<RecordField, string | number | boolean>>;

/**
 * Checks and normalises record fields from a node or a message: known names only, dates as
 * YYYY-MM-DD, `official` as a boolean, `cycle_period` as a number. Empty values are dropped unless
 * `keepEmpty` (an update clears a field with an empty value).
 */
export function recordFields(input: Record<string, unknown>, keepEmpty = false): RecordFields {
  const out: RecordFields = {};
  for (const [k, v] of Object.entries(input)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(k)) {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `unknown record field "${k}"; known fields: ${RECORD_FIELDS.join(', ')}` });
    }
    const key = k as RecordField;
    if (v === undefined || v === null || v === '') {
      if (keepEmpty && v === '') out[key] = '';
      continue;
    }
    if (DATE_FIELDS.includes(key)) out[key] = toDay(v, key)!;
    else if (key === 'official') {
      if (typeof v === 'boolean') out.official = v;
      else if (/^(true|1|yes)$/i.test(String(v))) out.official = true;
      else if (/^(false|0|no)$/i.test(String(v))) out.official = false;
      else throw new OtError({ code: 'OT_INVALID_INPUT', message: `official must be true or false, got ${JSON.stringify(v)}` });
    } else if (key === 'cycle_period') {
      const n = num(v);
      if (n === undefined) throw new OtError({ code: 'OT_INVALID_INPUT', message: `cycle_period must be a number (365, 7, 1, 2, 3 or 12), got ${JSON.stringify(v)}` });
      out.cycle_period = n;
    } else if (typeof v === 'string' || typeof v === 'number') out[key] = String(v).trim();
    else throw new OtError({ code: 'OT_INVALID_INPUT', message: `${key} must be text, not ${Array.isArray(v) ? 'an array' : typeof v}` });
  }
  return out;
}

/**
 * Reads `msg.record`: an object (or its JSON text) of record fields. Unlike a deep clean it keeps
 * Date values (dates may be given as Date objects); prototype keys are dropped.
 */
export function recordInput(v: unknown, name = 'msg.record'): Record<string, unknown> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let o: unknown = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch (e) {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} is not valid JSON: ${(e as Error).message}` });
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o) || o instanceof Date) throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} must be an object of record fields` });
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o as Record<string, unknown>)) if (k !== '__proto__' && k !== 'constructor' && k !== 'prototype') out[k] = val;
  return out;
}

// ---- reading ----------------------------------------------------------------------------------------

export interface RmClassificationState {
  nodeId: number;
  token: string;
  /** The classification rows (`data[]`), primary first. */
  rows: Obj[];
  canClassify: boolean;
  canFinalize: boolean;
  canRemove: boolean;
}

/** `GET v1/nodes/{id}/rmclassifications`: the classification rows, flags and the metadata token. */
export async function readRmClassifications(client: HttpClient, nodeId: number): Promise<RmClassificationState> {
  const res = await rmCall(() => client.request<Obj>({ operation: 'read RM classification', method: 'GET', path: `v1/nodes/${nodeId}/rmclassifications` }), { details: { nodeId } });
  const d = obj(res.data);
  const rows = arr(d.data).map(obj);
  rows.sort((a, b) => Number(b.is_primary === true) - Number(a.is_primary === true));
  return {
    nodeId,
    token: str(d.rm_metadataToken) ?? '',
    rows,
    canClassify: d.canRMClassify === true,
    canFinalize: d.canFinalize === true,
    canRemove: d.canRemoveClass === true,
  };
}

export interface RetentionStage {
  stage: string;
  calculatedDate?: string;
  action: number;
  disposition: string;
  dateToUse: string;
  permanent: boolean;
  met: boolean;
}

/** What a node is as a record (msg.payload of "get RM details" and of every change). */
export interface RecordDetails {
  id: number;
  classified: boolean;
  class_id?: number;
  class_name?: string;
  file_number?: string;
  rsi?: string;
  status?: string;
  status_date?: string;
  record_date?: string;
  received_date?: string;
  essential?: string;
  official?: boolean;
  storage?: string;
  accession?: string;
  subject?: string;
  addressee?: string;
  sent_to?: string;
  originator?: string;
  establishment?: string;
  cycle_period?: number;
  next_review_date?: string;
  last_review_date?: string;
  record_officer_id?: number;
  record_officer_name?: string;
  records_manager_id?: number;
  records_manager_name?: string;
  finalized?: boolean;
  can: { classify: boolean; finalize: boolean; removeClassification: boolean };
  holds?: NodeHoldInfo[];
  schedule?: RetentionStage[];
}

export function detailsOf(state: RmClassificationState): RecordDetails {
  const row = state.rows[0];
  const out: RecordDetails = { id: state.nodeId, classified: !!row, can: { classify: state.canClassify, finalize: state.canFinalize, removeClassification: state.canRemove } };
  if (!row) return out;
  const s = (k: string) => {
    const v = str(row[k]);
    return v === undefined || v === '' ? undefined : v;
  };
  out.class_id = num(row.rmclassification_id);
  out.class_name = s('name');
  out.file_number = s('file_number');
  for (const k of ['rsi', 'status', 'status_date', 'record_date', 'received_date', 'essential', 'storage', 'accession', 'subject', 'addressee', 'sent_to', 'originator', 'establishment', 'next_review_date', 'last_review_date'] as const) {
    const v = s(k);
    if (v !== undefined) out[k] = v;
  }
  out.official = row.official === true || row.official === 'true' || row.official === 1;
  const cp = num(row.cycle_period);
  if (cp) out.cycle_period = cp;
  const ro = num(row.record_officer_id);
  if (ro) {
    out.record_officer_id = ro;
    out.record_officer_name = s('record_officer_name');
  }
  const rmg = num(row.records_manager_id);
  if (rmg) {
    out.records_manager_id = rmg;
    out.records_manager_name = s('records_manager_name');
  }
  if (typeof row.finalized === 'boolean') out.finalized = row.finalized;
  return out;
}

/** `GET v1/nodes/{id}/rsi/{rsi}/GetRSIDetails`: the retention stages of a record with their calculated dates. */
export async function retentionSchedule(client: HttpClient, nodeId: number, rsi: string): Promise<RetentionStage[]> {
  const res = await rmCall(() => client.request<Obj>({ operation: 'read retention schedule', method: 'GET', path: `v1/nodes/${nodeId}/rsi/${encodeURIComponent(rsi)}/GetRSIDetails` }), { details: { nodeId, rsi } });
  return arr(obj(res.data).data).map(obj).map((r) => ({
    stage: str(r.Stage) ?? '',
    calculatedDate: str(r.CalculatedDate) || undefined,
    action: num(r.ActionToPerform) ?? 0,
    disposition: str(r.Disposition) ?? '',
    dateToUse: str(r.DateToUse) ?? '',
    permanent: r.Permanent === true,
    met: r.MetEventRule === true,
  }));
}

/** The RM details of a node: classification and record fields, optionally its holds and retention schedule. */
export async function getRecord(client: HttpClient, nodeId: number, opts: { holds?: boolean; schedule?: boolean } = {}): Promise<RecordDetails> {
  const details = detailsOf(await readRmClassifications(client, nodeId));
  if (opts.holds) details.holds = await nodeHolds(client, nodeId);
  if (opts.schedule && details.rsi) details.schedule = await retentionSchedule(client, nodeId, details.rsi);
  return details;
}

// ---- changes -------------------------------------------------------------------------------------------

/**
 * Runs a classification change with the node's current metadata token; on the edit conflict
 * (409) reads the token again and runs it once more.
 */
export async function withToken<T>(client: HttpClient, nodeId: number, change: (state: RmClassificationState) => Promise<T>): Promise<T> {
  let state = await readRmClassifications(client, nodeId);
  try {
    return await change(state);
  } catch (e) {
    if (!(isOtError(e) && e.code === 'OT_CONFLICT')) throw e;
  }
  state = await readRmClassifications(client, nodeId);
  try {
    return await change(state);
  } catch (e) {
    if (isOtError(e) && e.code === 'OT_CONFLICT') {
      throw new OtError({
        code: 'OT_CONFLICT',
        message: `${e.operation || 'records management'}: node ${nodeId} was changed by someone else while this change was sent, twice in a row – ${e.apiMessage || 'edit conflict'}`,
        statusCode: e.statusCode,
        operation: e.operation,
        apiMessage: e.apiMessage,
        details: { nodeId, attempts: 2 },
      });
    }
    throw e;
  }
}

/**
 * Declares a record: applies the RM classification `classId` with the given record fields
 * (`POST v1/nodes/{id}/rmclassifications`, form field `body` with class_id, rm_metadataToken and
 * the fields). Returns the record as the server has it afterwards.
 */
export async function declareRecord(client: HttpClient, nodeId: number, classId: number, fields: RecordFields = {}): Promise<RecordDetails> {
  await withToken(client, nodeId, (state) =>
    rmCall(
      () =>
        client.request({
          operation: 'declare record',
          method: 'POST',
          path: `v1/nodes/${nodeId}/rmclassifications`,
          body: csBody({ class_id: classId, rm_metadataToken: state.token, ...fields }),
        }),
      { policy: true, details: { nodeId, classId } },
    ),
  );
  return getRecord(client, nodeId);
}

/** Updates record details (`PUT v1/nodes/{id}/rmclassifications`); an empty value clears a field. */
export async function updateRecord(client: HttpClient, nodeId: number, fields: RecordFields): Promise<RecordDetails> {
  if (Object.keys(fields).length === 0) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'update record: no record fields to change were given' });
  await withToken(client, nodeId, (state) => {
    if (state.rows.length === 0) {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `update record: node ${nodeId} is not a record (it has no RM classification); declare it first`, details: { nodeId } });
    }
    return rmCall(
      () => client.request({ operation: 'update record', method: 'PUT', path: `v1/nodes/${nodeId}/rmclassifications`, body: csBody({ rm_metadataToken: state.token, ...fields }) }),
      { policy: true, details: { nodeId } },
    );
  });
  return getRecord(client, nodeId);
}

/**
 * Undeclares a record: removes its RM classification (`DELETE
 * v1/nodes/{id}/rmclassifications/{class_id}?rm_metadataToken=`). Without `classId` the primary
 * classification is removed; a node that is no record is left as it is (`removed: undefined`).
 */
export async function undeclareRecord(client: HttpClient, nodeId: number, classId?: number): Promise<RecordDetails & { removed?: number }> {
  const removed = await withToken(client, nodeId, async (state) => {
    const target = classId ?? num(state.rows[0]?.rmclassification_id);
    if (target === undefined) return undefined;
    if (!state.rows.some((r) => num(r.rmclassification_id) === target)) {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `undeclare record: node ${nodeId} is not classified with RM classification ${target}`, details: { nodeId, classId: target } });
    }
    await rmCall(
      () => client.request({ operation: 'undeclare record', method: 'DELETE', path: `v1/nodes/${nodeId}/rmclassifications/${target}`, query: { rm_metadataToken: state.token } }),
      { policy: true, details: { nodeId, classId: target } },
    );
    return target;
  });
  return { ...(await getRecord(client, nodeId)), removed };
}

/** Finalizes records at once (`PUT v1/rmclassifications/finalizerecords`, ids in the `body` JSON [GUESS]). */
export async function finalizeRecords(client: HttpClient, ids: number[]): Promise<RecordDetails[]> {
  if (ids.length === 0) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'finalize records: no node ids were given' });
  await rmCall(() => client.request({ operation: 'finalize records', method: 'PUT', path: 'v1/rmclassifications/finalizerecords', body: csBody({ ids }) }), { policy: true, details: { ids } });
  const out: RecordDetails[] = [];
  for (const id of ids) out.push(await getRecord(client, id));
  return out;
}

export interface QueueTask {
  id: number;
  status: string;
  location: string;
  errMsg?: string;
}

const DONE = /^(complete|completed|done|success|succeeded|finished)$/i;
const FAILED = /(error|fail|abort|cancel)/i;

function queueTaskOf(data: unknown, fallbackId?: number): QueueTask {
  const d = obj(data);
  const location = str(d.location) ?? '';
  const id = num(/(\d+)\/?$/.exec(location)?.[1]) ?? fallbackId;
  if (id === undefined) throw new OtError({ code: 'OT_API', message: 'RM queue: the response named no task (location)', details: { response: d } });
  return { id, status: str(d.task_status) ?? '', location, errMsg: str(d.errMsg) || undefined };
}

/** `GET v1/rmqueues/{id}`: the status of an RM queue task. */
export async function queueStatus(client: HttpClient, taskId: number): Promise<QueueTask> {
  const res = await rmCall(() => client.request<Obj>({ operation: 'read RM queue task', method: 'GET', path: `v1/rmqueues/${taskId}` }), { details: { taskId } });
  return queueTaskOf(res.data, taskId);
}

/**
 * Finalizes a record through the RM queue (`POST v1/rmqueues?task_name=rm_FinalizeRecord&id=`)
 * and waits for the task (`GET v1/rmqueues/{id}`) at most `waitMs`. A failed task is an error
 * (OT_POLICY when its message reads like a records policy); a task still running after the wait
 * is OT_TIMEOUT (the task keeps running on the server).
 */
export async function finalizeQueued(client: HttpClient, nodeId: number, opts: { applySubitems?: boolean; waitMs?: number; intervalMs?: number } = {}): Promise<{ task: QueueTask; record: RecordDetails }> {
  const res = await rmCall(
    () =>
      client.request<Obj>({
        operation: 'queue finalize record',
        method: 'POST',
        path: 'v1/rmqueues',
        query: { task_name: 'rm_FinalizeRecord', id: nodeId, apply_subitems: opts.applySubitems ? true : undefined },
      }),
    { policy: true, details: { nodeId } },
  );
  let task = queueTaskOf(res.data);
  const waitMs = Math.max(0, opts.waitMs ?? 30000);
  const interval = Math.max(20, opts.intervalMs ?? 250);
  const end = Date.now() + waitMs;
  while (!DONE.test(task.status) && !FAILED.test(task.status)) {
    if (Date.now() >= end) {
      throw new OtError({ code: 'OT_TIMEOUT', message: `finalize record: RM queue task ${task.id} for node ${nodeId} did not finish within ${Math.round(waitMs / 1000)} s (status "${task.status}"); it keeps running on the server`, operation: 'finalize record', details: { nodeId, task } });
    }
    await sleep(Math.min(interval, Math.max(0, end - Date.now())));
    task = await queueStatus(client, task.id);
  }
  if (FAILED.test(task.status)) {
    const reason = task.errMsg || task.status;
    const err = new OtError({ code: 'OT_API', message: `finalize record: RM queue task ${task.id} failed – ${reason}`, operation: 'finalize record', statusCode: 400, apiMessage: reason, details: { nodeId, task } });
    throw mapRmError(err, { policy: true, details: { nodeId, task } });
  }
  return { task, record: await getRecord(client, nodeId) };
}

// ---- RSIs, codes, items ----------------------------------------------------------------------------------

export interface RsiInfo {
  id: number;
  name: string;
  title: string;
  status: string;
  schedules: Array<{ id: number; stage: string; dateToUse: string; years: number; months: number; days: number; action: number; disposition: string }>;
}

function rsisOf(rows: Obj[]): RsiInfo[] {
  const by = new Map<number, RsiInfo>();
  for (const r of rows) {
    const id = num(r.RSIID);
    if (id === undefined) continue;
    let info = by.get(id);
    if (!info) {
      info = { id, name: str(r.RSI) ?? '', title: str(r.Title) ?? '', status: str(r.RSIStatus) ?? '', schedules: [] };
      by.set(id, info);
    }
    const sid = num(r.RSIScheduleID);
    if (sid !== undefined) {
      info.schedules.push({
        id: sid,
        stage: str(r.RetStage) ?? '',
        dateToUse: str(r.DateToUse) ?? '',
        years: num(r.RetYears) ?? 0,
        months: num(r.RetMonths) ?? 0,
        days: num(r.RetDays) ?? 0,
        action: num(r.ActionCode) ?? 0,
        disposition: str(r.Disposition) ?? '',
      });
    }
  }
  return [...by.values()];
}

/** `GET v2/rsis?page&limit`: RSIs with their schedules (every page with `returnAll`). */
export async function listRsis(client: HttpClient, paging: PagingOptions = { returnAll: true }): Promise<RsiInfo[]> {
  const r = await collectPages<Obj>(async (page, limit) => {
    const res = await rmCall(() => client.request<Obj>({ operation: 'list RSIs', method: 'GET', path: 'v2/rsis', query: { page, limit } }));
    return { items: arr(obj(obj(obj(res.data).results).data).rsis).map(obj), ...csPaging(res.data) };
  }, paging);
  return rsisOf(r.items);
}

/** `GET v2/rsis/{id}`: one RSI with its schedules. */
export async function getRsi(client: HttpClient, rsiId: number): Promise<RsiInfo> {
  const res = await rmCall(() => client.request<Obj>({ operation: 'read RSI', method: 'GET', path: `v2/rsis/${rsiId}`, query: { page: 1, limit: 100 } }), { details: { rsiId } });
  const info = rsisOf(arr(obj(obj(obj(res.data).results).data).rsis).map(obj))[0];
  if (!info) throw new OtError({ code: 'OT_NOT_FOUND', message: `read RSI: RSI ${rsiId} was not found`, details: { rsiId } });
  return info;
}

/** `POST v1/nodes/{id}/rmclassifications/{class_id}/rsis?rsi=`: assigns an RSI (by name) to a record. */
export async function assignRsi(client: HttpClient, nodeId: number, classId: number, rsi: string): Promise<RecordDetails> {
  await rmCall(() => client.request({ operation: 'assign RSI', method: 'POST', path: `v1/nodes/${nodeId}/rmclassifications/${classId}/rsis`, query: { rsi } }), { policy: true, details: { nodeId, classId, rsi } });
  return getRecord(client, nodeId);
}

/** `GET v2/rsiitems/{id}` (+ `/page`): the records that carry an RSI. */
export function rsiItems(client: HttpClient, rsiId: number, paging: PagingOptions = { returnAll: true }): Promise<{ items: ItemRef[]; totalCount?: number; truncated: boolean }> {
  return rmItemPages(client, 'list RSI items', `v2/rsiitems/${rsiId}`, paging, (d) => arr(obj(d).results).map(obj));
}

/** `GET v2/classifieditems/{id}` (+ `/page`): the items classified with a classification. */
export function classifiedItems(client: HttpClient, classId: number, paging: PagingOptions = { returnAll: true }): Promise<{ items: ItemRef[]; totalCount?: number; truncated: boolean }> {
  return rmItemPages(client, 'list classified items', `v2/classifieditems/${classId}`, paging, (d) => {
    const results = obj(d).results;
    return Array.isArray(results) ? results.map(obj) : arr(obj(results).contents).map(obj);
  });
}

/** `GET v2/recordsmanagement/rmcodes`: the RM code tables (status, storage, essential, hold types ...). */
export async function rmCodes(client: HttpClient): Promise<Record<string, Array<{ code: string | number; description: string }>>> {
  const res = await rmCall(() => client.request<Obj>({ operation: 'read RM codes', method: 'GET', path: 'v2/recordsmanagement/rmcodes' }));
  const data = obj(obj(obj(res.data).results).data);
  const out: Record<string, Array<{ code: string | number; description: string }>> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = arr(obj(v).values)
      .map(obj)
      .map((c) => ({ code: (typeof c.code === 'number' ? c.code : str(c.code)) ?? '', description: str(c.description) ?? '' }));
  }
  return out;
}
