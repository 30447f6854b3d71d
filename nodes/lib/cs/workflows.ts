/**
 * Content Server workflows: draft processes, start, status, assignments, send on.
 * Paths and fields: Content Server REST API 2.0.2 (CS-OAS), opentext-api.md §2.9.
 */
import type { HttpClient } from '../http';

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
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

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
  };
}

/** `GET v2/members/assignments`: the current user's workflow tasks. */
export async function listAssignments(client: HttpClient): Promise<Assignment[]> {
  const res = await client.request<Obj>({ operation: 'list assignments', method: 'GET', path: 'v2/members/assignments' });
  const out: Assignment[] = [];
  const results = Array.isArray(res.data?.results) ? res.data.results : [];
  for (const r of results) {
    const data = obj(r).data;
    const groups = Array.isArray(data) ? data : [data];
    for (const g of groups) {
      const list = obj(g).assignments;
      if (!Array.isArray(list)) continue;
      for (const a of list) {
        const m = assignmentOf(obj(a));
        if (m) out.push(m);
      }
    }
  }
  return out;
}
