/**
 * Records Management disposition: disposition searches (in the Dispositions workspace), running a
 * search into a snapshot (qdate) of the records whose retention stage is due by the simulated
 * clock, the snapshot's items, review decisions, performing the disposition actions (items under
 * a hold are never touched) and finishing the review.
 * RM-OAS paths: /v2/dispositionscontainer/{id}, /v1/nodes/{id}/startdispsearch,
 * /v2/snapshottable/{id}, /v2/nodes/{id}/disposition-snapshots/qdate/{qdate},
 * /v1/members/{id}/disposition/changereviewdecision|performactions|finishreview.
 */
import { Ctx, csParams, SandboxApp } from '../server';
import { cs, csAuth, CsNode, CsUser, deleteNode, getNode, iso, nodeProperties, SUBTYPES, touch } from './cs-core';
import { DISPOSITION_ACTIONS } from '../../nodes/lib/rm/vocabulary';
import { finalize, paginate } from './rm-records';
import {
  DispSearch,
  hasAccess,
  holdsInSubtree,
  listParam,
  log,
  normQdate,
  Obj,
  readFormAll,
  rm,
  rmError,
  rsiByName,
  Snapshot,
  SnapshotItem,
  stageDate,
  today,
} from './rm-state';

function search(app: SandboxApp, id: unknown): DispSearch | undefined {
  return /^\d+$/.test(String(id ?? '')) ? rm(app).searches.get(Number(id)) : undefined;
}

function snapshotOf(app: SandboxApp, searchId: number, qdate: unknown): Snapshot | undefined {
  const q = normQdate(qdate);
  return rm(app).snapshots.find((s) => s.search_id === searchId && s.qdate === q);
}

/** The records a search selects whose current retention stage is due by `qdate`. */
function dueItems(app: SandboxApp, d: DispSearch, qdate: string): SnapshotItem[] {
  const s = rm(app);
  const day = qdate.slice(0, 10);
  const out: SnapshotItem[] = [];
  for (const [nodeId, rec] of s.records) {
    const node = getNode(app, nodeId);
    if (!node) continue;
    const rsi = rsiByName(s, rec.fields.rsi);
    if (!rsi) continue;
    if (d.rsis.length && !d.rsis.some((r) => r.toLowerCase() === rsi.name.toLowerCase())) continue;
    if (d.classes.length && !d.classes.includes(rec.class_id)) continue;
    const stage = rsi.schedules[rec.stages_done];
    if (!stage || stage.permanent) continue;
    const date = stageDate(app, node, rec, stage);
    if (!date || date > day) continue;
    const parent = getNode(app, node.parent_id);
    const props = nodeProperties(app, node);
    out.push({
      id: node.id,
      name: node.name,
      type: node.type,
      parent_id: node.parent_id,
      parent_name: parent?.name ?? '',
      class_id: rec.class_id,
      rsi: rsi.name,
      stage: stage.stage,
      stage_count: rec.stages_done + 1,
      disp_action: stage.action,
      action_info: stage.action === 1 ? stage.disposition : '',
      calculated_date: date,
      review_decision: 0,
      review_comments: '',
      action_performed: 0,
      create_date: node.create_date,
      modify_date: node.modify_date,
      owner_user_id: node.owner_user_id,
      mime_type: typeof props.mime_type === 'string' ? props.mime_type : '',
      size: typeof props.size === 'number' ? props.size : 0,
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

function snapshotRow(sn: Snapshot): Obj {
  const actioned = sn.items.filter((i) => i.action_performed === 1).length;
  return {
    data: {
      qdate: sn.qdate,
      snapshot_status: sn.snapshot_status,
      review_status: sn.review_status,
      settings: '',
      record_count: sn.snapshot_status === 'Completed' ? sn.items.length : 0,
      id: sn.search_id,
      type: 0,
      type_name: 'Disposition Snapshot',
      name: sn.qdate,
      actioned_count: actioned,
      hide_finish: sn.review_status === 'Review Complete',
      hide_changereview: false,
      hide_changeaction: false,
      hide_performaction: false,
      deletable: true,
    },
    metadata: {},
    metadata_order: '',
  };
}

function itemData(sn: Snapshot, i: SnapshotItem): Obj {
  return {
    id: i.id,
    name: i.name,
    type: i.type,
    type_name: SUBTYPES[i.type] || 'Node',
    parent_id: i.parent_id,
    parent_name: i.parent_name,
    class_id: i.class_id,
    qdate: sn.qdate,
    disposition_id: sn.search_id,
    disp_action: String(i.disp_action),
    disp_action_name: DISPOSITION_ACTIONS[i.disp_action] ?? '',
    action_info: i.action_info,
    action_performed: i.action_performed,
    calculated_date: i.calculated_date,
    stage_count: i.stage_count,
    review_decision: i.review_decision,
    review_comments: i.review_comments,
    reviewerid: 0,
    reviewerstep: 0,
    disposition_process: 1,
    container: i.type !== 144,
    create_date: i.create_date,
    modify_date: i.modify_date,
    owner_user_id: i.owner_user_id,
    mime_type: i.mime_type,
    size: i.size,
    size_formatted: `${Math.ceil(i.size / 1024)} KB`,
    rsi: i.rsi,
    stage: i.stage,
  };
}

function member(app: SandboxApp, id: string): CsUser {
  const u = cs(app).users.get(Number(id));
  if (!u) throw rmError(400, `Could not get a member for ${id}`);
  return u;
}

/** Resolves the snapshot of a review / perform request (dispNodeID + qdate) or throws the API's 400. */
function requestSnapshot(app: SandboxApp, p: Obj, qdateKey: 'qDate' | 'qdate'): Snapshot {
  const dispId = p.dispNodeID;
  const qdate = p[qdateKey] ?? p[qdateKey === 'qDate' ? 'qdate' : 'qDate'];
  if (dispId === undefined || dispId === '') throw rmError(400, "Missing required parameter 'dispNodeID'.");
  if (qdate === undefined || qdate === '') throw rmError(400, `Missing required parameter '${qdateKey}'.`);
  const d = search(app, dispId);
  if (!d) throw rmError(400, `Could not get node for ${String(dispId)}`);
  const sn = snapshotOf(app, d.id, qdate);
  if (!sn) throw rmError(400, `Could not get the disposition snapshot of ${String(qdate)}.`);
  if (sn.snapshot_status !== 'Completed') throw rmError(400, 'The disposition search is still running.');
  return sn;
}

/** The items named by objIdList ("ID_stageCount" ...) or every item (applyTo=allPages). */
function targetItems(ctx: Ctx, p: Obj, all: Record<string, string[]>, sn: Snapshot, applyKey: 'applyTo' | 'applyto'): SnapshotItem[] {
  const apply = String(p[applyKey] ?? p[applyKey === 'applyTo' ? 'applyto' : 'applyTo'] ?? 'thisPage');
  if (apply === 'allPages') return sn.items;
  if (apply !== 'thisPage') throw rmError(400, `Invalid value '${apply}' for '${applyKey}': use 'thisPage' or 'allPages'.`);
  const list = listParam(ctx, p, all, 'objIdList');
  if (!list || list.length === 0) throw rmError(400, `'objIdList' is required when '${applyKey}' is 'thisPage'.`);
  return list.map((entry) => {
    const m = /^(\d+)(?:_(\d+))?$/.exec(entry);
    const item = m ? sn.items.find((i) => i.id === Number(m[1]) && (m[2] === undefined || i.stage_count === Number(m[2]))) : undefined;
    if (!item) throw rmError(400, `Item '${entry}' is not in this disposition snapshot.`);
    return item;
  });
}

/** Removes the RM data of a destroyed node and everything below it. */
function forget(app: SandboxApp, node: CsNode): void {
  const s = rm(app);
  for (const id of cs(app).children.get(node.id) || []) {
    const c = getNode(app, id);
    if (c) forget(app, c);
  }
  s.records.delete(node.id);
  s.nodeHolds.delete(node.id);
  s.tokens.delete(node.id);
}

export function registerDispositionRoutes(app: SandboxApp): void {
  app.cs('GET', '/v2/dispositionscontainer/:id', (ctx) => {
    const user = csAuth(ctx);
    const id = Number(ctx.params.id);
    const s = rm(app);
    if (!hasAccess(app, user, 'disposition') || (id !== 0 && !s.searches.has(id))) throw rmError(400, "Insufficient See-Content access permissions to Disposition's Container object");
    const list = [...s.searches.values()].filter((d) => d.parent === id).sort((a, b) => a.name.localeCompare(b.name));
    const sort = String(ctx.query.sort || '');
    if (sort === 'desc_name') list.reverse();
    const pg = paginate(list, ctx.query.page, ctx.query.limit);
    return {
      status: 200,
      body: {
        paging: pg.paging,
        data: pg.items.map((d) => ({
          actions: { data: '', map: '', order: '' },
          data: { id: d.id, name: d.name, description: d.description, parent_id: d.parent, type_name: 'Disposition Search', snapshot_count: s.snapshots.filter((x) => x.search_id === d.id).length },
          metadata: {},
          metadata_order: '',
        })),
        definitions: {},
        definitions_order: ['name', 'description'],
        title: id === 0 ? 'Dispositions' : s.searches.get(id)?.name ?? '',
        parentid: id,
        bCanEdit: true,
        bCanAdd: true,
      },
    };
  });

  app.cs('POST', '/v1/nodes/:id/startdispsearch', (ctx) => {
    const user = csAuth(ctx);
    const d = search(app, ctx.params.id);
    if (!d) throw rmError(400, `Could not get node for ${ctx.params.id}`);
    if (!hasAccess(app, user, 'disposition')) throw rmError(400, 'Insufficient Permissions');
    const s = rm(app);
    if (s.snapshots.some((x) => x.search_id === d.id && x.snapshot_status === 'Running')) throw rmError(400, 'The disposition search is already running.');
    // One snapshot per second and search: a second run within the same second gets the next second.
    let t = Math.floor(app.now() / 1000) * 1000;
    while (s.snapshots.some((x) => x.search_id === d.id && x.qdate === iso(t).slice(0, 19))) t += 1000;
    const qdate = iso(t).slice(0, 19);
    s.snapshots.push({ search_id: d.id, qdate, snapshot_status: 'Running', review_status: 'Not Reviewed', done_at: app.now() + s.settings.searchDelayMs, items: [] });
    log(app, { user: user.id, op: `start disposition search ${d.id} (${qdate})`, status: 200 });
    return { status: 200, body: {} };
  });

  app.cs('POST', '/v1/stopsearch/:id/qdate/:qdate', (ctx) => {
    csAuth(ctx);
    const d = search(app, ctx.params.id);
    const sn = d ? snapshotOf(app, d.id, ctx.params.qdate) : undefined;
    if (!d || !sn) throw rmError(400, `Could not get node for ${ctx.params.id}`);
    if (sn.snapshot_status === 'Running') {
      sn.snapshot_status = 'Completed';
      sn.items = [];
    }
    return { status: 200, body: {} };
  });

  app.cs('GET', '/v2/snapshottable/:id', (ctx) => {
    csAuth(ctx);
    const d = search(app, ctx.params.id);
    if (!d) throw rmError(400, 'Could not get snapshots');
    const list = rm(app)
      .snapshots.filter((x) => x.search_id === d.id)
      .sort((a, b) => (a.qdate < b.qdate ? 1 : -1));
    const pg = paginate(list, ctx.query.page, ctx.query.limit);
    return { status: 200, body: { paging: pg.paging, data: pg.items.map(snapshotRow), definitions: {}, definitions_order: ['qdate', 'snapshot_status', 'review_status', 'record_count'] } };
  });

  app.cs('GET', '/v1/disposition/:id/qdate/:qdate', (ctx) => {
    csAuth(ctx);
    const d = search(app, ctx.params.id);
    const sn = d ? snapshotOf(app, d.id, ctx.params.qdate) : undefined;
    if (!sn) throw rmError(400, 'Node ID was not specified');
    return { status: 200, body: { priority: 'Normal', reviewStatus: sn.review_status, snapshotStatus: sn.snapshot_status } };
  });

  app.cs('DELETE', '/v1/disposition/:id/qdate/:qdate', (ctx) => {
    const user = csAuth(ctx);
    if (!hasAccess(app, user, 'disposition')) throw rmError(400, 'Insufficient Permissions');
    const s = rm(app);
    const d = search(app, ctx.params.id);
    const sn = d ? snapshotOf(app, d.id, ctx.params.qdate) : undefined;
    if (!sn) throw rmError(400, 'Node ID was not specified');
    s.snapshots.splice(s.snapshots.indexOf(sn), 1);
    return { status: 200, body: {} };
  });

  app.cs('GET', '/v2/nodes/:id/disposition-snapshots/qdate/:qdate', (ctx) => {
    csAuth(ctx);
    const d = search(app, ctx.params.id);
    if (!d) throw rmError(400, `Could not get node for ${ctx.params.id}`);
    const sn = snapshotOf(app, d.id, ctx.params.qdate);
    if (!sn) throw rmError(400, `Could not get the disposition snapshot of ${ctx.params.qdate}.`);
    // [GUESS] page/limit are not in the definition of this call; the response has paging, so they are honoured.
    const items = sn.snapshot_status === 'Completed' ? sn.items : [];
    const pg = paginate(items, ctx.query.page, ctx.query.limit);
    return {
      status: 200,
      body: {
        collection: { paging: pg.paging },
        results: {
          columns: [
            { key: 'name', data_type: -1, name: 'Name', sort_key: 'name' },
            { key: 'calculated_date', data_type: -7, name: 'Calculated Date', sort_key: 'calculated_date' },
            { key: 'disp_action', data_type: 2, name: 'Disposition Action', sort_key: 'disp_action' },
            { key: 'review_decision', data_type: 2, name: 'Review Decision', sort_key: 'review_decision' },
          ],
          data: pg.items.map((i) => ({ actions: { data: '', map: '', order: '' }, data: itemData(sn, i) })),
          definitions: {},
          definitions_map: {},
          definitions_order: ['name', 'calculated_date', 'disp_action', 'review_decision'],
          dispNodeID: d.id,
        },
      },
    };
  });

  app.cs(
    'POST',
    '/v1/members/:id/disposition/changereviewdecision',
    async (ctx) => {
      const user = csAuth(ctx);
      const all = await readFormAll(ctx);
      member(app, ctx.params.id);
      const p = csParams(ctx);
      const sn = requestSnapshot(app, p, 'qDate');
      if (!hasAccess(app, user, 'disposition')) throw rmError(400, 'Insufficient Permissions');
      const decision = String(p.decision ?? 'pending').toLowerCase();
      const code = ({ pending: 0, approve: 1, reject: 2 } as Record<string, 0 | 1 | 2>)[decision];
      if (code === undefined) throw rmError(400, `Invalid review decision '${String(p.decision)}': use 'pending', 'approve' or 'reject'.`);
      const targets = targetItems(ctx, p, all, sn, 'applyTo');
      for (const i of targets) {
        if (i.action_performed) continue;
        i.review_decision = code;
        if (p.reviewComment !== undefined) i.review_comments = String(p.reviewComment);
      }
      if (sn.review_status === 'Not Reviewed') sn.review_status = 'In Review';
      log(app, { user: user.id, op: `review ${decision} ${targets.map((t) => t.id).join(',')} in ${sn.search_id}/${sn.qdate}`, status: 200 });
      return { status: 200, body: {} };
    },
    'none',
  );

  app.cs(
    'POST',
    '/v1/members/:id/disposition/performactions',
    async (ctx) => {
      const user = csAuth(ctx);
      const all = await readFormAll(ctx);
      member(app, ctx.params.id);
      const p = csParams(ctx);
      const sn = requestSnapshot(app, p, 'qdate');
      if (!hasAccess(app, user, 'disposition')) throw rmError(400, 'Insufficient Permissions');
      const s = rm(app);
      const targets = targetItems(ctx, p, all, sn, 'applyto');
      const done: number[] = [];
      const blocked: number[] = [];
      for (const i of targets) {
        if (i.review_decision !== 1 || i.action_performed) continue;
        const node = getNode(app, i.id);
        if (!node) continue;
        if (holdsInSubtree(app, node).length) {
          // Items under a hold are never disposed; they stay in the snapshot, not actioned.
          blocked.push(i.id);
          continue;
        }
        const rec = s.records.get(node.id);
        switch (i.disp_action) {
          case 32:
            forget(app, node);
            deleteNode(app, node);
            break;
          case 1:
            if (rec) {
              rec.fields.status = i.action_info || rec.fields.status || '';
              rec.fields.status_date = today(app);
            }
            break;
          case 8:
            finalize(app, node, user.id);
            break;
          case 9:
            if (rec) rec.fields.official = true;
            break;
          default:
            break;
        }
        if (i.disp_action !== 32) {
          if (rec) rec.stages_done = Math.max(rec.stages_done, i.stage_count);
          touch(app, node.id, user.id);
        }
        i.action_performed = 1;
        done.push(i.id);
      }
      log(app, { user: user.id, op: `perform actions in ${sn.search_id}/${sn.qdate}: done ${done.join(',') || '-'}, on hold ${blocked.join(',') || '-'}`, status: 200 });
      return { status: 200, body: {} };
    },
    'none',
  );

  app.cs('POST', '/v1/members/:id/disposition/finishreview', (ctx) => {
    const user = csAuth(ctx);
    member(app, ctx.params.id);
    const p = csParams(ctx);
    const sn = requestSnapshot(app, p, 'qdate');
    if (!hasAccess(app, user, 'disposition')) throw rmError(400, 'Insufficient Permissions');
    sn.review_status = 'Review Complete';
    return { status: 200, body: {} };
  });
}

/** Completes running disposition searches (called from the area's tick). */
export function tickSearches(app: SandboxApp, now: number): void {
  const s = rm(app);
  for (const sn of s.snapshots) {
    if (sn.snapshot_status !== 'Running' || sn.done_at > now) continue;
    const d = s.searches.get(sn.search_id);
    sn.items = d ? dueItems(app, d, sn.qdate) : [];
    sn.snapshot_status = 'Completed';
  }
}
