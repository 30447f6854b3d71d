/**
 * ot-rm-watch ("RM watch"): a trigger for Records Management events, every N seconds and on input
 * ("poll now"): items added to or removed from holds, records whose review date or retention
 * milestone falls within N days, and new disposition snapshots. Every event is emitted once, also
 * across redeploys, with the shared cursor and de-duplication store (nodes/lib/watch.ts).
 */
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { register, configNode, optionalNumber, type RED, type Send } from '../lib/nodered';
import { SeenStore, startPoller } from '../lib/watch';
import { invalidInput } from '../lib/errors';
import { idsInput, toDay } from '../lib/rm/common';
import { groupByOwner, pollDue, pollHoldChanges, pollSnapshots, type RmWatchEvent } from '../lib/rm/watch';
import type { XecmConfigNode } from '../xecm/xecm-connection';

type Mode = 'holds' | 'due' | 'snapshots';
type Output = 'item' | 'batch' | 'owner';

interface Def extends NodeDef {
  server: string;
  mode?: Mode;
  interval?: string | number;
  holds?: string;
  emitExisting?: boolean | string;
  days?: string | number;
  review?: boolean | string;
  retention?: boolean | string;
  overdue?: boolean | string;
  repeat?: boolean | string;
  rsis?: string;
  classes?: string;
  searches?: string;
  output?: Output;
}

const on = (v: unknown, dflt: boolean) => (v === undefined || v === '' ? dflt : v === true || v === 'true');

/** "5001, Litigation 2026" -> [5001, "Litigation 2026"]; empty -> 'all'. */
function holdList(text: string | undefined): Array<number | string> | 'all' {
  const parts = String(text || '')
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0].toLowerCase() === 'all')) return 'all';
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export = function (RED: RED) {
  function RmWatchNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode: Mode = def.mode === 'due' || def.mode === 'snapshots' ? def.mode : 'holds';
    const output: Output = def.output === 'batch' || def.output === 'owner' ? def.output : 'item';
    let settingsError: Error | undefined;
    const guard = <T>(fn: () => T, dflt: T): T => {
      try {
        return fn();
      } catch (e) {
        settingsError ||= e as Error;
        return dflt;
      }
    };
    const intervalSec = guard(() => optionalNumber(def.interval, RED._('ot-rm-watch.label.interval'), 0, 86400 * 7) ?? 300, 300);
    const days = guard(() => optionalNumber(def.days, RED._('ot-rm-watch.label.days'), 0, 36500) ?? 30, 30);
    const rsis = guard<number[] | 'all'>(() => (String(def.rsis || '').trim() === '' || String(def.rsis).trim().toLowerCase() === 'all' ? 'all' : idsInput(def.rsis, 'RSIs')), 'all');
    const classes = guard(() => idsInput(def.classes || '', 'classifications'), []);
    const searches = guard<number[] | 'all'>(() => (String(def.searches || '').trim() === '' ? 'all' : idsInput(def.searches, 'disposition searches')), 'all');
    // Kept in the global context under this node's id: a node's own context is emptied on every
    // full deploy unless a context store is configured, and the watch must not emit twice.
    const key = `otRmWatch_${String(node.id).replace(/[^A-Za-z0-9_]/g, '_')}_${mode}`;
    const store = new SeenStore(node, { key, maxRecent: 50000, scope: 'global' });
    node.on('close', (removed: boolean, done: () => void) => {
      // A deleted (or disabled) node forgets what it emitted; a redeployed one keeps it.
      if (removed) node.context().global.set(key, undefined);
      done();
    });

    const emit = (send: Send, events: RmWatchEvent[]) => {
      if (events.length === 0) return;
      if (output === 'batch') {
        send({ topic: mode, payload: events, count: events.length } as NodeMessage);
      } else if (output === 'owner') {
        for (const g of groupByOwner(events)) send({ topic: g.owner ? `owner:${g.owner.id}` : 'owner:none', owner: g.owner ?? null, payload: g.events, count: g.events.length } as NodeMessage);
      } else {
        for (const e of events) send({ topic: e.event, payload: e } as NodeMessage);
      }
    };

    startPoller(node, {
      intervalSec,
      busyText: RED._('ot-rm-watch.status.polling'),
      resultText: (n) => RED._('ot-rm-watch.status.events', { count: n }),
      poll: async (send, trigger) => {
        if (settingsError) throw invalidInput(settingsError.message);
        const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
        const sink = (events: RmWatchEvent[]) => emit(send, events);
        switch (mode) {
          case 'holds':
            return pollHoldChanges(cfg.client, store, { holds: holdList(def.holds), emitExisting: on(def.emitExisting, false) }, sink);
          case 'due':
            return pollDue(
              cfg.client,
              store,
              {
                days,
                rsis: rsis === 'all' && classes.length ? [] : rsis,
                classes,
                review: on(def.review, true),
                retention: on(def.retention, true),
                overdue: on(def.overdue, true),
                repeat: on(def.repeat, false),
                today: trigger ? toDay(trigger.today, 'msg.today') : undefined,
              },
              sink,
            );
          case 'snapshots':
            return pollSnapshots(cfg.client, store, { searches, emitExisting: on(def.emitExisting, false) }, sink);
        }
      },
    });
    if (settingsError) node.error(settingsError.message);
  }
  register(RED, 'ot-rm-watch', RmWatchNode);
};
