/**
 * Example FAX-2 "Outbound fax from ECM", deployed as shipped: a document approved for faxing (the
 * inject with node 2401, or a new document in the watched folder 2400) is downloaded and faxed with
 * its exact bytes; the final status is "delivered", and a failed delivery is reported with its
 * reason. Errors reach the Catch with msg.error.code.
 */
import should from 'should';
import { useExamples } from '../support/examples';
import { collect, nextMessage, until } from '../support/nr';
import { faxState, type FaxJobView, type Obj } from '../fax/support';
import { checkShape } from './FAX-support';
import { addVersion, cs, createNode } from '../../sandbox/areas/cs-core';
import { stored } from '../xecm/cs-support';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-2 Outbound fax from ECM';
const APPROVED_FOR_FAX = 2400;
const REFERRAL = 2401;

interface Out {
  payload: Obj & { failures?: Array<{ fax: string; reason: string; gammaCode?: number }> };
  error?: { code?: string; message?: string };
}

describe('example FAX-2 Outbound fax from ECM', function () {
  this.timeout(30000);
  const h = useExamples();

  const jobs = async (): Promise<FaxJobView[]> => (await faxState(h.sb.url)).jobs;

  it('ships as documented (tab, comment, connections, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url);
    should(d.byName('error code', 'switch').property).equal('error.code');
    d.flow.find((n) => n.id === 'fax2_send')!.should.containEql({ waitFinal: true, outputs: 2 });
  });

  it('faxes document 2401 with its exact bytes; the final status is delivered', async () => {
    const d = await h.deploy(EXAMPLE);
    const delivered = collect<Out>(d.node('fax2_delivered'));
    d.trigger('fax2_send1');
    await until(() => delivered.length === 1, 15000, 'the delivered report');

    const all = await jobs();
    all.should.have.length(1);
    const job = all[0];
    job.destinations.should.eql([{ fax: '15551234567' }]);
    job.documents.should.have.length(1);
    const doc = stored(h.sb, REFERRAL);
    job.documents[0].should.containEql({ name: 'Referral letter 7781.pdf', type: 'PDF', size: doc.size, sha256: doc.sha256 });
    job.customer_reference!.should.equal('ECM document 2401');
    (job.status.job_state as string[]).should.containEql('Complete');
    const attempts = (job.status.deliveries as Array<{ delivery_attempts: Obj[] }>)[0].delivery_attempts;
    attempts[attempts.length - 1].state!.should.equal('Sent');

    delivered[0].payload.should.containEql({ document: REFERRAL, name: 'Referral letter 7781.pdf', job: job.job_id, state: 'delivered', to: '15551234567', receiver: 'ACME LEGAL' });
  });

  it('a failed delivery is reported with its reason', async () => {
    const d = await h.deploy(EXAMPLE);
    const failed = collect<Out>(d.node('fax2_failed'));
    const delivered = collect<Out>(d.node('fax2_delivered'));
    d.trigger('fax2_send2');
    await until(() => failed.length === 1, 15000, 'the failure report');
    failed[0].payload.should.containEql({ document: REFERRAL, state: 'failed' });
    failed[0].payload.failures!.should.eql([{ fax: '15555550199', reason: 'not a fax machine (gamma code 2004)', gammaCode: 2004 }]);
    delivered.should.have.length(0);
    const [job] = await jobs();
    const attempts = (job.status.deliveries as Array<{ delivery_attempts: Obj[] }>)[0].delivery_attempts;
    attempts[0].should.containEql({ state: 'Error', gamma_code: 2004 });
  });

  it('a document that appears in "Approved for Fax" is faxed to the default recipient; the ones already there are not', async () => {
    // a Complete node beside the example tells when a poll of the watch is over
    const d = await h.deploy(EXAMPLE, { extraNodes: [{ id: 't_done', type: 'complete', z: 'fax2_tab', scope: ['fax2_watch'], uncaught: false, wires: [['t_polled']] }, { id: 't_polled', type: 'helper', z: 'fax2_tab' }] });
    const delivered = collect<Out>(d.node('fax2_delivered'));
    const watched = collect<Obj>(d.node('fax2_recipient'));
    // polls run one after another: once this one is over, the first poll (which remembers 2401 without sending it) is too
    const polled = nextMessage(d.node('t_polled'));
    d.trigger('fax2_watch');
    await polled;
    watched.should.have.length(0);
    const app = h.sb.sb.app;
    const bytes = Buffer.from('%PDF-1.4\n% medical records request for claim 4711\n%%EOF\n');
    const node = createNode(app, { parent_id: APPROVED_FOR_FAX, name: 'Records request 4711.pdf', type: 144, userId: 1000 });
    addVersion(app, node, { contentId: app.content.put(bytes), file_name: node.name, mime_type: 'application/pdf', userId: 1000 });
    d.trigger('fax2_watch');
    await until(() => delivered.length === 1, 15000, 'the new document faxed');
    watched.map((m) => m.nodeId).should.eql([node.id]);
    const all = await jobs();
    all.should.have.length(1);
    all[0].destinations.should.eql([{ fax: '15551234567' }]);
    all[0].documents[0].should.containEql({ name: 'Records request 4711.pdf', sha256: stored(h.sb, node.id).sha256 });
    // a second poll sends nothing again
    const again = nextMessage(d.node('t_polled'));
    d.trigger('fax2_watch');
    await again;
    watched.should.have.length(1);
    (await jobs()).should.have.length(1);
    cs(app).nodes.get(REFERRAL)!.name.should.equal('Referral letter 7781.pdf');
  });

  it('errors reach the Catch with their code: an unknown document (OT_NOT_FOUND), a bad number (OT_INVALID_INPUT)', async () => {
    const d = await h.deploy(EXAMPLE);
    const errors = collect<Out>(d.node('fax2_errors'));
    d.trigger('fax2_download', { nodeId: 999999, faxNumber: '+1 555 123 4567' });
    await until(() => errors.length === 1, 5000, 'the unknown document');
    errors[0].error!.code!.should.equal('OT_NOT_FOUND');
    String(errors[0].payload).should.match(/^Document 999999 was not faxed: /);
    d.trigger('fax2_download', { nodeId: REFERRAL, faxNumber: 'call me' });
    await until(() => errors.length === 2, 5000, 'the bad number');
    errors[1].error!.code!.should.equal('OT_INVALID_INPUT');
    String(errors[1].payload).should.match(/check the number/);
    (await jobs()).should.have.length(0);
  });
});
