/**
 * Example RM-4 "Exception and policy violation alerts", deployed as shipped and driven through its
 * http-in endpoint: every kind of refused declaration (required metadata missing, a classification
 * not allowed in the location, not selectable, already a record, an unknown item, a bad
 * submission) leaves the item undeclared and sends the submitter one push with the error code, the
 * reason and the next steps (and answers 422); a valid submission is declared with no alert.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { cs, csLogin, props } from '../sandbox/cs-support';
import type { Delivery, Obj, PushState } from './RM-support';

interface RmState {
  records: Record<string, { class_id: number; fields: Obj }>;
}

const EXAMPLE = 'Records Management → Push/RM-4 Exception and policy violation alerts';

describe('example RM-4 Exception and policy violation alerts', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;
  let john = '';

  const push = () => h.sb.sb.state('push') as PushState;
  const records = () => (h.sb.sb.state('rm') as RmState).records;
  const alerts = (user: string) => push().byUser[user] || [];

  async function doc(name: string): Promise<number> {
    const r = await cs(h.sb.csUrl, 'v2/nodes', { ticket: john, body: { type: 144, parent_id: 2100, name }, multipart: { files: { file: { data: `content of ${name}`, name } } } });
    if (r.status !== 200) throw new Error(`upload ${name}: ${r.status}`);
    return props(r).id as number;
  }

  async function submit(body: Obj): Promise<{ status: number; body: Obj }> {
    const r = await fetch(`${d.httpBase}/rm4/declare`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Obj };
  }

  /** A refused submission: 422 with code, reason and next steps, one push to jsmith, nothing declared. */
  async function refused(body: Obj, code: string, reason: RegExp, next: RegExp): Promise<Delivery> {
    const before = alerts('jsmith').length;
    const r = await submit({ submitter: 'jsmith', ...body });
    r.status.should.equal(422, JSON.stringify(r.body));
    r.body.should.containEql({ declared: false, code });
    String(r.body.reason).should.match(reason);
    String(r.body.nextSteps).should.match(next);
    const deadline = Date.now() + 5000;
    while (alerts('jsmith').length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const mine = alerts('jsmith');
    mine.should.have.length(before + 1);
    const a = mine[mine.length - 1];
    a.title.should.equal(`Not declared: item ${body.nodeId ?? '?'} (${code})`);
    a.body.should.match(reason).and.match(next);
    a.body.should.not.containEql('OtError');
    a.data!.should.containEql({ declared: false, code });
    return a;
  }

  beforeEach(async () => {
    john = await csLogin(h.sb.csUrl, 'jsmith', 'sandbox-jsmith');
    d = await h.deploy(EXAMPLE);
  });

  it('missing required metadata: not declared, the submitter is told which fields and what to do', async () => {
    const id = await doc('Service contract Hooli.pdf');
    await refused({ nodeId: id, classId: 3002, record: { subject: 'Service contract' } }, 'OT_POLICY', /the following required fields are missing: Addressee\(s\), Author or Originator/, /Fill in Addressee\(s\), Author or Originator in the record details/);
    (records()[String(id)] === undefined).should.be.true();
    // nobody else was alerted
    Object.keys(push().byUser).should.eql(['jsmith']);
  });

  it('wrong classification (not allowed here, not selectable) and an item already declared', async () => {
    const id = await doc('Fax cover.pdf');
    await refused({ nodeId: id, classId: 3004, record: { received_date: '2026-01-05' } }, 'OT_POLICY', /not allowed in this location/, /Move the item to a folder/);
    await refused({ nodeId: id, classId: 3010 }, 'OT_POLICY', /is not selectable/, /below this grouping level/);
    (records()[String(id)] === undefined).should.be.true();
    await refused({ nodeId: 2201, classId: 3003 }, 'OT_POLICY', /already classified/, /already a record/);
    records()['2201'].class_id.should.equal(3002); // unchanged
    alerts('jsmith').should.have.length(3);
  });

  it('an unknown item and a bad submission are reported the same way', async () => {
    await refused({ nodeId: 999999, classId: 3003 }, 'OT_NOT_FOUND', /./, /Check the item id/);
    await refused({ nodeId: 'abc', classId: 3003 }, 'OT_INVALID_INPUT', /node id/, /Check the submission/);
    await refused({ nodeId: 2203 }, 'OT_INVALID_INPUT', /classification id is needed/, /Check the submission/);
    const id = await doc('Policy memo.pdf');
    await refused({ nodeId: id, classId: 3003, record: { colour: 'blue' } }, 'OT_INVALID_INPUT', /colour/, /Check the submission/);
    (records()[String(id)] === undefined).should.be.true();
  });

  it('a valid item goes through with no alert', async () => {
    const id = await doc('HR policy v4.docx');
    const r = await submit({ nodeId: id, classId: 3003, submitter: 'jsmith', record: { subject: 'HR policy', record_date: '2026-02-01' } });
    r.status.should.equal(200, JSON.stringify(r.body));
    r.body.declared!.should.be.true();
    (r.body.record as Obj).should.containEql({ id, class_id: 3003 });
    const rec = records()[String(id)];
    rec.class_id.should.equal(3003);
    rec.fields.subject!.should.equal('HR policy');
    await new Promise((res) => setTimeout(res, 300));
    push().jobs.should.have.length(0);
  });

  it('without a submitter: the caller still gets the 422 with the reason, and no push is attempted', async () => {
    const r = await submit({ nodeId: 999999, classId: 3003 });
    r.status.should.equal(422);
    r.body.should.containEql({ declared: false, code: 'OT_NOT_FOUND' });
    await new Promise((res) => setTimeout(res, 300));
    push().jobs.should.have.length(0);
  });
});
