/**
 * Example FAX-1 "Inbound fax capture", deployed as shipped: inbound faxes are stored with their
 * Fax Metadata category in the case workspace (or Inbound Faxes without a case) and acknowledged;
 * a fax whose upload fails is not acknowledged and comes back after the hold, nothing lost.
 */
import should from 'should';
import { useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { faxState, injectFax, sleep, type Obj } from '../fax/support';
import { checkShape } from './FAX-support';
import { childNamed, childrenIn, csNode, stored } from '../xecm/cs-support';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-1 Inbound fax capture';
const CASE_1 = 26010; // workspace of CRM/CASE/CASE-2026-001
const CASE_2 = 26020; // CASE-2026-002
const INBOUND_FAXES = 2300;

interface Msg {
  payload: unknown;
  faxId?: string;
  redelivery?: boolean;
  error?: { code?: string; message?: string };
}

describe('example FAX-1 Inbound fax capture', function () {
  this.timeout(60000);
  const h = useExamples();

  const inbound = async (id: string) => (await faxState(h.sb.url)).inbound.find((f) => f.id === id) as Obj & { state: string; retrievals: number; document: { sha256: string } };

  it('ships as documented: a tab, the comment first, the shared connections, a Catch routing msg.error.code', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url);
    should(d.byName('error code', 'switch').property).equal('error.code');
  });

  it('stores a fax with a case id in the case workspace (Inbound) with its Fax Metadata, one without in Inbound Faxes, and acknowledges both', async () => {
    const a = await injectFax(h.sb.url, { from: '+1 555 222 3333', csid: 'ACME CLAIMS', department: 'claims', pages: 2, documentType: 'Referral', caseId: 'CASE-2026-001' });
    const b = await injectFax(h.sb.url, { from: '15550000009', text: 'no index values' });
    a.status.should.equal(201);
    const d = await h.deploy(EXAMPLE);
    const done = collect<Msg>(d.node('fax1_done'));
    d.trigger('fax1_poll');
    await until(async () => (await inbound(String(a.body.id))).state === 'released' && (await inbound(String(b.body.id))).state === 'released', 10000, 'both faxes acknowledged');

    // the case fax: in CASE-2026-001/Inbound, exact bytes, category values
    const folder = childNamed(h.sb, CASE_1, 'Inbound')!;
    const doc = childNamed(h.sb, folder.id, `Fax ${a.body.id} - Referral.pdf`);
    should.exist(doc);
    stored(h.sb, doc!.id).sha256.should.equal((a.body.document as Obj).sha256);
    const fa = await inbound(String(a.body.id));
    doc!.categories['9830'].should.eql({
      '9830_2': '15552223333',
      '9830_3': '18005550101',
      '9830_4': doc!.categories['9830']['9830_4'],
      '9830_5': 'Referral',
      '9830_6': 'CASE-2026-001',
      '9830_7': 2,
      '9830_8': 'claims',
    });
    // a date attribute keeps whole seconds
    new Date(String(doc!.categories['9830']['9830_4'])).getTime().should.equal(Math.floor(new Date(String(fa.received_time)).getTime() / 1000) * 1000);
    doc!.description.should.match(/^Fax from 15552223333 received /);

    // the fax without a case id: in Inbound Faxes, with what is known
    const other = childNamed(h.sb, INBOUND_FAXES, `Fax ${b.body.id} - Fax.pdf`);
    should.exist(other);
    other!.categories['9830'].should.containEql({ '9830_2': '15550000009', '9830_5': 'Fax', '9830_7': 1 });
    should.not.exist(other!.categories['9830']['9830_6']);

    // the inbound queue no longer holds them; the flow reported where each went
    (await faxState(h.sb.url)).inbound.every((f) => f.state === 'released').should.be.true();
    done.should.have.length(2);
    done.map((m) => (m as unknown as { upload: { action: string } }).upload.action).should.eql(['created', 'created']);
    // nothing else lands in the case workspace
    childrenIn(h.sb, folder.id).should.have.length(1);
  });

  it('an upload that fails (fault on the upload, unknown case) is not acknowledged; the fax comes back after the hold and is stored once', async () => {
    h.sb.sb.app.setFaults({ rules: [{ route: '^POST /otcs/cs\\.exe/api/v2/nodes$', kind: '500', probability: 1 }] });
    const ok = await injectFax(h.sb.url, { from: '15557654321', documentType: 'Prior authorization', caseId: 'CASE-2026-002' });
    const unknown = await injectFax(h.sb.url, { from: '15557654322', documentType: 'Claim', caseId: 'CASE-2099-999' });
    const d = await h.deploy(EXAMPLE);
    const notAcked = collect<Msg>(d.node('fax1_notacked'));
    const received = collect<Msg>(d.node('fax1_meta'));
    d.trigger('fax1_poll');
    await until(() => notAcked.length === 2, 10000, 'both failures reported');
    const t0 = Date.now();

    // Catch got both, with their codes: the injected 500 (OT_API) and the unknown case (OT_NOT_FOUND)
    const byFax = (id: unknown) => notAcked.find((m) => m.faxId === String(id))!;
    byFax(ok.body.id).error!.code!.should.equal('OT_API');
    String(byFax(ok.body.id).payload).should.match(/not acknowledged \(OT_API/);
    byFax(unknown.body.id).error!.code!.should.equal('OT_NOT_FOUND');
    String(byFax(unknown.body.id).payload).should.match(/its case is unknown/);
    // nothing stored, nothing acknowledged
    const folder = childNamed(h.sb, CASE_2, 'Inbound')!;
    childrenIn(h.sb, folder.id).should.have.length(0);
    (await inbound(String(ok.body.id))).state.should.equal('held');
    (await inbound(String(unknown.body.id))).state.should.equal('held');

    // Content Server is back; after the hold (20 s in the example) Cloud Fax hands both out again
    h.sb.sb.app.setFaults({ rules: [] });
    await sleep(Math.max(0, 20500 - (Date.now() - t0)));
    d.trigger('fax1_poll');
    await until(async () => (await inbound(String(ok.body.id))).state === 'released', 15000, 'the fax stored on its redelivery');
    await until(() => notAcked.length === 3, 5000, 'the unknown case reported again');

    const again = received.filter((m) => m.faxId === String(ok.body.id));
    again.map((m) => m.redelivery).should.eql([false, true]);
    const docs = childrenIn(h.sb, folder.id);
    docs.should.have.length(1);
    docs[0].name.should.equal(`Fax ${ok.body.id} - Prior authorization.pdf`);
    stored(h.sb, docs[0].id).sha256.should.equal((await inbound(String(ok.body.id))).document.sha256);
    csNode(h.sb, docs[0].id).versions.should.have.length(1);
    docs[0].categories['9830'].should.containEql({ '9830_5': 'Prior authorization', '9830_6': 'CASE-2026-002' });
    // the unknown case is still not acknowledged: it keeps coming back until someone handles it
    const u = await inbound(String(unknown.body.id));
    u.state.should.equal('held');
    u.retrievals.should.equal(2);
    notAcked[2].faxId!.should.equal(String(unknown.body.id));
    notAcked[2].redelivery!.should.be.true();
  });
});
