/**
 * Sandbox: the Exstream area over real HTTP — orchestration generate (PDF and JSON answers, several
 * outputs, XML drivers, segments, failures), named on-demand and batch inputs, Empower fulfilment,
 * version, the design listings, the 16.x service gateway, delivery-exception events, and the strict
 * rejections of the real services.
 */
import http from 'http';
import { AddressInfo } from 'net';
import 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';
import { inspectPdf } from '../../sandbox/pdf';

type Obj = Record<string, unknown>;

const STATEMENT = '1a9024ab-d875-45ff-99fa-2db39bc27879';
const REMINDER = 'fd6a4d72-d90e-45e6-873b-8d3eeba026aa';
const POLICY = '9575d752-abf9-44e5-b8a0-ed816919be2f';
const STATEMENT_SET = 'bf969377-aa95-4fa0-aeae-879ae5cde05f';
const GEN = (url: string, domain = 'sandbox') => `${url}/orchestration/api/v1/inputs/ondemand/${domain}/generate`;

async function token(url: string): Promise<string> {
  const r = await fetch(`${url}/otdsws/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=exstream-service&client_secret=sandbox-exstream-secret',
  });
  r.status.should.equal(200);
  return String(((await r.json()) as Obj).access_token);
}

async function ticket(url: string): Promise<string> {
  const r = await fetch(`${url}/otdstenant/sandbox/otdsws/rest/authentication/credentials`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'exstream', password: 'sandbox-exstream' }) });
  r.status.should.equal(200);
  return String(((await r.json()) as Obj).ticket);
}

interface Answer {
  status: number;
  type: string;
  headers: Headers;
  bytes: Buffer;
  body: Obj;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const r = await fetch(url, init);
  const bytes = Buffer.from(await r.arrayBuffer());
  let body: Obj = {};
  try {
    body = JSON.parse(bytes.toString('utf8')) as Obj;
  } catch {
    /* not JSON */
  }
  return { status: r.status, type: r.headers.get('content-type') || '', headers: r.headers, bytes, body };
}

function gen(url: string, tok: string, driver: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): Promise<Answer> {
  return call(GEN(url), {
    method: 'POST',
    headers: { authorization: `Bearer ${tok}`, communicationId: STATEMENT, driverDataSource: 'StatementDriver', 'content-type': contentType, ...headers },
    body: typeof driver === 'string' ? driver : JSON.stringify(driver),
  });
}

type Output = { content: string; mimeType: string; engineOutputContext: { queueName: string; fileName: string; customerNumber: string | null } };

describe('sandbox: Exstream orchestration generate', () => {
  const h = useSandbox();
  let tok = '';
  beforeEach(async () => {
    tok = await token(h.url);
  });

  it('answers Accept: application/pdf with a valid PDF that shows the communication and the driver data', async () => {
    const r = await gen(h.url, tok, { customerNumber: 'C-1001', name: 'Ada Lovelace', balance: { amount: 120.5, currency: 'EUR' } }, { accept: 'application/pdf', 'x-correlation-id': 'corr-42' });
    r.status.should.equal(200);
    r.type.should.equal('application/pdf');
    r.bytes.subarray(0, 5).toString().should.equal('%PDF-');
    r.bytes.subarray(-6).toString().should.match(/%%EOF\n?$/);
    const pdf = inspectPdf(r.bytes);
    pdf.errors.should.eql([]);
    pdf.ok.should.be.true();
    pdf.version!.should.equal('1.4');
    pdf.title!.should.equal('Customer Statement');
    pdf.lines.should.containEql('Customer: C-1001');
    pdf.lines.should.containEql('name: Ada Lovelace');
    pdf.lines.should.containEql('balance.amount: 120.5');
    pdf.lines.should.containEql('Correlation id: corr-42');
    pdf.lines.join('\n').should.match(/Communication: Customer Statement \(version 3\)/);
    const state = (await call(`${h.url}/_sandbox/state/exstream`, {})).body as { documents: Obj[] };
    state.documents.should.have.length(1);
    state.documents[0].should.containDeep({ communication: 'Customer Statement', communicationId: STATEMENT, input: 'generate', customerNumber: 'C-1001', correlationId: 'corr-42', size: r.bytes.length, mimeType: 'application/pdf', fileName: 'statement-C-1001.pdf' });
    String(state.documents[0].driverSummary).should.containEql('name=Ada Lovelace');
    // the bytes are kept for the sandbox page
    const kept = await call(`${h.url}/_sandbox/exstream/documents/${state.documents[0].id}`, {});
    kept.bytes.equals(r.bytes).should.be.true();
  });

  it('answers JSON with {status, data:[{content (base64), mimeType, engineOutputContext}]}', async () => {
    for (const accept of ['application/json', '*/*']) {
      const r = await gen(h.url, tok, { customerNumber: 'C-2002', city: 'Zürich – Nord' }, { accept });
      r.status.should.equal(200);
      r.type.should.startWith('application/json');
      r.body.status!.should.equal('success');
      const data = r.body.data as Output[];
      data.should.have.length(1);
      data[0].mimeType.should.equal('application/pdf');
      data[0].engineOutputContext.should.eql({ queueName: 'PDF_Statement', fileName: 'statement-C-2002.pdf', customerNumber: 'C-2002' });
      const pdf = inspectPdf(Buffer.from(data[0].content, 'base64'));
      pdf.ok.should.be.true();
      pdf.lines.should.containEql('city: Zürich – Nord');
    }
  });

  it('returns several outputs when the communication defines several (letter and summary)', async () => {
    const r = await gen(h.url, tok, { customerNumber: 'P-77', policyNumber: 'POL-1', change: 'premium' }, { communicationId: POLICY, driverDataSource: 'PolicyDriver' });
    r.status.should.equal(200);
    const data = r.body.data as Output[];
    data.map((d) => d.engineOutputContext.queueName).should.eql(['PDF_Policy', 'PDF_Summary']);
    data.map((d) => inspectPdf(Buffer.from(d.content, 'base64')).title).should.eql(['Policy Change Notice', 'Summary of Changes']);
    // PDF only: the first PDF output
    const pdf = await gen(h.url, tok, { customerNumber: 'P-77' }, { communicationId: POLICY, driverDataSource: 'PolicyDriver', accept: 'application/pdf' });
    inspectPdf(pdf.bytes).title!.should.equal('Policy Change Notice');
  });

  it('reads XML drivers (application/xml and text/xml) and an array of customers', async () => {
    const xml = '<?xml version="1.0"?><statement><customerNumber>X-1</customerNumber><name a="1">Grace &amp; Co</name><lines><line>one</line><line>two</line></lines></statement>';
    for (const ct of ['application/xml', 'text/xml; charset=utf-8']) {
      const r = await gen(h.url, tok, xml, { accept: 'application/pdf' }, ct);
      r.status.should.equal(200);
      const pdf = inspectPdf(r.bytes);
      pdf.lines.should.containEql('statement.customerNumber: X-1');
      pdf.lines.should.containEql('statement.name.@a: 1');
      pdf.lines.should.containEql('statement.name.#text: Grace & Co');
      pdf.lines.should.containEql('statement.lines.line[1]: two');
    }
    const many = await gen(h.url, tok, [{ customerNumber: 'A' }, { customerNumber: 'B' }]);
    (many.body.data as Output[]).map((d) => d.engineOutputContext.customerNumber).should.eql(['A', 'B']);
  });

  it('writes the Payment Reminder letter of the segment and fails without a valid segment', async () => {
    const titles: string[] = [];
    for (const segment of ['due-soon', 'overdue', 'final-demand']) {
      const r = await gen(h.url, tok, { customerNumber: 'R-1', segment, amount: '99.00' }, { communicationId: REMINDER, driverDataSource: 'ReminderDriver', accept: 'application/pdf' });
      r.status.should.equal(200);
      titles.push(inspectPdf(r.bytes).title!);
    }
    titles.should.eql(['Payment Reminder - payment due soon', 'Overdue Notice - your payment is overdue', 'Final Demand - immediate payment required']);
    const bad = await gen(h.url, tok, { customerNumber: 'R-2', segment: 'later' }, { communicationId: REMINDER, driverDataSource: 'ReminderDriver' });
    bad.status.should.equal(500);
    bad.body.status!.should.equal('error');
    ((bad.body.data as Obj[])[0].errorMessage as string).should.match(/unknown segment 'later' \(one of due-soon, overdue, final-demand\)/);
  });

  it('fails the generation for a failing customer with the orchestration error shape and stores nothing', async () => {
    const r = await gen(h.url, tok, [{ customerNumber: 'OK-1' }, { customerNumber: 'CUST-FAIL-001' }]);
    r.status.should.equal(500);
    r.body.should.eql({
      status: 'error',
      data: [
        {
          errorMessage: 'Engine run failed: the driver record for customer CUST-FAIL-001 could not be composed (simulated failure)',
          statusCode: '500',
          engineOutputContext: { queueName: 'PDF_Statement', fileName: '', customerNumber: 'CUST-FAIL-001' },
        },
      ],
    });
    const flagged = await gen(h.url, tok, { customerNumber: 'OK-2', simulateFailure: 'Address validation failed' });
    ((flagged.body.data as Obj[])[0].errorMessage as string).should.equal('Address validation failed');
    const bool = await gen(h.url, tok, { customerNumber: 'OK-3', simulateFailure: true });
    ((bool.body.data as Obj[])[0].errorMessage as string).should.match(/customer OK-3/);
    const state = (await call(`${h.url}/_sandbox/state/exstream`, {})).body as { documents: Obj[]; failures: Obj[] };
    state.documents.should.have.length(0);
    state.failures.map((f) => f.customerNumber).should.eql(['CUST-FAIL-001', 'OK-2', 'OK-3']);
  });

  it('records the delivery channel the driver data asks for (EX-6) and shows it in the document', async () => {
    const r = await gen(h.url, tok, { customerNumber: 'CH-1', preferredChannel: 'email' }, { communicationId: '2a3c7370-2a6c-4e2b-b443-ea653cb52ecb', driverDataSource: 'ReissueDriver', accept: 'application/pdf' });
    r.status.should.equal(200);
    inspectPdf(r.bytes).lines.should.containEql('Channel: email');
    ((await call(`${h.url}/_sandbox/state/exstream`, {})).body.documents as Obj[])[0].should.containDeep({ communication: 'Reissue', channel: 'email', customerNumber: 'CH-1' });
  });

  it('runs a named on-demand input service bound to a communication', async () => {
    const r = await call(`${h.url}/orchestration/api/v1/inputs/ondemand/sandbox/CustomerStatementOnDemand`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json', accept: 'application/pdf' },
      body: JSON.stringify({ customerNumber: 'N-5' }),
    });
    r.status.should.equal(200);
    r.type.should.equal('application/pdf');
    inspectPdf(r.bytes).lines.should.containEql('Customer: N-5');
    ((await call(`${h.url}/_sandbox/state/exstream`, {})).body.documents as Obj[])[0].should.containDeep({ input: 'ondemand', inputServiceName: 'CustomerStatementOnDemand' });
  });

  it('accepts a batch, answers {data:[{jobId,id}]} and keeps the job with its documents and failures', async () => {
    const r = await call(`${h.url}/orchestration/api/v1/inputs/batch/sandbox/CustomerStatementBatch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customers: [{ customerNumber: 'B-1' }, { customerNumber: 'CUST-FAIL-001' }, { customerNumber: 'B-3' }] }),
    });
    r.status.should.equal(200);
    const job = (r.body.data as Array<{ jobId: string; id: string }>)[0];
    job.jobId.should.match(/^[0-9a-f-]{36}$/);
    job.id.should.match(/^[0-9a-f-]{36}$/);
    const j = await call(`${h.url}/_sandbox/exstream/jobs/${job.jobId}`, {});
    j.body.should.containDeep({ jobId: job.jobId, status: 'COMPLETED_WITH_ERRORS', records: 3, communication: 'Customer Statement', failures: [{ customerNumber: 'CUST-FAIL-001' }] });
    (j.body.documents as string[]).should.have.length(2);
    const state = (await call(`${h.url}/_sandbox/state/exstream`, {})).body as { documents: Obj[]; jobs: Obj[] };
    state.documents.map((d) => d.customerNumber).should.eql(['B-1', 'B-3']);
    state.documents.every((d) => d.jobId === job.jobId).should.be.true();
    // XML batch: one record per repeated element
    const x = await call(`${h.url}/orchestration/api/v1/inputs/batch/sandbox/PaymentReminderBatch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/xml' },
      body: '<accounts><account><customerNumber>X1</customerNumber><segment>overdue</segment></account><account><customerNumber>X2</customerNumber><segment>due-soon</segment></account></accounts>',
    });
    x.status.should.equal(200);
    const xj = await call(`${h.url}/_sandbox/exstream/jobs/${(x.body.data as Array<{ jobId: string }>)[0].jobId}`, {});
    xj.body.should.containDeep({ status: 'COMPLETED', records: 2 });
  });

  it('generates Empower documents (document id only) and fulfils them', async () => {
    const e = await gen(h.url, tok, { customerNumber: 'E-1' }, { empowerUser: 'svc@OAuthClients', accept: 'application/json' });
    e.status.should.equal(200);
    e.type.should.equal('application/json');
    const documentId = String(e.body.documentId);
    documentId.should.match(/^[0-9a-f-]{36}$/);
    const full = await gen(h.url, tok, { customerNumber: 'E-2' }, { empowerUser: 'svc@OAuthClients' });
    (full.body.data as Output[])[0].mimeType.should.equal('application/vnd.exstream-empower');
    const fulfil = (preserve: string) =>
      call(`${h.url}/orchestration/api/v1/inputs/fulfillment/ondemand/sandbox/fulfill`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}`, communicationId: STATEMENT, driverDataSource: 'StatementDriver', preserveDocuments: preserve, accept: 'application/pdf', 'content-type': 'application/json' },
        body: JSON.stringify({ documents: [documentId] }),
      });
    const f = await fulfil('true');
    f.status.should.equal(200);
    inspectPdf(f.bytes).lines.should.containEql('customerNumber: E-1');
    (await fulfil('false')).status.should.equal(200);
    const gone = await fulfil('false');
    gone.status.should.equal(404);
    String(gone.body.message).should.containEql(documentId);
  });

  it('answers the version (BackendServiceVersionInfo)', async () => {
    const r = await call(`${h.url}/orchestration/api/v1/version`, { headers: { authorization: `Bearer ${tok}` } });
    r.status.should.equal(200);
    r.body.should.eql({ apiIdentifier: 'orchestration', major: '25', minor: '4', patch: '0', versionString: '25.4.0' });
  });
});

describe('sandbox: Exstream design service listings', () => {
  const h = useSandbox();
  let auth: Record<string, string> = {};
  beforeEach(async () => {
    auth = { authorization: `Bearer ${await token(h.url)}` };
  });

  it('lists domains, communications (paged), the communication set, its manifest and the reverse links', async () => {
    const d = await call(`${h.url}/design/api/v1/domains`, { headers: auth });
    d.body.status!.should.equal('success');
    (d.body.data as Obj[]).map((x) => x.id).should.eql(['sandbox']);
    const q = 'filter.types=exstrapplication&filter.states=APPROVED&filter.latestVersion=true';
    const all = await call(`${h.url}/design/api/v1/resources/sandbox?${q}&count=100&offset=0`, { headers: auth });
    const names = (all.body.data as Obj[]).map((x) => x.name);
    names.should.eql(['Customer Statement', 'Payment Reminder', 'Policy Change Notice', 'Action Required Letter', 'Incident Follow-up Letter', 'Regulatory Letter', 'Reissue']);
    (all.body.data as Obj[]).every((x) => x.type === 'exstrapplication' && x.state === 'APPROVED').should.be.true();
    all.body.page!.should.eql({ pageSize: 100, pageOffset: 0, totalElements: 7, totalPages: 1, currentPageNumber: 0 });
    const p2 = await call(`${h.url}/design/api/v1/resources/sandbox?${q}&count=3&offset=2`, { headers: auth });
    (p2.body.data as Obj[]).map((x) => x.name).should.eql(['Reissue']);
    p2.body.page!.should.containDeep({ totalPages: 3, currentPageNumber: 2 });
    const drafts = await call(`${h.url}/design/api/v1/resources/sandbox?filter.states=DRAFT`, { headers: auth });
    (drafts.body.data as Obj[]).should.have.length(0);
    const links = await call(`${h.url}/design/api/v1/links/sandbox?linkSubjectId=${STATEMENT}&linkDepth=2&filter.types=exstrcommunicationset`, { headers: auth });
    links.body.data!.should.eql([{ linkSubjectId: STATEMENT, subjectVersion: 3, linkObjectId: STATEMENT_SET, typeId: 'exstrcommunicationset' }]);
    const m = await call(`${h.url}/design/api/v1/manifests/sandbox/communication-set/${STATEMENT_SET}`, { headers: auth });
    m.status.should.equal(200);
    (m.body.dsnlist as Obj[])[0].should.containDeep({ name: 'StatementDriver', prodDsn: 'StatementDriver' });
    (m.body.queueList as Obj[])[0].should.containDeep({ driver: 'PDF', name: 'PDF_Statement' });
    const dsn = String((m.body.dsnlist as Obj[])[0].resourceId);
    const back = await call(`${h.url}/design/api/v1/links/sandbox/resources?linkObjectId=${dsn}&linkDepth=10&rfilter.types=exstrapplication&rfilter.states=APPROVED&offset=0&count=1000`, { headers: auth });
    (back.body.data as Obj[]).map((x) => x.name).should.eql(['Customer Statement']);
  });
});

describe('sandbox: Exstream 16.x service gateway', () => {
  const h = useSandbox();

  it('generates with the OTDS ticket and answers {status, data:{id, attributeMap, result[]}}', async () => {
    const t = await ticket(h.url);
    const driver = '<statement><customerNumber>S-9</customerNumber><total>12.00</total></statement>';
    const r = await call(`${h.url}/sandbox/sgw/v1/communications?name=customer_statement&version=1`, {
      method: 'POST',
      headers: { OTDSTicket: t, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'text/xml', data: Buffer.from(driver).toString('base64') }),
    });
    r.status.should.equal(200);
    r.body.status!.should.equal('success');
    const data = r.body.data as { id: string; attributeMap: Obj; result: Array<{ 'Content-Disposition': string[]; content: { data: string; contentType: string; streamingFilePath: null; empty: boolean } }> };
    data.attributeMap.should.containDeep({ communicationName: 'Customer Statement', customerNumber: 'S-9' });
    data.result.should.have.length(1);
    data.result[0]['Content-Disposition'].should.eql(['attachment; filename="statement-S-9.pdf"']);
    data.result[0].content.should.containDeep({ contentType: 'application/pdf', streamingFilePath: null, empty: false });
    inspectPdf(Buffer.from(data.result[0].content.data, 'base64')).lines.should.containEql('statement.total: 12.00');
  });
});

describe('sandbox: Exstream delivery-exception events', () => {
  const h = useSandbox();
  let server: http.Server;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: Obj }> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const inject = (body: unknown) => call(`${h.url}/_sandbox/exstream-event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('records the event and posts it to the "exstream" webhook in the documented shape', async () => {
    const none = await inject({ type: 'failed_print', communicationId: STATEMENT, customerReference: 'C-1' });
    none.status.should.equal(200);
    none.body.delivered!.should.be.false();
    await call(`${h.url}/_sandbox/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ exstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }) });
    const r = await inject({ type: 'undeliverable_email', communicationId: STATEMENT, documentType: 'Customer Statement', customerReference: 'C-2', channel: 'email', reason: 'mailbox full', eventId: 'evt-1' });
    r.status.should.equal(200);
    r.body.delivered!.should.be.true();
    await until(() => received.length === 1, 3000, 'the webhook');
    const e = received[0].body;
    e.should.have.properties({ eventType: 'DELIVERY_EXCEPTION', eventId: 'evt-1', exceptionType: 'undeliverable_email', communicationId: STATEMENT, documentType: 'Customer Statement', customerReference: 'C-2', channel: 'email', reason: 'mailbox full' });
    Object.keys(e).sort().should.eql(['channel', 'communicationId', 'customerReference', 'documentType', 'eventId', 'eventType', 'exceptionType', 'reason', 'timestamp']);
    Number.isNaN(Date.parse(String(e.timestamp))).should.be.false();
    // defaults: a generated event id, the document type from the communication, the channel from the type
    await inject({ type: 'failed_print', communicationId: STATEMENT, customerReference: 'C-3' });
    await inject({ type: 'failed_print', communicationId: STATEMENT, customerReference: 'C-3', eventId: 'evt-1' }); // a repeat is sent again
    await until(() => received.length === 3, 3000, 'the webhooks');
    received[1].body.should.containDeep({ documentType: 'Customer Statement', channel: 'print', exceptionType: 'failed_print' });
    String(received[1].body.eventId).should.match(/^[0-9a-f-]{36}$/);
    received[2].body.eventId!.should.equal('evt-1');
    const state = (await call(`${h.url}/_sandbox/state/exstream`, {})).body as { events: Obj[] };
    state.events.map((x) => x.delivered).should.eql([false, true, true, true]);
  });

  it('refuses an event without a known type, a communication id or a customer reference', async () => {
    (await inject({ type: 'lost', communicationId: 'x', customerReference: 'y' })).body.error!.should.match(/type must be one of failed_print, undeliverable_email, rejected_communication/);
    (await inject({ type: 'failed_print', customerReference: 'y' })).status.should.equal(400);
    (await inject({ type: 'failed_print', communicationId: 'x' })).status.should.equal(400);
    (await inject({ type: 'failed_print', communicationId: 'x', customerReference: 'y', channel: 'fax' })).body.error!.should.match(/channel must be one of print, email, sms/);
  });
});

describe('sandbox: Exstream strict rejections', () => {
  // not recorded: these requests are wrong on purpose (the contract checker would flag them)
  const h = useSandbox({ record: false });
  let tok = '';
  beforeEach(async () => {
    tok = await token(h.url);
  });

  function spring(a: Answer, status: number, error: string, message: string | RegExp, path: string): void {
    a.status.should.equal(status);
    Object.keys(a.body).sort().should.eql(['error', 'message', 'path', 'status', 'timestamp']);
    a.body.should.have.properties({ status, error, path });
    (a.body.timestamp as number).should.be.a.Number();
    if (typeof message === 'string') a.body.message!.should.equal(message);
    else String(a.body.message).should.match(message);
  }

  it('needs a valid bearer token on every orchestration and design call (401, WWW-Authenticate)', async () => {
    const path = '/orchestration/api/v1/inputs/ondemand/sandbox/generate';
    const none = await call(h.url + path, { method: 'POST', headers: { communicationId: STATEMENT, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{}' });
    spring(none, 401, 'Unauthorized', 'Full authentication is required to access this resource', path);
    none.headers.get('www-authenticate')!.should.match(/^Bearer/);
    const bad = await call(h.url + path, { method: 'POST', headers: { authorization: 'Bearer nope', communicationId: STATEMENT, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{}' });
    spring(bad, 401, 'Unauthorized', 'The access token is invalid or has expired', path);
    const t = await ticket(h.url);
    (await call(h.url + path, { method: 'POST', headers: { OTDSTicket: t, communicationId: STATEMENT, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{}' })).status.should.equal(401);
    for (const p of ['/orchestration/api/v1/version', '/design/api/v1/domains', '/design/api/v1/resources/sandbox', `/design/api/v1/manifests/sandbox/communication-set/${STATEMENT_SET}`]) {
      (await call(h.url + p, {})).status.should.equal(401);
    }
    for (const p of ['/orchestration/api/v1/inputs/batch/sandbox/CustomerStatementBatch', '/orchestration/api/v1/inputs/ondemand/sandbox/CustomerStatementOnDemand', '/orchestration/api/v1/inputs/fulfillment/ondemand/sandbox/fulfill']) {
      (await call(h.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status.should.equal(401);
    }
  });

  it('answers a missing communicationId or driverDataSource header with Spring\'s 400', async () => {
    const path = '/orchestration/api/v1/inputs/ondemand/sandbox/generate';
    const a = await call(h.url + path, { method: 'POST', headers: { authorization: `Bearer ${tok}`, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{"customerNumber":"1"}' });
    spring(a, 400, 'Bad Request', "Required request header 'communicationId' for method parameter type String is not present", path);
    const b = await call(h.url + path, { method: 'POST', headers: { authorization: `Bearer ${tok}`, communicationId: STATEMENT, 'content-type': 'application/json' }, body: '{"customerNumber":"1"}' });
    spring(b, 400, 'Bad Request', "Required request header 'driverDataSource' for method parameter type String is not present", path);
    const f = await call(`${h.url}/orchestration/api/v1/inputs/fulfillment/ondemand/sandbox/fulfill`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{"documents":["x"]}' });
    f.status.should.equal(400);
    (await call(`${h.url}/orchestration/api/v1/inputs/fulfillment/ondemand/sandbox/fulfill`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, communicationId: STATEMENT, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{}' })).status.should.equal(400);
  });

  it('refuses an unknown domain, communication, driver name or input service', async () => {
    const other = await call(GEN(h.url, 'nowhere'), { method: 'POST', headers: { authorization: `Bearer ${tok}`, communicationId: STATEMENT, driverDataSource: 'StatementDriver', 'content-type': 'application/json' }, body: '{"a":1}' });
    spring(other, 404, 'Not Found', "Domain 'nowhere' was not found", '/orchestration/api/v1/inputs/ondemand/nowhere/generate');
    spring(await gen(h.url, tok, { a: 1 }, { communicationId: '00000000-0000-0000-0000-000000000000' }), 404, 'Not Found', /Communication '00000000-0000-0000-0000-000000000000' was not found in domain 'sandbox'/, '/orchestration/api/v1/inputs/ondemand/sandbox/generate');
    spring(await gen(h.url, tok, { a: 1 }, { driverDataSource: 'Driver' }), 400, 'Bad Request', /Driver data source 'Driver' is not defined for communication 'Customer Statement' \(expected 'StatementDriver'\)/, '/orchestration/api/v1/inputs/ondemand/sandbox/generate');
    for (const kind of ['ondemand', 'batch']) {
      const path = `/orchestration/api/v1/inputs/${kind}/sandbox/NoSuchInput`;
      spring(await call(h.url + path, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: '{"a":1}' }), 404, 'Not Found', new RegExp(`No ${kind === 'batch' ? 'batch' : 'on-demand'} input service 'NoSuchInput'`), path);
    }
    (await call(`${h.url}/design/api/v1/resources/nowhere`, { headers: { authorization: `Bearer ${tok}` } })).status.should.equal(404);
    (await call(`${h.url}/design/api/v1/manifests/sandbox/communication-set/${STATEMENT}`, { headers: { authorization: `Bearer ${tok}` } })).status.should.equal(404);
    spring(await call(`${h.url}/design/api/v1/links/sandbox?linkDepth=2`, { headers: { authorization: `Bearer ${tok}` } }), 400, 'Bad Request', /linkSubjectId/, '/design/api/v1/links/sandbox');
    spring(await call(`${h.url}/design/api/v1/resources/sandbox?count=ten`, { headers: { authorization: `Bearer ${tok}` } }), 400, 'Bad Request', /For input string: "ten"/, '/design/api/v1/resources/sandbox');
  });

  it('refuses driver data it cannot read: wrong content type, broken JSON or XML, no body, a scalar', async () => {
    const path = '/orchestration/api/v1/inputs/ondemand/sandbox/generate';
    spring(await gen(h.url, tok, 'customerNumber=1', {}, 'application/x-www-form-urlencoded'), 415, 'Unsupported Media Type', "Content-Type 'application/x-www-form-urlencoded' is not supported", path);
    spring(await gen(h.url, tok, 'hello', {}, 'text/plain'), 415, 'Unsupported Media Type', "Content-Type 'text/plain' is not supported", path);
    spring(await gen(h.url, tok, '{"customerNumber": ', {}), 400, 'Bad Request', /^JSON parse error: /, path);
    spring(await gen(h.url, tok, '', {}), 400, 'Bad Request', 'Required request body is missing', path);
    spring(await gen(h.url, tok, '<a><b></a>', {}, 'application/xml'), 400, 'Bad Request', /^XML parse error: unexpected closing tag <\/a>/, path);
    spring(await gen(h.url, tok, '<!DOCTYPE x [<!ENTITY e "x">]><a>&e;</a>', {}, 'application/xml'), 400, 'Bad Request', /DOCTYPE/, path);
    spring(await gen(h.url, tok, '42', {}), 400, 'Bad Request', 'The driver data must be a JSON object or an array of JSON objects', path);
    spring(await gen(h.url, tok, { a: 1 }, { accept: 'text/html' }), 406, 'Not Acceptable', 'Could not find acceptable representation', path);
    (await call(`${h.url}/_sandbox/state/exstream`, {})).body.documents!.should.eql([]);
  });

  it('16.x service gateway: needs the OTDS ticket, a known tenant, name and version, and {data} as JSON', async () => {
    const t = await ticket(h.url);
    const data = Buffer.from('<s><customerNumber>1</customerNumber></s>').toString('base64');
    const sgw = (q: string, headers: Record<string, string>, body: string, ct = 'application/json', tenant = 'sandbox') => call(`${h.url}/${tenant}/sgw/v1/communications${q}`, { method: 'POST', headers: { 'content-type': ct, ...headers }, body });
    const ok = JSON.stringify({ contentType: 'text/xml', data });
    const path = '/sandbox/sgw/v1/communications';
    spring(await sgw('?name=customer_statement&version=1', {}, ok), 401, 'Unauthorized', 'An OTDSTicket header is required', path);
    spring(await sgw('?name=customer_statement&version=1', { OTDSTicket: '*OTDSSSO*forged' }, ok), 401, 'Unauthorized', 'The OTDS ticket is invalid or has expired', path);
    (await sgw('?name=customer_statement&version=1', { authorization: `Bearer ${tok}` }, ok)).status.should.equal(401);
    spring(await sgw('?name=customer_statement', { OTDSTicket: t }, ok, 'application/json', 'other'), 404, 'Not Found', "Tenant 'other' was not found", '/other/sgw/v1/communications');
    spring(await sgw('?name=nothing&version=1', { OTDSTicket: t }, ok), 404, 'Not Found', "Communication 'nothing' version 1 was not found", path);
    spring(await sgw('?name=customer_statement&version=2', { OTDSTicket: t }, ok), 404, 'Not Found', "Communication 'customer_statement' version 2 was not found", path);
    spring(await sgw('?version=1', { OTDSTicket: t }, ok), 400, 'Bad Request', /Required request parameter 'name'/, path);
    spring(await sgw('?name=customer_statement', { OTDSTicket: t }, JSON.stringify({ contentType: 'text/xml' })), 400, 'Bad Request', /'data'/, path);
    spring(await sgw('?name=customer_statement', { OTDSTicket: t }, JSON.stringify({ contentType: 'text/xml', data: '***' })), 400, 'Bad Request', "The field 'data' is not valid base64", path);
    spring(await sgw('?name=customer_statement', { OTDSTicket: t }, `contentType=text/xml&data=${data}`, 'application/x-www-form-urlencoded'), 415, 'Unsupported Media Type', "Content-Type 'application/x-www-form-urlencoded' is not supported", path);
    const fail = await sgw('?name=customer_statement', { OTDSTicket: t }, JSON.stringify({ contentType: 'application/json', data: Buffer.from('{"customerNumber":"CUST-FAIL-001"}').toString('base64') }));
    fail.status.should.equal(500);
    fail.body.should.containDeep({ status: 'error' });
    String(fail.body.message).should.match(/CUST-FAIL-001/);
  });
});
