/**
 * Example FAX-3 "Case-linked bi-directional fax", deployed as shipped: inbound faxes with a case id
 * land in the Inbound folder of their case workspace (found by business object, or created from
 * the Case template: once, also for two faxes at a time); faxes without a known case id go to
 * Fax Exceptions; an outbound case document is faxed to the case's external party with the case
 * reference and its sent copy is filed in the case's Outbound folder.
 */
import should from 'should';
import { useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { faxState, injectFax, type FaxJobView, type Obj } from '../fax/support';
import { checkShape } from './FAX-support';
import { childNamed, childrenIn, csNode, stored } from '../xecm/cs-support';
import { bws, type WorkspaceRecord } from '../../sandbox/areas/bws';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-3 Case-linked bi-directional fax';
const CASE_2 = 26020; // CASE-2026-002, External Party Fax +15550100002
const CASE_3 = 26030; // CASE-2026-003
const FAX_EXCEPTIONS = 2310;
const REFERRAL = 2401;

interface Out {
  payload: Obj;
  faxId?: string;
  error?: { code?: string; message?: string };
}

describe('example FAX-3 Case-linked bi-directional fax', function () {
  this.timeout(30000);
  const h = useExamples();

  const inbound = async (id: unknown) => (await faxState(h.sb.url)).inbound.find((f) => f.id === String(id)) as Obj & { state: string };
  const released = async (...ids: unknown[]) => {
    for (const id of ids) if ((await inbound(id)).state !== 'released') return false;
    return true;
  };
  const workspacesFor = (boId: string) => [...bws(h.sb.sb.app).workspaces.values()].filter((w: WorkspaceRecord) => w.bo.some((b) => b.bo_type === 'CASE' && b.bo_id === boId));

  it('ships as documented (tab, comment, connections, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url);
    should(d.byName('error code', 'switch').property).equal('error.code');
    d.byName('find or create case workspace', 'ot-workspace').operation!.should.equal('findOrCreate');
  });

  it('inbound: attaches a fax to its existing case, creates the workspace of a new case once for two faxes, and files faxes without a known case id as exceptions', async () => {
    const existing = await injectFax(h.sb.url, { from: '15550100003', documentType: 'Complaint letter', caseId: 'CASE-2026-003' });
    const new1 = await injectFax(h.sb.url, { from: '15550100777', documentType: 'Claim form', caseId: 'CASE-2026-042', pages: 2 });
    const new2 = await injectFax(h.sb.url, { from: '15550100777', documentType: 'Photos', caseId: 'CASE-2026-042' });
    const unknown = await injectFax(h.sb.url, { from: '15550100888', documentType: 'Letter', caseId: 'patient 7781' });
    const none = await injectFax(h.sb.url, { from: '15550100999' });
    const d = await h.deploy(EXAMPLE);
    const filed = collect<Out>(d.node('fax3_inbounddone'));
    d.trigger('fax3_poll');
    await until(() => released(existing.body.id, new1.body.id, new2.body.id, unknown.body.id, none.body.id), 15000, 'all five acknowledged');

    // the existing case: its Inbound folder, with the Fax Metadata
    const inbox3 = childNamed(h.sb, CASE_3, 'Inbound')!;
    const doc3 = childNamed(h.sb, inbox3.id, `Fax ${existing.body.id} - Complaint letter.pdf`)!;
    should.exist(doc3);
    doc3.categories['9830'].should.containEql({ '9830_2': '15550100003', '9830_5': 'Complaint letter', '9830_6': 'CASE-2026-003' });
    stored(h.sb, doc3.id).sha256.should.equal((existing.body.document as Obj).sha256);
    workspacesFor('CASE-2026-003').should.have.length(1);

    // the new case: one workspace from the Case template, linked to the business object, both faxes in it
    const created = workspacesFor('CASE-2026-042');
    created.should.have.length(1);
    const ws = created[0];
    ws.templateId.should.equal(3102);
    const node = csNode(h.sb, ws.id);
    node.name.should.equal('CASE-2026-042');
    node.parent_id.should.equal(2600);
    node.categories['9911'].should.containEql({ '9911_2': 'CASE-2026-042', '9911_7': '15550100777' });
    const inbox = childNamed(h.sb, ws.id, 'Inbound')!;
    childrenIn(h.sb, inbox.id)
      .map((n) => n.name)
      .sort()
      .should.eql([`Fax ${new1.body.id} - Claim form.pdf`, `Fax ${new2.body.id} - Photos.pdf`]);
    childNamed(h.sb, inbox.id, `Fax ${new1.body.id} - Claim form.pdf`)!.categories['9830'].should.containEql({ '9830_6': 'CASE-2026-042', '9830_7': 2 });

    // the exceptions: an id that is not a case id, and no id at all
    childrenIn(h.sb, FAX_EXCEPTIONS)
      .map((n) => n.name)
      .sort()
      .should.eql([`Fax ${unknown.body.id} - Letter.pdf`, `Fax ${none.body.id} - Fax.pdf`].sort());
    childNamed(h.sb, FAX_EXCEPTIONS, `Fax ${unknown.body.id} - Letter.pdf`)!.description.should.match(/no known case id \(patient 7781\)/);

    // what the flow reported
    filed.should.have.length(5);
    const report = (id: unknown) => filed.find((m) => m.payload.fax === String(id))!.payload;
    report(existing.body.id).should.containEql({ case: 'CASE-2026-003', workspace: CASE_3, newWorkspace: false, folder: inbox3.id, action: 'created' });
    report(unknown.body.id).should.containEql({ case: 'patient 7781', folder: FAX_EXCEPTIONS, newWorkspace: false });
    [report(new1.body.id).newWorkspace, report(new2.body.id).newWorkspace].filter(Boolean).should.have.length(1);
  });

  it("outbound: faxes a case document to the case's external party with the case reference and files the sent copy in Outbound", async () => {
    const d = await h.deploy(EXAMPLE);
    const done = collect<Out>(d.node('fax3_outdone'));
    d.trigger('fax3_out');
    await until(() => done.length === 1, 15000, 'the fax delivered and filed');
    const jobs: FaxJobView[] = (await faxState(h.sb.url)).jobs;
    jobs.should.have.length(1);
    const job = jobs[0];
    job.destinations.should.eql([{ fax: '15550100002', ref: 'CASE-2026-002' }]);
    job.customer_reference!.should.equal('CASE-2026-002');
    job.coversheet!.should.containEql({ enabled: true, name: 'f2m_default', subject: 'Case CASE-2026-002: Referral letter 7781.pdf' });
    job.documents[0].sha256.should.equal(stored(h.sb, REFERRAL).sha256);
    ((job.status.deliveries as Obj[])[0].ref_base64 as string).should.equal(Buffer.from('CASE-2026-002').toString('base64'));

    const outbox = childNamed(h.sb, CASE_2, 'Outbound')!;
    const copies = childrenIn(h.sb, outbox.id);
    copies.should.have.length(1);
    copies[0].name.should.equal(`Faxed ${job.job_id} - Referral letter 7781.pdf`);
    stored(h.sb, copies[0].id).sha256.should.equal(stored(h.sb, REFERRAL).sha256);
    done[0].payload.should.containEql({ id: copies[0].id, parent_id: outbox.id });
  });

  it('outbound errors reach the Catch: an unknown case (OT_NOT_FOUND); a case without a fax number is reported', async () => {
    const d = await h.deploy(EXAMPLE);
    const errors = collect<Out>(d.node('fax3_errors'));
    const noParty = collect<Out>(d.node('fax3_noparty'));
    d.trigger('fax3_findcase', { caseId: 'CASE-2099-404', nodeId: REFERRAL });
    await until(() => errors.length === 1, 5000, 'the unknown case');
    errors[0].error!.code!.should.equal('OT_NOT_FOUND');
    String(errors[0].payload).should.match(/^Case CASE-2099-404: /);
    // a case workspace whose External Party Fax is empty
    const created = await injectFax(h.sb.url, { from: '15550100555', caseId: 'CASE-2026-077' });
    d.trigger('fax3_poll');
    await until(async () => (await inbound(created.body.id)).state === 'released', 10000, 'the new case');
    const ws = workspacesFor('CASE-2026-077')[0];
    csNode(h.sb, ws.id).categories['9911']['9911_7'] = '';
    d.trigger('fax3_findcase', { caseId: 'CASE-2026-077', nodeId: REFERRAL });
    await until(() => noParty.length === 1, 5000, 'no external party fax');
    String(noParty[0].payload).should.equal('Case CASE-2026-077 has no External Party Fax: document 2401 was not faxed');
    (await faxState(h.sb.url)).jobs.should.have.length(0);
  });
});
