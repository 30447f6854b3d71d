/**
 * Records Management: RM classifications of nodes (declare, update, undeclare), finalization
 * (direct and through the RM queue), RSIs and their schedules, RM codes, RSI and classified items.
 * RM-OAS paths: /v1/nodes/{id}/rmclassifications, /v1/rmclassifications/finalizerecords,
 * /v1/rmqueues, /v2/rsis, /v1/nodes/{id}/rsis, /v2/recordsmanagement/rmcodes, /v2/rsiitems, ...
 */
import { Ctx, csParams, SandboxApp } from '../server';
import { cs, csAuth, CsNode, CsUser, getNode, intParam, iso, nodeProperties, SUBTYPES, touch } from './cs-core';
import {
  ancestors,
  apiError,
  boolParam,
  codeValid,
  DATE_FIELDS,
  FIELD_LABELS,
  hasAccess,
  idList,
  log,
  Obj,
  readFormAll,
  RECORD_FIELDS,
  RecordState,
  requestDate,
  rm,
  rmError,
  rmNode,
  RmState,
  RsiDef,
  rsiByName,
  RsiStage,
  rotateToken,
  stageBaseDate,
  stageDate,
  today,
  tokenOf,
  userName,
} from './rm-state';

const NO_PERMISSION_CLASSIFY = 'Accessibility error. You do not have permission to classify this item.';
const EDIT_CONFLICT = 'Could not update metadata (edit conflict).';
const CYCLE_PERIODS = [365, 7, 1, 2, 3, 12];

// ---- shared views -------------------------------------------------------------------------------------

/** One page of a list, with Content Server's paging object. */
export function paginate<T>(items: T[], pageIn: unknown, limitIn: unknown, defLimit = 25): { items: T[]; paging: Record<string, number> } {
  const limit = Math.max(1, Math.min(10000, Number(limitIn) > 0 ? Math.floor(Number(limitIn)) : defLimit));
  const page = Math.max(1, Number(pageIn) > 0 ? Math.floor(Number(pageIn)) : 1);
  const total = items.length;
  const pageTotal = Math.max(1, Math.ceil(total / limit));
  const start = (page - 1) * limit;
  const slice = items.slice(start, start + limit);
  return { items: slice, paging: { limit, page, page_total: pageTotal, total_count: total, range_min: slice.length ? start + 1 : 0, range_max: start + slice.length } };
}

/** The node_data shape of RM item lists (hold items, RSI items, classified items). */
export function nodeData(app: SandboxApp, n: CsNode): Obj {
  const p = nodeProperties(app, n);
  return {
    id: n.id,
    name: n.name,
    type: n.type,
    type_name: SUBTYPES[n.type] || 'Node',
    parent_id: n.parent_id,
    description: n.description,
    create_date: n.create_date,
    create_user_id: n.create_user_id,
    modify_date: n.modify_date,
    modify_user_id: n.modify_user_id,
    owner_user_id: n.owner_user_id,
    container: p.container,
    size: p.size,
    size_formatted: p.size_formatted,
    mime_type: p.mime_type,
    comment: '',
    comments: 0,
    favorite: false,
    hidden: false,
    openable: true,
    original_id: 0,
    permissions_model: 'advanced',
    reserved_user_id: 0,
    status: 0,
  };
}

function sortNodes(list: CsNode[], sort: unknown): CsNode[] {
  const s = String(sort || '');
  const m = /^(asc|desc)_(name|id|create_date|modify_date)$/.exec(s);
  if (!m) return list;
  const key = m[2] as 'name' | 'id' | 'create_date' | 'modify_date';
  const dir = m[1] === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : 0));
}

/** The classification row of GET v1/nodes/{id}/rmclassifications. */
export function classificationRow(app: SandboxApp, node: CsNode, rec: RecordState): Obj {
  const s = rm(app);
  const cls = s.classes.get(rec.class_id);
  const f = rec.fields;
  const str = (k: string) => (f[k] === undefined ? '' : String(f[k]));
  return {
    rmclassification_id: rec.class_id,
    default_rmclassification_id: 0,
    inherited_rmclassification_id: 0,
    name: cls?.name ?? '',
    file_number: cls?.file_number ?? '',
    type: 551,
    class_selectable: cls?.selectable ?? true,
    is_primary: true,
    management_type: 'manual',
    score: 0,
    inherit_from: false,
    rsi: str('rsi'),
    status: str('status'),
    status_date: str('status_date'),
    record_date: str('record_date'),
    received_date: str('received_date'),
    essential: str('essential'),
    official: f.official === true,
    storage: str('storage'),
    accession: str('accession'),
    subject: str('subject'),
    addressee: str('addressee'),
    sent_to: str('sent_to'),
    originator: str('originator'),
    establishment: str('establishment'),
    cycle_period: typeof f.cycle_period === 'number' ? f.cycle_period : 0,
    next_review_date: str('next_review_date'),
    last_review_date: str('last_review_date'),
    record_officer_id: rec.record_officer_id ?? 0,
    record_officer_name: userName(app, rec.record_officer_id),
    records_manager_id: rec.records_manager_id ?? 0,
    records_manager_name: userName(app, rec.records_manager_id),
    record_type: node.type === 144 ? 1 : 0,
    multiple_classifications: `${rec.class_id},${cls?.file_number ?? ''},1,${str('rsi')}`,
    finalized: rec.finalized,
    confidential: rec.confidential,
    extradata: '',
  };
}

// ---- record fields -------------------------------------------------------------------------------------

/** Reads the record fields of a request: values to set, and `null` for fields sent empty (clear). */
function readFields(s: RmState, p: Obj): Map<string, string | boolean | number | null> {
  const out = new Map<string, string | boolean | number | null>();
  // pyxecm sends the status as "file_status" on update; accept it as the same field.
  if (p.status === undefined && p.file_status !== undefined) p.status = p.file_status;
  for (const k of RECORD_FIELDS) {
    if (!(k in p)) continue;
    const v = p[k];
    if (v === undefined) continue;
    if (v === null || v === '') {
      out.set(k, null);
      continue;
    }
    if (DATE_FIELDS.includes(k)) {
      out.set(k, requestDate(v, k)!);
    } else if (k === 'official') {
      out.set(k, boolParam(v, k)!);
    } else if (k === 'cycle_period') {
      const n = Number(v);
      if (!CYCLE_PERIODS.includes(n)) throw rmError(400, 'Incorrect Cycle Period specified.');
      out.set(k, n);
    } else if (k === 'rsi') {
      const r = rsiByName(s, v);
      if (!r) throw rmError(400, 'Incorrect RSI specified.');
      out.set(k, r.name);
    } else {
      const t = typeof v === 'object' ? JSON.stringify(v) : String(v).trim();
      if (k === 'status' && !codeValid(s, 'status', t)) throw rmError(400, `Invalid Status '${t}' specified.`);
      if (k === 'storage' && !codeValid(s, 'storage', t)) throw rmError(400, `Invalid Storage Medium '${t}' specified.`);
      if (k === 'essential' && !codeValid(s, 'essential', t)) throw rmError(400, `Invalid Essential code '${t}' specified.`);
      if (k === 'accession' && !codeValid(s, 'accession', t)) throw rmError(400, `Invalid Accession code '${t}' specified.`);
      if (t.length > 255) throw rmError(400, `The value of '${k}' is too long (255 characters at most).`);
      out.set(k, t);
    }
  }
  return out;
}

function missingRequired(required: string[], fields: RecordState['fields']): string[] {
  return required.filter((k) => {
    const v = fields[k];
    return v === undefined || v === null || v === '';
  });
}

function requiredError(className: string, missing: string[]): never {
  throw rmError(400, `The RM Classification '${className}' cannot be applied: the following required fields are missing: ${missing.map((k) => FIELD_LABELS[k] || k).join(', ')}.`);
}

/** Checks the token of a classification change: 400 when it is missing, 409 when it is stale. */
function checkToken(app: SandboxApp, user: CsUser, node: CsNode, token: unknown, op: string): void {
  const s = rm(app);
  const current = tokenOf(s, node.id);
  if (token === undefined || token === null || token === '') {
    log(app, { user: user.id, op, node: node.id, token: 'missing', status: 400 });
    throw rmError(400, "Missing required parameter 'rm_metadataToken'.");
  }
  if (String(token) !== current) {
    log(app, { user: user.id, op, node: node.id, token: 'stale', status: 409 });
    throw rmError(409, EDIT_CONFLICT);
  }
}

/** Refusals of removing a classification: a finalized record, or an item under hold. */
function removalGuards(app: SandboxApp, node: CsNode, rec: RecordState): void {
  if (rec.finalized) throw rmError(400, 'The record is finalized: its RM Classification cannot be removed.');
  const held = holdsOfNode(app, node);
  if (held) throw rmError(400, `The item is under hold ('${held}'): its RM Classification cannot be removed.`);
}

function holdsOfNode(app: SandboxApp, node: CsNode): string | undefined {
  const s = rm(app);
  for (const n of [node, ...ancestors(app, node)]) {
    for (const nh of s.nodeHolds.get(n.id) || []) {
      const h = s.holds.get(nh.hold_id);
      if (h?.active) return h.name;
    }
  }
  return undefined;
}

// ---- the classification response ---------------------------------------------------------------------------

function classificationsBody(app: SandboxApp, user: CsUser, node: CsNode): Obj {
  const s = rm(app);
  const rec = s.records.get(node.id);
  const rights = hasAccess(app, user, 'classify');
  const essential = s.codes.essential || [];
  return {
    canBeUnclassified: rights && !!rec && !rec.finalized,
    canFinalize: rights && !!rec && !rec.finalized,
    canRemoveClass: rights && !!rec && !rec.finalized,
    canRMClassify: rights,
    classVolumeID: s.volume.id,
    data: rec ? [classificationRow(app, node, rec)] : [],
    definitions: {},
    fields_order: RECORD_FIELDS.join(','),
    fields_to_show: {},
    haveFAtoClassify: rights,
    inherit_from: false,
    inheritanceMetadataUpdate: {},
    multiClass: s.settings.multiClass,
    rm_metadataToken: tokenOf(s, node.id),
    showTab: true,
    vitalRecordCodes: essential.filter((c) => c.vital).map((c) => c.code).join(','),
  };
}

// ---- routes -------------------------------------------------------------------------------------------------

export function registerRecordRoutes(app: SandboxApp): void {
  app.cs('GET', '/v2/classificationvolume', (ctx) => {
    csAuth(ctx);
    const v = rm(app).volume;
    return { status: 200, body: { id: v.id, name: v.name, type: v.type } };
  });

  app.cs('GET', '/v1/nodes/:id/rmclassifications', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    const body = classificationsBody(app, user, node);
    log(app, { user: user.id, op: 'read token', node: node.id, status: 200 });
    const pending = s.conflicts.get(node.id) || 0;
    if (pending > 0) {
      // Sandbox hook: another user edits the node right after this read, so the token just
      // handed out is stale by the time the caller writes with it.
      s.conflicts.set(node.id, pending - 1);
      rotateToken(s, node.id);
      log(app, { user: 0, op: 'concurrent edit (hook)', node: node.id, status: 200 });
    }
    return { status: 200, body };
  });

  // Apply an RM classification (declare a record).
  app.cs('POST', '/v1/nodes/:id/rmclassifications', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    const p = csParams(ctx);
    if (!hasAccess(app, user, 'classify')) {
      log(app, { user: user.id, op: 'declare', node: node.id, status: 403 });
      throw rmError(403, NO_PERMISSION_CLASSIFY);
    }
    const classId = intParam(p, 'class_id')!;
    checkToken(app, user, node, p.rm_metadataToken, 'declare');
    const cls = s.classes.get(classId);
    if (!cls) throw rmError(400, `Invalid RM Classification ID ${classId}.`);
    if (!cls.selectable) throw rmError(400, `The RM Classification '${cls.name}' is not selectable: classifying items with it is not allowed.`);
    if (cls.allowed_subtypes.length && !cls.allowed_subtypes.includes(node.type)) {
      throw rmError(400, `The RM Classification '${cls.name}' is not allowed for items of type ${SUBTYPES[node.type] || node.type}.`);
    }
    if (cls.allowed_locations.length) {
      const anc = ancestors(app, node).map((n) => n.id);
      if (!cls.allowed_locations.some((l) => anc.includes(l))) throw rmError(400, `The RM Classification '${cls.name}' is not allowed in this location.`);
    }
    const existing = s.records.get(node.id);
    if (existing && existing.class_id !== classId && !s.settings.multiClass) {
      const other = s.classes.get(existing.class_id);
      throw rmError(400, `The item is already classified with the RM Classification '${other?.name ?? existing.class_id}'. Remove it before applying another one.`);
    }
    if (existing?.finalized) throw rmError(400, 'The record is finalized: its RM Classification cannot be changed.');
    const given = readFields(s, p);
    const fields: RecordState['fields'] = existing ? { ...existing.fields } : {};
    for (const [k, v] of given) {
      if (v === null) delete fields[k];
      else fields[k] = v;
    }
    const missing = missingRequired(cls.required, fields);
    if (missing.length) {
      log(app, { user: user.id, op: 'declare', node: node.id, token: 'current', status: 400 });
      requiredError(cls.name, missing);
    }
    // Defaults of the classification for what was not given (never for required fields).
    if (!fields.rsi && cls.rsi) fields.rsi = cls.rsi;
    for (const k of ['status', 'essential', 'storage'] as const) if (fields[k] === undefined && cls[k] && !cls.required.includes(k)) fields[k] = cls[k] as string;
    if (fields.status && !fields.status_date) fields.status_date = today(app);
    if (fields.official === undefined) fields.official = false;
    const rec: RecordState = existing
      ? { ...existing, fields }
      : {
          class_id: classId,
          fields,
          record_officer_id: cls.record_officer_id,
          records_manager_id: cls.records_manager_id,
          finalized: false,
          confidential: false,
          stages_done: 0,
          classified_by: user.id,
          classified_at: iso(app.now()),
        };
    s.records.set(node.id, rec);
    const token = rotateToken(s, node.id);
    touch(app, node.id, user.id);
    log(app, { user: user.id, op: 'declare', node: node.id, token: 'current', status: 200 });
    return { status: 200, body: { rm_metadataToken: token } };
  });

  // Update record details.
  app.cs('PUT', '/v1/nodes/:id/rmclassifications', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    const p = csParams(ctx);
    if (!hasAccess(app, user, 'classify')) {
      log(app, { user: user.id, op: 'update', node: node.id, status: 403 });
      throw rmError(403, NO_PERMISSION_CLASSIFY);
    }
    checkToken(app, user, node, p.rm_metadataToken, 'update');
    const rec = s.records.get(node.id);
    if (!rec) throw rmError(400, 'The item is not classified with an RM Classification.');
    const classId = intParam(p, 'class_id', false);
    if (classId !== undefined && classId !== rec.class_id) throw rmError(400, `The item is not classified with the RM Classification ${classId}.`);
    if (rec.finalized) throw rmError(400, 'The record is finalized: its record details cannot be changed.');
    const cls = s.classes.get(rec.class_id);
    const given = readFields(s, p);
    const fields = { ...rec.fields };
    for (const [k, v] of given) {
      if (v === null) delete fields[k];
      else fields[k] = v;
    }
    const missing = missingRequired(cls?.required || [], fields);
    if (missing.length) {
      log(app, { user: user.id, op: 'update', node: node.id, token: 'current', status: 400 });
      requiredError(cls?.name ?? String(rec.class_id), missing);
    }
    if (given.has('status') && !given.has('status_date')) fields.status_date = today(app);
    rec.fields = fields;
    const token = rotateToken(s, node.id);
    touch(app, node.id, user.id);
    log(app, { user: user.id, op: 'update', node: node.id, token: 'current', status: 200 });
    return { status: 200, body: { rm_metadataToken: token } };
  });

  // Remove an RM classification (undeclare).
  app.cs('DELETE', '/v1/nodes/:id/rmclassifications/:class_id', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    const p = csParams(ctx);
    if (!hasAccess(app, user, 'classify')) {
      log(app, { user: user.id, op: 'undeclare', node: node.id, status: 403 });
      throw rmError(403, NO_PERMISSION_CLASSIFY);
    }
    checkToken(app, user, node, p.rm_metadataToken, 'undeclare');
    const rec = s.records.get(node.id);
    const classId = Number(ctx.params.class_id);
    if (!rec || rec.class_id !== classId) throw rmError(400, 'Could not delete records in table RM_PartRecords');
    removalGuards(app, node, rec);
    s.records.delete(node.id);
    rotateToken(s, node.id);
    touch(app, node.id, user.id);
    log(app, { user: user.id, op: 'undeclare', node: node.id, token: 'current', status: 200 });
    return { status: 200, body: {} };
  });

  // Finalize a list of records.
  app.cs(
    'PUT',
    '/v1/rmclassifications/finalizerecords',
    async (ctx) => {
      const user = csAuth(ctx);
      const all = await readFormAll(ctx);
      const s = rm(app);
      const p = csParams(ctx);
      const bad = () => rmError(404, 'ID is not an integer or is missing');
      const ids = idList(ctx, p, all, 'ids', bad);
      if (!ids || ids.length === 0) throw bad();
      if (!hasAccess(app, user, 'classify')) throw rmError(403, 'Accessibility error. Not enough permissions.');
      const nodes = ids.map((id) => rmNode(app, id));
      for (const n of nodes) if (!s.records.has(n.id)) throw rmError(400, `Item ${n.id} is not a record: apply an RM Classification before finalizing it.`);
      for (const n of nodes) finalize(app, n, user.id);
      log(app, { user: user.id, op: `finalize ${ids.join(',')}`, status: 200 });
      return { status: 200, body: {} };
    },
    'none',
  );

  // RM queue: finalize in the background.
  app.cs('POST', '/v1/rmqueues', (ctx) => {
    const user = csAuth(ctx);
    const s = rm(app);
    const p = csParams(ctx);
    const task = String(p.task_name ?? '').trim();
    if (!task) throw rmError(400, "Missing required parameter 'task_name'.");
    if (task !== 'rm_FinalizeRecord') throw rmError(400, `Task name '${task}' is not supported`);
    const id = intParam(p, 'id')!;
    const node = getNode(app, id);
    if (!node) throw rmError(404, 'The object does not exist');
    if (!hasAccess(app, user, 'classify')) throw rmError(403, 'Accessibility error. Not enough permissions.');
    const qid = s.nextQueueId++;
    s.queues.set(qid, { id: qid, task_name: task, node_id: node.id, apply_subitems: boolParam(p.apply_subitems, 'apply_subitems') ?? false, user_id: user.id, status: 'pending', errMsg: '', due_at: app.now() + s.settings.queueDelayMs });
    log(app, { user: user.id, op: `queue ${task}`, node: node.id, status: 200 });
    return { status: 200, body: queueBody(app, qid) };
  });

  app.cs('GET', '/v1/rmqueues/:id', (ctx) => {
    csAuth(ctx);
    const t = rm(app).queues.get(Number(ctx.params.id));
    if (!t) throw rmError(404, 'Error retrieving cache');
    return { status: 200, body: queueBody(app, t.id) };
  });

  app.cs('DELETE', '/v1/rmqueues/:id', (ctx) => {
    csAuth(ctx);
    const s = rm(app);
    const t = s.queues.get(Number(ctx.params.id));
    if (!t) throw rmError(404, 'Error retrieving cache');
    if (t.status === 'pending') {
      t.status = 'error';
      t.errMsg = 'Aborted';
    }
    return { status: 200, body: queueBody(app, t.id) };
  });

  // ---- RSIs ----
  app.cs('GET', '/v2/rsis', (ctx) => {
    csAuth(ctx);
    const list = [...rm(app).rsis.values()].sort((a, b) => a.name.localeCompare(b.name));
    const pg = paginate(list, ctx.query.page, ctx.query.limit);
    return { status: 200, body: { collection: { paging: pg.paging }, results: { ok: true, data: { rsis: pg.items.flatMap(rsiRows) } } } };
  });

  app.cs('GET', '/v2/rsis/:id', (ctx) => {
    csAuth(ctx);
    const r = rm(app).rsis.get(Number(ctx.params.id));
    if (!r) throw apiError(400, `RSI ${ctx.params.id} does not exist.`);
    const rows = rsiRows(r);
    const pg = paginate(rows, ctx.query.page, ctx.query.limit);
    return { status: 200, body: { collection: { paging: pg.paging }, results: { ok: true, data: { rsis: pg.items } } } };
  });

  app.cs('GET', '/v2/rsis/:rsiid/schedules/:id', (ctx) => {
    csAuth(ctx);
    const r = rm(app).rsis.get(Number(ctx.params.rsiid));
    const st = r?.schedules.find((x) => x.id === Number(ctx.params.id));
    if (!r || !st) throw apiError(400, `RSI Schedule ${ctx.params.id} does not exist.`);
    return { status: 200, body: { results: { ok: true, data: { schedule: rsiRow(r, st) } } } };
  });

  app.cs('GET', '/v2/rsischedule/:id', (ctx) => {
    csAuth(ctx);
    const r = rm(app).rsis.get(Number(ctx.params.id));
    if (!r) throw rmError(400, 'Insufficient Permissions');
    const pg = paginate(rsiRows(r), ctx.query.page, ctx.query.limit);
    return {
      status: 200,
      body: { paging: pg.paging, data: pg.items.map((d) => ({ actions: {}, data: d, metadata: {}, metadata_order: '' })), definitions: {}, definitions_order: [], title: r.name, bCanEditRSI: false, bCanAddRSI: false, bApprovalEnabled: false, bCanDeleteRSI: false, rsi_unique_id: r.id },
    };
  });

  const rsiNames = (ctx: Ctx) => {
    csAuth(ctx);
    const q = String(csParams(ctx).query ?? '').toLowerCase();
    const names = [...rm(app).rsis.values()].map((r) => r.name).filter((n) => !q || n.toLowerCase().includes(q)).sort();
    return { status: 200, body: { 'fast:codes': names.map((name) => ({ name })) } };
  };
  app.cs('GET', '/v1/rsis', rsiNames);
  app.cs('POST', '/v1/rsis', rsiNames);

  app.cs('GET', '/v1/nodes/:id/rsis', (ctx) => {
    csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const rec = rm(app).records.get(node.id);
    const data = rec && rec.fields.rsi ? [{ class_id: rec.class_id, rsi: String(rec.fields.rsi) }] : [];
    return { status: 200, body: { data, definitions: {} } };
  });

  app.cs('POST', '/v1/nodes/:id/rmclassifications/:class_id/rsis', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    const p = csParams(ctx);
    if (!hasAccess(app, user, 'classify')) throw rmError(403, NO_PERMISSION_CLASSIFY);
    const r = rsiByName(s, p.rsi);
    if (!r) throw rmError(400, 'Incorrect RSI specified.');
    const rec = s.records.get(node.id);
    if (!rec || rec.class_id !== Number(ctx.params.class_id)) throw rmError(400, 'Cannot retrieve node');
    if (rec.finalized) throw rmError(400, 'The record is finalized: its record details cannot be changed.');
    rec.fields.rsi = r.name;
    rotateToken(s, node.id);
    log(app, { user: user.id, op: `assign rsi ${r.name}`, node: node.id, status: 200 });
    return { status: 200, body: {} };
  });

  app.cs('DELETE', '/v1/nodes/:id/rmclassifications/:class_id/rsis', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    if (!hasAccess(app, user, 'classify')) throw rmError(403, NO_PERMISSION_CLASSIFY);
    const rec = s.records.get(node.id);
    if (!rec || rec.class_id !== Number(ctx.params.class_id)) throw rmError(400, 'Cannot retrieve node');
    if (rec.finalized) throw rmError(400, 'The record is finalized: its record details cannot be changed.');
    delete rec.fields.rsi;
    rotateToken(s, node.id);
    log(app, { user: user.id, op: 'remove rsi', node: node.id, status: 200 });
    return { status: 200, body: {} };
  });

  // The retention schedule of one node for one RSI, with calculated dates.
  app.cs('GET', '/v1/nodes/:id/rsi/:rsi/GetRSIDetails', (ctx) => {
    csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const s = rm(app);
    const rec = s.records.get(node.id);
    const r = rsiByName(s, ctx.params.rsi);
    if (!rec || !r || String(rec.fields.rsi || '').toLowerCase() !== r.name.toLowerCase()) throw rmError(400, 'Incorrect RSI specified.');
    const data = r.schedules.map((st, i) => {
      const date = stageDate(app, node, rec, st);
      return {
        Stage: st.stage,
        RetentionRule: st.permanent ? 'Permanent' : `${st.date_to_use}->${st.years}/${st.months}/${st.days}`,
        MetEventRule: i < rec.stages_done,
        CalculatedDate: date ?? '',
        ActionToPerform: st.action,
        Disposition: st.disposition,
        Comment: '',
        RuleCode: '',
        DateToUse: st.date_to_use,
        DateToUseValue: stageBaseDate(app, node, rec, st),
        RetentionYears: st.years,
        RetentionMonths: st.months,
        RetentionDays: st.days,
        'Year-EndMonth': 0,
        'Year-EndDay': 0,
        Intervals: 0,
        EventBased: false,
        FixedDate: false,
        Permanent: st.permanent,
        AutomaticProcess: '',
        ActionInfo: st.action === 1 ? st.disposition : '',
      };
    });
    return { status: 200, body: { data } };
  });

  // Items with an RSI; items classified with a classification.
  const rsiItems = (ctx: Ctx, page: unknown) => {
    csAuth(ctx);
    const s = rm(app);
    const r = s.rsis.get(Number(ctx.params.id));
    if (!r) throw rmError(400, 'The item you requested could not be accessed. Either it does not exist, or you do not have permission to access it. If you were sent a link to this item, please contact the sender for assistance.');
    const nodes = recordNodes(app, (rec) => String(rec.fields.rsi || '').toLowerCase() === r.name.toLowerCase());
    const pg = paginate(sortNodes(nodes, ctx.query.sort), page, ctx.query.limit);
    return { status: 200, body: { collection: { paging: pg.paging, sorting: { sort: [] } }, results: pg.items.map((n) => nodeData(app, n)) } };
  };
  app.cs('GET', '/v2/rsiitems/:id', (ctx) => rsiItems(ctx, 1));
  app.cs('GET', '/v2/rsiitems/:id/page', (ctx) => rsiItems(ctx, ctx.query.page));

  const classifiedItems = (ctx: Ctx, page: unknown) => {
    csAuth(ctx);
    const s = rm(app);
    const id = Number(ctx.params.id);
    if (!s.classes.has(id)) throw rmError(400, `Could not get node for ${ctx.params.id}`);
    const nodes = recordNodes(app, (rec) => rec.class_id === id);
    const pg = paginate(sortNodes(nodes, ctx.query.sort), page, ctx.query.limit);
    return { status: 200, body: { collection: { paging: pg.paging }, results: { ancestors: [], contents: pg.items.map((n) => nodeData(app, n)) } } };
  };
  app.cs('GET', '/v2/classifieditems/:id', (ctx) => classifiedItems(ctx, 1));
  app.cs('GET', '/v2/classifieditems/:id/page', (ctx) => classifiedItems(ctx, ctx.query.page));

  app.cs('GET', '/v2/recordsmanagement/rmcodes', (ctx) => {
    csAuth(ctx);
    const s = rm(app);
    const str = (k: string) => ({ default_value: '', values: (s.codes[k] || []).map((c) => ({ ...c })) });
    return {
      status: 200,
      body: {
        results: {
          ok: true,
          data: {
            status: str('status'),
            storage: str('storage'),
            essential: str('essential'),
            accession: str('accession'),
            hold_type: str('hold_type'),
            disposition: str('disposition'),
            rsi_status: { default_value: 'ACTIVE', values: [{ code: 'ACTIVE', description: 'Active' }] },
            cycle_period: {
              default_value: 0,
              values: [
                { code: 365, description: 'Daily' },
                { code: 7, description: 'Weekly' },
                { code: 1, description: 'Monthly' },
                { code: 2, description: 'Semi-annual' },
                { code: 3, description: 'Quarterly' },
                { code: 12, description: 'Annual' },
              ],
            },
            action_code: {
              default_value: 0,
              values: [
                { code: 0, description: 'None' },
                { code: 1, description: 'Change Status' },
                { code: 7, description: 'Close' },
                { code: 8, description: 'Finalize Record' },
                { code: 9, description: 'Mark Official' },
                { code: 10, description: 'Export' },
                { code: 32, description: 'Destroy' },
              ],
            },
          },
        },
      },
    };
  });
}

function recordNodes(app: SandboxApp, pred: (rec: RecordState) => boolean): CsNode[] {
  const out: CsNode[] = [];
  for (const [id, rec] of rm(app).records) {
    if (!pred(rec)) continue;
    const n = getNode(app, id);
    if (n) out.push(n);
  }
  return out.sort((a, b) => a.id - b.id);
}

export function rsiRow(r: RsiDef, st: RsiStage): Obj {
  return {
    RSIID: r.id,
    RSI: r.name,
    Title: r.title,
    Subject: r.subject,
    Description: r.description,
    CreateDate: r.create_date + 'T00:00:00',
    RSIStatus: r.status,
    StatusDate: r.create_date + 'T00:00:00',
    DiscontFlag: 0,
    DiscontDate: '',
    DiscontComment: '',
    Active: 1,
    DispControl: 1,
    RSIScheduleID: st.id,
    RetStage: st.stage,
    RecordType: 0,
    EventType: 1,
    RSIRuleCode: '',
    DateToUse: st.date_to_use,
    YearEndMonth: 0,
    YearEndDay: 0,
    RetYears: st.years,
    RetMonths: st.months,
    RetDays: st.days,
    RetIntervals: 0,
    EventRuleDate: '',
    EventRule: '',
    EventComment: '',
    StageAction: st.action === 1 ? 'Change Status' : st.action === 32 ? 'Destroy' : '',
    FixedRet: 0,
    ActionCode: String(st.action),
    ActionDescription: st.disposition,
    Disposition: st.disposition,
    ApprovalFlag: 0,
    MaximumRet: 0,
    ObjectType: 'LIV',
    MakeRendition: 0,
  };
}

function rsiRows(r: RsiDef): Obj[] {
  return r.schedules.map((st) => rsiRow(r, st));
}

/** Finalizes a record: read-only from now on, status set to the "finalized" status code. */
export function finalize(app: SandboxApp, node: CsNode, userId: number): void {
  const s = rm(app);
  const rec = s.records.get(node.id);
  if (!rec || rec.finalized) return;
  rec.finalized = true;
  rec.fields.status = s.settings.finalStatus;
  rec.fields.status_date = today(app);
  rotateToken(s, node.id);
  touch(app, node.id, userId);
}

function queueBody(app: SandboxApp, qid: number): Obj {
  const t = rm(app).queues.get(qid)!;
  return { location: `api/v1/rmqueues/${t.id}`, task_status: t.status, http_status_code: 200, errMsg: t.errMsg };
}

/** Completes due queue tasks (called from the area's tick). */
export function tickQueues(app: SandboxApp, now: number): void {
  const s = rm(app);
  for (const t of s.queues.values()) {
    if (t.status !== 'pending' || t.due_at > now) continue;
    const node = getNode(app, t.node_id);
    if (!node) {
      t.status = 'error';
      t.errMsg = `Could not get node for ${t.node_id}`;
      continue;
    }
    const targets = [node, ...(t.apply_subitems ? descendants(app, node) : [])].filter((n) => s.records.has(n.id));
    if (!s.records.has(node.id) && targets.length === 0) {
      t.status = 'error';
      t.errMsg = `Item ${node.id} is not a record: apply an RM Classification before finalizing it.`;
      continue;
    }
    for (const n of targets) finalize(app, n, t.user_id);
    t.status = 'complete';
    log(app, { user: t.user_id, op: `queue ${t.task_name} complete`, node: node.id, status: 200 });
  }
}

function descendants(app: SandboxApp, node: CsNode): CsNode[] {
  const out: CsNode[] = [];
  for (const id of cs(app).children.get(node.id) || []) {
    const c = getNode(app, id);
    if (c) out.push(c, ...descendants(app, c));
  }
  return out;
}

