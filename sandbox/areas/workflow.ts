/**
 * Content Server workflows (Content Server REST API 2.0.2, opentext-api.md §2.9): workflow maps,
 * draft processes (create, form, formUpdate, Initiate), the one-step start, `POST v2/processes`,
 * process status and lists, the current user's assignments, sending a task on with a standard or
 * custom action (advancing the map on the approve / reject path), process status changes and
 * delete.
 *
 * Maps are Content Server nodes (subtype 128) in a "Workflow Maps" folder outside the Enterprise
 * tree; the attachment folder of each process is a folder node holding shortcuts to the attached
 * documents. Everything else (map definitions, drafts, processes, tasks) is this area's own state.
 */
import { Area, Ctx, csError, csParams, SandboxApp } from '../server';
import { createNode, cs, csAuth, CsNode, CsUser, deleteNode, getNode, iso } from './cs-core';

// ---- definitions --------------------------------------------------------------------------------

export interface MapAttribute {
  id: number;
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'date';
  required?: boolean;
  valid_values?: unknown[];
}

export interface MapStep {
  id: number;
  name: string;
  instructions?: string;
  /** User or group ids, "@initiator", or "role:<name>" (filled from role_info or the map's roles). */
  assignees: Array<number | string>;
  /** One task (in its own subprocess) per user, groups expanded to their members. */
  eachAssignee?: boolean;
  /** Standard actions (default ["SendOn"] when the step has no custom actions). */
  actions?: string[];
  /** Custom actions (dispositions) such as Approve / Reject. */
  customActions?: string[];
  durationHours?: number;
  urgentDurationHours?: number;
  /** Next step by action: a step id or "end". */
  next: Record<string, number | 'end'>;
}

export interface WorkflowMap {
  id: number;
  name: string;
  description?: string;
  /** Maps with an enabled start step cannot be started with startwf. */
  startStepEnabled?: boolean;
  /** Users who manage processes of this map (the initiator always does). */
  managers?: number[];
  roles?: Record<string, number>;
  attributes: MapAttribute[];
  steps: MapStep[];
  /** Attribute id of a boolean "urgent" flag: urgent processes get high priority and short durations. */
  urgentAttribute?: number;
}

interface Draft {
  id: number;
  mapId: number;
  userId: number;
  title?: string;
  dueDate?: string;
  values: Record<number, unknown>;
  attachmentFolderId: number;
  /** doc_ids sent without AttachDocuments (custom data only). */
  customDocIds: number[];
  created: string;
}

export interface WfTask {
  processId: number;
  subprocessId: number;
  taskId: number;
  /** Tasks started together (one per assignee of an eachAssignee step) share it. */
  activation: number;
  name: string;
  assignees: number[];
  status: 'active' | 'done' | 'cancelled';
  started: string;
  due?: string;
  fromUserId: number;
  performer?: number;
  disposition?: string;
  comment?: string;
  completed?: string;
}

interface Activity {
  subprocessId: number;
  action: string;
  label: string;
  userId: number;
  comment?: string;
  date: string;
  stepName?: string;
}

export interface WfProcess {
  id: number;
  mapId: number;
  title: string;
  initiator: number;
  started: string;
  due?: string;
  status: 'active' | 'suspended' | 'completed' | 'stopped';
  archived: boolean;
  urgent: boolean;
  values: Record<number, unknown>;
  roleInfo: Record<string, number>;
  attachmentFolderId: number;
  tasks: WfTask[];
  activities: Activity[];
  completed?: string;
}

export interface WorkflowState {
  maps: Map<number, WorkflowMap>;
  drafts: Map<number, Draft>;
  processes: Map<number, WfProcess>;
  nextDraftId: number;
  nextProcessId: number;
  nextActivation: number;
  attachmentsVolume: number;
}

interface WorkflowFixture {
  mapsFolder?: { id: number; name: string };
  attachmentsVolume?: { id: number; name: string };
  maps?: WorkflowMap[];
}

export function workflow(app: SandboxApp): WorkflowState {
  return app.area<WorkflowState>('workflow');
}

// ---- small helpers ------------------------------------------------------------------------------

const STANDARD_ACTIONS = ['SendOn'];

function intArg(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw csError(400, `Invalid datatype specified for argument '${name}'`);
  return n;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(true|1|yes)$/i.test(v.trim()));
}

function userName(app: SandboxApp, id: number): string {
  const c = cs(app);
  return c.users.get(id)?.name ?? c.groups.get(id)?.name ?? String(id);
}

function assigneeInfo(app: SandboxApp, id: number): Record<string, unknown> {
  const c = cs(app);
  const u = c.users.get(id);
  if (u) return { userId: u.id, loginName: u.name, firstName: u.first_name || '', lastName: u.last_name || '', emailAddress: u.email || '', phone: '' };
  const g = c.groups.get(id);
  return { userId: id, loginName: g?.name ?? String(id), firstName: '', lastName: '', emailAddress: '', phone: '' };
}

/** Whether a user may act on a task: assigned directly, or a member of an assigned group. */
function canAct(app: SandboxApp, task: WfTask, userId: number): boolean {
  const c = cs(app);
  return task.assignees.some((a) => a === userId || !!c.groups.get(a)?.members.includes(userId));
}

function isManager(p: WfProcess, map: WorkflowMap | undefined, userId: number): boolean {
  return p.initiator === userId || !!map?.managers?.includes(userId);
}

/** Parses "2026-07-06 21:42:30.000", "2026-07-06" or an ISO date; returns ISO or throws 400. */
function parseDueDate(v: unknown): string {
  const s = String(v ?? '').trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  const t = m ? Date.parse(`${m[1]}T${m[2] || '00:00:00'}${m[3] || 'Z'}`) : NaN;
  if (!m || Number.isNaN(t)) throw csError(400, `Invalid value for WorkflowForm_WorkflowDueDate: '${s.slice(0, 40)}'. Use YYYY-MM-DD HH:MM:SS.`);
  return iso(t);
}

function mapOrError(app: SandboxApp, id: number | undefined): WorkflowMap {
  if (id === undefined) throw csError(400, 'Error getting node from ID');
  const node = getNode(app, id);
  if (!node) throw csError(400, 'Error getting node from ID');
  const map = workflow(app).maps.get(id);
  if (!map || node.type !== 128) throw csError(400, 'Could not Loadmap');
  return map;
}

/** doc_ids: "384,9684", a number, or an array; each must be an existing node. */
function readDocIds(app: SandboxApp, v: unknown): number[] {
  if (v === undefined || v === null || v === '') return [];
  const parts = Array.isArray(v) ? v : String(v).split(',');
  const ids: number[] = [];
  for (const part of parts) {
    const t = String(part).trim();
    if (!t) continue;
    if (!/^\d+$/.test(t) || !getNode(app, Number(t))) throw csError(400, 'Error getting node from ID');
    if (!ids.includes(Number(t))) ids.push(Number(t));
  }
  return ids;
}

function newAttachmentFolder(app: SandboxApp, userId: number, label: string): CsNode {
  const s = workflow(app);
  return createNode(app, { parent_id: s.attachmentsVolume, name: `${label} attachments`, type: 0, userId });
}

/** Runs a start; when it fails, the attachment folder made for it goes too. */
function withFolder<T>(app: SandboxApp, folder: CsNode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    deleteNode(app, folder);
    throw e;
  }
}

function attach(app: SandboxApp, folderId: number, docIds: number[], userId: number): void {
  for (const id of docIds) {
    const doc = getNode(app, id)!;
    let name = doc.name;
    for (let i = 2; cs(app).children.get(folderId)?.some((c) => getNode(app, c)?.name.toLowerCase() === name.toLowerCase()); i++) name = `${doc.name} (${i})`;
    createNode(app, { parent_id: folderId, name, type: 1, userId, extra: { original_id: id } });
  }
}

// ---- form values --------------------------------------------------------------------------------

/** Applies formUpdate values to a draft (WorkflowForm_Title, _WorkflowDueDate, _<attr> or _1x4x<form>x<attr>). */
function applyValues(map: WorkflowMap, draft: Draft, values: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(values)) {
    if (key === 'WorkflowForm') continue; // {"WorkflowForm": {}} prepares an empty form
    if (key === 'WorkflowForm_Title') {
      const t = String(value ?? '').trim();
      if (t.length > 248) throw csError(400, 'The workflow title cannot exceed 248 characters.');
      draft.title = t || undefined;
      continue;
    }
    if (key === 'WorkflowForm_WorkflowDueDate') {
      draft.dueDate = value === null || value === '' ? undefined : parseDueDate(value);
      continue;
    }
    const m = /^WorkflowForm_(?:1x4x\d+x)?(\d+)$/.exec(key);
    const attr = m ? map.attributes.find((a) => a.id === Number(m[1])) : undefined;
    if (!attr) throw csError(400, `The form field '${key}' does not exist in the workflow '${map.name}'.`);
    draft.values[attr.id] = checkAttr(attr, key, value);
  }
}

function checkAttr(attr: MapAttribute, key: string, value: unknown): unknown {
  if (value === null || value === '') return null;
  const bad = () => csError(400, `Invalid value for the form field '${key}' (${attr.name}): ${JSON.stringify(value).slice(0, 60)}.`);
  switch (attr.type) {
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
      throw bad();
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      throw bad();
    case 'date':
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      throw bad();
    default:
      if (typeof value !== 'string' && typeof value !== 'number') throw bad();
      if (attr.valid_values && !attr.valid_values.includes(value)) throw bad();
      return String(value);
  }
}

function formView(map: WorkflowMap, title: string | undefined, dueDate: string | undefined, values: Record<number, unknown>, attachmentFolderId: number): Array<Record<string, unknown>> {
  const data: Record<string, unknown> = { WorkflowForm_Title: title ?? map.name, WorkflowForm_WorkflowDueDate: dueDate ?? null };
  const properties: Record<string, unknown> = {
    WorkflowForm_Title: { type: 'string', title: 'Title', maxLength: 248 },
    WorkflowForm_WorkflowDueDate: { type: 'string', title: 'Due Date', format: 'datetime' },
  };
  const fields: Record<string, unknown> = { WorkflowForm_Title: { label: 'Title' }, WorkflowForm_WorkflowDueDate: { label: 'Due Date', type: 'datetime' } };
  const required: string[] = [];
  for (const a of map.attributes) {
    const key = `WorkflowForm_${a.id}`;
    data[key] = values[a.id] ?? null;
    properties[key] = { type: a.type === 'integer' ? 'integer' : a.type === 'boolean' ? 'boolean' : 'string', title: a.name, ...(a.type === 'date' ? { format: 'date' } : {}), ...(a.valid_values ? { enum: a.valid_values } : {}) };
    fields[key] = { label: a.name };
    if (a.required) required.push(key);
  }
  return [{ data, options: { fields }, schema: { properties, required, type: 'object', title: 'Workflow', attachment_folder_id: attachmentFolderId }, columns: 1 }];
}

// ---- process engine -----------------------------------------------------------------------------

function resolveAssignees(app: SandboxApp, p: WfProcess, map: WorkflowMap, step: MapStep): number[] {
  const out: number[] = [];
  for (const a of step.assignees) {
    let id: number | undefined;
    if (typeof a === 'number') id = a;
    else if (a === '@initiator') id = p.initiator;
    else if (a.startsWith('role:')) {
      const role = a.slice(5);
      id = p.roleInfo[role] ?? map.roles?.[role];
      if (id === undefined) throw csError(400, `The workflow role '${role}' has no member assigned.`);
    }
    if (id === undefined) continue;
    if (!cs(app).users.has(id) && !cs(app).groups.has(id)) throw csError(400, `The workflow role member ${id} does not exist.`);
    if (step.eachAssignee && cs(app).groups.has(id)) {
      for (const m of cs(app).groups.get(id)!.members) if (!out.includes(m)) out.push(m);
    } else if (!out.includes(id)) out.push(id);
  }
  return out;
}

function startStep(app: SandboxApp, p: WfProcess, map: WorkflowMap, stepId: number, fromUserId: number): void {
  const s = workflow(app);
  const step = map.steps.find((x) => x.id === stepId);
  if (!step) throw csError(500, `Workflow map ${map.id} has no step ${stepId}.`);
  const now = app.now();
  const hours = p.urgent && step.urgentDurationHours ? step.urgentDurationHours : step.durationHours;
  const due = hours ? iso(now + hours * 3600000) : undefined;
  const assignees = resolveAssignees(app, p, map, step);
  const activation = s.nextActivation++;
  const groups = step.eachAssignee ? assignees.map((a) => [a]) : [assignees];
  groups.forEach((who) => {
    const subprocessId = step.eachAssignee ? s.nextProcessId++ : p.id;
    p.tasks.push({ processId: p.id, subprocessId, taskId: step.id, activation, name: step.name, assignees: who, status: 'active', started: iso(now), due, fromUserId });
  });
}

function finishProcess(app: SandboxApp, p: WfProcess, status: 'completed' | 'stopped'): void {
  p.status = status;
  p.completed = iso(app.now());
  for (const t of p.tasks) if (t.status === 'active') t.status = 'cancelled';
}

function initiate(app: SandboxApp, user: CsUser, map: WorkflowMap, input: { title?: string; due?: string; values?: Record<number, unknown>; attachmentFolderId: number; roleInfo?: Record<string, number>; comment?: string }): WfProcess {
  const s = workflow(app);
  const values = input.values || {};
  for (const a of map.attributes) {
    const v = values[a.id];
    if (a.required && (v === undefined || v === null || v === '')) throw csError(400, `The workflow attribute '${a.name}' (WorkflowForm_${a.id}) is required.`);
  }
  const p: WfProcess = {
    id: s.nextProcessId++,
    mapId: map.id,
    title: input.title || map.name,
    initiator: user.id,
    started: iso(app.now()),
    due: input.due,
    status: 'active',
    archived: false,
    urgent: map.urgentAttribute !== undefined && values[map.urgentAttribute] === true,
    values,
    roleInfo: input.roleInfo || {},
    attachmentFolderId: input.attachmentFolderId,
    tasks: [],
    activities: [],
  };
  const first = map.steps[0];
  if (!first) throw csError(400, 'Could not Loadmap, Workflow Map has no versions');
  startStep(app, p, map, first.id, user.id); // may throw (roles): nothing is stored before this succeeds
  p.activities.push({ subprocessId: p.id, action: 'Initiate', label: 'Initiated', userId: user.id, comment: input.comment, date: p.started });
  s.processes.set(p.id, p);
  return p;
}

/** Sends a task on: records the action, advances the map (or waits for the other assignees). */
function sendOn(app: SandboxApp, p: WfProcess, map: WorkflowMap, task: WfTask, user: CsUser, action: string, comment: string | undefined): void {
  const step = map.steps.find((x) => x.id === task.taskId)!;
  task.status = 'done';
  task.performer = user.id;
  task.disposition = action;
  task.comment = comment;
  task.completed = iso(app.now());
  p.activities.push({ subprocessId: task.subprocessId, action, label: `${step.name}: ${action}`, userId: user.id, comment, date: task.completed, stepName: step.name });
  if (p.tasks.some((t) => t.activation === task.activation && t.status === 'active')) return; // others still to act
  const next = step.next[action] ?? (action === 'SendOn' ? Object.values(step.next)[0] : undefined) ?? 'end';
  if (next === 'end') finishProcess(app, p, 'completed');
  else startStep(app, p, map, next, user.id);
}

function statusKey(app: SandboxApp, p: WfProcess): string {
  if (p.status === 'completed') return 'completed';
  if (p.status === 'stopped') return 'stopped';
  if (p.status === 'suspended') return 'suspended';
  const now = app.now();
  const late = (p.due && Date.parse(p.due) < now) || p.tasks.some((t) => t.status === 'active' && t.due && Date.parse(t.due) < now);
  return late ? 'workflowlate' : 'ontime';
}

function taskInfo(app: SandboxApp, t: WfTask, status: string): Record<string, unknown> {
  const who = t.performer !== undefined ? [t.performer] : t.assignees;
  return {
    process_id: t.processId,
    subprocess_id: t.subprocessId,
    task_id: t.taskId,
    task_name: t.name,
    task_due_date: t.due ?? null,
    task_start_date: t.started,
    task_status: status,
    task_assignees: { assignee: who.map((a) => assigneeInfo(app, a)), assigneeCount: who.length, currentAssignee: who.map((a) => userName(app, a)).join(', ') },
  };
}

function permissions(p: WfProcess, map: WorkflowMap | undefined, userId: number): Record<string, boolean> {
  const m = isManager(p, map, userId);
  return { Archive: m, ChangeAttr: m, Delete: m, ChangeRoute: m, ManagerPerms: m, SeeDetail: true, Stop: m, Suspend: m };
}

function processView(app: SandboxApp, p: WfProcess, userId: number): Record<string, unknown> {
  const map = workflow(app).maps.get(p.mapId);
  const completed = p.tasks.filter((t) => t.status === 'done').map((t) => taskInfo(app, t, 'Completed'));
  const current = p.tasks.filter((t) => t.status === 'active').map((t) => taskInfo(app, t, p.status === 'suspended' ? 'Suspended' : t.due && Date.parse(t.due) < app.now() ? 'Late' : 'Active'));
  const next: Array<Record<string, unknown>> = [];
  if (map && p.status !== 'completed' && p.status !== 'stopped') {
    const seen = new Set<number>();
    for (const t of p.tasks.filter((x) => x.status === 'active')) {
      const step = map.steps.find((x) => x.id === t.taskId);
      for (const n of Object.values(step?.next || {})) {
        if (n === 'end' || seen.has(n) || n === t.taskId) continue;
        seen.add(n);
        const ns = map.steps.find((x) => x.id === n);
        if (ns) next.push({ process_id: p.id, subprocess_id: p.id, task_id: ns.id, task_name: ns.name, task_due_date: null, task_start_date: null, task_status: 'Pending', task_assignees: { assignee: [], assigneeCount: 0, currentAssignee: '' } });
      }
    }
  }
  const initiator = cs(app).users.get(p.initiator);
  return {
    links: { data: { self: { body: '', content_type: '', href: `/api/v2/workflows/status/processes/${p.id}`, method: 'GET', name: '' } } },
    results: {
      attachments: { attachment_folder_id: p.attachmentFolderId },
      data_packages: [
        { TYPE: 1, SUBTYPE: 1, USERDATA: p.attachmentFolderId, DESCRIPTION: 'Attachments' },
        { TYPE: 1, SUBTYPE: 2, USERDATA: p.id, DESCRIPTION: 'Attributes' },
        { TYPE: 1, SUBTYPE: 3, USERDATA: p.id, DESCRIPTION: 'Comments' },
      ],
      step_list: { completed, current, next },
      wf_details: {
        date_initiated: p.started,
        due_date: p.due ?? null,
        initiator: { firstName: initiator?.first_name || '', lastName: initiator?.last_name || '', loginName: initiator?.name ?? String(p.initiator), userId: p.initiator },
        status: statusKey(app, p),
        wf_name: p.title,
        work_workID: p.id,
      },
      permissions: permissions(p, map, userId),
    },
  };
}

function statusEntry(app: SandboxApp, p: WfProcess, userId: number): Record<string, unknown> {
  const map = workflow(app).maps.get(p.mapId);
  const current = p.tasks.filter((t) => t.status === 'active');
  const first = current[0];
  const assignees = [...new Set(current.flatMap((t) => t.assignees))];
  return {
    data: {
      wfstatus: {
        process_id: p.id,
        subprocess_id: first?.subprocessId ?? p.id,
        task_id: first?.taskId ?? null,
        step_name: first?.name ?? '',
        assignee: assignees.map((a) => assigneeInfo(app, a)),
        assignee_count: assignees.length,
        current_assignee: assignees.map((a) => userName(app, a)).join(', '),
        parallel_steps: current.length > 1 ? current.map((t) => taskInfo(app, t, 'Active')) : [],
        comments_on: true,
        date_initiated: p.started,
        due_date: p.due ?? null,
        status_key: statusKey(app, p),
        steps_count: map?.steps.length ?? 0,
        wf_name: p.title,
      },
    },
    definitions: {},
    permissions: permissions(p, map, userId),
  };
}

function findTask(app: SandboxApp, ctx: Ctx): { p: WfProcess; map: WorkflowMap; task: WfTask | undefined } {
  const pid = intArg(ctx.params.pid, 'process_id')!;
  const spid = intArg(ctx.params.spid, 'subprocess_id')!;
  const tid = intArg(ctx.params.tid, 'task_id')!;
  const p = workflow(app).processes.get(pid);
  const map = p ? workflow(app).maps.get(p.mapId) : undefined;
  if (!p || !map) throw csError(400, 'Could not access task status');
  const matching = p.tasks.filter((t) => t.subprocessId === spid && t.taskId === tid);
  if (matching.length === 0) throw csError(400, 'Could not access task status');
  return { p, map, task: matching.find((t) => t.status === 'active') };
}

// ---- area ---------------------------------------------------------------------------------------

export const workflowArea: Area = {
  name: 'workflow',
  init(fixture, app) {
    const f = (fixture.workflow || {}) as WorkflowFixture;
    const c = cs(app);
    const admin = c.users.keys().next().value ?? 1000;
    const state: WorkflowState = { maps: new Map(), drafts: new Map(), processes: new Map(), nextDraftId: 70001, nextProcessId: 60001, nextActivation: 1, attachmentsVolume: f.attachmentsVolume?.id ?? 3950 };
    app.state.workflow = state;
    const folder = f.mapsFolder || { id: 3900, name: 'Workflow Maps' };
    if (!getNode(app, folder.id)) createNode(app, { id: folder.id, parent_id: -1, name: folder.name, type: 0, userId: admin });
    const vol = f.attachmentsVolume || { id: 3950, name: 'Workflow Attachments' };
    if (!getNode(app, vol.id)) createNode(app, { id: vol.id, parent_id: -1, name: vol.name, type: 0, userId: admin });
    for (const m of f.maps || []) {
      if (!getNode(app, m.id)) createNode(app, { id: m.id, parent_id: folder.id, name: m.name, type: 128, description: m.description, userId: admin });
      state.maps.set(m.id, JSON.parse(JSON.stringify(m)) as WorkflowMap);
    }
    return state;
  },
  snapshot(state, app) {
    const s = state as WorkflowState;
    return {
      maps: [...s.maps.values()].map((m) => ({ id: m.id, name: m.name, startStepEnabled: !!m.startStepEnabled, steps: m.steps.map((x) => ({ id: x.id, name: x.name })) })),
      drafts: [...s.drafts.values()],
      processes: [...s.processes.values()].map((p) => ({
        ...p,
        status_key: statusKey(app, p),
        attachments: (cs(app).children.get(p.attachmentFolderId) || []).map((id) => getNode(app, id)).filter((n): n is CsNode => !!n).map((n) => ({ id: n.id, name: n.name, original_id: n.extra.original_id })),
      })),
    };
  },
  routes(app) {
    // Draft process: workflow_id [+ doc_ids + AttachDocuments].
    app.cs('POST', '/v2/draftprocesses', (ctx) => {
      const user = csAuth(ctx);
      const s = workflow(app);
      const p = csParams(ctx);
      const map = mapOrError(app, intArg(p.workflow_id, 'workflow_id'));
      const docIds = readDocIds(app, p.doc_ids);
      const id = s.nextDraftId++;
      const folder = newAttachmentFolder(app, user.id, `Draft ${id}`);
      const attachNow = truthy(p.AttachDocuments);
      if (attachNow) attach(app, folder.id, docIds, user.id);
      s.drafts.set(id, { id, mapId: map.id, userId: user.id, values: {}, attachmentFolderId: folder.id, customDocIds: attachNow ? [] : docIds, created: iso(app.now()) });
      const results: Record<string, unknown> = { draftprocess_id: id };
      if (docIds.length) results.workflow_type = '1_1';
      return { status: 200, body: { links: { data: { self: { body: '', content_type: '', href: '/api/v2/draftprocesses', method: 'POST', name: '' } } }, results } };
    });

    // The draft's form (title, due date, attributes, attachment folder).
    const draftForm = (ctx: Ctx) => {
      const user = csAuth(ctx);
      if (ctx.query.draftprocess_id === undefined || ctx.query.draftprocess_id === '') throw csError(400, "Argument 'draftprocess_id' is required");
      const id = intArg(ctx.query.draftprocess_id, 'draftprocess_id')!;
      const d = workflow(app).drafts.get(id);
      if (!d || d.userId !== user.id) throw csError(500, `Could not get a draft workflow for ${id}`);
      const map = workflow(app).maps.get(d.mapId)!;
      return {
        status: 200,
        body: {
          data: {
            title: d.title ?? map.name,
            instructions: map.description || '',
            priority: 50,
            comments_on: true,
            attachments_on: true,
            data_packages: [
              { type: 1, sub_type: 1, data: { attachment_folder_id: d.attachmentFolderId } },
              { type: 1, sub_type: 2, data: {} },
              { type: 1, sub_type: 3, data: {} },
            ],
            actions: [{ key: 'Initiate', label: 'Start' }],
            custom_actions: [],
            message: undefined,
            member_accept: false,
            reply_performer_id: 0,
            authentication: false,
          },
          forms: formView(map, d.title, d.dueDate, d.values, d.attachmentFolderId),
        },
      };
    };
    app.cs('GET', '/v1/forms/draftprocesses', draftForm);
    app.cs('GET', '/v1/forms/draftprocesses/update', draftForm); // pyxecm's path ([OT-LIB])

    // formUpdate / Initiate.
    app.cs('PUT', '/v2/draftprocesses/:id', (ctx) => {
      const user = csAuth(ctx);
      const s = workflow(app);
      const p = csParams(ctx);
      const id = intArg(ctx.params.id, 'draftprocess_id')!;
      const d = s.drafts.get(id);
      if (!d || d.userId !== user.id) throw csError(400, 'Could not GetNodeByID');
      const map = s.maps.get(d.mapId);
      if (!map || !getNode(app, map.id)) throw csError(400, 'Could not Loadmap');
      const action = typeof p.action === 'string' ? p.action.trim() : '';
      if (!action) throw csError(400, 'Could not retrieve action');
      if (action.toLowerCase() === 'formupdate') {
        let values: unknown = p.values;
        if (typeof values === 'string') {
          try {
            values = JSON.parse(values);
          } catch {
            throw csError(400, 'Could not parse the values parameter as JSON.');
          }
        }
        if (!values || typeof values !== 'object' || Array.isArray(values)) throw csError(400, 'The values parameter must be a JSON object.');
        const copy: Draft = { ...d, values: { ...d.values } };
        applyValues(map, copy, values as Record<string, unknown>); // all or nothing
        s.drafts.set(id, copy);
        return { status: 200, body: { links: { data: {} }, results: {} } };
      }
      if (action.toLowerCase() === 'initiate') {
        const comment = typeof p.comment === 'string' && p.comment ? p.comment : undefined;
        const proc = initiate(app, user, map, { title: d.title, due: d.dueDate, values: d.values, attachmentFolderId: d.attachmentFolderId, comment });
        const folder = getNode(app, d.attachmentFolderId);
        if (folder) folder.name = `${proc.id} attachments`;
        s.drafts.delete(id);
        return { status: 200, body: { links: { data: {} }, results: { custom_message: null, process_id: proc.id } } };
      }
      throw csError(400, "The requested action is unknown. Allowed actions 'initiate','formupdate'");
    });

    // One step: only maps whose start step is disabled.
    app.cs('POST', '/v2/draftprocesses/startwf', (ctx) => {
      const user = csAuth(ctx);
      const p = csParams(ctx);
      const map = mapOrError(app, intArg(p.workflow_id, 'workflow_id'));
      if (map.startStepEnabled) throw csError(400, "This REST API only initiates workflows with a disabled start step. The workflow's start step is enabled. Hence this operation will not be successful.");
      const docIds = readDocIds(app, p.doc_ids);
      const s = workflow(app);
      const folder = newAttachmentFolder(app, user.id, `Process ${s.nextProcessId}`);
      const proc = withFolder(app, folder, () => initiate(app, user, map, { attachmentFolderId: folder.id }));
      folder.name = `${proc.id} attachments`;
      attach(app, folder.id, docIds, user.id);
      return { status: 200, body: { links: { data: {} }, results: { custom_message: null, process_id: proc.id } } };
    });

    // Initiate with role assignments: body={"definition":{"workflow_id":M,"role_info":{...}}}.
    app.cs('POST', '/v2/processes', (ctx) => {
      const user = csAuth(ctx);
      const p = csParams(ctx);
      const def = p.definition;
      if (!def || typeof def !== 'object' || Array.isArray(def)) throw csError(400, "The 'body' parameter must contain a definition object.");
      const d = def as Record<string, unknown>;
      const map = mapOrError(app, intArg(d.workflow_id, 'workflow_id'));
      const roleInfo: Record<string, number> = {};
      if (d.role_info !== undefined) {
        if (!d.role_info || typeof d.role_info !== 'object' || Array.isArray(d.role_info)) throw csError(400, 'role_info must be an object.');
        for (const [k, v] of Object.entries(d.role_info as Record<string, unknown>)) {
          const n = intArg(v, `role_info.${k}`);
          if (n === undefined || (!cs(app).users.has(n) && !cs(app).groups.has(n))) throw csError(400, `The workflow role member ${String(v)} does not exist.`);
          roleInfo[k] = n;
        }
      }
      const s = workflow(app);
      const folder = newAttachmentFolder(app, user.id, `Process ${s.nextProcessId}`);
      const proc = withFolder(app, folder, () => initiate(app, user, map, { attachmentFolderId: folder.id, roleInfo }));
      folder.name = `${proc.id} attachments`;
      return { status: 200, body: { links: { data: {} }, results: { process_id: proc.id } } };
    });

    // Status of one process: completed / current / next steps with assignees.
    app.cs('GET', '/v2/workflows/status/processes/:pid', (ctx) => {
      const user = csAuth(ctx);
      const pid = intArg(ctx.params.pid, 'process_id')!;
      const p = workflow(app).processes.get(pid);
      if (!p) throw csError(400, 'Could not access task status');
      return { status: 200, body: processView(app, p, user.id) };
    });

    // Processes by status (wstatus) and Kind (Managed / Initiated / Both).
    app.cs('GET', '/v2/workflows/status', (ctx) => {
      const user = csAuth(ctx);
      const q = ctx.query;
      const wstatus = q.wstatus;
      if (wstatus !== undefined && !['workflowlate', 'ontime', 'completed', 'stopped'].includes(wstatus)) throw csError(400, `Invalid value for parameter 'wstatus'.`);
      const kind = q.Kind ?? 'Both';
      if (!['Managed', 'Initiated', 'Both'].includes(kind)) throw csError(400, `Invalid value for parameter 'Kind'.`);
      const s = workflow(app);
      let list = [...s.processes.values()].filter((p) => {
        const map = s.maps.get(p.mapId);
        const initiated = p.initiator === user.id;
        const managed = isManager(p, map, user.id);
        if (kind === 'Initiated' && !initiated) return false;
        if (kind === 'Managed' && !managed) return false;
        if (kind === 'Both' && !initiated && !managed) return false;
        if (p.archived) return false;
        return wstatus === undefined || statusKey(app, p) === wstatus;
      });
      const sort = q.sort;
      if (sort) {
        const m = /^(status_key|due_date|wf_name|date_initiated) (asc|desc)$/.exec(sort);
        if (!m) throw csError(400, `Invalid value for parameter 'sort'.`);
        const key = (p: WfProcess) => (m[1] === 'status_key' ? statusKey(app, p) : m[1] === 'due_date' ? p.due ?? '' : m[1] === 'wf_name' ? p.title : p.started);
        list = list.sort((a, b) => key(a).localeCompare(key(b)) * (m[2] === 'asc' ? 1 : -1));
      }
      return { status: 200, body: { links: { data: {} }, results: list.map((p) => statusEntry(app, p, user.id)) } };
    });

    // Running processes, optionally of one map (mapObjId).
    app.cs('GET', '/v2/workflows/status/active', (ctx) => {
      const user = csAuth(ctx);
      const q = ctx.query;
      const mapId = intArg(q.mapObjId, 'mapObjId');
      const kind = q.Kind ?? 'Both';
      if (!['Managed', 'Initiated', 'Both'].includes(kind)) throw csError(400, `Invalid value for parameter 'Kind'.`);
      if (q.status !== undefined && !['NOARCHIVE', 'ARCHIVED'].includes(q.status)) throw csError(400, `Invalid value for parameter 'status'.`);
      const s = workflow(app);
      const list = [...s.processes.values()].filter((p) => {
        if (p.status !== 'active' && p.status !== 'suspended') return false;
        if (mapId !== undefined && p.mapId !== mapId) return false;
        if (q.search_name && !p.title.toLowerCase().includes(q.search_name.toLowerCase())) return false;
        const map = s.maps.get(p.mapId);
        const initiated = p.initiator === user.id;
        const managed = isManager(p, map, user.id);
        return kind === 'Initiated' ? initiated : kind === 'Managed' ? managed : initiated || managed;
      });
      const results = list.map((p) => {
        const cur = p.tasks.find((t) => t.status === 'active');
        return {
          Work_WorkID: p.id,
          Work_Status: p.status === 'suspended' ? 2 : 1,
          Work_OwnerID: p.initiator,
          Work_ManagerID: p.initiator,
          Work_DateDue_Max: p.due ?? null,
          SubWork_SubWorkID: p.id,
          SubWork_DateInitiated: p.started,
          SubWork_DateDue_Max: p.due ?? null,
          Map_MapID: p.mapId,
          Map_MapObjID: p.mapId,
          SubWorkTask_DateMilestone: null,
          SubWorkTask_DateDue_Max: cur?.due ?? null,
          SubWork_Title: p.title,
          SubWork_Status: p.status === 'suspended' ? 2 : 1,
          SubWork_ReturnSubWorkID: 0,
          comments_on: 1,
        };
      });
      return { status: 200, body: { links: { data: {} }, results } };
    });

    // The current user's assignments (tasks of running processes assigned to them or their groups).
    app.cs('GET', '/v2/members/assignments', (ctx) => {
      const user = csAuth(ctx);
      const s = workflow(app);
      const results: Array<Record<string, unknown>> = [];
      for (const p of s.processes.values()) {
        if (p.status !== 'active') continue;
        const map = s.maps.get(p.mapId);
        for (const t of p.tasks) {
          if (t.status !== 'active' || !canAct(app, t, user.id)) continue;
          const step = map?.steps.find((x) => x.id === t.taskId);
          const late = !!t.due && Date.parse(t.due) < app.now();
          results.push({
            data: {
              assignments: {
                id: p.id,
                name: t.name,
                description: p.title,
                instructions: step?.instructions || '',
                date_due: t.due ?? null,
                from_user_id: t.fromUserId,
                location_id: p.attachmentFolderId,
                priority: p.urgent ? 2 : 1,
                priority_name: p.urgent ? 'High' : 'Medium',
                status: late ? 1 : 0,
                status_name: late ? 'Late' : 'OK',
                type: 153,
                type_name: 'Workflow Step',
                container: false,
                container_size: 0,
                favorite: false,
                followup_id: 0,
                workflow_id: p.id,
                workflow_subworkflow_id: t.subprocessId,
                workflow_subworkflow_task_id: t.taskId,
                maptask_subtype: 1,
                workflow_open_in_smart_ui: true,
                smartViewAttachmentsView: false,
              },
            },
          });
        }
      }
      return { status: 200, body: { links: { data: {} }, results } };
    });

    // The task's form: its actions, custom actions and the attribute values.
    app.cs('GET', '/v1/forms/processes/tasks/update', (ctx) => {
      const user = csAuth(ctx);
      const q = ctx.query;
      for (const k of ['process_id', 'subprocess_id', 'task_id']) if (q[k] === undefined || q[k] === '') throw csError(400, `Argument '${k}' is required`);
      const pid = intArg(q.process_id, 'process_id')!;
      const spid = intArg(q.subprocess_id, 'subprocess_id')!;
      const tid = intArg(q.task_id, 'task_id')!;
      const s = workflow(app);
      const p = s.processes.get(pid);
      const map = p ? s.maps.get(p.mapId) : undefined;
      const task = p?.tasks.find((t) => t.subprocessId === spid && t.taskId === tid && t.status === 'active') ?? p?.tasks.find((t) => t.subprocessId === spid && t.taskId === tid);
      if (!p || !map || !task || (!canAct(app, task, user.id) && !isManager(p, map, user.id))) throw csError(500, `Could not get a workflow for ${pid}, ${spid}, ${tid}`);
      const step = map.steps.find((x) => x.id === tid);
      const custom = step?.customActions || [];
      const actions = step?.actions || (custom.length ? [] : STANDARD_ACTIONS);
      return {
        status: 200,
        body: {
          data: {
            title: p.title,
            instructions: step?.instructions || '',
            priority: p.urgent ? 100 : 50,
            comments_on: true,
            attachments_on: true,
            data_packages: [
              { type: 1, sub_type: 1, data: { attachment_folder_id: p.attachmentFolderId } },
              { type: 1, sub_type: 2, data: {} },
            ],
            actions: actions.map((a) => ({ key: a, label: a === 'SendOn' ? 'Send On' : a })),
            custom_actions: custom.map((a) => ({ key: a, label: a })),
            member_accept: false,
            reply_performer_id: 0,
            task: { type: 1, sub_type: 1, data: { task_id: tid, status: task.status } },
            authentication: false,
          },
          forms: formView(map, p.title, p.due, p.values, p.attachmentFolderId),
        },
      };
    });

    // Send on: action (standard) xor custom_action (disposition), with a comment.
    app.cs('PUT', '/v2/processes/:pid/subprocesses/:spid/tasks/:tid', (ctx) => {
      const user = csAuth(ctx);
      const p = csParams(ctx);
      const action = typeof p.action === 'string' && p.action.trim() ? p.action.trim() : undefined;
      const custom = typeof p.custom_action === 'string' && p.custom_action.trim() ? p.custom_action.trim() : undefined;
      if (action && custom) throw csError(400, 'It is not allowed to execute an action and a custom action');
      if (!action && !custom) throw csError(400, 'Could not retrieve action');
      const { p: proc, map, task } = findTask(app, ctx);
      if (proc.status === 'suspended') throw csError(400, 'The workflow is suspended.');
      if (!task || proc.status !== 'active') throw csError(400, 'The task is not active.');
      if (!canAct(app, task, user.id)) throw csError(400, 'No permission to send on this task: it is not assigned to you.', '662306821');
      const step = map.steps.find((x) => x.id === task.taskId)!;
      const customs = step.customActions || [];
      const standards = step.actions || (customs.length ? [] : STANDARD_ACTIONS);
      let key: string;
      if (custom) {
        const hit = customs.find((c) => c.toLowerCase() === custom.toLowerCase());
        if (!hit) throw csError(400, `The requested custom action '${custom}' is unknown for the step '${step.name}'.${customs.length ? ` Allowed: ${customs.join(', ')}.` : ''}`);
        key = hit;
      } else {
        const hit = standards.find((c) => c.toLowerCase() === action!.toLowerCase());
        if (!hit) throw csError(400, `The requested action '${action}' is unknown for the step '${step.name}'.${standards.length ? ` Allowed: ${standards.join(', ')}.` : customs.length ? ` Use custom_action with one of: ${customs.join(', ')}.` : ''}`);
        key = hit;
      }
      const comment = typeof p.comment === 'string' && p.comment ? p.comment : undefined;
      sendOn(app, proc, map, task, user, key, comment);
      return { status: 200, body: { links: { data: {} }, results: {} } };
    });

    // The process's history (initiation, actions, comments).
    app.cs('GET', '/v2/processes/:pid/subprocesses/:spid/activities', (ctx) => {
      csAuth(ctx);
      const pid = intArg(ctx.params.pid, 'process_id')!;
      const spid = intArg(ctx.params.spid, 'subprocess_id')!;
      const limit = intArg(ctx.query.limit, 'limit');
      const p = workflow(app).processes.get(pid);
      if (!p) throw csError(400, 'Could not access task status');
      let list = p.activities.filter((a) => spid === p.id || a.subprocessId === spid);
      if (limit !== undefined && limit > 0) list = list.slice(-limit);
      return { status: 200, body: { links: { data: {} }, results: { data: list.map((a) => ({ action: a.action, action_properties: { event: a.stepName ? 'step' : 'process', label: a.label, user_id: a.userId }, comment: a.comment ?? '', date: a.date, user_id: a.userId })) } } };
    });

    // A map's definition (its steps).
    app.cs('GET', '/v2/processes/:mapId/definition', (ctx) => {
      csAuth(ctx);
      const map = mapOrError(app, intArg(ctx.params.mapId, 'map_id'));
      return {
        status: 200,
        body: {
          links: { data: {} },
          results: {
            definition: {
              workflow_id: map.id,
              data_packages: [{ type: 1, sub_type: 1, data: 0 }, { type: 1, sub_type: 2, data: 0 }],
              tasks: map.steps.map((x) => ({ task_id: x.id, title: x.name, instructions: x.instructions || '', type: 1, sub_type: 0, data: 0 })),
            },
          },
        },
      };
    });

    // suspend / resume / stop / archive.
    app.cs('PUT', '/v2/processes/:pid/status', (ctx) => {
      const user = csAuth(ctx);
      const p = csParams(ctx);
      const pid = intArg(ctx.params.pid, 'process_id')!;
      const s = workflow(app);
      const proc = s.processes.get(pid);
      if (!proc) throw csError(400, 'Could not access task status');
      if (!isManager(proc, s.maps.get(proc.mapId), user.id)) throw csError(400, 'No permission to change the status of the process');
      const status = typeof p.status === 'string' ? p.status.trim().toLowerCase() : '';
      const allowed: Record<string, WfProcess['status'][]> = { suspend: ['active'], resume: ['suspended'], stop: ['active', 'suspended'], archive: ['completed', 'stopped'] };
      if (!allowed[status]) throw csError(400, `Invalid status '${String(p.status ?? '')}'. Possible values are suspend, resume, stop, archive.`);
      if (!allowed[status].includes(proc.status) || (status === 'archive' && proc.archived)) throw csError(400, `The process cannot be changed to '${status}' while it is ${proc.archived ? 'archived' : proc.status}.`);
      if (status === 'suspend') proc.status = 'suspended';
      else if (status === 'resume') proc.status = 'active';
      else if (status === 'stop') finishProcess(app, proc, 'stopped');
      else proc.archived = true;
      proc.activities.push({ subprocessId: proc.id, action: status, label: `Process ${status}`, userId: user.id, date: iso(app.now()) });
      return { status: 200, body: { links: { data: {} }, results: {} } };
    });

    // Delete a process (stopped, completed or archived ones; running ones must be stopped first).
    app.cs('DELETE', '/v2/processes/:pid', (ctx) => {
      const user = csAuth(ctx);
      const pid = intArg(ctx.params.pid, 'process_id')!;
      const s = workflow(app);
      const proc = s.processes.get(pid);
      if (!proc) throw csError(400, 'Could not access task status');
      if (!isManager(proc, s.maps.get(proc.mapId), user.id)) throw csError(400, 'No permission to delete the process');
      if (proc.status === 'active' || proc.status === 'suspended') throw csError(400, 'The process is still running: stop it before deleting it.');
      s.processes.delete(pid);
      return { status: 200, body: { links: { data: {} }, results: {} } };
    });
  },
};
