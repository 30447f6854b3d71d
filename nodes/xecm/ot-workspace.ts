/**
 * ot-workspace ("business workspace"): find a business workspace by its business object or by type
 * and name, get one, create one from a template, or find-or-create (idempotent, also under
 * concurrency). The output carries the workspace id and its first-level folders.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, configNode, requireString, requireId, objectInput, type RED, type Msg } from '../lib/nodered';
import { empty, readTemplated } from '../lib/inputs';
import { invalidInput, OtError } from '../lib/errors';
import {
  createWorkspace,
  findOrCreateWorkspace,
  findWorkspaceByBusinessObject,
  findWorkspaceByTypeAndName,
  getWorkspace,
  resolveWorkspaceType,
  type BusinessObjectRef,
  type CreateWorkspaceInput,
  type WorkspaceDetails,
} from '../lib/cs/workspaces';
import type { XecmConfigNode } from './xecm-connection';

type WorkspaceOperation = 'findByBo' | 'findByName' | 'get' | 'create' | 'findOrCreate';

interface Def extends NodeDef {
  server: string;
  operation?: WorkspaceOperation;
  extSystemId?: string;
  extSystemIdType?: string;
  boType?: string;
  boTypeType?: string;
  boId?: string;
  boIdType?: string;
  workspaceType?: string;
  workspaceTypeType?: string;
  template?: string;
  templateType?: string;
  wsName?: string;
  wsNameType?: string;
  description?: string;
  descriptionType?: string;
  parentId?: string;
  parentIdType?: string;
  categories?: string;
  categoriesType?: string;
  workspaceId?: string;
  workspaceIdType?: string;
  notFound?: 'error' | 'pass';
}

const OPERATIONS: WorkspaceOperation[] = ['findByBo', 'findByName', 'get', 'create', 'findOrCreate'];

export = function (RED: RED) {
  function WorkspaceNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation: WorkspaceOperation = OPERATIONS.includes(def.operation as WorkspaceOperation) ? (def.operation as WorkspaceOperation) : 'findByBo';

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      /** A TypedInput; plain text is a mustache template. */
      const read = (value: string | undefined, type: string | undefined) => readTemplated(RED, node, msg, value, type);
      const optionalId = async (value: string | undefined, type: string | undefined, what: string) => {
        const v = await read(value, type);
        return empty(v) ? undefined : requireId(v, what);
      };
      const businessObject = async (required: boolean): Promise<BusinessObjectRef | undefined> => {
        const ext = await read(def.extSystemId, def.extSystemIdType);
        const boType = await read(def.boType, def.boTypeType);
        const boId = await read(def.boId, def.boIdType);
        if (!required && empty(ext) && empty(boType) && empty(boId)) return undefined;
        return { extSystemId: requireString(ext, 'external system id'), boType: requireString(boType, 'business object type'), boId: requireString(boId, 'business object id') };
      };
      /** Type (id or name) and template id from the settings. */
      const typeAndTemplate = async (): Promise<{ typeId?: number; typeName?: string; templateId?: number }> => {
        const type = await read(def.workspaceType, def.workspaceTypeType);
        const templateId = await optionalId(def.template, def.templateType, 'workspace template');
        if (empty(type)) return { templateId };
        if (typeof type === 'number' || (typeof type === 'string' && /^\d+$/.test(type.trim()))) return { typeId: requireId(type, 'workspace type'), templateId };
        return { typeName: requireString(type, 'workspace type'), templateId };
      };
      const createInput = async (bo: BusinessObjectRef | undefined): Promise<CreateWorkspaceInput> => {
        const name = await read(def.wsName, def.wsNameType);
        const description = await read(def.description, def.descriptionType);
        return {
          ...(await typeAndTemplate()),
          name: empty(name) ? undefined : requireString(name, 'workspace name'),
          description: empty(description) ? undefined : requireString(description, 'description'),
          parentId: await optionalId(def.parentId, def.parentIdType, 'parent id'),
          categories: objectInput(await read(def.categories, def.categoriesType || 'json'), 'categories'),
          businessObject: bo,
        };
      };
      const output = (details: WorkspaceDetails | null, text: string) => {
        msg.payload = details;
        if (details) msg.workspaceId = details.id;
        else delete msg.workspaceId;
        send(msg);
        return text;
      };
      const notFound = (what: string) => {
        if (def.notFound === 'pass') return output(null, RED._('ot-workspace.status.notFound'));
        throw new OtError({ code: 'OT_NOT_FOUND', message: `no business workspace found for ${what}` });
      };

      switch (operation) {
        case 'findByBo': {
          const bo = (await businessObject(true))!;
          const ref = await findWorkspaceByBusinessObject(cfg.client, bo);
          if (!ref) return notFound(`the business object ${bo.extSystemId}/${bo.boType}/${bo.boId}`);
          return output(await getWorkspace(cfg.client, ref.id), RED._('ot-workspace.status.found', { id: ref.id }));
        }
        case 'findByName': {
          const name = requireString(await read(def.wsName, def.wsNameType), 'workspace name');
          const t = await typeAndTemplate();
          if (t.typeId === undefined && t.typeName === undefined) throw invalidInput('finding a workspace by name needs its workspace type (id or name)');
          // A name is resolved once so a misspelt type is an error, not "not found".
          const typeId = t.typeId ?? (await resolveWorkspaceType(cfg.client, t.typeName!)).id;
          const ref = await findWorkspaceByTypeAndName(cfg.client, { typeId, name });
          if (!ref) return notFound(`the name "${name}"`);
          return output(await getWorkspace(cfg.client, ref.id), RED._('ot-workspace.status.found', { id: ref.id }));
        }
        case 'get': {
          const id = requireId(await read(def.workspaceId, def.workspaceIdType || 'msg'), 'workspace id');
          return output(await getWorkspace(cfg.client, id), RED._('ot-workspace.status.found', { id }));
        }
        case 'create': {
          const input = await createInput(await businessObject(false));
          const id = await createWorkspace(cfg.client, input);
          return output({ ...(await getWorkspace(cfg.client, id)), created: true }, RED._('ot-workspace.status.created', { id }));
        }
        case 'findOrCreate': {
          const input = await createInput(await businessObject(false));
          if (!input.businessObject && !input.name) throw invalidInput('find-or-create needs a business object, or a workspace name with its type');
          const r = await findOrCreateWorkspace(cfg.client, input);
          const details = { ...(await getWorkspace(cfg.client, r.id)), created: r.created };
          return output(details, RED._(r.created ? 'ot-workspace.status.created' : 'ot-workspace.status.found', { id: r.id }));
        }
      }
    });
  }
  register(RED, 'ot-workspace', WorkspaceNode);
};
