/**
 * Example FAX-5 "Fax-triggered workflow tasks", deployed as shipped: each inbound fax is classified
 * and starts one workflow on the map of its type with the fax attached (urgent types with the
 * urgent flag, high priority and the short due time); unclassifiable faxes go to the exception
 * queue; a fax whose acknowledgement failed comes back without starting a second workflow.
 */
import should from 'should';
import { useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { faxState, injectFax, type Obj } from '../fax/support';
import { checkShape } from './FAX-support';
import { childNamed, childrenIn, csNode, stored } from '../xecm/cs-support';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-5 Fax-triggered workflow tasks';
const INBOUND_FAXES = 2300;
const FAX_EXCEPTIONS = 2310;

interface Out {
  payload: Obj;
  faxId?: string;
  error?: { code?: string; message?: string };
}

interface Process {
  id: number;
  mapId: number;
  title: string;
  status: string;
  urgent: boolean;
  values: Record<string, unknown>;
  tasks: Array<{ name: string; status: string; assignees: number[]; started: string; due?: string }>;
  attachments: Array<{ id: number; name: string; original_id?: number }>;
}

const HOUR = 3600000;

describe('example FAX-5 Fax-triggered workflow tasks', function () {
  this.timeout(30000);
  const h = useExamples();

  const processes = () => (h.sb.sb.state('workflow') as { processes: Process[] }).processes;
  const inbound = async (id: unknown) => (await faxState(h.sb.url)).inbound.find((f) => f.id === String(id)) as Obj & { state: string };
  const dueIn = (t: Process['tasks'][number]) => new Date(t.due!).getTime() - new Date(t.started).getTime();

  it('ships as documented (tab, comment, connections, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url);
    should(d.byName('error code', 'switch').property).equal('error.code');
  });

  it('starts one workflow per fax on the map of its type, with the fax attached; urgent ones escalate; unclassifiable ones go to the exception queue', async () => {
    const pa = await injectFax(h.sb.url, { from: '15550100002', documentType: 'Prior Authorization request', caseId: 'CASE-2026-002', pages: 3 });
    const sig = await injectFax(h.sb.url, { from: '15550300001', documentType: 'Missing signature page' });
    const rem = await injectFax(h.sb.url, { from: '15550400001', documentType: 'Remittance advice', metadata: { amount: '1250.00', urgent: true } });
    const news = await injectFax(h.sb.url, { from: '15550500001', documentType: 'Newsletter' });
    const d = await h.deploy(EXAMPLE);
    const done = collect<Out>(d.node('fax5_done'));
    d.trigger('fax5_poll');
    await until(() => done.length === 4, 15000, 'four faxes handled');
    for (const f of [pa, sig, rem, news]) (await inbound(f.body.id)).state.should.equal('released');

    const all = processes();
    all.should.have.length(3);
    const byMap = (m: number) => all.filter((p) => p.mapId === m);
    for (const [fax, map, folder, type] of [
      [pa, 3903, 'Prior authorization', 'Prior Authorization request'],
      [sig, 3904, 'Missing signature page', 'Missing signature page'],
      [rem, 3905, 'Remittance advice', 'Remittance advice'],
    ] as const) {
      byMap(map).should.have.length(1, `one workflow on map ${map}`);
      const p = byMap(map)[0];
      // the fax is stored (in a folder per type) and attached to its workflow
      const sub = childNamed(h.sb, INBOUND_FAXES, folder)!;
      const doc = childNamed(h.sb, sub.id, `Fax ${fax.body.id} - ${type}.pdf`)!;
      should.exist(doc, `the fax ${fax.body.id} in ${folder}`);
      stored(h.sb, doc.id).sha256.should.equal((fax.body.document as Obj).sha256);
      p.attachments.should.have.length(1);
      (p.attachments[0].original_id ?? p.attachments[0].id).should.equal(doc.id);
      p.values.should.containEql({ 1: `xdds-${fax.body.id}`, 2: String(fax.body.sender_fax) });
      const report = done.find((m) => m.payload.fax === String(fax.body.id))!.payload;
      report.should.containEql({ map, process: p.id, document: doc.id });
    }
    // prior authorization: always urgent, with the case id; remittance: urgent because its index values say so
    const prior = byMap(3903)[0];
    prior.urgent.should.be.true();
    prior.title.should.equal(`URGENT: Prior authorization from 15550100002 (fax ${pa.body.id})`);
    prior.values.should.containEql({ 3: true, 4: 'CASE-2026-002' });
    dueIn(prior.tasks[0]).should.equal(4 * HOUR);
    prior.tasks[0].assignees.should.eql([2005]);
    const remit = byMap(3905)[0];
    remit.urgent.should.be.true();
    remit.values.should.containEql({ 3: true, 4: '1250.00' });
    dueIn(remit.tasks[0]).should.equal(8 * HOUR);
    // missing signature: not urgent, the normal due time
    const signature = byMap(3904)[0];
    signature.urgent.should.be.false();
    signature.title.should.equal(`Missing signature page from 15550300001 (fax ${sig.body.id})`);
    signature.values.should.containEql({ 3: false });
    dueIn(signature.tasks[0]).should.equal(48 * HOUR);

    // the unclassifiable fax: in the exception queue, no workflow
    const ex = childNamed(h.sb, FAX_EXCEPTIONS, `Fax ${news.body.id} - Newsletter.pdf`)!;
    should.exist(ex);
    ex.description.should.match(/^Unclassified fax from 15550500001 \(document type: Newsletter\)/);
    done.find((m) => m.payload.fax === String(news.body.id))!.payload.should.containEql({ exception: true, document: ex.id });
    childrenIn(h.sb, FAX_EXCEPTIONS).should.have.length(1);
  });

  it('a fax whose acknowledgement failed is not acknowledged; when it comes back, no second workflow starts', async () => {
    const fax = await injectFax(h.sb.url, { from: '15550300002', documentType: 'Missing signature page' });
    h.sb.sb.app.setFaults({ rules: [{ route: '^DELETE /mra/v1/inbound/documents/', kind: '500', probability: 1 }] });
    const d = await h.deploy(EXAMPLE);
    const errors = collect<Out>(d.node('fax5_errors'));
    const done = collect<Out>(d.node('fax5_done'));
    // what fax in sent, copied as it arrived (the flow changes the message as it goes)
    const received: Obj[] = [];
    d.node('fax5_meta').on('input', (m: Obj) => received.push({ ...JSON.parse(JSON.stringify({ ...m, payload: undefined })), payload: Buffer.from(m.payload as Buffer) }));
    d.trigger('fax5_poll');
    await until(() => errors.length === 1, 10000, 'the failed acknowledgement');
    errors[0].error!.code!.should.equal('OT_API');
    String(errors[0].payload).should.match(/Not acknowledged: it comes back after the hold/);
    processes().should.have.length(1);
    (await inbound(fax.body.id)).state.should.equal('held');

    // the same fax again (as fax in sends it after the hold), the service answering again
    h.sb.sb.app.setFaults({ rules: [] });
    received.should.have.length(1);
    d.trigger('fax5_meta', { ...received[0], _msgid: undefined, redelivery: true });
    await until(() => done.length === 1, 10000, 'the redelivered fax handled');
    (await inbound(fax.body.id)).state.should.equal('released');
    processes().should.have.length(1);
    done[0].payload.should.containEql({ process: processes()[0].id, map: 3904 });
    const sub = childNamed(h.sb, INBOUND_FAXES, 'Missing signature page')!;
    childrenIn(h.sb, sub.id).should.have.length(1);
    csNode(h.sb, childrenIn(h.sb, sub.id)[0].id).versions.should.have.length(1);
  });
});
