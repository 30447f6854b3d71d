/**
 * Chaos for the trigger nodes' memory (nodes/lib/watch.ts SeenStore): redeploys between polls,
 * a memory that is appended to and compacted, evictions, forgotten ids, and a restart that reads
 * the saved form back. Every item is emitted exactly once, whatever happens in between.
 */
import 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, type FlowNode } from '../support/nr';
import { SeenStore, pollChanges } from '../../nodes/lib/watch';
import { addVersion, createNode } from '../../sandbox/areas/cs-core';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const watchNode = require('../../nodes/xecm/ot-ecm-watch');

type Obj = Record<string, unknown>;

/** A node whose context is a plain object (what Node-RED's memory store does, no copies). */
function fakeNode(data: Obj): Node {
  const ctx = {
    get: (k: string, _s: string, cb: (e: null, v: unknown) => void) => cb(null, data[k]),
    set: (k: string, v: unknown, _s: string, cb: (e: null) => void) => {
      data[k] = v;
      cb(null);
    },
  };
  return { context: () => ({ ...ctx, global: ctx }) } as unknown as Node;
}

describe('chaos: the memory of the trigger nodes', function () {
  this.timeout(60000);

  it('SeenStore: marks, re-marks, evictions and forgotten ids survive a reload exactly, and the saved form stays bounded', async () => {
    const data: Obj = {};
    const max = 50;
    let store = new SeenStore(fakeNode(data), { key: 'k', maxRecent: max });
    await store.load();
    const expected = new Map<string, string>();
    const remember = (id: string, fp: string) => {
      expected.delete(id);
      expected.set(id, fp);
      while (expected.size > max) expected.delete(expected.keys().next().value!);
    };
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 7; i++) {
        const id = String((round * 7 + i) % 90);
        const fp = `v${round % 3}`;
        store.mark(id, fp);
        remember(id, fp);
      }
      if (round % 5 === 0) {
        const gone = [...expected.keys()][3];
        store.forget(gone);
        expected.delete(gone);
      }
      store.setCursor(`c${round}`);
      await store.save();
      if (round % 4 === 3) {
        // a restart: a new store reads the saved form
        store = new SeenStore(fakeNode(data), { key: 'k', maxRecent: max });
        await store.load();
      }
      store.size.should.equal(expected.size);
      for (const [id, fp] of expected) store.get(id)!.should.equal(fp);
      const saved = data.k as { recent: unknown[]; cursor: string };
      saved.cursor.should.equal(`c${round}`);
      saved.recent.length.should.be.belowOrEqual(2 * max + 64 + 7);
    }
    // the order is the age: the oldest is evicted first after a reload too
    store = new SeenStore(fakeNode(data), { key: 'k', maxRecent: max });
    await store.load();
    store.mark('new-1', 'x');
    remember('new-1', 'x');
    for (const [id, fp] of expected) store.get(id)!.should.equal(fp);
    store.size.should.equal(expected.size);
  });

  it('pollChanges: more items changed at the newest time than the memory holds are still emitted once, also after a reload', async () => {
    const data: Obj = {};
    const max = 10;
    const T = '2026-11-01T10:00:00Z';
    // 25 documents changed at the same second: every poll reads them all again (changed at or after the cursor)
    const items = Array.from({ length: 25 }, (_, i) => ({ id: 100 + i, modified: T }));
    const emitted: number[] = [];
    const poll = (store: SeenStore) =>
      pollChanges({
        store,
        startWith: 'all',
        fetch: async (cursor) => items.filter((it) => cursor === undefined || Date.parse(it.modified) >= Date.parse(cursor)),
        key: (it) => ({ id: it.id, fingerprint: it.modified, time: it.modified }),
        emit: (fresh) => fresh.forEach((f) => emitted.push(f.item.id)),
      });
    let store = new SeenStore(fakeNode(data), { key: 'k', maxRecent: max });
    (await poll(store)).should.equal(25);
    (await poll(store)).should.equal(0);
    store = new SeenStore(fakeNode(data), { key: 'k', maxRecent: max });
    (await poll(store)).should.equal(0);
    items.push({ id: 200, modified: '2026-11-01T10:00:05Z' });
    (await poll(store)).should.equal(1);
    // the cursor moved past the crowded second: the memory shrinks back to its limit
    (await poll(store)).should.equal(0);
    store.size.should.equal(max);
    emitted.should.have.length(26);
    new Set(emitted).size.should.equal(26);
  });

  describe('ot-ecm-watch across redeploys', () => {
    const h = useSandbox();
    const helper = useNodeRed();

    it('emits every new and changed document exactly once while the flow is redeployed between polls', async () => {
      const app = h.sb.app;
      const folder = createNode(app, { parent_id: 2000, name: 'Watched', type: 0, userId: 1000 }).id;
      const doc = (name: string) => {
        const n = createNode(app, { parent_id: folder, name, type: 144, userId: 1000 });
        addVersion(app, n, { contentId: app.content.put(Buffer.from(name)), file_name: name, mime_type: 'text/plain', userId: 1000 });
        return n;
      };
      for (let i = 0; i < 30; i++) doc(`before-${i}.txt`);
      const flow: FlowNode[] = [
        TAB,
        { id: 'x1', type: 'ot-xecm', name: 'sandbox', baseUrl: h.csUrl, authMode: 'password', timeout: 5, retries: 2, maxDelay: 1 },
        { id: 'w1', type: 'ot-ecm-watch', z: 'tab1', server: 'x1', source: 'folder', folder: String(folder), folderType: 'num', subfolders: false, interval: 0, output: 'each', startWith: 'new', maxRecent: 100, wires: [['out']] },
        { id: 'out', type: 'helper', z: 'tab1' },
        { id: 'done1', type: 'complete', z: 'tab1', scope: ['w1'], uncaught: false, wires: [['done']] },
        { id: 'done', type: 'helper', z: 'tab1' },
      ];
      const emitted: string[] = [];
      const creds = { x1: { username: 'Admin', password: 'sandbox-admin' } };
      const listen = () => helper.getNode('out').on('input', (m: Obj) => emitted.push(`${m.change}:${(m.payload as Obj).name}`));
      await helper.load([xecmNode, watchNode], flow, creds as never);
      listen();
      // a full redeploy: every node closed and made again (the memory is in the context store)
      const deploy = async () => {
        await helper.setFlows(flow, 'full', creds as never);
        listen();
      };
      const poll = () =>
        new Promise<void>((resolve) => {
          helper.getNode('done').once('input', () => setImmediate(resolve));
          (helper.getNode('w1') as Node).receive({ topic: 'poll now' } as never);
        });
      await poll(); // the first poll remembers what is there
      emitted.should.eql([]);
      const expected: string[] = [];
      const created: Array<ReturnType<typeof doc>> = [];
      for (let round = 0; round < 12; round++) {
        // the sandbox's modify dates have a resolution of one second
        await new Promise((r) => setTimeout(r, 1050));
        const name = `new-${round}.txt`;
        const n = doc(name);
        if (round % 3 === 2) {
          // the document of the round before changes too: emitted again, as changed
          const prev = created[created.length - 1];
          prev.modify_date = n.modify_date;
          prev.description = 'changed';
          expected.push(`changed:${prev.name}`);
        }
        expected.push(`new:${name}`);
        created.push(n);
        if (round % 2) await deploy(); // a redeploy: a new node instance, the memory from the context store
        await poll();
        await poll(); // a second poll finds nothing new
      }
      emitted.sort().should.eql(expected.sort());
      emitted.filter((e) => e.startsWith('changed:')).length.should.equal(4);
    });
  });
});
