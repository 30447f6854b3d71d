/**
 * ot-upload: uploads a document to Extended ECM (Content Server) — into a folder, or into a
 * business workspace found by business object or by type and name, optionally in a sub-folder
 * path created where missing — with category values, classifications and a name-clash policy.
 * Content comes from msg.payload (Buffer, text, stream) or a file, and is always streamed.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, evalProp, configNode, requireId, requireString, optionalNumber, type RED, type Msg } from '../lib/nodered';
import { invalidInput } from '../lib/errors';
import { baseName } from '../lib/files';
import { readText } from '../lib/inputs';
import { normaliseCategories } from '../lib/cs/categories';
import { splitPath } from '../lib/cs/nodes';
import { prepareContent, uploadToTarget, type ClashPolicy, type UploadTarget } from '../lib/cs/upload';
import type { XecmConfigNode } from './xecm-connection';

interface Def extends NodeDef {
  server: string;
  target: 'parent' | 'bo' | 'workspace';
  parent: string;
  parentType: string;
  extSystem: string;
  extSystemType: string;
  boType: string;
  boTypeType: string;
  boId: string;
  boIdType: string;
  wsType: string;
  wsTypeType: string;
  wsName: string;
  wsNameType: string;
  subPath: string;
  subPathType: string;
  source: 'payload' | 'file';
  file: string;
  fileType: string;
  docName: string;
  docNameType: string;
  mimeType: string;
  mimeTypeType: string;
  description: string;
  descriptionType: string;
  categories: string;
  categoriesType: string;
  classifications: string;
  classificationsType: string;
  onClash: ClashPolicy;
  chunkMiB: number | string;
}

const CLASH: ClashPolicy[] = ['error', 'version', 'rename', 'skip'];
const empty = (v: unknown) => v === undefined || v === null || v === '';

/** Classification ids from an array, a number or "1,2,3". */
function classificationIds(v: unknown): number[] | undefined {
  if (empty(v)) return undefined;
  const list = Array.isArray(v) ? v : typeof v === 'number' ? [v] : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (!list) throw invalidInput('classifications must be a list of ids, like [1234, 5678] or "1234,5678"');
  return list.map((x) => requireId(x, 'classification id'));
}

export = function (RED: RED) {
  function UploadNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const ev = (msg: Msg, value: string | undefined, type: string | undefined) => evalProp(RED, node, msg, value, type);
    /** A text setting; "str" values are mustache templates ({{msg.fax.caseId}}). */
    const text = (msg: Msg, value: string | undefined, type: string | undefined) => readText(RED, node, msg, value, type);

    onInput(node, async (msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');

      // -- where --
      const sub = await text(msg, def.subPath, def.subPathType);
      const subPath = sub ? splitPath(sub) : undefined;
      let target: UploadTarget;
      if (def.target === 'bo') {
        target = {
          kind: 'businessObject',
          extSystemId: requireString(await text(msg, def.extSystem, def.extSystemType), RED._('ot-upload.label.extSystem')),
          boType: requireString(await text(msg, def.boType, def.boTypeType), RED._('ot-upload.label.boType')),
          boId: requireString(await text(msg, def.boId, def.boIdType), RED._('ot-upload.label.boId')),
          path: subPath,
        };
      } else if (def.target === 'workspace') {
        const type = requireString(await text(msg, def.wsType, def.wsTypeType), RED._('ot-upload.label.wsType'));
        target = {
          kind: 'workspace',
          typeId: /^\d+$/.test(type) ? Number(type) : undefined,
          typeName: /^\d+$/.test(type) ? undefined : type,
          name: requireString(await text(msg, def.wsName, def.wsNameType), RED._('ot-upload.label.wsName')),
          path: subPath,
        };
      } else {
        // The node's setting; when it is empty, msg.parentId.
        const p = empty(def.parent) ? msg.parentId : await ev(msg, def.parent, def.parentType);
        target = { kind: 'parent', parentId: requireId(p, RED._('ot-upload.label.parent')), path: subPath };
      }

      // -- what --
      const filePath = def.source === 'file' ? requireString(await ev(msg, def.file || 'filename', def.fileType || 'msg'), RED._('ot-upload.label.file')) : undefined;
      const msgName = typeof msg.filename === 'string' && msg.filename.trim() ? baseName(msg.filename) : undefined;
      const docName = (await text(msg, def.docName, def.docNameType)) || msgName || (filePath ? baseName(filePath) : undefined);
      if (!docName) throw invalidInput(RED._('ot-upload.errors.noName'));
      const mimeType = (await text(msg, def.mimeType, def.mimeTypeType)) || (typeof msg.mimeType === 'string' && msg.mimeType.trim() ? msg.mimeType.trim() : undefined);
      const content = await prepareContent({
        data: filePath ? undefined : msg.payload,
        filePath,
        fileName: filePath ? baseName(filePath) : docName,
        mimeType,
      });

      // -- metadata: the dialog's categories, then msg.categories (msg wins per attribute) --
      const fromNode = normaliseCategories(await ev(msg, def.categories, def.categoriesType), RED._('ot-upload.label.categories'));
      const fromMsg = normaliseCategories(msg.categories, 'msg.categories');
      const categories = fromNode || fromMsg ? { ...(fromNode || {}), ...(fromMsg || {}) } : undefined;
      const classifications = classificationIds(await ev(msg, def.classifications, def.classificationsType));
      const description = await text(msg, def.description, def.descriptionType);
      const onClash = CLASH.includes(def.onClash) ? def.onClash : 'error';
      const chunkMiB = optionalNumber(def.chunkMiB, RED._('ot-upload.label.chunkMiB'), 0.001, 1024 * 1024) ?? 25;

      const r = await uploadToTarget(cfg.client, target, { name: docName, content, description, categories, classifications, onClash, chunkThreshold: Math.round(chunkMiB * 1024 * 1024) });
      msg.payload = r.node;
      msg.nodeId = r.node.id;
      msg.upload = { action: r.action, chunked: r.chunked, parentId: r.parentId, workspaceId: r.workspace?.id, name: r.node.name };
      send(msg);
      return RED._(`ot-upload.status.${r.action}`);
    });
  }
  register(RED, 'ot-upload', UploadNode);
};
