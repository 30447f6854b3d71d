/**
 * Example FAX-4 "Approval before outbound fax, confirmation stored back", deployed as shipped: a
 * request starts the Fax Approval workflow with the document attached; nothing is faxed before the
 * approval; legal counsel (the example's approver's desk, logged in as lcounsel) approves and the
 * document is faxed once, its transmission confirmation stored beside the original; a rejection
 * sends no fax and tells the requester.
 */
import should from 'should';
import { useExamples, type Deployed } from '../support/examples';
import { collect, until } from '../support/nr';
import { faxState, type Obj } from '../fax/support';
import { checkShape, CONNECTIONS as SHARED_CONNECTIONS, XECM } from './FAX-support';
import { childrenIn, csNode, stored } from '../xecm/cs-support';
import { workflow } from '../../sandbox/areas/workflow';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-4 Approval before outbound fax, confirmation stored back';
const APPROVED_FOR_FAX = 2400;
const REFERRAL = 2401;

const CONNECTIONS: Record<string, Obj> = {
  ...SHARED_CONNECTIONS,
  ot_xecm_lcounsel_sandbox: { ...XECM, name: 'Extended ECM (lcounsel, sandbox)' },
};

interface Out {
  payload: Obj;
  processId?: number;
  error?: { code?: string; message?: string };
}

interface Process {
  id: number;
  mapId: number;
  title: string;
  initiator: number;
  status: string;
  values: Record<string, unknown>;
  tasks: Array<{ name: string; status: string; assignees: number[] }>;
  activities: Array<{ action: string; userId: number; comment?: string }>;
  attachments: Array<{ id: number; name: string; original_id?: number }>;
}

describe('example FAX-4 Approval before outbound fax, confirmation stored back', function () {
  this.timeout(30000);
  const h = useExamples();

  const processes = () => (h.sb.sb.state('workflow') as { processes: Process[] }).processes;
  const jobs = async () => (await faxState(h.sb.url)).jobs;

  /** Requests the approval and waits for the process. */
  async function request(d: Deployed): Promise<Process> {
    const requested = collect<Out>(d.node('fax4_requested'));
    d.trigger('fax4_request');
    await until(() => requested.length === 1, 5000, 'the approval requested');
    const all = processes();
    all.should.have.length(1);
    return all[0];
  }

  /** Clicks "check the decisions" and waits until that check is over (the status of every open request was read). */
  async function check(d: Deployed): Promise<void> {
    const statuses = collect<Out>(d.node('fax4_decide'));
    const open = Object.keys((d.node('fax4_remember').context().flow.get('pendingFaxApprovals') as Obj) || {}).length;
    d.trigger('fax4_check');
    await until(() => statuses.length === open, 5000, 'the decisions checked');
    await new Promise((r) => setTimeout(r, 50));
  }

  async function decide(d: Deployed, which: 'approve' | 'reject'): Promise<void> {
    const decided = collect<Out>(d.node('fax4_decided'));
    d.trigger(`fax4_${which}`);
    await until(() => decided.length === 1, 5000, 'the decision sent');
  }

  it('ships as documented (tab, comment, connections incl. lcounsel, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url, CONNECTIONS);
    should(d.byName('error code', 'switch').property).equal('error.code');
  });

  it('no fax before the approval; after it the fax is sent once and the confirmation is stored beside the original', async () => {
    const d = await h.deploy(EXAMPLE);
    const stored1 = collect<Out>(d.node('fax4_stored'));
    const p = await request(d);
    p.mapId.should.equal(3902);
    p.title.should.equal('Fax approval: document 2401 to +1 555 123 4567');
    p.values.should.containEql({ 1: '+1 555 123 4567', 2: 'ACME Legal', 3: 'CASE-2026-002' });
    p.attachments.map((a) => a.original_id ?? a.id).should.containEql(REFERRAL);
    p.tasks.filter((t) => t.status === 'active').map((t) => ({ name: t.name, assignees: t.assignees })).should.eql([{ name: 'Approve outbound fax', assignees: [2002] }]);

    // not approved yet: checking changes nothing, no fax
    await check(d);
    (await jobs()).should.have.length(0);
    should.exist((d.node('fax4_remember').context().flow.get('pendingFaxApprovals') as Obj)[p.id]);

    // legal counsel approves (as lcounsel), the next check sends the fax
    await decide(d, 'approve');
    (await jobs()).should.have.length(0);
    const after = processes()[0];
    after.status.should.equal('completed');
    after.activities.find((a) => a.action === 'Approve')!.userId.should.equal(1003);
    await check(d);
    await until(() => stored1.length === 1, 15000, 'the confirmation stored');

    const all = await jobs();
    all.should.have.length(1);
    all[0].submitId!.should.equal(`fax-approval-${p.id}`);
    all[0].destinations.should.eql([{ fax: '15551234567' }]);
    all[0].customer_reference!.should.equal('CASE-2026-002');
    all[0].documents[0].sha256.should.equal(stored(h.sb, REFERRAL).sha256);

    // the confirmation: beside the original, a text with the transmission's facts, with Fax Metadata
    const name = `Referral letter 7781.pdf - fax confirmation ${all[0].job_id}.txt`;
    const conf = childrenIn(h.sb, APPROVED_FOR_FAX).find((n) => n.name === name)!;
    should.exist(conf, `no ${name}`);
    const content = h.sb.sb.app.content.info(conf.versions[conf.versions.length - 1].contentId)!.buffer!.toString('utf8');
    content.should.match(new RegExp(`Job: +${all[0].job_id}`));
    content.should.match(/State: +delivered/);
    content.should.match(/Fax number: +15551234567/);
    content.should.match(/Receiving station: ACME LEGAL/);
    content.should.match(new RegExp(`Approved in: +workflow process ${p.id}`));
    content.should.match(new RegExp(`Document SHA-256: ${stored(h.sb, REFERRAL).sha256}`));
    conf.categories['9830'].should.containEql({ '9830_3': '15551234567', '9830_5': 'Transmission confirmation', '9830_6': 'CASE-2026-002', '9830_7': 1 });
    conf.versions[0].mime_type.should.equal('text/plain');
    stored1[0].payload.should.containEql({ id: conf.id });
    csNode(h.sb, REFERRAL).versions.should.have.length(1);

    // the request is closed: another check sends nothing more
    await check(d);
    (await jobs()).should.have.length(1);
  });

  it('rejected: no fax, the requester is told (and has the rework task)', async () => {
    const d = await h.deploy(EXAMPLE);
    const told = collect<Out>(d.node('fax4_rejected'));
    const p = await request(d);
    await decide(d, 'reject');
    await check(d);
    await until(() => told.length === 1, 5000, 'the requester told');
    String(told[0].payload).should.equal(
      `Your request to fax document 2401 to +1 555 123 4567 was not approved (Reject: Wrong recipient: the referral goes to the clinic, not to ACME Legal.). Nothing was faxed; the task 'Rework document' of workflow ${p.id} is waiting for you in Content Server.`,
    );
    (await jobs()).should.have.length(0);
    const after = processes()[0];
    after.tasks.filter((t) => t.status === 'active').map((t) => ({ name: t.name, assignees: t.assignees })).should.eql([{ name: 'Rework document', assignees: [1000] }]);
    childrenIn(h.sb, APPROVED_FOR_FAX).map((n) => n.id).should.eql([REFERRAL]);
    await check(d);
    told.should.have.length(1);
  });

  it("errors reach the Catch with their code: the desk without lcounsel's rights (OT_FORBIDDEN), an unknown document, a deleted workflow (OT_NOT_FOUND)", async () => {
    // the desk's connection logged in as someone who does not hold the task
    const d = await h.deploy(EXAMPLE, { extraCredentials: { ot_xecm_lcounsel_sandbox: { username: 'cclerk', password: 'sandbox-clerk' } } });
    const errors = collect<Out>(d.node('fax4_errors'));
    const p = await request(d);
    const assignment = { process_id: p.id, subprocess_id: p.id, task_id: 1 };
    d.trigger('fax4_decide_task', { payload: assignment, decision: 'Approve', comment: 'not mine' });
    await until(() => errors.length === 1, 5000, 'the refused decision');
    errors[0].error!.code!.should.equal('OT_FORBIDDEN');
    String(errors[0].payload).should.match(/^Not allowed \(approve or reject\): /);
    processes()[0].status.should.not.equal('completed');
    d.trigger('fax4_get', { nodeId: 999999, processId: p.id });
    await until(() => errors.length === 2, 5000, 'the unknown document');
    errors[1].error!.code!.should.equal('OT_NOT_FOUND');
    String(errors[1].payload).should.match(/^Not found \(get the document\): /);
    (await jobs()).should.have.length(0);

    // the workflow deleted in Content Server: the request is dropped, the next checks are quiet
    workflow(h.sb.sb.app).processes.delete(p.id);
    d.trigger('fax4_check');
    await until(() => errors.length === 3, 5000, 'the deleted workflow');
    errors[2].error!.code!.should.equal('OT_NOT_FOUND');
    String(errors[2].payload).should.startWith(`Workflow ${p.id} is gone: the request to fax document 2401 is dropped`);
    Object.keys((d.node('fax4_remember').context().flow.get('pendingFaxApprovals') as Obj) || {}).should.have.length(0);
    await check(d);
    errors.should.have.length(3);
  });
});
