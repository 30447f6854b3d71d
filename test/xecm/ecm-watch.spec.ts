/**
 * ot-ecm-watch over real HTTP against the sandbox: a folder, a folder with its sub-folders, a search
 * and workflow assignments; each new or changed item emitted once — across polls, across a redeploy
 * (same node context) — one message per item or a batch; the first poll's "new only" / "all";
 * a poll costs one request when nothing changed, however large the folder; a failing poll reaches
 * Catch and the next poll recovers without losing items; bad settings are reported.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, xecmConfig, type FlowNode } from '../support/nr';
import { cs, csLogin, props } from '../sandbox/cs-support';
import { catcher, type Obj } from './cs-support';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const watchNode = require('../../nodes/xecm/ot-ecm-watch');

interface WatchMsg {
  payload: Obj & { id: number | string; name?: string };
  change: 'new' | 'changed';
  nodeId?: number;
  assignmentId?: string;
  topic: string;
  count?: number;
  changes?: Obj[];
}
interface Caught {
  error: { message: string; code?: string };
}

describe('ot-ecm-watch', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  let ticket = '';
  beforeEach(async () => {
    ticket = await csLogin(h.csUrl);
  });

  /** Uploads a small document straight to the sandbox (as another client would). */
  async function addDoc(parentId: number, name: string, text = name): Promise<number> {
    const r = await cs(h.csUrl, 'v2/nodes', { ticket, body: { type: 144, parent_id: parentId, name }, multipart: { files: { file: { data: text, name } } } });
    if (r.status !== 200) throw new Error(`upload ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return props(r).id as number;
  }
  async function addFolder(parentId: number, name: string): Promise<number> {
    const r = await cs(h.csUrl, 'v2/nodes', { ticket, body: { type: 0, parent_id: parentId, name } });
    return props(r).id as number;
  }
  /** Moves the sandbox clock on, so later changes have later modify dates (second resolution). */
  const tick = () => h.sb.app.advanceClock(2000);

  function flow(settings: Obj): FlowNode[] {
    return [
      TAB,
      xecmConfig(h.csUrl, { retries: 1, maxDelay: 0.2 }).node,
      { id: 'w1', type: 'ot-ecm-watch', z: 'tab1', server: 'xecm1', source: 'folder', folder: '2100', folderType: 'num', subfolders: false, whereType: '', query: '', interval: 0, output: 'each', startWith: 'new', store: '', maxRecent: 5000, ...settings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'done1', type: 'complete', z: 'tab1', scope: ['w1'], uncaught: false, wires: [['polled']] },
      { id: 'polled', type: 'helper', z: 'tab1' },
      ...catcher(),
    ];
  }
  async function load(settings: Obj = {}, creds = xecmConfig(h.csUrl).creds) {
    await helper.load([xecmNode, watchNode], flow(settings), creds as never);
    return attach();
  }
  function attach() {
    return { w1: helper.getNode('w1'), out: helper.getNode('out'), caught: helper.getNode('caught'), polled: helper.getNode('polled') };
  }
  /** "Poll now" and resolve, when the poll completed, with what it emitted. */
  async function poll(n: ReturnType<typeof attach>): Promise<WatchMsg[]> {
    const got = collect<WatchMsg>(n.out);
    const done = nextMessage(n.polled, 10000);
    n.w1.receive({ payload: 'poll' });
    await done;
    await new Promise((r) => setTimeout(r, 20));
    (n.out as unknown as NodeJS.EventEmitter).removeAllListeners('input');
    return got;
  }

  it('folder, "new only": remembers what exists, then emits each new or changed item once', async () => {
    const existing = await addDoc(2100, 'before deploy.pdf');
    const n = await load();
    (await poll(n)).should.have.length(0);
    tick();
    const a = await addDoc(2100, 'request A.pdf');
    const b = await addDoc(2100, 'request B.pdf');
    const got = await poll(n);
    got.map((m) => m.nodeId).sort().should.eql([a, b].sort());
    got.forEach((m) => m.change.should.equal('new'));
    got[0].payload.should.have.properties('name', 'modify_date', 'parent_id');
    (await poll(n)).should.have.length(0);
    tick();
    await cs(h.csUrl, `v2/nodes/${a}/versions`, { ticket, multipart: { files: { file: { data: 'second version, longer', name: 'a.pdf' } } } });
    const changed = await poll(n);
    changed.map((m) => [m.nodeId, m.change]).should.eql([[a, 'changed']]);
    (await poll(n)).should.have.length(0);
    should.exist(existing);
  });

  it('"all" emits what is already there (oldest first), and "one message per poll" sends a batch', async () => {
    const n = await load({ folder: '2200', startWith: 'all', output: 'batch' });
    const got = await poll(n);
    got.should.have.length(1);
    got[0].count!.should.equal(5);
    (got[0].payload as unknown as Obj[]).map((p) => p.id).should.eql([2201, 2202, 2203, 2204, 2205]);
    got[0].changes!.every((c) => c.change === 'new').should.be.true();
    (await poll(n)).should.have.length(0);
  });

  for (const startWith of ['new', 'all']) {
    it(`emits each new item once across a full redeploy, none lost during it (${startWith})`, async () => {
      const f = flow({ startWith });
      const creds = xecmConfig(h.csUrl).creds;
      await helper.load([xecmNode, watchNode], f, creds as never);
      let n = attach();
      await poll(n);
      tick();
      const a = await addDoc(2100, 'A.pdf');
      (await poll(n)).map((m) => m.nodeId).should.eql([a]);
      tick();
      const b = await addDoc(2100, 'B.pdf'); // arrives while the flow is being redeployed
      // a full redeploy: the node is closed and made again (Node-RED empties its own context then)
      const old = n.w1;
      await helper.setFlows(f, 'full', creds as never);
      n = attach();
      n.w1.should.not.equal(old);
      // A is not sent again ("all" would resend it had the memory gone); B is not swallowed ("new" would)
      (await poll(n)).map((m) => m.nodeId).should.eql([b]);
      (await poll(n)).should.have.length(0);
    });
  }

  it('a poll costs one request when nothing changed, however many items the folder holds', async () => {
    const big = await addFolder(2000, 'Big');
    for (let i = 0; i < 120; i++) {
      await addDoc(big, `doc ${String(i).padStart(3, '0')}.txt`);
      h.sb.app.advanceClock(1000); // a history spread over time
    }
    const n = await load({ folder: String(big), startWith: 'new' });
    await poll(n); // first poll: learns what is there (reads every page once)
    const before = h.sb.app.requestCount;
    (await poll(n)).should.have.length(0);
    (h.sb.app.requestCount - before).should.equal(1);
    tick();
    await addDoc(big, 'one more.txt');
    const before2 = h.sb.app.requestCount;
    (await poll(n)).map((m) => m.payload.name).should.eql(['one more.txt']);
    (h.sb.app.requestCount - before2).should.equal(1);
  });

  it('a failing poll reaches Catch; the next poll recovers and loses nothing (poll now and timer)', async () => {
    const n = await load();
    await poll(n);
    h.sb.app.setFaults({ rules: [{ route: 'GET .*/v2/nodes/2100/nodes', probability: 1, kind: '500' }] });
    tick();
    const a = await addDoc(2100, 'during outage.pdf');
    const caught = nextMessage<Caught>(n.caught, 10000);
    n.w1.receive({ payload: 'poll' });
    (await caught).error.code!.should.equal('OT_API');
    h.sb.app.setFaults({ rules: [] });
    (await poll(n)).map((m) => m.nodeId).should.eql([a]);

    // the same with the timer: failures go to Catch, and a later timer poll delivers
    await helper.unload();
    const inbox = await addFolder(2000, 'Timer inbox');
    h.sb.app.setFaults({ rules: [{ route: `GET .*/v2/nodes/${inbox}/nodes`, probability: 1, kind: '503' }] });
    const t = await load({ interval: 1, folder: String(inbox), startWith: 'all' });
    const timerCaught = nextMessage<Caught>(t.caught, 8000);
    (await timerCaught).error.code!.should.equal('OT_UNAVAILABLE');
    tick();
    const b = await addDoc(inbox, 'after outage.pdf');
    const got = collect<WatchMsg>(t.out);
    h.sb.app.setFaults({ rules: [] });
    await until(() => got.length > 0, 8000, 'a timer poll after the outage');
    got.map((m) => m.nodeId).should.eql([b]);
  });

  it('a folder with its sub-folders (through search), filtered by subtype', async () => {
    const n = await load({ folder: '2900', subfolders: true, whereType: '144' });
    await poll(n);
    tick();
    const deep = await addDoc(2910, 'dead letter 1.pdf');
    const sub = await addFolder(2910, 'Sub');
    const deeper = await addDoc(sub, 'dead letter 2.pdf');
    const got = await poll(n);
    got.map((m) => m.nodeId).sort().should.eql([deep, deeper].sort());
    (await poll(n)).should.have.length(0);
  });

  it('a search, templated from the poll-now message', async () => {
    const n = await load({ source: 'search', query: 'OTName:"{{msg.prefix}}*" AND OTSubType:144' });
    const first = collect<WatchMsg>(n.out);
    let done = nextMessage(n.polled);
    n.w1.receive({ prefix: 'Invoice' });
    await done;
    first.should.have.length(0);
    tick();
    const inv = await addDoc(2300, 'Invoice 2.pdf');
    await addDoc(2300, 'Letter.pdf');
    done = nextMessage(n.polled);
    n.w1.receive({ prefix: 'Invoice' });
    await done;
    await new Promise((r) => setTimeout(r, 20));
    first.map((m) => m.nodeId).should.eql([inv]);
  });

  it('workflow assignments: each new task once', async () => {
    const start = () => cs(h.csUrl, 'v2/draftprocesses/startwf', { ticket, form: { workflow_id: 3902, doc_ids: '2401' } });
    (await start()).status.should.equal(200);
    const n = await load({ source: 'assignments', startWith: 'all' }, { xecm1: { username: 'lcounsel', password: 'sandbox-legal' } });
    const got = await poll(n);
    got.should.have.length(1);
    got[0].payload.should.have.properties('process_id', 'task_id', 'name');
    should.exist(got[0].assignmentId);
    (await poll(n)).should.have.length(0);
    (await start()).status.should.equal(200);
    const more = await poll(n);
    more.should.have.length(1);
    more[0].assignmentId!.should.not.equal(got[0].assignmentId);
  });

  it('keeps its memory in the named context store', async () => {
    helper.settings({ contextStorage: { default: { module: 'memory' }, keep: { module: 'memory' } } });
    try {
      const n = await load({ store: 'keep' });
      // the helper does not start context plugins itself; do what the runtime does at start
      await (helper as unknown as { _redNodes: { loadContextsPlugin(): Promise<void> } })._redNodes.loadContextsPlugin();
      tick();
      const a = await addDoc(2100, 'kept.pdf');
      await poll(n);
      const globalKeys = (store: string) => new Promise<string[]>((resolve, reject) => n.w1.context().global.keys(store, (err: Error, k: unknown[]) => (err ? reject(err) : resolve((k || []).map(String)))));
      (await globalKeys('keep')).filter((k) => k.startsWith('otEcmWatch_w1_')).should.have.length(1);
      (await globalKeys('default')).filter((k) => k.startsWith('otEcmWatch_')).should.have.length(0);
      should.exist(a);
    } finally {
      helper.settings({});
    }
  });

  it('reports bad settings and unknown folders to Catch', async () => {
    const cases: Array<[Obj, string]> = [
      [{ folder: '', folderType: 'num' }, 'OT_INVALID_INPUT'],
      [{ folder: 'abc', folderType: 'str' }, 'OT_INVALID_INPUT'],
      [{ folder: '987654', folderType: 'num' }, 'OT_NOT_FOUND'],
      [{ folder: '2201', folderType: 'num' }, 'OT_INVALID_INPUT'],
      [{ source: 'search', query: '  ' }, 'OT_INVALID_INPUT'],
      [{ source: 'search', query: 'OTName:"open' }, 'OT_INVALID_INPUT'],
      [{ whereType: 'docs' }, 'OT_INVALID_INPUT'],
    ];
    for (const [settings, code] of cases) {
      await helper.unload();
      const n = await load(settings);
      const caught = nextMessage<Caught>(n.caught, 10000);
      n.w1.receive({ payload: 'poll' });
      (await caught).error.code!.should.equal(code, JSON.stringify(settings));
    }
    await helper.unload();
    const wrong = await load({}, { xecm1: { username: 'Admin', password: 'sandbox-nope' } });
    const caught = nextMessage<Caught>(wrong.caught, 10000);
    wrong.w1.receive({ payload: 'poll' });
    const c = await caught;
    c.error.code!.should.equal('OT_AUTH');
    JSON.stringify(c).should.not.containEql('sandbox-nope');
  });
});
