/**
 * ot-record ("declare record"): declare a node as a record (apply an RM classification with its
 * record details), update the record details, undeclare it, finalize it (directly or through the
 * RM queue, waiting for the task) or read its RM details. Policy refusals (missing required
 * metadata, a classification not allowed there, no permission, already classified, under hold,
 * finalized) fail with OT_POLICY and the server's reason, so a Catch node can route them.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, configNode, requireId, optionalNumber, type RED, type Msg } from '../lib/nodered';
import { empty, settingReader } from '../lib/inputs';
import { invalidInput } from '../lib/errors';
import { declareRecord, finalizeQueued, finalizeRecords, getRecord, recordFields, recordInput, undeclareRecord, updateRecord, type RecordField } from '../lib/rm/records';
import type { XecmConfigNode } from '../xecm/xecm-connection';

type RecordOperation = 'declare' | 'update' | 'undeclare' | 'finalize' | 'get';
const OPERATIONS: RecordOperation[] = ['declare', 'update', 'undeclare', 'finalize', 'get'];

/** Dialog fields (TypedInputs) and the record field each one sets. */
const DIALOG_FIELDS: Array<[string, RecordField]> = [
  ['rsi', 'rsi'],
  ['status', 'status'],
  ['official', 'official'],
  ['essential', 'essential'],
  ['storage', 'storage'],
  ['recordDate', 'record_date'],
  ['statusDate', 'status_date'],
  ['receivedDate', 'received_date'],
  ['subject', 'subject'],
  ['addressee', 'addressee'],
  ['originator', 'originator'],
];

interface Def extends NodeDef {
  server: string;
  operation?: RecordOperation;
  nodeId?: string;
  nodeIdType?: string;
  classId?: string;
  classIdType?: string;
  finalizeMode?: 'direct' | 'queue';
  applySubitems?: boolean | string;
  waitSec?: string | number;
  includeHolds?: boolean | string;
  includeSchedule?: boolean | string;
  [key: string]: unknown;
}

const yes = (v: unknown) => v === true || v === 'true';

export = function (RED: RED) {
  function RecordNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation: RecordOperation = OPERATIONS.includes(def.operation as RecordOperation) ? (def.operation as RecordOperation) : 'declare';
    // The dialog's record fields that are filled in (an empty one gives no value, whatever its type).
    const dialogFields = DIALOG_FIELDS.filter(([prop]) => def[prop] !== undefined && def[prop] !== null && def[prop] !== '');

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      /** A TypedInput; plain text is a mustache template ({{payload.subject}}). */
      const read = settingReader(RED, node, def, msg);
      const nodeId = requireId(await read('nodeId'), 'node id');

      /** Record fields: the dialog's, then msg.record on top (msg.record wins). */
      const fields = async (keepEmpty: boolean) => {
        const given: Record<string, unknown> = {};
        for (const [prop, field] of dialogFields) {
          const v = await read(prop);
          if (!empty(v)) given[field] = v;
        }
        const over = recordInput(msg.record);
        if (over) for (const [k, v] of Object.entries(over)) if (k !== 'class_id') given[k] = v;
        return recordFields(given, keepEmpty);
      };
      const classFrom = async (required: boolean): Promise<number | undefined> => {
        const fromMsg = recordInput(msg.record)?.class_id;
        const v = !empty(fromMsg) ? fromMsg : await read('classId');
        if (empty(v)) {
          if (required) throw invalidInput('an RM classification id is needed to declare a record (setting "Classification" or msg.record.class_id)');
          return undefined;
        }
        return requireId(v, 'RM classification id');
      };

      switch (operation) {
        case 'declare': {
          const classId = (await classFrom(true))!;
          msg.payload = await declareRecord(cfg.client, nodeId, classId, await fields(false));
          send(msg);
          return RED._('ot-record.status.declared', { id: nodeId });
        }
        case 'update': {
          msg.payload = await updateRecord(cfg.client, nodeId, await fields(true));
          send(msg);
          return RED._('ot-record.status.updated', { id: nodeId });
        }
        case 'undeclare': {
          const r = await undeclareRecord(cfg.client, nodeId, await classFrom(false));
          msg.payload = r;
          send(msg);
          return RED._(r.removed === undefined ? 'ot-record.status.notRecord' : 'ot-record.status.undeclared', { id: nodeId });
        }
        case 'finalize': {
          if (def.finalizeMode === 'queue') {
            const waitSec = optionalNumber(def.waitSec, 'wait', 0, 3600) ?? 30;
            const r = await finalizeQueued(cfg.client, nodeId, { applySubitems: yes(def.applySubitems), waitMs: waitSec * 1000 });
            msg.payload = r.record;
            msg.rmTask = r.task;
          } else {
            msg.payload = (await finalizeRecords(cfg.client, [nodeId]))[0];
          }
          send(msg);
          return RED._('ot-record.status.finalized', { id: nodeId });
        }
        case 'get': {
          msg.payload = await getRecord(cfg.client, nodeId, { holds: yes(def.includeHolds), schedule: yes(def.includeSchedule) });
          send(msg);
          return RED._('ot-record.status.read', { id: nodeId });
        }
      }
    });
  }
  register(RED, 'ot-record', RecordNode);
};
