/**
 * The Records Management area of the sandbox (state name "rm"): RM classifications, records,
 * finalization and the RM queue (rm-records.ts), holds (rm-holds.ts), disposition searches and
 * snapshots (rm-disposition.ts). State and helpers: rm-state.ts. Fixture: fixtures/default/rm.json.
 *
 * Sandbox-only hooks (not part of the OpenText API):
 *   POST /_sandbox/rm/conflict {"nodeId": 2203, "count": 1}
 *       the next `count` reads of that node's rm_metadataToken are followed by a simulated edit of
 *       another user, so the token handed out is stale when the caller writes with it (409).
 *   POST /_sandbox/rm/settings {"queueDelayMs": 600, "searchDelayMs": 400, "multiClass": false}
 */
import { Area, csError, HttpError } from '../server';
import { getNode } from './cs-core';
import { registerDeleteGuard } from './cs-nodes';
import { registerDispositionRoutes, tickSearches } from './rm-disposition';
import { registerHoldRoutes } from './rm-holds';
import { registerRecordRoutes, tickQueues } from './rm-records';
import { deletionRefusal, initRm, isObj, rm, RmState, snapshotRm } from './rm-state';

export const rmArea: Area = {
  name: 'rm',
  init: (fixture, app) => initRm(fixture, app),
  snapshot: (state) => snapshotRm(state as RmState),
  tick(app, now) {
    if (!app.state.rm) return;
    tickQueues(app, now);
    tickSearches(app, now);
  },
  routes(app) {
    // Content Server refuses to delete an item under a legal hold (directly or through a folder).
    registerDeleteGuard((a, node) => {
      const why = deletionRefusal(a, node);
      if (why) throw csError(403, why);
    });
    registerRecordRoutes(app);
    registerHoldRoutes(app);
    registerDispositionRoutes(app);

    app.route('POST', '/_sandbox/rm/conflict', (ctx) => {
      const b = isObj(ctx.json) ? ctx.json : {};
      const nodeId = Number(b.nodeId);
      const count = b.count === undefined ? 1 : Number(b.count);
      if (!getNode(app, nodeId)) throw new HttpError({ status: 400, body: { error: `no node ${String(b.nodeId)}` } });
      if (!Number.isInteger(count) || count < 0) throw new HttpError({ status: 400, body: { error: 'count must be a whole number of at least 0' } });
      rm(app).conflicts.set(nodeId, count);
      return { status: 200, body: { nodeId, count } };
    });

    app.route('POST', '/_sandbox/rm/settings', (ctx) => {
      const b = isObj(ctx.json) ? ctx.json : {};
      const s = rm(app).settings;
      for (const k of ['queueDelayMs', 'searchDelayMs'] as const) {
        if (b[k] === undefined) continue;
        const n = Number(b[k]);
        if (!Number.isFinite(n) || n < 0) throw new HttpError({ status: 400, body: { error: `${k} must be a number of at least 0` } });
        s[k] = n;
      }
      if (b.multiClass !== undefined) s.multiClass = !!b.multiClass;
      return { status: 200, body: s };
    });
  },
};
