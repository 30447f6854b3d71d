/**
 * ot-node: one Content Server operation per message on a node (document, folder, workspace): get,
 * browse children, search (LQL), download content, create a folder or a folder path, rename, move,
 * copy, delete, add a version, get and set categories. The operation is chosen in the dialog and
 * may be overridden by msg.operation.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, evalProp, configNode, requireId, requireString, optionalNumber, type RED, type Msg } from '../lib/nodered';
import { invalidInput } from '../lib/errors';
import { baseName } from '../lib/files';
import { render } from '../lib/template';
import { readText } from '../lib/inputs';
import { copyNode, deleteNode, downloadToBuffer, downloadToFile, ensureFolderPath, createFolder, getNodeWithVersions, listChildren, splitPath, updateNode } from '../lib/cs/nodes';
import { search } from '../lib/cs/search';
import { getCategories, setCategories } from '../lib/cs/categories';
import { addVersion, prepareContent } from '../lib/cs/upload';
import type { XecmConfigNode } from './xecm-connection';

const OPERATIONS = ['get', 'children', 'search', 'download', 'createFolder', 'createPath', 'rename', 'move', 'copy', 'delete', 'addVersion', 'getCategories', 'setCategories'] as const;
type Operation = (typeof OPERATIONS)[number];

interface Def extends NodeDef {
  server: string;
  operation: Operation;
  node: string;
  nodeType: string;
  dest: string;
  destType: string;
  newName: string;
  newNameType: string;
  folderPath: string;
  folderPathType: string;
  query: string;
  lookfor: string;
  whereType: string;
  whereName: string;
  whereNameType: string;
  sort: string;
  page: number | string;
  limit: number | string;
  returnAll: boolean | string;
  maxItems: number | string;
  downloadTo: 'buffer' | 'file';
  filePath: string;
  filePathType: string;
  overwrite: boolean | string;
  version: string;
  versionType: string;
  categories: string;
  categoriesType: string;
  source: 'payload' | 'file';
  file: string;
  fileType: string;
  description: string;
  descriptionType: string;
  chunkMiB: number | string;
}

const empty = (v: unknown) => v === undefined || v === null || v === '';
const yes = (v: unknown) => v === true || v === 'true';

/** "144", "0,144", [0, 144] -> [0, 144]. */
function subtypes(v: unknown): number[] | undefined {
  if (empty(v)) return undefined;
  const list = Array.isArray(v) ? v : String(v).split(',').map((s) => s.trim()).filter(Boolean);
  return list.map((x) => {
    const n = typeof x === 'number' ? x : /^-?\d+$/.test(String(x)) ? Number(x) : NaN;
    if (!Number.isSafeInteger(n)) throw invalidInput(`subtype filter: "${x}" is not a subtype number (144 document, 0 folder, -1 any container)`);
    return n;
  });
}

/** A listed page: the items in msg.payload, with msg.totalCount and msg.truncated. */
function setPage(msg: Msg, r: { items: unknown[]; totalCount?: number; truncated: boolean }): void {
  msg.payload = r.items;
  msg.totalCount = r.totalCount;
  msg.truncated = r.truncated;
}

export = function (RED: RED) {
  function EcmNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const ev = (msg: Msg, value: string | undefined, type: string | undefined) => evalProp(RED, node, msg, value, type);
    /** A text setting; "str" values are mustache templates ({{msg.fax.caseId}}). */
    const text = (msg: Msg, value: string | undefined, type: string | undefined) => readText(RED, node, msg, value, type);
    const label = (k: string) => RED._(`ot-node.label.${k}`);

    onInput(node, async (msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      const client = cfg.client;
      // msg.operation wins over the dialog when it is set.
      const op = (empty(msg.operation) ? def.operation || 'get' : msg.operation) as Operation;
      if (!OPERATIONS.includes(op)) throw invalidInput(`${RED._('ot-node.errors.operation')}: "${String(msg.operation)}" (${OPERATIONS.join(', ')})`);
      const id = async () => requireId(await ev(msg, def.node || 'nodeId', def.nodeType || 'msg'), label('node'));
      const dest = async () => requireId(await ev(msg, def.dest || 'parentId', def.destType || 'msg'), label('dest'));
      const paging = () => ({
        page: optionalNumber(msg.page ?? def.page, label('page'), 1, 1e6),
        limit: optionalNumber(def.limit, label('limit'), 1, 1000),
        returnAll: yes(def.returnAll),
        maxItems: optionalNumber(def.maxItems, label('maxItems'), 1, 1e6),
      });

      switch (op) {
        case 'get': {
          const r = await getNodeWithVersions(client, await id());
          msg.payload = r.properties;
          msg.versions = r.versions;
          msg.nodeId = r.properties.id;
          break;
        }
        case 'children': {
          const parent = await id();
          const r = await listChildren(client, parent, { whereType: subtypes(def.whereType), whereName: await text(msg, def.whereName, def.whereNameType), sort: def.sort || undefined }, paging());
          setPage(msg, r);
          msg.nodeId = parent;
          break;
        }
        case 'search': {
          const where = def.query && def.query.trim() ? render(RED, node, def.query, msg).trim() : typeof msg.query === 'string' ? msg.query.trim() : '';
          if (!where) throw invalidInput(RED._('ot-node.errors.noQuery'));
          const r = await search(client, { where, lookfor: def.lookfor || undefined, sort: def.sort || undefined }, paging());
          setPage(msg, r);
          msg.query = where;
          break;
        }
        case 'download': {
          const target = await id();
          const v = await ev(msg, def.version, def.versionType);
          const version = empty(v) ? undefined : requireId(v, label('version'));
          if (def.downloadTo === 'file') {
            const file = requireString(await text(msg, def.filePath || 'filename', def.filePathType || 'msg'), label('filePath'));
            const r = await downloadToFile(client, target, file, { version, overwrite: yes(def.overwrite) });
            msg.payload = r.path;
            msg.filename = r.path;
            msg.contentName = r.fileName;
            msg.mimeType = r.mimeType;
            msg.size = r.size;
          } else {
            const r = await downloadToBuffer(client, target, { version });
            msg.payload = r.data;
            msg.filename = r.fileName;
            msg.mimeType = r.mimeType;
            msg.size = r.size;
          }
          msg.nodeId = target;
          break;
        }
        case 'createFolder': {
          const name = requireString(await text(msg, def.newName, def.newNameType), label('newName'));
          const r = await createFolder(client, await id(), name, { description: await text(msg, def.description, def.descriptionType) });
          msg.payload = r;
          msg.nodeId = r.id;
          break;
        }
        case 'createPath': {
          const p = requireString(await text(msg, def.folderPath, def.folderPathType), label('folderPath'));
          const segments = splitPath(p);
          if (!segments.length) throw invalidInput(`${label('folderPath')} has no folder names`);
          const r = await ensureFolderPath(client, await id(), segments);
          msg.payload = r;
          msg.nodeId = r.id;
          break;
        }
        case 'rename': {
          const name = requireString(await text(msg, def.newName, def.newNameType), label('newName'));
          const r = await updateNode(client, await id(), { name }, 'rename node');
          msg.payload = r;
          msg.nodeId = r.id;
          break;
        }
        case 'move': {
          const r = await updateNode(client, await id(), { parentId: await dest() }, 'move node');
          msg.payload = r;
          msg.nodeId = r.id;
          break;
        }
        case 'copy': {
          const source = await id();
          const r = await copyNode(client, source, await dest(), await text(msg, def.newName, def.newNameType));
          msg.payload = r;
          msg.nodeId = r.id;
          msg.originalId = source;
          break;
        }
        case 'delete': {
          const target = await id();
          await deleteNode(client, target);
          msg.payload = { id: target, deleted: true };
          msg.nodeId = target;
          break;
        }
        case 'addVersion': {
          const target = await id();
          const filePath = def.source === 'file' ? requireString(await ev(msg, def.file || 'filename', def.fileType || 'msg'), label('file')) : undefined;
          const fileName = filePath ? baseName(filePath) : typeof msg.filename === 'string' && msg.filename.trim() ? baseName(msg.filename) : undefined;
          const content = await prepareContent({ data: filePath ? undefined : msg.payload, filePath, fileName, mimeType: typeof msg.mimeType === 'string' ? msg.mimeType : undefined });
          const chunkMiB = optionalNumber(def.chunkMiB, label('chunkMiB'), 0.001, 1024 * 1024) ?? 25;
          const r = await addVersion(client, target, content, { description: await text(msg, def.description, def.descriptionType), chunkThreshold: Math.round(chunkMiB * 1024 * 1024) });
          msg.payload = r.node;
          msg.nodeId = r.node.id;
          break;
        }
        case 'getCategories': {
          const target = await id();
          msg.payload = await getCategories(client, target);
          msg.nodeId = target;
          break;
        }
        case 'setCategories': {
          const target = await id();
          const values = empty(def.categories) ? msg.categories : await ev(msg, def.categories, def.categoriesType);
          if (empty(values)) throw invalidInput(RED._('ot-node.errors.noCategories'));
          msg.payload = await setCategories(client, target, values);
          msg.nodeId = target;
          break;
        }
      }
      send(msg);
      return RED._(`ot-node.status.${op}`);
    });
  }
  register(RED, 'ot-node', EcmNode);
};
