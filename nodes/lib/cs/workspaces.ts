/**
 * Business Workspaces (Extended ECM): find, get and create workspaces.
 * Paths and fields: Business Workspaces REST API v1/v2 (BWS-OAS), opentext-api.md §2.8.
 */
import type { HttpClient } from '../http';

export interface WorkspaceRef {
  id: number;
  name: string;
  typeId?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/** Reads one entry of a `GET v2/businessworkspaces` result list. */
export function workspaceRefOf(entry: unknown): WorkspaceRef | undefined {
  const p = obj(obj(obj(entry).data).properties);
  const id = num(p.id);
  if (id === undefined) return undefined;
  return { id, name: typeof p.name === 'string' ? p.name : '', typeId: num(p.wnf_wksp_type_id) };
}

/** `GET v2/businessworkspaces?expanded_view=true&where_ext_system_id&where_bo_type&where_bo_id`: the workspace of a business object. */
export async function findWorkspaceByBusinessObject(client: HttpClient, bo: { extSystemId: string; boType: string; boId: string }): Promise<WorkspaceRef | undefined> {
  const res = await client.request<Obj>({
    operation: 'find business workspace',
    method: 'GET',
    path: 'v2/businessworkspaces',
    query: { expanded_view: true, where_ext_system_id: bo.extSystemId, where_bo_type: bo.boType, where_bo_id: bo.boId, page: 1, limit: 2 },
  });
  const list = Array.isArray(res.data?.results) ? res.data.results : [];
  for (const e of list) {
    const ref = workspaceRefOf(e);
    if (ref) return ref;
  }
  return undefined;
}

/** `GET v2/businessworkspaces?expanded_view=true&where_workspace_type_id|name&where_name=`: a workspace by type and exact name. */
export async function findWorkspaceByTypeAndName(client: HttpClient, q: { typeId?: number; typeName?: string; name: string }): Promise<WorkspaceRef | undefined> {
  const res = await client.request<Obj>({
    operation: 'find business workspace',
    method: 'GET',
    path: 'v2/businessworkspaces',
    query: {
      expanded_view: true,
      where_workspace_type_id: q.typeId,
      where_workspace_type_name: q.typeId === undefined ? q.typeName : undefined,
      where_name: q.name,
      page: 1,
      limit: 100,
    },
  });
  const list = Array.isArray(res.data?.results) ? res.data.results : [];
  for (const e of list) {
    const ref = workspaceRefOf(e);
    if (ref && ref.name === q.name) return ref;
  }
  return undefined;
}
