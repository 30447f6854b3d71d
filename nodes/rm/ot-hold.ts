/**
 * ot-hold ("legal hold"): apply or remove a hold (by id or name) on one node or many, list the
 * holds of a node, list all holds, get one, create one, or list the items under a hold.
 *
 * Several nodes: successes stay applied and are reported in msg.payload.succeeded, failures in
 * msg.payload.failed; when any node failed, the message is sent on (if anything succeeded) AND
 * raised through Catch with the failures in the error's details.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, configNode, requireString, optionalNumber, type RED, type Msg } from '../lib/nodered';
import { empty, settingReader } from '../lib/inputs';
import { invalidInput, OtError, type OtErrorCode } from '../lib/errors';
import { idsInput } from '../lib/rm/common';
import { createHold, holdItems, holdMany, listHolds, nodeHolds, resolveHold } from '../lib/rm/holds';
import type { XecmConfigNode } from '../xecm/xecm-connection';

type HoldOperation = 'apply' | 'remove' | 'nodeHolds' | 'list' | 'get' | 'create' | 'items';
const OPERATIONS: HoldOperation[] = ['apply', 'remove', 'nodeHolds', 'list', 'get', 'create', 'items'];

interface Def extends NodeDef {
  server: string;
  operation?: HoldOperation;
  hold?: string;
  holdType?: string;
  nodes?: string;
  nodesType?: string;
  bulk?: boolean | string;
  comment?: string;
  commentType?: string;
  holdName?: string;
  holdNameType?: string;
  kind?: string;
  kindType?: string;
  returnAll?: boolean | string;
  page?: string | number;
  limit?: string | number;
  maxItems?: string | number;
  [key: string]: unknown;
}

export = function (RED: RED) {
  function HoldNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation: HoldOperation = OPERATIONS.includes(def.operation as HoldOperation) ? (def.operation as HoldOperation) : 'apply';

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      const read = settingReader(RED, node, def, msg);
      const paging = () => ({
        returnAll: def.returnAll !== false && def.returnAll !== 'false',
        page: optionalNumber(msg.page ?? def.page, 'page', 1, 1e9),
        limit: optionalNumber(def.limit, 'page size', 1, 1000) ?? 100,
        maxItems: optionalNumber(def.maxItems, 'max items', 1, 1e6) ?? 10000,
      });
      const hold = async () => {
        const ref = await read('hold');
        if (empty(ref)) throw invalidInput('the hold is required (its id or name)');
        return resolveHold(cfg.client, ref);
      };

      switch (operation) {
        case 'apply':
        case 'remove': {
          const h = await hold();
          const raw = await read('nodes', 'msg');
          const ids = idsInput(raw, 'nodes');
          if (ids.length === 0) throw invalidInput('no node ids were given (setting "Nodes", default msg.payload: an id or an array of ids)');
          const comment = operation === 'remove' ? String((await read('comment')) ?? '') : '';
          const r = await holdMany(cfg.client, operation, ids, { id: h.id, name: h.name }, { bulk: def.bulk !== false && def.bulk !== 'false', removeComments: comment || undefined });
          msg.payload = r;
          // The message goes on with the successes; a copy, as the same message is also raised below.
          if (r.succeeded.length) send(r.failed.length ? RED.util.cloneMessage(msg) : msg);
          if (r.failed.length) {
            const codes = [...new Set(r.failed.map((f) => f.error?.code))];
            const code = (codes.length === 1 && codes[0] ? codes[0] : 'OT_API') as OtErrorCode;
            const list = r.failed.map((f) => `${f.id}: ${f.error?.message}`).join('; ');
            throw new OtError({
              code,
              message: `${operation} hold "${h.name}": ${r.failed.length} of ${ids.length} node(s) failed (${list})${r.succeeded.length ? `; ${r.succeeded.length} succeeded and stay ${operation === 'apply' ? 'held' : 'released'}` : ''}`,
              details: { hold: r.hold, action: operation, succeeded: r.succeeded.map((s) => s.id), failed: r.failed },
            });
          }
          return RED._(`ot-hold.status.${operation === 'apply' ? 'applied' : 'removed'}`, { ok: r.succeeded.length, total: ids.length });
        }
        case 'nodeHolds': {
          const ids = idsInput(await read('nodes', 'msg'), 'nodes');
          if (ids.length !== 1) throw invalidInput('listing the holds of a node needs exactly one node id');
          msg.payload = await nodeHolds(cfg.client, ids[0]);
          msg.nodeId = ids[0];
          send(msg);
          return RED._('ot-hold.status.count', { count: (msg.payload as unknown[]).length });
        }
        case 'list': {
          const r = await listHolds(cfg.client, paging());
          msg.payload = r.holds;
          msg.totalCount = r.totalCount ?? r.holds.length;
          send(msg);
          return RED._('ot-hold.status.count', { count: r.holds.length });
        }
        case 'get': {
          msg.payload = await hold();
          send(msg);
          return RED._('ot-hold.status.found', { name: (msg.payload as { name: string }).name });
        }
        case 'create': {
          const name = requireString(await read('holdName'), 'hold name');
          const kind = requireString(await read('kind'), 'hold type');
          const comment = await read('comment');
          msg.payload = await createHold(cfg.client, { name, type: kind, comment: empty(comment) ? undefined : String(comment) });
          send(msg);
          return RED._('ot-hold.status.created', { name });
        }
        case 'items': {
          const h = await hold();
          const r = await holdItems(cfg.client, h.id, paging());
          msg.payload = r.items;
          msg.hold = h;
          msg.totalCount = r.totalCount ?? r.items.length;
          send(msg);
          return RED._('ot-hold.status.count', { count: r.items.length });
        }
      }
    });
  }
  register(RED, 'ot-hold', HoldNode);
};
