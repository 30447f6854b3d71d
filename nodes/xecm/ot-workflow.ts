/**
 * ot-workflow ("workflow"): start a workflow map (draft process with attachments, title, due date,
 * attribute values and comment; the one-step start; or with role assignments), read a process's
 * status, list the current user's assignments, list the open tasks of a map by assignee, send a
 * task on with a standard or custom action, and change or delete a process.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, configNode, requireString, requireId, objectInput, type RED, type Msg } from '../lib/nodered';
import { empty, readTemplated } from '../lib/inputs';
import { invalidInput } from '../lib/errors';
import {
  changeProcessStatus,
  deleteProcess,
  getProcessStatus,
  initiateProcess,
  listAssignments,
  openTasksByAssignee,
  sendOnTask,
  startWorkflow,
  startWorkflowOneStep,
  taskAction,
  type ProcessStatusChange,
  type StartedWorkflow,
  type TaskRef,
} from '../lib/cs/workflows';
import type { XecmConfigNode } from './xecm-connection';

type Operation = 'start' | 'status' | 'assignments' | 'openTasks' | 'sendOn' | 'changeStatus';
type StartMode = 'draft' | 'oneStep' | 'roles';

interface Def extends NodeDef {
  server: string;
  operation?: Operation;
  startMode?: StartMode;
  map?: string;
  mapType?: string;
  attachments?: string;
  attachmentsType?: string;
  title?: string;
  titleType?: string;
  dueDate?: string;
  dueDateType?: string;
  values?: string;
  valuesType?: string;
  roles?: string;
  rolesType?: string;
  comment?: string;
  commentType?: string;
  processId?: string;
  processIdType?: string;
  task?: string;
  taskType?: string;
  action?: string;
  actionType?: string;
  statusChange?: ProcessStatusChange | 'delete';
  history?: boolean | string;
}

const OPERATIONS: Operation[] = ['start', 'status', 'assignments', 'openTasks', 'sendOn', 'changeStatus'];
const CHANGES = ['suspend', 'resume', 'stop', 'archive', 'delete'];

/** Node ids to attach: a number, "1,2", an array of ids, or objects with an id (a list of upload results). */
function attachmentIds(v: unknown): number[] {
  if (empty(v)) return [];
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v];
  const ids: number[] = [];
  for (const it of items) {
    const raw = it && typeof it === 'object' && !Array.isArray(it) ? ((it as Record<string, unknown>).id ?? (it as Record<string, unknown>).nodeId) : it;
    const id = requireId(raw, 'attachment node id');
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** A task: {process_id, subprocess_id, task_id} (an assignment), {processId, subprocessId, taskId}, or "pid_spid_tid". */
function taskRef(v: unknown): TaskRef {
  if (typeof v === 'string' && /^\s*\d+[_/:]\d+[_/:]\d+\s*$/.test(v)) {
    const [p, s, t] = v.trim().split(/[_/:]/).map(Number);
    return { processId: requireId(p, 'process id'), subprocessId: requireId(s, 'subprocess id'), taskId: requireId(t, 'task id') };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidInput('the task must be an assignment object ({process_id, subprocess_id, task_id}) or "process_subprocess_task"');
  const o = v as Record<string, unknown>;
  return {
    processId: requireId(o.process_id ?? o.processId, 'process id'),
    subprocessId: requireId(o.subprocess_id ?? o.subprocessId ?? o.process_id ?? o.processId, 'subprocess id'),
    taskId: requireId(o.task_id ?? o.taskId, 'task id'),
  };
}

export = function (RED: RED) {
  function WorkflowNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation: Operation = OPERATIONS.includes(def.operation as Operation) ? (def.operation as Operation) : 'start';
    const startMode: StartMode = def.startMode === 'oneStep' || def.startMode === 'roles' ? def.startMode : 'draft';
    const history = def.history === undefined || def.history === true || def.history === 'true';

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      /** A TypedInput; plain text is a mustache template. */
      const read = (value: string | undefined, type: string | undefined, dflt = 'str') => readTemplated(RED, node, msg, value, type, dflt);
      const text = async (value: string | undefined, type: string | undefined, what: string) => {
        const v = await read(value, type);
        return empty(v) ? undefined : requireString(v, what);
      };

      switch (operation) {
        case 'start': {
          const mapId = requireId(await read(def.map, def.mapType), 'workflow map id');
          let started: StartedWorkflow;
          if (startMode === 'roles') {
            const roles = objectInput(await read(def.roles, def.rolesType, 'json'), 'roles');
            const roleInfo: Record<string, number> = {};
            for (const [k, v] of Object.entries(roles || {})) roleInfo[k] = requireId(v, `member id of the role "${k}"`);
            started = await initiateProcess(cfg.client, mapId, roleInfo);
          } else {
            const attachments = attachmentIds(await read(def.attachments ?? 'nodeId', def.attachmentsType || 'msg'));
            if (startMode === 'oneStep') {
              started = await startWorkflowOneStep(cfg.client, mapId, attachments);
            } else {
              const due = await read(def.dueDate, def.dueDateType);
              if (!empty(due) && typeof due !== 'string' && !(due instanceof Date) && typeof due !== 'number') throw invalidInput('the due date must be a date or text');
              started = await startWorkflow(cfg.client, {
                mapId,
                attachments,
                title: await text(def.title, def.titleType, 'title'),
                dueDate: empty(due) ? undefined : typeof due === 'number' ? new Date(due) : (due as string | Date),
                values: objectInput(await read(def.values, def.valuesType, 'json'), 'values'),
                comment: await text(def.comment, def.commentType, 'comment'),
              });
            }
          }
          msg.payload = started;
          msg.processId = started.processId;
          send(msg);
          return RED._('ot-workflow.status.started', { id: started.processId });
        }
        case 'status': {
          const pid = requireId(await read(def.processId ?? 'processId', def.processIdType || 'msg'), 'process id');
          const st = await getProcessStatus(cfg.client, pid, { history });
          msg.payload = st;
          msg.processId = pid;
          send(msg);
          return RED._('ot-workflow.status.state', { state: st.status });
        }
        case 'assignments': {
          const list = await listAssignments(cfg.client);
          msg.payload = list;
          send(msg);
          return RED._('ot-workflow.status.assignments', { n: list.length });
        }
        case 'openTasks': {
          const mapId = requireId(await read(def.map, def.mapType), 'workflow map id');
          const groups = await openTasksByAssignee(cfg.client, mapId);
          msg.payload = groups;
          send(msg);
          return RED._('ot-workflow.status.assignees', { n: groups.length });
        }
        case 'sendOn': {
          const task = taskRef(await read(def.task ?? 'payload', def.taskType || 'msg'));
          const action = requireString(await read(def.action, def.actionType), 'action');
          const comment = await text(def.comment, def.commentType, 'comment');
          const which = taskAction(action);
          await sendOnTask(cfg.client, task, { ...which, comment });
          const sent = which.action ?? which.customAction ?? action;
          msg.payload = { ...task, action: sent, custom: !!which.customAction, comment };
          msg.processId = task.processId;
          send(msg);
          return RED._('ot-workflow.status.sent', { action: sent });
        }
        case 'changeStatus': {
          const pid = requireId(await read(def.processId ?? 'processId', def.processIdType || 'msg'), 'process id');
          const change = def.statusChange && CHANGES.includes(def.statusChange) ? def.statusChange : 'stop';
          if (change === 'delete') await deleteProcess(cfg.client, pid);
          else await changeProcessStatus(cfg.client, pid, change);
          msg.payload = { processId: pid, change };
          msg.processId = pid;
          send(msg);
          return RED._('ot-workflow.status.changed', { change });
        }
      }
    });
  }
  register(RED, 'ot-workflow', WorkflowNode);
};
