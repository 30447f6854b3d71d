/**
 * Example "Dead-letter and replay", deployed as shipped: while the sandbox injects faults into the
 * push service, a notify request fails after the connection's retries and is kept as a JSON
 * document in the Content Server folder "Dead Letters" (2910); a replay during the fault keeps it;
 * after the fault is removed the replay delivers it and releases (deletes) the dead letter; further
 * replays do nothing: the push went out exactly once. Work that succeeds at once never becomes a
 * dead letter, and a failure that cannot even be kept is answered 503.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { nextMessage, until, type FlowNode } from '../support/nr';
import type { CsNode, CsState } from '../../sandbox/areas/cs-core';

type Obj = Record<string, unknown>;
interface PushState {
  jobs: Array<{ job_id: string; submitId?: string; reference?: string; notification: { title: string; body: string } }>;
  byUser: Record<string, Array<{ job_id: string; title: string }>>;
  submits: number;
  duplicates: number;
}

const EXAMPLE = 'Patterns/Dead-letter and replay';
const DEAD_LETTERS = 2910;
const PUSH_DOWN = { rules: [{ route: '^POST /mra/v1/utils/parser$', kind: '503', probability: 1 }] };

describe('example Dead-letter and replay', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;

  const push = () => h.sb.sb.state('push') as PushState;
  const cs = () => h.sb.sb.app.state.cs as CsState;
  const letters = (): CsNode[] => (cs().children.get(DEAD_LETTERS) || []).map((id) => cs().nodes.get(id)!).filter((n) => n && !n.deleted);
  const letterText = async (n: CsNode) => {
    const v = n.versions[n.versions.length - 1];
    return (await h.sb.sb.app.content.buffer(v.contentId)).toString('utf8');
  };

  async function control(path: string, body: Obj): Promise<void> {
    const r = await fetch(`${h.sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    r.status.should.equal(200);
  }

  async function notify(body: Obj): Promise<{ status: number; body: Obj }> {
    const r = await fetch(`${d.httpBase}/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Obj };
  }

  /** Clicks "replay"; resolves when the dead letters were listed and each one was released or kept. */
  async function replay(): Promise<void> {
    const waiting = letters().length;
    const listed = nextMessage(d.node('t_listed'), 10000);
    let settled = 0;
    const count = () => settled++;
    d.node('t_released').on('input', count);
    d.node('t_kept').on('input', count);
    try {
      d.trigger('dl_every');
      await listed;
      await until(() => settled >= waiting, 15000, `${waiting} dead letter(s) released or kept`);
    } finally {
      d.node('t_released').removeListener('input', count);
      d.node('t_kept').removeListener('input', count);
    }
  }

  beforeEach(async () => {
    const probe: FlowNode[] = [
      { id: 't_c1', type: 'complete', z: 'dl_tab', scope: ['dl_list'], uncaught: false, wires: [['t_listed']] },
      { id: 't_listed', type: 'helper', z: 'dl_tab' },
      { id: 't_c2', type: 'complete', z: 'dl_tab', scope: ['dl_release'], uncaught: false, wires: [['t_released']] },
      { id: 't_released', type: 'helper', z: 'dl_tab' },
      { id: 't_c3', type: 'complete', z: 'dl_tab', scope: ['dl_kept'], uncaught: false, wires: [['t_kept']] },
      { id: 't_kept', type: 'helper', z: 'dl_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraNodes: probe });
  });

  it('fails while the push service is down, is kept, is replayed after the fault is gone, and is released exactly once', async () => {
    await control('/_sandbox/faults', PUSH_DOWN);
    const r = await notify({ to: 'jsmith', title: 'Records task waiting', body: 'Please confirm the classification of Contract ACME 2024.pdf', key: 'task-4711' });
    r.status.should.equal(202, JSON.stringify(r.body));
    r.body.should.containEql({ sent: false, queued: true, key: 'task-4711', code: 'OT_UNAVAILABLE' });
    // kept: one JSON document in Dead Letters, nothing delivered
    const kept = letters();
    kept.map((n) => n.name).should.eql(['dead-letter task-4711.json']);
    kept[0].id.should.equal(r.body.deadLetterId);
    const text = await letterText(kept[0]);
    const letter = JSON.parse(text) as Obj;
    letter.should.containEql({ kind: 'notify', attempts: 1 });
    (letter.request as Obj).should.eql({ to: 'jsmith', title: 'Records task waiting', body: 'Please confirm the classification of Contract ACME 2024.pdf', key: 'task-4711' });
    (letter.error as Obj).code!.should.equal('OT_UNAVAILABLE');
    text.should.not.containEql('sandbox-messaging'); // no credentials in a dead letter
    push().jobs.should.have.length(0);
    const attempts = ((await (await fetch(`${h.sb.url}/_sandbox/faults`)).json()) as { counts: Record<string, number> }).counts['503'];
    attempts.should.be.above(1); // the connection retried before giving up

    // a replay while the fault lasts keeps it
    await replay();
    letters().map((n) => n.id).should.eql([kept[0].id]);
    push().jobs.should.have.length(0);

    // the fault is gone: the replay delivers it and releases the dead letter
    await control('/_sandbox/faults', { rules: [] });
    await replay();
    letters().should.have.length(0);
    const gone = cs().nodes.get(kept[0].id);
    (gone === undefined || gone.deleted === true).should.be.true();
    push().jobs.should.have.length(1);
    push().jobs[0].should.containEql({ submitId: 'task-4711', reference: 'task-4711' });
    push().jobs[0].notification.title.should.equal('Records task waiting');
    push().byUser.jsmith.should.have.length(1);

    // nothing left: further replays send nothing
    const submits = push().submits;
    await replay();
    await replay();
    push().submits.should.equal(submits);
    push().jobs.should.have.length(1);
    push().duplicates.should.equal(0);
  });

  it('a replay of work that got through meanwhile does not deliver twice (the key is the idempotency key)', async () => {
    await control('/_sandbox/faults', PUSH_DOWN);
    (await notify({ to: 'lcounsel', title: 'Hold notice', body: 'Litigation 2026', key: 'hold-5001' })).status.should.equal(202);
    await control('/_sandbox/faults', { rules: [] });
    // meanwhile the same work got through another way (for example the caller retried it)
    const direct = await notify({ to: 'lcounsel', title: 'Hold notice', body: 'Litigation 2026', key: 'hold-5001' });
    direct.status.should.equal(200);
    push().jobs.should.have.length(1);
    await replay();
    letters().should.have.length(0);
    push().jobs.should.have.length(1); // the replay was answered with the same job: one push
    push().duplicates.should.equal(1);
    push().byUser.lcounsel.should.have.length(1);
  });

  it('work that succeeds at once is no dead letter; a failure that cannot be kept is answered 503', async () => {
    const ok = await notify({ to: 'jsmith', title: 'Hello', body: 'All good', key: 'k-1' });
    ok.status.should.equal(200);
    ok.body.should.containEql({ sent: true, key: 'k-1' });
    letters().should.have.length(0);
    push().jobs.should.have.length(1);

    // without a key the message id is the key: still kept, and kept with it
    await control('/_sandbox/faults', PUSH_DOWN);
    const nokey = await notify({ to: 'jsmith', title: 'Hello again', body: 'no key' });
    nokey.status.should.equal(202);
    String(nokey.body.key).should.match(/^[0-9a-f]+$/);
    letters().map((n) => n.name).should.eql([`dead-letter ${nokey.body.key}.json`]);

    // Content Server down as well: the work cannot be kept, the caller is told to retry
    await control('/_sandbox/faults', { rules: [...PUSH_DOWN.rules, { route: '^POST /otcs/cs.exe/api/v2/nodes$', kind: '503', probability: 1 }] });
    const lost = await notify({ to: 'jsmith', title: 'Third', body: 'nowhere to keep it', key: 'k-3' });
    lost.status.should.equal(503);
    lost.body.should.containEql({ accepted: false, code: 'OT_UNAVAILABLE' });
    letters().should.have.length(1);
  });
});
