/**
 * ot-ecm-watch: a trigger that polls Extended ECM every N seconds (and on input: "poll now") — a
 * folder (optionally with its sub-folders), a search, or the user's workflow assignments — and
 * emits each new or changed item once, one message per item or one batch. What it emitted is kept
 * in context (a cursor and recent fingerprints, under this node's id), so a redeploy, or a restart
 * with a persistent context store, does not emit it again.
 */
import crypto from 'crypto';
import type { Node, NodeDef } from 'node-red';
import { register, configNode, evalProp, optionalNumber, requireId, type RED, type Msg, type Send } from '../lib/nodered';
import { invalidInput } from '../lib/errors';
import { render } from '../lib/template';
import { pollChanges, SeenStore, startPoller } from '../lib/watch';
import { ecmChangesSince, type EcmChange, type EcmWatchSource } from '../lib/cs/search';
import type { XecmConfigNode } from './xecm-connection';

interface Def extends NodeDef {
  server: string;
  source: 'folder' | 'search' | 'assignments';
  folder: string;
  folderType: string;
  subfolders: boolean | string;
  whereType: string;
  query: string;
  interval: number | string;
  output: 'each' | 'batch';
  startWith: 'new' | 'all';
  store: string;
  maxRecent: number | string;
}

function subtypes(v: string | undefined): number[] | undefined {
  if (!v || !v.trim()) return undefined;
  return v.split(',').map((s) => {
    const t = s.trim();
    if (!/^-?\d+$/.test(t)) throw invalidInput(`subtype filter: "${t}" is not a subtype number`);
    return Number(t);
  });
}

export = function (RED: RED) {
  function EcmWatchNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    let settingsError: Error | undefined;
    const num = (v: unknown, name: string, min: number, max: number, dflt: number) => {
      try {
        return optionalNumber(v, name, min, max) ?? dflt;
      } catch (e) {
        settingsError ||= e as Error;
        return dflt;
      }
    };
    const intervalSec = num(def.interval, RED._('ot-ecm-watch.label.interval'), 0, 7 * 86400, 60);
    const maxRecent = Math.round(num(def.maxRecent, RED._('ot-ecm-watch.label.maxRecent'), 10, 1000000, 5000));
    const stores = new Map<string, SeenStore>();

    /** The source, read at each poll (a folder id may come from env, flow or global context). */
    const sourceOf = async (trigger: Msg | undefined): Promise<EcmWatchSource> => {
      if (def.source === 'assignments') return { kind: 'assignments' };
      if (def.source === 'search') {
        const where = render(RED, node, def.query || '', trigger).trim();
        if (!where) throw invalidInput(RED._('ot-ecm-watch.errors.noQuery'));
        return { kind: 'search', where };
      }
      const folderId = requireId(await evalProp(RED, node, trigger, def.folder, def.folderType || 'num'), RED._('ot-ecm-watch.label.folder'));
      return { kind: 'folder', folderId, subfolders: def.subfolders === true || def.subfolders === 'true', whereType: subtypes(def.whereType) };
    };
    /**
     * One memory per watched source: changing the folder or query starts afresh. It is kept in the
     * global context under a key naming this node: Node-RED empties a node's own context when the
     * node restarts (every full deploy) unless a context store is configured, and a watch that
     * forgot would emit everything again, or swallow what arrived during the deploy.
     */
    const storeFor = (source: EcmWatchSource): SeenStore => {
      const sig = crypto.createHash('sha1').update(JSON.stringify(source)).digest('hex').slice(0, 12);
      let s = stores.get(sig);
      if (!s) {
        s = new SeenStore(node, { key: `otEcmWatch_${node.id}_${sig}`, store: def.store || undefined, maxRecent, scope: 'global' });
        stores.set(sig, s);
      }
      return s;
    };

    const emit = (send: Send, fresh: Array<{ item: EcmChange; change: 'new' | 'changed' }>) => {
      const shape = ({ item, change }: { item: EcmChange; change: 'new' | 'changed' }) => {
        const p = item.item as { name?: unknown; title?: unknown };
        return {
          payload: item.item,
          topic: typeof p.name === 'string' ? p.name : typeof p.title === 'string' ? p.title : String(item.id),
          change,
          kind: item.kind,
          nodeId: item.kind === 'node' ? item.id : undefined,
          assignmentId: item.kind === 'assignment' ? item.id : undefined,
        };
      };
      if (def.output === 'batch') {
        const all = fresh.map(shape);
        send({ payload: all.map((m) => m.payload), changes: all.map((m) => ({ id: m.nodeId ?? m.assignmentId, change: m.change, kind: m.kind })), count: all.length, topic: def.source } as unknown as Msg);
      } else {
        for (const f of fresh) send(shape(f) as unknown as Msg);
      }
    };

    startPoller(node, {
      intervalSec,
      busyText: RED._('ot-ecm-watch.status.polling'),
      resultText: (n) => `${n} ${RED._('ot-ecm-watch.status.new')}`,
      poll: async (send, trigger) => {
        if (settingsError) throw invalidInput(settingsError.message);
        const cfg = configNode<XecmConfigNode>(RED, node, def.server, 'Extended ECM');
        const source = await sourceOf(trigger);
        return pollChanges<EcmChange>({
          store: storeFor(source),
          startWith: def.startWith === 'all' ? 'all' : 'new',
          fetch: (since) => ecmChangesSince(cfg.client, source, since),
          key: (c) => ({ id: c.id, fingerprint: c.fingerprint, time: c.time }),
          emit: (fresh) => emit(send, fresh),
        });
      },
    });
    if (settingsError) node.error(settingsError.message);
  }
  register(RED, 'ot-ecm-watch', EcmWatchNode);
};
