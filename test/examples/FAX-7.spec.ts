/**
 * Example FAX-7 "Department workspaces", deployed as shipped: inbound faxes (by their department
 * index value or the department number they were sent to) and outbound faxes (by msg.department)
 * land in their department workspace's Faxes/Inbound or Faxes/Outbound; unknown departments go to
 * the default workspace General.
 */
import should from 'should';
import { useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { faxState, injectFax, type Obj } from '../fax/support';
import { checkShape } from './FAX-support';
import { childNamed, childrenIn, csNode, stored } from '../xecm/cs-support';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-7 Department workspaces';
const WS = { Claims: 27010, HR: 27020, Procurement: 27030, 'Customer Service': 27040, General: 27050 } as const;

interface Out {
  payload: Obj;
  error?: { code?: string; message?: string };
}

describe('example FAX-7 Department workspaces', function () {
  this.timeout(30000);
  const h = useExamples();

  /** The documents in a department workspace's Faxes/<direction> folder. */
  const filedIn = (ws: number, direction: 'Inbound' | 'Outbound') => {
    const faxes = childNamed(h.sb, ws, 'Faxes')!;
    const sub = childNamed(h.sb, faxes.id, direction);
    return sub ? childrenIn(h.sb, sub.id) : [];
  };

  it('ships as documented (tab, comment, connections, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url);
    should(d.byName('error code', 'switch').property).equal('error.code');
  });

  it('each inbound fax lands in its department workspace (by index value or by the number dialled); unknown departments in General', async () => {
    const faxes = {
      claims: await injectFax(h.sb.url, { department: 'claims', documentType: 'Claim form' }),
      hr: await injectFax(h.sb.url, { to: '18005550102', documentType: 'Timesheet' }), // the HR number, no index values
      procurement: await injectFax(h.sb.url, { department: 'procurement', documentType: 'Purchase order' }),
      service: await injectFax(h.sb.url, { to: '+1 800 555 0104', documentType: 'Complaint' }),
      legal: await injectFax(h.sb.url, { to: '18005550100', documentType: 'Subpoena', metadata: { department: 'Legal' } }), // no Legal workspace
      nowhere: await injectFax(h.sb.url, { to: '18005559999' }), // a number of no department
    };
    const d = await h.deploy(EXAMPLE);
    const done = collect<Out>(d.node('fax7_done'));
    d.trigger('fax7_poll');
    await until(() => done.length === 6, 15000, 'six faxes filed');
    (await faxState(h.sb.url)).inbound.every((f) => f.state === 'released').should.be.true();

    const expect: Array<[keyof typeof faxes, keyof typeof WS, string]> = [
      ['claims', 'Claims', 'Claim form'],
      ['hr', 'HR', 'Timesheet'],
      ['procurement', 'Procurement', 'Purchase order'],
      ['service', 'Customer Service', 'Complaint'],
      ['legal', 'General', 'Subpoena'],
      ['nowhere', 'General', 'Fax'],
    ];
    for (const [key, ws, type] of expect) {
      const fax = faxes[key];
      const doc = filedIn(WS[ws], 'Inbound').find((n) => n.name === `Fax ${fax.body.id} - ${type}.pdf`);
      should.exist(doc, `${key} in ${ws}`);
      stored(h.sb, doc!.id).sha256.should.equal((fax.body.document as Obj).sha256);
      doc!.categories['9830'].should.containEql({ '9830_3': fax.body.receiving_fax, '9830_5': type });
      done.find((m) => m.payload.fax === String(fax.body.id))!.payload.should.containEql({ direction: 'Inbound', department: ws, workspace: WS[ws], document: doc!.id });
    }
    filedIn(WS.General, 'Inbound').should.have.length(2);
    done.find((m) => m.payload.fax === String(faxes.legal.body.id))!.payload.asked!.should.equal('Legal');
    for (const ws of ['Claims', 'HR', 'Procurement', 'Customer Service'] as const) filedIn(WS[ws], 'Inbound').should.have.length(1);
  });

  it("each outbound fax is sent and its copy lands in its department's Faxes/Outbound; an unknown department's in General", async () => {
    const d = await h.deploy(EXAMPLE);
    const done = collect<Out>(d.node('fax7_done'));
    d.trigger('fax7_hr');
    d.trigger('fax7_facilities');
    await until(() => done.length === 2, 15000, 'two faxes sent and filed');
    const jobs = (await faxState(h.sb.url)).jobs;
    jobs.should.have.length(2);
    const hrJob = jobs.find((j) => j.destinations[0].fax === '15557654321')!;
    hrJob.documents[0].should.containEql({ name: 'Employment verification J. Doe.txt', type: 'text' });
    const hrDocs = filedIn(WS.HR, 'Outbound');
    hrDocs.map((n) => n.name).should.eql([`Faxed ${hrJob.job_id} - Employment verification J. Doe.txt`]);
    // the stored copy is the text that was faxed
    stored(h.sb, hrDocs[0].id).sha256.should.equal(hrJob.documents[0].sha256);
    hrDocs[0].categories['9830'].should.containEql({ '9830_3': '15557654321', '9830_5': 'Outbound fax', '9830_8': 'HR' });

    const orderJob = jobs.find((j) => j.destinations[0].fax === '15551234567')!;
    filedIn(WS.General, 'Outbound').map((n) => n.name).should.eql([`Faxed ${orderJob.job_id} - Order 2026-117 office chairs.txt`]);
    done.find((m) => m.payload.fax === orderJob.job_id)!.payload.should.containEql({ direction: 'Outbound', department: 'General', asked: 'Facilities', workspace: WS.General });
    for (const ws of ['Claims', 'Procurement', 'Customer Service'] as const) filedIn(WS[ws], 'Outbound').should.have.length(0);
  });

  it('errors reach the Catch: no default workspace (OT_NOT_FOUND) leaves the fax unacknowledged', async () => {
    // the default workspace renamed away: a fax of an unknown department has nowhere to go
    csNode(h.sb, WS.General).name = 'General (old)';
    const fax = await injectFax(h.sb.url, { to: '18005559999', documentType: 'Letter' });
    const d = await h.deploy(EXAMPLE);
    const errors = collect<Out>(d.node('fax7_errors'));
    d.trigger('fax7_poll');
    await until(() => errors.length === 1, 10000, 'the error');
    errors[0].error!.code!.should.equal('OT_NOT_FOUND');
    String(errors[0].payload).should.match(new RegExp(`^Not filed \\(Inbound fax ${fax.body.id}, it comes back after the hold\\): `));
    (await faxState(h.sb.url)).inbound[0].state!.should.equal('held');
  });
});
