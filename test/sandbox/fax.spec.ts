/**
 * Sandbox: Cloud Fax (/mra/v1). Outbound submit and status over the simulated clock, the strict
 * rejections of the real service, X-MRA-SubmitId, status webhooks, and the inbound queue with
 * hold, expiry and release. These requests are the test's own (many deliberately wrong), not node
 * traffic, so this sandbox does not record.
 */
import crypto from 'crypto';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';
import { inspectPdf } from '../../sandbox/pdf';
import { call, webhookReceiver, type Obj, type Res } from './mra-support';


const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n2 0 obj << /Type /Page >> endobj\n%%EOF\n');
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');


const faxBody = (over: Obj = {}): Obj => ({
  destinations: [{ fax: '15551234567', ref: 'letter-1' }],
  documents: [{ name: 'letter.pdf', type: 'PDF', data: PDF.toString('base64') }],
  ...over,
});

function errorOf(r: Res): { code: number; message: string } {
  return r.body.error as { code: number; message: string };
}

describe('sandbox: Cloud Fax outbound', () => {
  const h = useSandbox({ record: false });
  const mra = () => `${h.url}/mra/v1`;
  const advance = (ms: number) => call('POST', `${h.url}/_sandbox/clock`, { body: { advance: ms }, auth: null });
  const state = async () => (await call('GET', `${h.url}/_sandbox/state/fax`, { auth: null })).body as { jobs: Array<Obj & { documents: Obj[]; status: Obj; submits: number }>; inbound: Obj[] };

  it('accepts a JSON fax, answers a job id and stores the exact document bytes', async () => {
    const r = await call('POST', `${mra()}/outbound/faxes`, {
      body: faxBody({ options: { billing_code: 'B-7', customer_reference: 'CR 42', coversheet: { enabled: true, name: 'legal', from: 'Legal', subject: 'Contract' } } }),
      headers: { 'X-MRA-SubmitId': 'sub-1' },
    });
    r.status.should.equal(200);
    r.body.should.eql({ job_id: 'xsi-1000001' });
    const s = await state();
    s.jobs.should.have.length(1);
    const job = s.jobs[0];
    job.submitId!.should.equal('sub-1');
    job.documents[0].should.containEql({ name: 'letter.pdf', type: 'PDF', size: PDF.length, sha256: sha(PDF), pages: 1 });
    job.pages!.should.equal(2); // one page plus the cover sheet
    job.coversheet!.should.eql({ enabled: true, name: 'legal', from: 'Legal', subject: 'Contract' });
  });

  it('reports the status as the delivery progresses over the simulated clock', async () => {
    const { body } = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody({ options: { billing_code: 'B-7', customer_reference: 'CR 42' } }) });
    const first = await call('GET', `${mra()}/outbound/faxes/status?job_id=${body.job_id}`);
    first.status.should.equal(200);
    first.body.job_state!.should.eql(['Submitted']);
    first.body.billing_code_base64!.should.equal(Buffer.from('B-7').toString('base64'));
    first.body.customer_reference_base64!.should.equal(Buffer.from('CR 42').toString('base64'));
    String(first.body.entry_time).should.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const d0 = (first.body.deliveries as Obj[])[0];
    d0.fax!.should.equal('15551234567');
    d0.ref_base64!.should.equal(Buffer.from('letter-1').toString('base64'));
    (d0.delivery_attempts as Obj[]).should.eql([{ state: 'Pending', gamma_code: 0 }]);
    await advance(500);
    const mid = await call('GET', `${mra()}/outbound/faxes/status/?job_id=${body.job_id}`);
    mid.body.job_state!.should.eql(['InProcess']);
    ((mid.body.deliveries as Obj[])[0].delivery_attempts as Obj[])[0].state!.should.equal('InProcess');
    await advance(2000);
    const done = await call('GET', `${mra()}/outbound/faxes/status?job_id=${body.job_id}`);
    done.body.job_state!.should.eql(['Complete']);
    const a = ((done.body.deliveries as Obj[])[0].delivery_attempts as Obj[])[0];
    a.should.containEql({ state: 'Sent', gamma_code: 0, pages_delivered: 1, baud_rate: 14400, rcsid: 'ACME LEGAL', delivery_sec: 1 });
    should.exist(a.first_attempt);
    should.exist(a.delivery_time);
  });

  it('also finishes by real time (short delivery duration)', async function () {
    this.timeout(8000);
    const { body } = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody() });
    await until(async () => ((await call('GET', `${mra()}/outbound/faxes/status?job_id=${body.job_id}`)).body.job_state as string[])[0] === 'Complete', 5000, 'job complete');
  });

  it('retries a busy number, then gives up with the busy gamma code; a failing number fails at once', async () => {
    const { body } = await call('POST', `${mra()}/outbound/faxes`, {
      body: faxBody({ destinations: [{ fax: '15555550100', ref: 'busy' }, { fax: '15555550199', ref: 'bad' }, { fax: '15555550101', ref: 'once' }] }),
    });
    await advance(1300);
    let s = await call('GET', `${mra()}/outbound/faxes/status?job_id=${body.job_id}`);
    s.body.job_state!.should.eql(['InProcess']);
    let [busy, bad, once] = s.body.deliveries as Array<{ delivery_attempts: Obj[] }>;
    busy.delivery_attempts.map((a) => a.state).should.eql(['Error', 'Pending']);
    busy.delivery_attempts[0].gamma_code!.should.equal(2001);
    bad.delivery_attempts.map((a) => a.state).should.eql(['Error']);
    bad.delivery_attempts[0].should.containEql({ gamma_code: 2004, pages_delivered: 0 });
    once.delivery_attempts.map((a) => a.state).should.eql(['Error', 'Pending']);
    await advance(10000);
    s = await call('GET', `${mra()}/outbound/faxes/status?job_id=${body.job_id}`);
    s.body.job_state!.should.eql(['Complete']);
    [busy, bad, once] = s.body.deliveries as Array<{ delivery_attempts: Obj[] }>;
    busy.delivery_attempts.map((a) => a.state).should.eql(['Error', 'Error', 'Error']);
    once.delivery_attempts.map((a) => a.state).should.eql(['Error', 'Sent']);
  });

  it('posts the final status to the "fax" webhook once', async () => {
    const { got, server } = await webhookReceiver();
    try {
      const port = server.port;
      (await call('POST', `${h.url}/_sandbox/webhooks`, { body: { fax: `http://127.0.0.1:${port}/fax-status` }, auth: null })).status.should.equal(200);
      const { body } = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody() });
      await advance(5000);
      await until(() => got.length > 0, 3000, 'webhook');
      await new Promise((r) => setTimeout(r, 300));
      got.should.have.length(1);
      got[0].job_id!.should.equal(body.job_id);
      got[0].job_state!.should.eql(['Complete', 'Posted']);
      ((got[0].deliveries as Obj[])[0].delivery_attempts as Obj[])[0].state!.should.equal('Sent');
      const s = await call('GET', `${mra()}/outbound/faxes/status?job_id=${body.job_id}`);
      s.body.should.eql(got[0]);
    } finally {
      await call('POST', `${h.url}/_sandbox/webhooks`, { body: { fax: null }, auth: null });
      await server.close();
    }
  });

  it('never makes a second fax for the same X-MRA-SubmitId of the same account', async () => {
    const a = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody(), headers: { 'X-MRA-SubmitId': 'msg-1' } });
    const b = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody(), headers: { 'X-MRA-SubmitId': 'msg-1' } });
    b.status.should.equal(200);
    b.body.job_id!.should.equal(a.body.job_id);
    const c = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody(), headers: { 'X-MRA-SubmitId': 'msg-2' } });
    c.body.job_id!.should.not.equal(a.body.job_id);
    const d = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody() });
    d.body.job_id!.should.not.equal(c.body.job_id);
    const s = await state();
    s.jobs.map((j) => j.submits).should.eql([2, 1, 1]);

    // another account (an OCP tenant token) with the same submit id gets its own job, and cannot read ours
    const tok = await fetch(`${h.url}/tenants/t1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from('messaging-tenant:sandbox-messaging-secret').toString('base64') },
      body: 'grant_type=client_credentials',
    });
    tok.status.should.equal(200);
    const bearer = `Bearer ${((await tok.json()) as { access_token: string }).access_token}`;
    const e = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody(), headers: { 'X-MRA-SubmitId': 'msg-1' }, auth: bearer });
    e.status.should.equal(200);
    e.body.job_id!.should.not.equal(a.body.job_id);
    (await call('GET', `${mra()}/outbound/faxes/status?job_id=${a.body.job_id}`, { auth: bearer })).status.should.equal(404);
  });

  describe('strict rejections', () => {
    it('401 without or with wrong credentials', async () => {
      const none = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody(), auth: null });
      none.status.should.equal(401);
      errorOf(none).code.should.equal(401);
      const wrong = await call('GET', `${mra()}/outbound/faxes/status?job_id=xsi-1`, { auth: 'Basic ' + Buffer.from('sandbox-fax:nope').toString('base64') });
      wrong.status.should.equal(401);
      (await call('GET', `${mra()}/inbound/documents/next`, { auth: null })).status.should.equal(401);
      (await call('DELETE', `${mra()}/inbound/documents/7000001`, { auth: null })).status.should.equal(401);
      (await state()).jobs.should.have.length(0);
    });

    it('415 for anything but JSON, 400 for a body that is not a JSON object', async () => {
      const form = await call('POST', `${mra()}/outbound/faxes`, { raw: 'destinations=15551234567', type: 'application/x-www-form-urlencoded' });
      form.status.should.equal(415);
      errorOf(form).message.should.match(/application\/json/);
      (await call('POST', `${mra()}/outbound/faxes`, { raw: '{"destinations": [', type: 'application/json' })).status.should.equal(400);
      (await call('POST', `${mra()}/outbound/faxes`, { body: [faxBody()] })).status.should.equal(400);
    });

    const cases: Array<[string, Obj, RegExp]> = [
      ['missing destinations', { destinations: undefined }, /destinations is required/],
      ['empty destinations', { destinations: [] }, /destinations must be a non-empty array/],
      ['a destination without fax', { destinations: [{ ref: 'x' }] }, /destinations\[0\]\.fax is required/],
      ['a formatted number', { destinations: [{ fax: '+1 555 123-4567' }] }, /not a valid fax number/],
      ['a too short number', { destinations: [{ fax: '12345' }] }, /not a valid fax number/],
      ['missing documents', { documents: undefined }, /documents is required/],
      ['empty documents', { documents: [] }, /documents must be a non-empty array/],
      ['a document without name', { documents: [{ type: 'text', data: 'SGk=' }] }, /documents\[0\]\.name is required/],
      ['an unknown document type', { documents: [{ name: 'a.xyz', type: 'XYZ', data: 'SGk=' }] }, /not a supported document type/],
      ['bad base64', { documents: [{ name: 'a.txt', type: 'text', data: 'not base64!' }] }, /not valid base64/],
      ['an empty document', { documents: [{ name: 'a.txt', type: 'text', data: '' }] }, /is empty/],
      ['a PDF that is not one', { documents: [{ name: 'a.pdf', type: 'PDF', data: Buffer.from('hello').toString('base64') }] }, /cannot be read as PDF/],
      ['an unknown cover sheet', { options: { coversheet: { enabled: true, name: 'nope' } } }, /not a coversheet template/],
      ['options that are not an object', { options: 'x' }, /options must be an object/],
    ];
    for (const [what, over, re] of cases) {
      it(`400 for ${what}`, async () => {
        const r = await call('POST', `${mra()}/outbound/faxes`, { body: faxBody(over) });
        r.status.should.equal(400);
        errorOf(r).code.should.equal(400);
        errorOf(r).message.should.match(re);
        (await state()).jobs.should.have.length(0);
      });
    }

    it('400 without job_id and 404 for an unknown job', async () => {
      const a = await call('GET', `${mra()}/outbound/faxes/status`);
      a.status.should.equal(400);
      errorOf(a).message.should.match(/job_id is required/);
      const b = await call('GET', `${mra()}/outbound/faxes/status?job_id=xsi-999`);
      b.status.should.equal(404);
      errorOf(b).should.eql({ code: 404, message: 'Job xsi-999 not found' });
    });
  });
});

describe('sandbox: Cloud Fax inbound queue', () => {
  const h = useSandbox({ record: false });
  const mra = () => `${h.url}/mra/v1`;
  const advance = (ms: number) => call('POST', `${h.url}/_sandbox/clock`, { body: { advance: ms }, auth: null });
  const inject = (b: Obj) => call('POST', `${h.url}/_sandbox/inbound-fax`, { body: b, auth: null });
  const queue = async () => (await call('GET', `${h.url}/_sandbox/state/fax`, { auth: null })).body.inbound as Obj[];

  it('answers 204 when nothing waits', async () => {
    const r = await call('GET', `${mra()}/inbound/documents/next`);
    r.status.should.equal(204);
    r.text.should.equal('');
  });

  it('injects a fax for a department and hands it out held; it comes back after its hold, not before', async () => {
    const inj = await inject({ from: '+1 (555) 222-3333', csid: 'ACME CLAIMS', department: 'claims', pages: 2, documentType: 'claim form', caseId: 'C-1001', text: 'Claim attached' });
    inj.status.should.equal(201);
    inj.body.should.containEql({ id: '7000001', receiving_fax: '18005550101', department: 'claims', sender_fax: '15552223333', state: 'available', pages: 2 });
    const r = await call('GET', `${mra()}/inbound/documents/next?hold_sec=60`);
    r.status.should.equal(200);
    r.body.should.containEql({ id: '7000001', job_id: 'xdds-7000001', sender_fax: '15552223333', sender_csid: 'ACME CLAIMS', receiving_fax: '18005550101', pages: 2, hold_sec: 60, retrieval_count: 1, domain: 'XDDS' });
    r.body.metadata!.should.eql({ document_type: 'claim form', case_id: 'C-1001', department: 'claims' });
    const doc = r.body.document as { name: string; type: string; data: string; size: number };
    doc.name.should.equal('fax-7000001.pdf');
    doc.type.should.equal('PDF');
    const bytes = Buffer.from(doc.data, 'base64');
    bytes.subarray(0, 5).toString().should.equal('%PDF-');
    const pdf = inspectPdf(bytes);
    pdf.errors.should.eql([]);
    pdf.ok.should.be.true();
    pdf.pages.should.equal(2);
    pdf.lines.should.containEql('Case: C-1001');
    pdf.lines.should.containEql('Page 2 of 2');
    doc.size.should.equal(bytes.length);
    const q = await queue();
    q[0].state!.should.equal('held');
    ((q[0].document as Obj).sha256 as string).should.equal(sha(bytes));

    (await call('GET', `${mra()}/inbound/documents/next?hold_sec=60`)).status.should.equal(204);
    await advance(59000);
    (await call('GET', `${mra()}/inbound/documents/next?hold_sec=60`)).status.should.equal(204);
    await advance(2000);
    const again = await call('GET', `${mra()}/inbound/documents/next?hold_sec=60`);
    again.status.should.equal(200);
    again.body.id!.should.equal('7000001');
    again.body.retrieval_count!.should.equal(2);
  });

  it('holds for 900 s by default and hands out the oldest fax first', async () => {
    await inject({ from: '15550000001' });
    await inject({ from: '15550000002' });
    const a = await call('GET', `${mra()}/inbound/documents/next`);
    a.body.id!.should.equal('7000001');
    a.body.hold_sec!.should.equal(900);
    const b = await call('GET', `${mra()}/inbound/documents/next`);
    b.body.id!.should.equal('7000002');
    await advance(899000);
    (await call('GET', `${mra()}/inbound/documents/next`)).status.should.equal(204);
    await advance(2000);
    (await call('GET', `${mra()}/inbound/documents/next`)).body.id!.should.equal('7000001');
  });

  it('a released fax never comes back; releasing again or an unknown id is a 404', async () => {
    await inject({ from: '15550000001' });
    const a = await call('GET', `${mra()}/inbound/documents/next?hold_sec=5`);
    const del = await call('DELETE', `${mra()}/inbound/documents/${a.body.id}`);
    del.status.should.equal(204);
    await advance(3600000);
    (await call('GET', `${mra()}/inbound/documents/next?hold_sec=5`)).status.should.equal(204);
    const twice = await call('DELETE', `${mra()}/inbound/documents/${a.body.id}`);
    twice.status.should.equal(404);
    errorOf(twice).message.should.match(/already deleted/);
    const unknown = await call('DELETE', `${mra()}/inbound/documents/123`);
    unknown.status.should.equal(404);
    errorOf(unknown).should.eql({ code: 404, message: 'Document 123 not found' });
    (await queue())[0].state!.should.equal('released');
  });

  it('rejects hold_sec outside 5..3600 and a customer flag that is not a boolean', async () => {
    for (const v of ['4', '3601', 'abc', '10.5']) {
      const r = await call('GET', `${mra()}/inbound/documents/next?hold_sec=${v}`);
      r.status.should.equal(400);
      errorOf(r).message.should.match(/hold_sec must be a whole number from 5 to 3600/);
    }
    (await call('GET', `${mra()}/inbound/documents/next?customer=maybe`)).status.should.equal(400);
    (await call('GET', `${mra()}/inbound/documents/next?hold_sec=5&customer=true`)).status.should.equal(204);
  });

  it('filters by domain and group number', async () => {
    await inject({ from: '15550000001', department: 'hr' });
    (await call('GET', `${mra()}/inbound/documents/next?domain=OTHER`)).status.should.equal(204);
    (await call('GET', `${mra()}/inbound/documents/next?group_no=100`)).status.should.equal(204);
    (await call('GET', `${mra()}/inbound/documents/next?group_no=200&domain=xdds`)).status.should.equal(200);
  });

  it('keeps injected bytes exactly, makes TIFF faxes, and posts the inboundFax webhook', async () => {
    const { got, server } = await webhookReceiver();
    try {
      await call('POST', `${h.url}/_sandbox/webhooks`, { body: { inboundFax: `http://127.0.0.1:${server.port}/in` }, auth: null });
      const content = crypto.randomBytes(300);
      const own = await inject({ from: '15550000001', to: '18005550104', content: content.toString('base64'), name: 'scan.bin', pages: 3 });
      own.status.should.equal(201);
      await inject({ from: '15550000002', format: 'TIFF', pages: 3 });
      const a = await call('GET', `${mra()}/inbound/documents/next`);
      Buffer.from((a.body.document as { data: string }).data, 'base64').equals(content).should.be.true();
      a.body.receiving_fax!.should.equal('18005550104');
      const b = await call('GET', `${mra()}/inbound/documents/next`);
      const tiff = Buffer.from((b.body.document as { data: string }).data, 'base64');
      tiff.subarray(0, 4).toString('latin1').should.equal('II*\u0000');
      b.body.pages!.should.equal(3);
      (b.body.document as { name: string }).name.should.match(/\.tif$/);
      await until(() => got.length === 2, 3000, 'two webhook posts');
      got[0].should.containEql({ event: 'inbound_fax', id: '7000001', receiving_fax: '18005550104', sender_fax: '15550000001' });
      should.exist(got[0].received_time);
    } finally {
      await call('POST', `${h.url}/_sandbox/webhooks`, { body: { inboundFax: null }, auth: null });
      await server.close();
    }
  });

  it('rejects an injection for an unknown department or with a bad number', async () => {
    (await inject({ department: 'nowhere' })).status.should.equal(400);
    (await inject({ from: 'abc' })).status.should.equal(400);
    (await queue()).should.have.length(0);
  });
});
