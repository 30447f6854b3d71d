/** Shared bits of the Extended ECM node tests (upload, ECM node, ECM watch). */
import crypto from 'crypto';
import type { SandboxHandle } from '../support/sandbox';
import type { CsNode, CsState } from '../../sandbox/areas/cs-core';
import type { FlowNode } from '../support/nr';

export type Obj = Record<string, unknown>;

export const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

/** A Catch node on tab1 wired to the helper node "caught". */
export function catcher(): FlowNode[] {
  return [
    { id: 'c1', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab1' },
  ];
}

export function csState(h: SandboxHandle): CsState {
  return h.sb.app.state.cs as CsState;
}

/** A node of the sandbox's tree (throws when missing). */
export function csNode(h: SandboxHandle, id: number): CsNode {
  const n = csState(h).nodes.get(id);
  if (!n || n.deleted) throw new Error(`no node ${id}`);
  return n;
}

/** Live children of a container. */
export function childrenIn(h: SandboxHandle, parentId: number): CsNode[] {
  const s = csState(h);
  return (s.children.get(parentId) || []).map((id) => s.nodes.get(id)!).filter((n) => n && !n.deleted);
}

export function childNamed(h: SandboxHandle, parentId: number, name: string): CsNode | undefined {
  return childrenIn(h, parentId).find((n) => n.name === name);
}

/** Size and SHA-256 of a document's latest (or given) version in the sandbox's content store. */
export function stored(h: SandboxHandle, id: number, version?: number): { size: number; sha256: string } {
  const n = csNode(h, id);
  const v = version ? n.versions.find((x) => x.version_number === version) : n.versions[n.versions.length - 1];
  if (!v) throw new Error(`node ${id} has no version ${version ?? ''}`);
  const info = h.sb.app.content.info(v.contentId);
  if (!info) throw new Error(`no content for node ${id}`);
  return { size: info.size, sha256: info.sha256 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
