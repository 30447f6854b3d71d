/**
 * ot-disposition ("disposition"): list disposition searches, run one and wait for its snapshot,
 * list snapshots and a snapshot's items, set review decisions, perform the disposition actions
 * (items under a hold are reported as blocked, never as done) and finish the review.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, configNode, requireString, optionalNumber, type RED, type Msg } from '../lib/nodered';
import { empty, settingReader } from '../lib/inputs';
import { invalidInput, OtError } from '../lib/errors';
import { idsInput } from '../lib/rm/common';
import {
  finishReview,
  latestSnapshot,
  listDispositionSearches,
  listSnapshots,
  performActions,
  resolveSearch,
  runDispositionSearch,
  setReviewDecision,
  snapshotItems,
  type ReviewDecision,
} from '../lib/rm/disposition';
import type { XecmConfigNode } from '../xecm/xecm-connection';

type DispOperation = 'searches' | 'run' | 'snapshots' | 'items' | 'review' | 'perform' | 'finish';
const OPERATIONS: DispOperation[] = ['searches', 'run', 'snapshots', 'items', 'review', 'perform', 'finish'];
const DECISIONS: Record<string, ReviewDecision> = { approve: 'approve', approved: 'approve', reject: 'reject', rejected: 'reject', pending: 'pending' };

interface Def extends NodeDef {
  server: string;
  operation?: DispOperation;
  search?: string;
  searchType?: string;
  container?: string | number;
  qdate?: string;
  qdateType?: string;
  items?: string;
  itemsType?: string;
  decision?: string;
  decisionType?: string;
  comment?: string;
  commentType?: string;
  waitSec?: string | number;
  includeItems?: boolean | string;
  returnAll?: boolean | string;
  limit?: string | number;
  maxItems?: string | number;
  [key: string]: unknown;
}

export = function (RED: RED) {
  function DispositionNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation: DispOperation = OPERATIONS.includes(def.operation as DispOperation) ? (def.operation as DispOperation) : 'run';

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
      const read = settingReader(RED, node, def, msg);
      const container = optionalNumber(def.container, 'disposition container', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const search = async () => {
        const ref = await read('search');
        if (empty(ref)) throw invalidInput('the disposition search is required (its id or name)');
        return resolveSearch(cfg.client, ref, container);
      };
      /** The snapshot date: the setting (default msg.qdate), else the newest completed snapshot. */
      const qdateOf = async (searchId: number) => {
        const q = await read('qdate', 'msg');
        return empty(q) ? (await latestSnapshot(cfg.client, searchId)).qdate : requireString(q, 'snapshot date (qdate)');
      };
      /** Items: "all" (or empty) or ids. */
      const itemsOf = async (): Promise<number[] | 'all'> => {
        const v = await read('items');
        if (empty(v) || (typeof v === 'string' && v.trim().toLowerCase() === 'all')) return 'all';
        const ids = idsInput(v, 'items');
        if (ids.length === 0) throw invalidInput('no items were chosen (give item ids, or "all")');
        return ids;
      };
      const paging = () => ({
        returnAll: def.returnAll !== false && def.returnAll !== 'false',
        page: optionalNumber(msg.page, 'page', 1, 1e9),
        limit: optionalNumber(def.limit, 'page size', 1, 1000) ?? 100,
        maxItems: optionalNumber(def.maxItems, 'max items', 1, 1e6) ?? 10000,
      });

      switch (operation) {
        case 'searches': {
          msg.payload = await listDispositionSearches(cfg.client, container, paging());
          send(msg);
          return RED._('ot-disposition.status.count', { count: (msg.payload as unknown[]).length });
        }
        case 'run': {
          const s = await search();
          const waitSec = optionalNumber(def.waitSec, 'wait', 0, 86400) ?? 60;
          const snap = await runDispositionSearch(cfg.client, s.id, { waitMs: waitSec * 1000 });
          const out: Record<string, unknown> = { ...snap, searchName: s.name || undefined };
          if (def.includeItems === true || def.includeItems === 'true') out.items = (await snapshotItems(cfg.client, s.id, snap.qdate)).items;
          msg.payload = out;
          msg.searchId = s.id;
          msg.qdate = snap.qdate;
          send(msg);
          return RED._('ot-disposition.status.snapshot', { count: snap.record_count });
        }
        case 'snapshots': {
          const s = await search();
          msg.payload = await listSnapshots(cfg.client, s.id, paging());
          msg.searchId = s.id;
          send(msg);
          return RED._('ot-disposition.status.count', { count: (msg.payload as unknown[]).length });
        }
        case 'items': {
          const s = await search();
          const qdate = await qdateOf(s.id);
          const r = await snapshotItems(cfg.client, s.id, qdate, paging());
          msg.payload = r.items;
          msg.totalCount = r.totalCount ?? r.items.length;
          msg.searchId = s.id;
          msg.qdate = qdate;
          send(msg);
          return RED._('ot-disposition.status.count', { count: r.items.length });
        }
        case 'review': {
          const s = await search();
          const qdate = await qdateOf(s.id);
          const d = String((await read('decision')) ?? '').trim().toLowerCase();
          const decision = DECISIONS[d];
          if (!decision) throw invalidInput(`the review decision must be approve, reject or pending, got "${d}"`);
          const comment = await read('comment');
          const r = await setReviewDecision(cfg.client, s.id, qdate, decision, await itemsOf(), empty(comment) ? undefined : String(comment));
          msg.payload = r;
          msg.searchId = s.id;
          msg.qdate = qdate;
          if (r.notInSnapshot.length) {
            if (r.items.length) send(RED.util.cloneMessage(msg));
            throw new OtError({ code: 'OT_INVALID_INPUT', message: `review: item(s) ${r.notInSnapshot.join(', ')} are not in the snapshot of ${qdate}`, details: { notInSnapshot: r.notInSnapshot, reviewed: r.items.map((i) => i.id) } });
          }
          send(msg);
          return RED._('ot-disposition.status.reviewed', { count: r.items.length, decision });
        }
        case 'perform': {
          const s = await search();
          const qdate = await qdateOf(s.id);
          const r = await performActions(cfg.client, s.id, qdate, await itemsOf());
          msg.payload = r;
          msg.searchId = s.id;
          msg.qdate = qdate;
          const text = RED._('ot-disposition.status.performed', { done: r.completed.length, blocked: r.blocked.length, failed: r.failed.length });
          if (r.failed.length) {
            if (r.completed.length || r.blocked.length) send(RED.util.cloneMessage(msg));
            throw new OtError({
              code: 'OT_API',
              message: `perform disposition actions: ${r.failed.length} item(s) failed (${r.failed.map((f) => `${f.id}: ${f.reason}`).join('; ')}); ${r.completed.length} done, ${r.blocked.length} blocked by holds`,
              details: { completed: r.completed.map((c) => c.id), blocked: r.blocked.map((b) => b.id), failed: r.failed },
            });
          }
          send(msg);
          return text;
        }
        case 'finish': {
          const s = await search();
          const qdate = await qdateOf(s.id);
          msg.payload = await finishReview(cfg.client, s.id, qdate);
          msg.searchId = s.id;
          msg.qdate = qdate;
          send(msg);
          return RED._('ot-disposition.status.finished');
        }
      }
    });
  }
  register(RED, 'ot-disposition', DispositionNode);
};
