/**
 * Records Management holds: the hold list (v1 simple, v2 paged), one hold (by id or name), hold
 * creation, the holds of a node (direct and inherited from its containers), applying and removing
 * a hold on one node or many (bulk), and the items under a hold (paged).
 * RM-OAS paths: /v1/holds, /v2/holds, /v2/hold, /v2/holds/{id}, /v1/nodes/{id}/holds,
 * /v1/rmclassifications/applyhold|removehold, /v2/holditems/{id}[/page].
 */
import { Ctx, csParams, SandboxApp } from '../server';
import { csAuth, CsNode, CsUser, getNode, intParam } from './cs-core';
import { nodeData, paginate } from './rm-records';
import { apiError, hasAccess, HoldDef, holdsOf, idList, log, Obj, readFormAll, requestDate, rm, rmError, rmNode, today, userName } from './rm-state';

const NOT_ACCESSIBLE =
  'The item you requested could not be accessed. Either it does not exist, or you do not have permission to access it. If you were sent a link to this item, please contact the sender for assistance.';

/** The v2 Hold object (HoldID, HoldName, ...). */
export function holdV2(h: HoldDef): Obj {
  return {
    HoldID: h.id,
    HoldName: h.name,
    ActiveHold: h.active ? 1 : 0,
    OBJECT: 0,
    ApplyPatron: h.apply_patron,
    DateApplied: h.date_applied ? `${h.date_applied}T00:00:00` : '',
    HoldComment: h.comment,
    HoldType: h.type,
    DateToRemove: h.date_to_remove ? `${h.date_to_remove}T00:00:00` : '',
    DateRemoved: '',
    RemovalPatron: '',
    RemovalComment: '',
    EditDate: h.edit_date ? `${h.edit_date}T00:00:00` : '',
    EditPatron: h.edit_patron,
    AlternateHoldID: h.alternate_id,
    ParentID: h.parent_id,
  };
}

function findHold(app: SandboxApp, id: unknown, name: unknown): HoldDef | undefined {
  const s = rm(app);
  if (name !== undefined && name !== null && String(name).trim() !== '') {
    const n = String(name).trim().toLowerCase();
    for (const h of s.holds.values()) if (h.name.toLowerCase() === n) return h;
    return undefined;
  }
  return /^\d+$/.test(String(id ?? '')) ? s.holds.get(Number(id)) : undefined;
}

function requireHoldRights(app: SandboxApp, user: CsUser): void {
  if (!hasAccess(app, user, 'holds')) throw rmError(403, 'Accessibility error. Not enough permissions.');
}

/** Direct hold items of a hold, oldest application first. */
function holdItems(app: SandboxApp, holdId: number): CsNode[] {
  const s = rm(app);
  const rows: Array<{ node: CsNode; at: string }> = [];
  for (const [nodeId, list] of s.nodeHolds) {
    const nh = list.find((x) => x.hold_id === holdId);
    const node = nh ? getNode(app, nodeId) : undefined;
    if (nh && node) rows.push({ node, at: nh.date_applied });
  }
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.node.id - b.node.id));
  return rows.map((r) => r.node);
}

function apply(app: SandboxApp, user: CsUser, node: CsNode, hold: HoldDef): boolean {
  const s = rm(app);
  const list = s.nodeHolds.get(node.id) || [];
  if (list.some((x) => x.hold_id === hold.id)) return false;
  list.push({ hold_id: hold.id, date_applied: today(app), applied_by: user.id });
  s.nodeHolds.set(node.id, list);
  return true;
}

function remove(app: SandboxApp, node: CsNode, holdId: number): boolean {
  const s = rm(app);
  const list = s.nodeHolds.get(node.id) || [];
  const i = list.findIndex((x) => x.hold_id === holdId);
  if (i < 0) return false;
  list.splice(i, 1);
  if (list.length === 0) s.nodeHolds.delete(node.id);
  return true;
}

export function registerHoldRoutes(app: SandboxApp): void {
  app.cs('GET', '/v1/holds', (ctx) => {
    csAuth(ctx);
    const list = [...rm(app).holds.values()].sort((a, b) => a.id - b.id);
    return { status: 200, body: list.map((h) => ({ HoldID: h.id, HoldName: h.name, ActiveHold: h.active })) };
  });

  app.cs('GET', '/v2/holds', (ctx) => {
    csAuth(ctx);
    for (const k of ['page', 'limit']) {
      const v = ctx.query[k];
      if (v === undefined || v === '') throw apiError(400, `Missing required parameter '${k}'.`);
      if (!/^\d+$/.test(v) || Number(v) < 1) throw apiError(400, `Invalid value for parameter '${k}'.`);
    }
    const list = [...rm(app).holds.values()].sort((a, b) => a.id - b.id);
    const pg = paginate(list, ctx.query.page, ctx.query.limit);
    return { status: 200, body: { collection: { paging: pg.paging }, results: { ok: true, data: { holds: pg.items.map(holdV2) } } } };
  });

  app.cs('POST', '/v1/holds', (ctx) => {
    const user = csAuth(ctx);
    const s = rm(app);
    const p = csParams(ctx);
    for (const k of ['name', 'type', 'date_applied']) {
      if (p[k] === undefined || p[k] === null || String(p[k]).trim() === '') throw rmError(400, `Missing required parameter '${k}'.`);
    }
    requireHoldRights(app, user);
    const name = String(p.name).trim();
    if (name.length > 248) throw rmError(400, 'The name of the Hold is too long (248 characters at most).');
    const type = String(p.type).trim().toUpperCase();
    const types = s.codes.hold_type || [];
    if (types.length && !types.some((t) => t.code.toUpperCase() === type)) throw rmError(400, `Invalid Hold type '${p.type}'. Valid types: ${types.map((t) => t.code).join(', ')}.`);
    for (const h of s.holds.values()) if (h.name.toLowerCase() === name.toLowerCase()) throw rmError(400, `A Hold with the name '${name}' already exists.`);
    const applied = requestDate(p.date_applied, 'date_applied')!;
    const toRemove = requestDate(p.date_to_remove, 'date_to_remove') || '';
    const parent = intParam(p, 'parent_id', false) ?? 0;
    const id = s.nextHoldId++;
    s.holds.set(id, {
      id,
      name,
      type,
      comment: p.comment === undefined ? '' : String(p.comment),
      alternate_id: p.alternate_id === undefined ? '' : String(p.alternate_id),
      parent_id: parent,
      active: true,
      date_applied: applied,
      date_to_remove: toRemove,
      apply_patron: user.name,
      edit_date: today(app),
      edit_patron: user.name,
    });
    log(app, { user: user.id, op: `create hold ${id}`, status: 200 });
    // [GUESS] the create response: the new hold's id as holdID (as otcs-mcp reads it).
    return { status: 200, body: { holdID: id } };
  });

  const oneHold = (ctx: Ctx, id: unknown) => {
    csAuth(ctx);
    const name = ctx.query.holdname ?? ctx.query.holdName;
    if ((id === undefined || id === '') && (name === undefined || name === '')) throw apiError(400, "Either 'id' or 'holdname' must be specified.");
    const h = findHold(app, id, name);
    if (!h) throw apiError(400, name ? `Hold '${name}' does not exist.` : `Hold ${String(id)} does not exist.`);
    return { status: 200, body: { results: { ok: true, data: { hold: holdV2(h) } } } };
  };
  app.cs('GET', '/v2/hold', (ctx) => oneHold(ctx, ctx.query.id));
  app.cs('GET', '/v2/holds/:id', (ctx) => oneHold(ctx, ctx.params.id));

  app.cs('GET', '/v1/nodes/:id/holds', (ctx) => {
    csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const data = holdsOf(app, node).map((e) => ({
      id: e.on.id,
      name: e.on.name,
      subtype: e.on.type,
      parent_id: e.on.parent_id,
      hold_id: e.hold.id,
      hold_name: e.hold.name,
      hold_appliedmethod: e.direct ? 'Direct' : 'Inherited',
      hold_type: e.hold.type,
      userid: 0,
      docxreftyp: '',
      queryid: 0,
      hold_comment: e.hold.comment,
      active: e.hold.active,
      applied_by: userName(app, e.applied.applied_by),
      date_applied: e.applied.date_applied,
      removable: e.direct,
    }));
    return { status: 200, body: { data, definitions: {} } };
  });

  app.cs('POST', '/v1/nodes/:id/holds', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    const p = csParams(ctx);
    if (p.hold_id === undefined || p.hold_id === '') throw rmError(400, 'Missing LLPARAMS_LIST');
    requireHoldRights(app, user);
    const hold = findHold(app, p.hold_id, undefined);
    if (!hold) throw rmError(400, `Invalid Hold ID ${String(p.hold_id)}.`);
    if (!hold.active) throw rmError(400, `The Hold '${hold.name}' is not active.`);
    if (!apply(app, user, node, hold)) throw rmError(400, 'Object already has this Hold');
    log(app, { user: user.id, op: `apply hold ${hold.id}`, node: node.id, status: 200 });
    return { status: 200, body: {} };
  });

  app.cs('DELETE', '/v1/nodes/:id/holds/:hold_id', (ctx) => {
    const user = csAuth(ctx);
    const node = rmNode(app, ctx.params.id);
    requireHoldRights(app, user);
    if (!remove(app, node, Number(ctx.params.hold_id))) throw rmError(400, 'Object does not have this Hold');
    log(app, { user: user.id, op: `remove hold ${ctx.params.hold_id}`, node: node.id, status: 200 });
    return { status: 200, body: {} };
  });

  // Bulk: validated first, then applied to all ([GUESS] one unknown id fails the whole request).
  const bulk = (kind: 'apply' | 'remove') => async (ctx: Ctx) => {
    const user = csAuth(ctx);
    const all = await readFormAll(ctx);
    const p = csParams(ctx);
    const holdRaw = p.holdID ?? p.holdId ?? p.hold_id;
    if (holdRaw === undefined || holdRaw === '') throw rmError(404, 'Hold ID is not specified');
    const bad = () => rmError(404, 'ID is not an integer or is missing');
    const ids = idList(ctx, p, all, 'ids', bad);
    if (!ids || ids.length === 0) throw bad();
    requireHoldRights(app, user);
    const hold = findHold(app, holdRaw, undefined);
    if (!hold) throw rmError(400, `Invalid Hold ID ${String(holdRaw)}.`);
    if (kind === 'apply' && !hold.active) throw rmError(400, `The Hold '${hold.name}' is not active.`);
    const nodes = ids.map((id) => rmNode(app, id));
    let changed = 0;
    for (const n of nodes) if (kind === 'apply' ? apply(app, user, n, hold) : remove(app, n, hold.id)) changed++;
    log(app, { user: user.id, op: `bulk ${kind} hold ${hold.id} on ${ids.join(',')}`, status: 200 });
    return { status: 200, body: { results: { ok: true, count: changed } } };
  };
  app.cs('POST', '/v1/rmclassifications/applyhold', bulk('apply'), 'none');
  app.cs('POST', '/v1/rmclassifications/removehold', bulk('remove'), 'none');

  const items = (ctx: Ctx, page: unknown) => {
    csAuth(ctx);
    const hold = findHold(app, ctx.params.id, undefined);
    if (!hold) throw rmError(400, NOT_ACCESSIBLE);
    let list = holdItems(app, hold.id);
    const sort = String(ctx.query.sort || '');
    if (sort === 'asc_name' || sort === 'desc_name') {
      const dir = sort === 'asc_name' ? 1 : -1;
      list = [...list].sort((a, b) => a.name.localeCompare(b.name) * dir);
    }
    const pg = paginate(list, page, ctx.query.limit);
    return { status: 200, body: { collection: { paging: pg.paging, sorting: { sort: sort ? [sort] : [] } }, results: pg.items.map((n) => nodeData(app, n)) } };
  };
  app.cs('GET', '/v2/holditems/:id', (ctx) => items(ctx, 1));
  app.cs('GET', '/v2/holditems/:id/page', (ctx) => items(ctx, ctx.query.page));
}

