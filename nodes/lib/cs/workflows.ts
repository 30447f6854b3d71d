/**
 * Content Server workflows: start a map (draft process, form values, Initiate; or one step),
 * process status and history, the current user's assignments, open tasks of a map grouped by
 * assignee, sending a task on, status changes and delete.
 * Paths and fields: Content Server REST API 2.0.2 (CS-OAS), opentext-api.md §2.9.
 */
import { HttpClient, csBody, form } from '../http';
import { OtError, invalidInput } from '../errors';

/** One workflow task assigned to the current user (`GET v2/members/assignments`). */
export interface Assignment {
  /** A stable key: "<process_id>_<subprocess_id>_<task_id>". */
  id: string;
  process_id: number;
  subprocess_id: number;
  task_id: number;
  name: string;
  title?: string;
  date_due?: string | null;
  from_user_id?: number;
  workflow_id?: number;
  priority?: number;
  priority_name?: string;
  status_name?: string;
  instructions?: string;
  /** The process's attachment folder (the assignment's location). */
  location_id?: number;
}

export interface TaskRef {
  processId: number;
  subprocessId: number;
  taskId: number;
}

export interface StartWorkflowInput {
  /** Workflow map node id. */
  mapId: number;
  /** Node ids to attach (documents, folders). */
  attachments?: number[];
  title?: string;
  /** A Date, an ISO date / date-time, or Content Server's "YYYY-MM-DD HH:MM:SS.000". */
  dueDate?: string | Date;
  /**
   * Workflow attribute values: keys "WorkflowForm_<id>" (sent as they are), "<id>" (becomes
   * WorkflowForm_<id>), or the attribute's name as the map's form titles it.
   */
  values?: Record<string, unknown>;
  comment?: string;
}

export interface StartedWorkflow {
  processId: number;
  draftprocessId?: number;
  mapId: number;
  attachments: number[];
  title?: string;
}

export interface ProcessTask {
  processId: number;
  subprocessId: number;
  taskId: number;
  name: string;
  status: string;
  dueDate: string | null;
  startDate: string | null;
  assignees: Array<{ id: number; name: string; firstName?: string; lastName?: string; email?: string }>;
}

export interface ProcessStatus {
  processId: number;
  title: string;
  /** ontime, workflowlate, completed, stopped (or suspended). */
  status: string;
  dateInitiated?: string;
  dueDate: string | null;
  initiator?: { id: number; name: string };
  attachmentFolderId?: number;
  completed: ProcessTask[];
  current: ProcessTask[];
  next: ProcessTask[];
  permissions: Record<string, boolean>;
  /** Initiation and every action with its comment, oldest first. */
  history?: Array<{ action: string; label?: string; comment?: string; date?: string; userId?: number }>;
}

export type ProcessStatusChange = 'suspend' | 'resume' | 'stop' | 'archive';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** `results` as an object, or the first element when the server wraps it in an array (the spec's schema). */
function firstResult(data: unknown): Obj {
  const r = obj(data).results;
  return Array.isArray(r) ? obj(r[0]) : obj(r);
}

// ---- assignments --------------------------------------------------------------------------------

/** Maps one `members_V2PropertiesAssignments` entry. */
export function assignmentOf(a: Obj): Assignment | undefined {
  const pid = num(a.workflow_id);
  const spid = num(a.workflow_subworkflow_id);
  const tid = num(a.workflow_subworkflow_task_id);
  if (pid === undefined || spid === undefined || tid === undefined) return undefined;
  return {
    id: `${pid}_${spid}_${tid}`,
    process_id: pid,
    subprocess_id: spid,
    task_id: tid,
    name: typeof a.name === 'string' ? a.name : '',
    title: typeof a.description === 'string' && a.description ? a.description : undefined,
    date_due: typeof a.date_due === 'string' ? a.date_due : a.date_due === null ? null : undefined,
    from_user_id: num(a.from_user_id),
    workflow_id: pid,
    priority: num(a.priority),
    priority_name: text(a.priority_name),
    status_name: text(a.status_name),
    instructions: text(a.instructions) || undefined,
    location_id: num(a.location_id),
  };
}

/** `GET v2/members/assignments`: the current user's workflow tasks. */
export async function listAssignments(client: HttpClient): Promise<Assignment[]> {
  const res = await client.request<Obj>({ operation: 'list assignments', method: 'GET', path: 'v2/members/assignments' });
  const out: Assignment[] = [];
  for (const r of list(res.data?.results)) {
    // Each result carries data.assignments (one object, or an array of them; data may be an array too).
    for (const g of list(obj(r).data)) {
      for (const a of list(obj(g).assignments)) {
        const m = assignmentOf(obj(a));
        if (m && !out.some((x) => x.id === m.id)) out.push(m);
      }
    }
  }
  return out;
}

// ---- start --------------------------------------------------------------------------------------

/** Formats a due date as Content Server's workflow form expects: "YYYY-MM-DD HH:MM:SS.000" (UTC). */
export function formatDueDate(v: string | Date): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/.test(v.trim())) return v.trim();
  const d = v instanceof Date ? v : /^\d{4}-\d{2}-\d{2}$/.test(String(v).trim()) ? new Date(`${String(v).trim()}T00:00:00Z`) : new Date(String(v));
  if (Number.isNaN(d.getTime())) throw invalidInput(`due date "${String(v).slice(0, 40)}" is not a date (use an ISO date such as 2026-07-31 or 2026-07-31T17:00:00Z)`);
  return d.toISOString().replace('T', ' ').replace(/Z$/, '').replace(/\.(\d{3})$/, '.$1');
}

/** `POST v2/draftprocesses` (form fields workflow_id, doc_ids, AttachDocuments). */
export async function createDraftProcess(client: HttpClient, mapId: number, attachments: number[] = []): Promise<{ draftprocessId: number; workflowType?: string }> {
  const res = await client.request<Obj>({
    operation: 'create draft process',
    method: 'POST',
    path: 'v2/draftprocesses',
    body: form({ workflow_id: mapId, doc_ids: attachments.length ? attachments.join(',') : undefined, AttachDocuments: attachments.length ? 'TRUE' : undefined }),
  });
  const r = firstResult(res.data);
  const id = num(r.draftprocess_id);
  if (id === undefined) throw new OtError({ code: 'OT_API', message: 'create draft process: the response carried no draftprocess_id', operation: 'create draft process' });
  return { draftprocessId: id, workflowType: text(r.workflow_type) };
}

/** `GET v1/forms/draftprocesses?draftprocess_id=`: the form (field keys, titles, values). */
export async function getDraftProcessForm(client: HttpClient, draftprocessId: number): Promise<{ title?: string; fields: Array<{ key: string; title: string }>; values: Record<string, unknown>; attachmentFolderId?: number }> {
  const res = await client.request<Obj>({ operation: 'get draft process form', method: 'GET', path: 'v1/forms/draftprocesses', query: { draftprocess_id: draftprocessId } });
  const data = obj(res.data?.data);
  const fields: Array<{ key: string; title: string }> = [];
  const values: Record<string, unknown> = {};
  for (const f of list(res.data?.forms)) {
    const props = obj(obj(obj(f).schema).properties);
    for (const [key, def] of Object.entries(props)) fields.push({ key, title: text(obj(def).title) ?? key });
    Object.assign(values, obj(obj(f).data));
  }
  let attachmentFolderId: number | undefined;
  for (const p of list(data.data_packages)) {
    const id = num(obj(obj(p).data).attachment_folder_id);
    if (id !== undefined) attachmentFolderId = id;
  }
  return { title: text(data.title), fields, values, attachmentFolderId };
}

/** `PUT v2/draftprocesses/{id}` with `body={"action":"formUpdate","values":{...}}`. */
export async function updateDraftProcess(client: HttpClient, draftprocessId: number, values: Record<string, unknown>): Promise<void> {
  await client.request({ operation: 'update draft process', method: 'PUT', path: `v2/draftprocesses/${draftprocessId}`, body: csBody({ action: 'formUpdate', values }) });
}

/** `PUT v2/draftprocesses/{id}` with `body={"action":"Initiate","comment":...}`: returns the process id. */
export async function initiateDraftProcess(client: HttpClient, draftprocessId: number, comment?: string): Promise<{ processId: number; customMessage?: string | null }> {
  const res = await client.request<Obj>({
    operation: 'initiate workflow',
    method: 'PUT',
    path: `v2/draftprocesses/${draftprocessId}`,
    body: csBody(comment ? { action: 'Initiate', comment } : { action: 'Initiate' }),
    // Not idempotent: a repeated Initiate would fail on the consumed draft, or worse.
    idempotent: false,
  });
  const r = firstResult(res.data);
  const pid = num(r.process_id);
  if (pid === undefined) throw new OtError({ code: 'OT_API', message: 'initiate workflow: the response carried no process_id', operation: 'initiate workflow' });
  return { processId: pid, customMessage: r.custom_message === null ? null : text(r.custom_message) };
}

/** Maps friendly value keys (attribute id or name) to the form's "WorkflowForm_*" keys. */
async function formValues(client: HttpClient, draftprocessId: number, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let fields: Array<{ key: string; title: string }> | undefined;
  for (const [k, v] of Object.entries(values)) {
    if (k.startsWith('WorkflowForm')) out[k] = v;
    else if (/^\d+$/.test(k)) out[`WorkflowForm_${k}`] = v;
    else {
      fields ||= (await getDraftProcessForm(client, draftprocessId)).fields;
      const hit = fields.find((f) => f.title.toLowerCase() === k.trim().toLowerCase());
      if (!hit) throw invalidInput(`workflow value "${k}": the map has no such attribute; its fields are ${fields.map((f) => `"${f.title}" (${f.key})`).join(', ')}`);
      out[hit.key] = v;
    }
  }
  return out;
}

/**
 * Starts a workflow the full way: draft process (with the attachments), form update (title, due
 * date, attribute values), Initiate with the comment.
 */
export async function startWorkflow(client: HttpClient, input: StartWorkflowInput): Promise<StartedWorkflow> {
  const attachments = input.attachments || [];
  const { draftprocessId } = await createDraftProcess(client, input.mapId, attachments);
  try {
    const values: Record<string, unknown> = input.values ? await formValues(client, draftprocessId, input.values) : {};
    if (input.title) values.WorkflowForm_Title = input.title;
    if (input.dueDate !== undefined && input.dueDate !== '') values.WorkflowForm_WorkflowDueDate = formatDueDate(input.dueDate);
    if (Object.keys(values).length) await updateDraftProcess(client, draftprocessId, values);
    const { processId } = await initiateDraftProcess(client, draftprocessId, input.comment);
    return { processId, draftprocessId, mapId: input.mapId, attachments, title: input.title };
  } catch (e) {
    // The draft stays behind (the API has no call to discard it): name it so it can be found.
    if (e instanceof OtError) e.details = { ...(e.details && typeof e.details === 'object' ? (e.details as Obj) : {}), draftprocessId };
    throw e;
  }
}

/** `POST v2/draftprocesses/startwf`: one step, only for maps whose start step is disabled. */
export async function startWorkflowOneStep(client: HttpClient, mapId: number, attachments: number[] = []): Promise<StartedWorkflow> {
  const res = await client.request<Obj>({
    operation: 'start workflow',
    method: 'POST',
    path: 'v2/draftprocesses/startwf',
    body: form({ workflow_id: mapId, doc_ids: attachments.length ? attachments.join(',') : undefined }),
  });
  const pid = num(firstResult(res.data).process_id) ?? num(res.data?.process_id);
  if (pid === undefined) throw new OtError({ code: 'OT_API', message: 'start workflow: the response carried no process_id', operation: 'start workflow' });
  return { processId: pid, mapId, attachments };
}

/** `POST v2/processes` with `body={"definition":{"workflow_id":M,"role_info":{...}}}`. */
export async function initiateProcess(client: HttpClient, mapId: number, roleInfo?: Record<string, number>): Promise<StartedWorkflow> {
  const res = await client.request<Obj>({
    operation: 'initiate workflow',
    method: 'POST',
    path: 'v2/processes',
    body: csBody({ definition: { workflow_id: mapId, ...(roleInfo && Object.keys(roleInfo).length ? { role_info: roleInfo } : {}) } }),
  });
  const pid = num(firstResult(res.data).process_id) ?? num(res.data?.process_id);
  if (pid === undefined) throw new OtError({ code: 'OT_API', message: 'initiate workflow: the response carried no process_id', operation: 'initiate workflow' });
  return { processId: pid, mapId, attachments: [] };
}

// ---- status -------------------------------------------------------------------------------------

function taskOf(t: unknown): ProcessTask {
  const o = obj(t);
  const who = obj(o.task_assignees);
  return {
    processId: num(o.process_id) ?? 0,
    subprocessId: num(o.subprocess_id) ?? 0,
    taskId: num(o.task_id) ?? 0,
    name: text(o.task_name) ?? '',
    status: text(o.task_status) ?? '',
    dueDate: text(o.task_due_date) ?? null,
    startDate: text(o.task_start_date) ?? null,
    assignees: list(who.assignee).map((a) => {
      const x = obj(a);
      return { id: num(x.userId) ?? 0, name: text(x.loginName) ?? '', firstName: text(x.firstName) || undefined, lastName: text(x.lastName) || undefined, email: text(x.emailAddress) || undefined };
    }),
  };
}

/** `GET v2/workflows/status/processes/{id}` (+ the activities of the main subprocess when asked). */
export async function getProcessStatus(client: HttpClient, processId: number, opts: { history?: boolean } = {}): Promise<ProcessStatus> {
  const res = await mapped(() => client.request<Obj>({ operation: 'get workflow status', method: 'GET', path: `v2/workflows/status/processes/${processId}` }));
  const r = firstResult(res.data);
  const steps = obj(r.step_list);
  const d = obj(r.wf_details);
  const ini = obj(d.initiator);
  const out: ProcessStatus = {
    processId: num(d.work_workID) ?? processId,
    title: text(d.wf_name) ?? '',
    status: text(d.status) ?? '',
    dateInitiated: text(d.date_initiated),
    dueDate: text(d.due_date) ?? null,
    initiator: num(ini.userId) !== undefined ? { id: num(ini.userId)!, name: text(ini.loginName) ?? '' } : undefined,
    attachmentFolderId: num(obj(r.attachments).attachment_folder_id),
    completed: list(steps.completed).map(taskOf),
    current: list(steps.current).map(taskOf),
    next: list(steps.next).map(taskOf),
    permissions: Object.fromEntries(Object.entries(obj(r.permissions)).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>,
  };
  if (opts.history) {
    const h = await client.request<Obj>({ operation: 'get workflow history', method: 'GET', path: `v2/processes/${processId}/subprocesses/${processId}/activities` });
    out.history = list(obj(firstResult(h.data)).data).map((a) => {
      const x = obj(a);
      const props = obj(x.action_properties);
      return { action: text(x.action) ?? '', label: text(props.label), comment: text(x.comment) || undefined, date: text(x.date), userId: num(x.user_id) ?? num(props.user_id) };
    });
  }
  return out;
}

export interface RunningProcess {
  processId: number;
  mapId?: number;
  title: string;
  dueDate: string | null;
  dateInitiated?: string;
  status: 'running' | 'suspended';
}

/** `GET v2/workflows/status/active?mapObjId=&Kind=`: running processes (of one map) the user manages or initiated. */
export async function listRunningProcesses(client: HttpClient, opts: { mapId?: number; kind?: 'Managed' | 'Initiated' | 'Both' } = {}): Promise<RunningProcess[]> {
  const res = await client.request<Obj>({ operation: 'list running workflows', method: 'GET', path: 'v2/workflows/status/active', query: { mapObjId: opts.mapId, Kind: opts.kind } });
  return list(res.data?.results)
    .map((x) => obj(x))
    .filter((x) => num(x.Work_WorkID) !== undefined)
    .map((x) => ({ processId: num(x.Work_WorkID)!, mapId: num(x.Map_MapObjID), title: text(x.SubWork_Title) ?? '', dueDate: text(x.Work_DateDue_Max) ?? null, dateInitiated: text(x.SubWork_DateInitiated), status: num(x.Work_Status) === 2 ? 'suspended' : 'running' }));
}

export interface AssigneeTasks {
  assignee: { id: number; name: string; firstName?: string; lastName?: string; email?: string };
  tasks: Array<ProcessTask & { title: string }>;
}

/**
 * The open tasks of a map's running processes, grouped by assignee (for reminders, RM-6):
 * the running processes of the map, then each one's current steps. A group assignee is one entry.
 */
export async function openTasksByAssignee(client: HttpClient, mapId: number): Promise<AssigneeTasks[]> {
  const running = (await listRunningProcesses(client, { mapId, kind: 'Both' })).filter((p) => p.status === 'running');
  const groups = new Map<number, AssigneeTasks>();
  for (const p of running) {
    const st = await getProcessStatus(client, p.processId);
    for (const t of st.current) {
      for (const a of t.assignees) {
        let g = groups.get(a.id);
        if (!g) {
          g = { assignee: a, tasks: [] };
          groups.set(a.id, g);
        }
        g.tasks.push({ ...t, title: st.title });
      }
    }
  }
  return [...groups.values()];
}

/** `GET v1/forms/processes/tasks/update`: a task's standard and custom actions, and the form values. */
export async function getTaskForm(client: HttpClient, task: TaskRef): Promise<{ title?: string; instructions?: string; actions: string[]; customActions: string[]; values: Record<string, unknown> }> {
  const res = await client.request<Obj>({ operation: 'get task form', method: 'GET', path: 'v1/forms/processes/tasks/update', query: { process_id: task.processId, subprocess_id: task.subprocessId, task_id: task.taskId } });
  const d = obj(res.data?.data);
  const keys = (v: unknown) => list(v).map((a) => text(obj(a).key)).filter((k): k is string => !!k);
  const values: Record<string, unknown> = {};
  for (const f of list(res.data?.forms)) Object.assign(values, obj(obj(f).data));
  return { title: text(d.title), instructions: text(d.instructions) || undefined, actions: keys(d.actions), customActions: keys(d.custom_actions), values };
}

// ---- act ----------------------------------------------------------------------------------------

/** Standard step actions; anything else is sent as a custom action (disposition). */
export const STANDARD_TASK_ACTIONS = ['SendOn', 'Delegate', 'SendForReview', 'Reassign', 'Accept'];

/**
 * `PUT v2/processes/{pid}/subprocesses/{spid}/tasks/{tid}` with `action` (a standard action such as
 * SendOn) or `custom_action` (Approve, Reject, ...) and a comment. A refusal because the task is
 * not the caller's comes back as OT_FORBIDDEN.
 */
export async function sendOnTask(client: HttpClient, task: TaskRef, input: { action?: string; customAction?: string; comment?: string }): Promise<void> {
  if (!input.action === !input.customAction) throw invalidInput('send on needs exactly one of a standard action or a custom action');
  await mapped(async () => {
    await client.request({
      operation: 'send on task',
      method: 'PUT',
      path: `v2/processes/${task.processId}/subprocesses/${task.subprocessId}/tasks/${task.taskId}`,
      body: form({ action: input.action, custom_action: input.customAction, comment: input.comment || undefined }),
      // A repeated send-on would act on the next step (or fail): never repeat it blindly.
      idempotent: false,
    });
  });
}

/**
 * The workflow endpoints answer 400 for permission problems and unknown processes (spec:
 * "No permission to change the status of the process", "Could not access task status"): give
 * those their own codes.
 */
async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OtError && e.statusCode === 400) {
      const code = /no permission|not assigned/i.test(e.apiMessage || '') ? 'OT_FORBIDDEN' : /could not access task status/i.test(e.apiMessage || '') ? 'OT_NOT_FOUND' : undefined;
      if (code) throw new OtError({ code, message: e.message, statusCode: e.statusCode, operation: e.operation, attempts: e.attempts, apiMessage: e.apiMessage });
    }
    throw e;
  }
}

/** Splits an action into the standard `action` or the `custom_action` field. */
export function taskAction(action: string): { action?: string; customAction?: string } {
  const a = action.trim();
  const std = STANDARD_TASK_ACTIONS.find((s) => s.toLowerCase() === a.toLowerCase());
  return std ? { action: std } : { customAction: a };
}

/** `PUT v2/processes/{pid}/status` with status=suspend|resume|stop|archive. */
export async function changeProcessStatus(client: HttpClient, processId: number, status: ProcessStatusChange): Promise<void> {
  // Not repeated after a lost response: the second suspend or stop would be refused.
  await mapped(() => client.request({ operation: `${status} workflow`, method: 'PUT', path: `v2/processes/${processId}/status`, body: form({ status }), idempotent: false }));
}

/** `DELETE v2/processes/{pid}`. */
export async function deleteProcess(client: HttpClient, processId: number): Promise<void> {
  await mapped(() => client.request({ operation: 'delete workflow', method: 'DELETE', path: `v2/processes/${processId}`, idempotent: false }));
}
