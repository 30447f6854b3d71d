/** The flows the benchmark deploys into the embedded runtime (one tab, entry nodes wired to a sink). */
import type { FlowNode } from './pack';

export const TAB = 'benchTab';
export const SINK = 'benchSink';
export const CAUGHT = 'benchCaught';
export const ADMIN = { username: 'Admin', password: 'sandbox-admin' };

export function xecmConfig(id: string, csUrl: string, concurrency: number, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id,
    type: 'ot-xecm',
    name: `bench ${id}`,
    baseUrl: csUrl,
    authMode: 'password',
    timeout: 60,
    retries: 3,
    maxDelay: 30,
    concurrency,
    credentials: { ...ADMIN },
    ...extra,
  };
}

export function otdsConfig(id: string, url: string): FlowNode {
  return { id, type: 'ot-otds', name: `bench ${id}`, baseUrl: url, grant: 'client_credentials', timeout: 60, retries: 3, maxDelay: 30, concurrency: 64, credentials: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } };
}

/** A debug node that does nothing (the driver listens to its input). */
function quietDebug(id: string): FlowNode {
  return { id, type: 'debug', z: TAB, name: `bench ${id}`, active: false, tosidebar: false, console: false, tostatus: false, complete: 'false', wires: [] };
}

export function upload(id: string, server: string): FlowNode {
  return {
    id,
    type: 'ot-upload',
    z: TAB,
    name: '',
    server,
    target: 'parent',
    parent: '',
    parentType: 'msg',
    subPath: '',
    subPathType: 'str',
    source: 'payload',
    docName: '',
    docNameType: 'str',
    mimeType: '',
    mimeTypeType: 'str',
    description: '',
    descriptionType: 'str',
    categories: '',
    categoriesType: 'json',
    classifications: '',
    classificationsType: 'str',
    onClash: 'error',
    chunkMiB: '',
    wires: [[SINK]],
  };
}

/**
 * A node that does nothing by itself (a comment node, wired to the sink): the benchmark adds an
 * input handler that calls the plain client, to measure Node-RED's own share of a flow's cost.
 */
export function plainInNodeRed(id: string): FlowNode {
  return { id, type: 'comment', z: TAB, name: 'plain client in a Node-RED node', info: '', wires: [[SINK]] };
}

export function declare(id: string, server: string, classId: number): FlowNode {
  return { id, type: 'ot-record', z: TAB, name: '', server, operation: 'declare', nodeId: 'payload', nodeIdType: 'msg', classId: String(classId), classIdType: 'num', wires: [[SINK]] };
}

export function getNode(id: string, server: string): FlowNode {
  return { id, type: 'ot-node', z: TAB, name: '', server, operation: 'get', node: 'nodeId', nodeType: 'msg', wires: [[SINK]] };
}

export function ecmWatch(id: string, server: string, folderId: number): FlowNode {
  return { id, type: 'ot-ecm-watch', z: TAB, name: '', server, source: 'folder', folder: String(folderId), folderType: 'num', subfolders: false, whereType: '', query: '', interval: 0, output: 'each', startWith: 'new', store: '', maxRecent: 1000000, wires: [['watchOut']] };
}

/** The tab with the sink, a Catch node for every node, and a Complete node for the watch. */
export function frame(nodes: FlowNode[]): FlowNode[] {
  const all: FlowNode[] = [
    { id: TAB, type: 'tab', label: 'bench' },
    ...nodes,
    quietDebug(SINK),
    quietDebug(CAUGHT),
    quietDebug('watchOut'),
    quietDebug('watchDone'),
    { id: 'benchCatch', type: 'catch', z: TAB, name: '', scope: null, uncaught: false, wires: [[CAUGHT]] },
    { id: 'benchComplete', type: 'complete', z: TAB, name: '', scope: ['watch'], uncaught: false, wires: [['watchDone']] },
  ];
  // Node-RED tells flow nodes from config nodes by their position (x, y).
  return all.map((n, i) => (n.z ? { x: 100, y: 40 * (i + 1), ...n } : n));
}
