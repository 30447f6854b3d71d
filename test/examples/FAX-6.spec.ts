/**
 * Example FAX-6 "Fax records governance", deployed as shipped: received and sent faxes are stored
 * with their transmission (receipt) logs and both are declared as records with the FAX-400
 * classification and the RSI FAX-3Y; flagged ones carry the legal hold; a fax that comes back is
 * not declared twice; errors reach the Catch with their code.
 */
import should from 'should';
import { useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { faxState, injectFax, type Obj } from '../fax/support';
import { checkShape } from './FAX-support';
import { childNamed, childrenIn, csNode, stored } from '../xecm/cs-support';
import { rm } from '../../sandbox/areas/rm-state';
import { createNode } from '../../sandbox/areas/cs-core';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-6 Fax records governance';
const INBOUND_FAXES = 2300;
const FAX_CONFIRMATIONS = 2410;
const REFERRAL = 2401;
const FAX_RECORDS = 3004;
const LITIGATION = 5001;

interface Out {
  payload: Obj;
  faxId?: string;
  error?: { code?: string; message?: string };
}

describe('example FAX-6 Fax records governance', function () {
  this.timeout(30000);
  const h = useExamples();

  const record = (id: number) => rm(h.sb.sb.app).records.get(id);
  const holdsOf = (id: number) => (rm(h.sb.sb.app).nodeHolds.get(id) || []).map((x) => x.hold_id);
  const text = (id: number) => h.sb.sb.app.content.info(csNode(h.sb, id).versions[0].contentId)!.buffer!.toString('utf8');
  /** The fax and its log are records of FAX-400 with the RSI FAX-3Y and the received date. */
  const assertRecords = (ids: number[], receivedDay: string) => {
    for (const id of ids) {
      const r = record(id);
      should.exist(r, `node ${id} is a record`);
      r!.class_id.should.equal(FAX_RECORDS);
      r!.fields.rsi!.should.equal('FAX-3Y');
      String(r!.fields.received_date).slice(0, 10).should.equal(receivedDay);
    }
  };

  it('ships as documented (tab, comment, connections, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url);
    should(d.byName('error code', 'switch').property).equal('error.code');
  });

  it('received faxes: the fax and its receipt log are records with the RSI; the flagged one carries the legal hold; both are acknowledged', async () => {
    const flagged = await injectFax(h.sb.url, { from: '15550600001', csid: 'SMITH LAW', documentType: 'Court notice', metadata: { legal_hold: true } });
    const plain = await injectFax(h.sb.url, { from: '15550600002', documentType: 'Invoice' });
    const d = await h.deploy(EXAMPLE);
    const governed = collect<Out>(d.node('fax6_governed'));
    d.trigger('fax6_poll');
    await until(() => governed.length === 2, 15000, 'both faxes governed');
    for (const f of [flagged, plain]) (await faxState(h.sb.url)).inbound.find((x) => x.id === String(f.body.id))!.state!.should.equal('released');

    const day = String(flagged.body.received_time).slice(0, 10);
    for (const [fax, type, hold] of [
      [flagged, 'Court notice', true],
      [plain, 'Invoice', false],
    ] as const) {
      const doc = childNamed(h.sb, INBOUND_FAXES, `Fax ${fax.body.id} - ${type}.pdf`)!;
      const log = childNamed(h.sb, INBOUND_FAXES, `Fax ${fax.body.id} - receipt log.txt`)!;
      should.exist(doc);
      should.exist(log);
      stored(h.sb, doc.id).sha256.should.equal((fax.body.document as Obj).sha256);
      text(log.id).should.match(new RegExp(`From: +${fax.body.sender_fax}`)).and.match(/Received: +\d{4}-/);
      log.categories['9830'].should.containEql({ '9830_5': 'Receipt log' });
      assertRecords([doc.id, log.id], day);
      if (hold) {
        holdsOf(doc.id).should.eql([LITIGATION]);
        holdsOf(log.id).should.eql([LITIGATION]);
      } else {
        holdsOf(doc.id).should.eql([]);
        holdsOf(log.id).should.eql([]);
      }
      governed.find((m) => m.payload.fax === String(fax.body.id))!.payload.should.containEql({ document: doc.id, log: log.id, classification: FAX_RECORDS, rsi: 'FAX-3Y', hold: hold ? 'Litigation 2026' : null });
    }
    text(childNamed(h.sb, INBOUND_FAXES, `Fax ${flagged.body.id} - receipt log.txt`)!.id).should.match(/station id SMITH LAW/);
  });

  it('sent faxes: the sent copy and its transmission log are records with the RSI; the flagged one carries the legal hold', async () => {
    const d = await h.deploy(EXAMPLE);
    const governed = collect<Out>(d.node('fax6_governed'));
    d.trigger('fax6_flagged');
    d.trigger('fax6_plain');
    await until(() => governed.length === 2, 15000, 'both faxes governed');
    const jobs = (await faxState(h.sb.url)).jobs;
    jobs.should.have.length(2);
    for (const job of jobs) {
      const flagged = job.destinations[0].fax === '15551234567';
      const copy = childNamed(h.sb, FAX_CONFIRMATIONS, `Sent ${job.job_id} - Referral letter 7781.pdf`)!;
      const log = childNamed(h.sb, FAX_CONFIRMATIONS, `Sent ${job.job_id} - transmission log.txt`)!;
      should.exist(copy);
      should.exist(log);
      // the copy is exactly what was sent
      stored(h.sb, copy.id).sha256.should.equal(job.documents[0].sha256);
      stored(h.sb, copy.id).sha256.should.equal(stored(h.sb, REFERRAL).sha256);
      const t = text(log.id);
      t.should.match(new RegExp(`Job: +${job.job_id}`)).and.match(/State: +delivered \(Complete\)/);
      t.should.match(new RegExp(`To ${job.destinations[0].fax}.*: delivered, 1 page\\(s\\), delivered `));
      t.should.match(/attempt: \{/);
      copy.categories['9830'].should.containEql({ '9830_3': job.destinations[0].fax, '9830_5': 'Sent fax', '9830_7': 1 });
      const deliveries = job.status.deliveries as Array<{ delivery_attempts: Array<{ delivery_time: string }> }>;
      assertRecords([copy.id, log.id], deliveries[0].delivery_attempts[0].delivery_time.slice(0, 10));
      holdsOf(copy.id).should.eql(flagged ? [LITIGATION] : []);
      holdsOf(log.id).should.eql(flagged ? [LITIGATION] : []);
      governed.find((m) => m.payload.fax === job.job_id)!.payload.should.containEql({ document: copy.id, log: log.id, hold: flagged ? 'Litigation 2026' : null });
    }
    // the original stays where it is, no record
    should.not.exist(record(REFERRAL));
  });

  it('a fax that comes back (its acknowledgement failed) is not declared twice and is acknowledged', async () => {
    const fax = await injectFax(h.sb.url, { from: '15550600003', documentType: 'Contract', metadata: { legal_hold: 'Regulatory Inquiry' } });
    h.sb.sb.app.setFaults({ rules: [{ route: '^DELETE /mra/v1/inbound/documents/', kind: '500', probability: 1 }] });
    const d = await h.deploy(EXAMPLE);
    const errors = collect<Out>(d.node('fax6_errors'));
    const governed = collect<Out>(d.node('fax6_governed'));
    const received: Obj[] = [];
    d.node('fax6_meta').on('input', (m: Obj) => received.push({ ...JSON.parse(JSON.stringify({ ...m, payload: undefined })), payload: Buffer.from(m.payload as Buffer) }));
    d.trigger('fax6_poll');
    await until(() => errors.length === 1, 10000, 'the failed acknowledgement');
    errors[0].error!.code!.should.equal('OT_API');
    String(errors[0].payload).should.match(new RegExp(`^OT_API \\(fax ${fax.body.id}, not acknowledged\\): `));
    const doc = childNamed(h.sb, INBOUND_FAXES, `Fax ${fax.body.id} - Contract.pdf`)!;
    const log = childNamed(h.sb, INBOUND_FAXES, `Fax ${fax.body.id} - receipt log.txt`)!;
    assertRecords([doc.id, log.id], String(fax.body.received_time).slice(0, 10));
    const classifiedAt = record(doc.id)!.classified_at;

    // the redelivery: the same fax again
    h.sb.sb.app.setFaults({ rules: [] });
    d.trigger('fax6_meta', { ...received[0], _msgid: undefined, redelivery: true });
    await until(() => governed.length === 1, 10000, 'the redelivered fax governed');
    errors.should.have.length(1);
    (await faxState(h.sb.url)).inbound[0].state!.should.equal('released');
    childrenIn(h.sb, INBOUND_FAXES).filter((n) => n.name.startsWith(`Fax ${fax.body.id} `)).should.have.length(2);
    record(doc.id)!.classified_at.should.equal(classifiedAt);
    holdsOf(doc.id).should.eql([5003]);
    holdsOf(log.id).should.eql([5003]);
  });

  it('errors reach the Catch with their code: an unknown hold (OT_NOT_FOUND), a classification refused by the records policy (OT_POLICY)', async () => {
    const d = await h.deploy(EXAMPLE);
    const errors = collect<Out>(d.node('fax6_errors'));
    d.trigger('fax6_download', { nodeId: REFERRAL, faxNumber: '+1 555 123 4567', legalHold: 'No Such Hold' });
    await until(() => errors.length === 1, 15000, 'the unknown hold');
    errors[0].error!.code!.should.equal('OT_NOT_FOUND');
    String(errors[0].payload).should.match(/^Not governed \(job xsi-\d+\): /);
    // the records were declared all the same; only the hold is missing
    const copy = childrenIn(h.sb, FAX_CONFIRMATIONS).find((n) => n.name.endsWith('Referral letter 7781.pdf'))!;
    should.exist(record(copy.id));
    holdsOf(copy.id).should.eql([]);

    // a document in a folder the classification does not allow (Declaration Requests): the records policy refuses it
    const elsewhere = createNode(h.sb.sb.app, { parent_id: 2100, name: 'Fax elsewhere.pdf', type: 144, userId: 1000 }).id;
    d.trigger('fax6_both', { nodeId: elsewhere, faxDocId: elsewhere, faxJobId: 'xsi-test', receivedDate: '2026-01-02', subject: 'x', legalHold: '' });
    await until(() => errors.length >= 2, 10000, 'the policy refusal');
    errors[1].error!.code!.should.equal('OT_POLICY');
    String(errors[1].payload).should.match(/^Not declared \(job xsi-test\): .*not allowed in this location/);
    should.not.exist(record(elsewhere));
  });
});
