/**
 * ot-exstream-generate ("generate document") over real HTTP against the sandbox: on-demand generate
 * (PDF only, all documents decoded from base64, raw JSON, several outputs, XML drivers, segments),
 * named on-demand and batch inputs, the 16.x service gateway, correlation ids, the editor's
 * communication list, a generation failure for one customer, and bad input.
 */
import 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, type FlowNode } from '../support/nr';
import { inspectPdf } from '../../sandbox/pdf';

const generateNode = require('../../nodes/exstream/ot-exstream-generate');
const exstreamNode = require('../../nodes/exstream/ot-exstream');
const otdsNode = require('../../nodes/otds/ot-otds');

type Obj = Record<string, unknown>;

const STATEMENT = '1a9024ab-d875-45ff-99fa-2db39bc27879';
const REMINDER = 'fd6a4d72-d90e-45e6-873b-8d3eeba026aa';
const POLICY = '9575d752-abf9-44e5-b8a0-ed816919be2f';

interface Doc {
  filename: string;
  contentType: string;
  size: number;
  queueName?: string;
  customerNumber?: string;
  content: Buffer;
}

interface Out {
  payload: unknown;
  documents?: Doc[];
  filename?: string;
  contentType?: string;
  jobId?: string;
  correlationId?: string;
  exstream: Obj;
  [k: string]: unknown;
}

interface Caught {
  error: { message: string; code: string; source: { id: string } };
  otError?: Obj;
  [k: string]: unknown;
}

interface ExState {
  documents: Array<Obj & { sha256: string; size: number; customerNumber?: string; correlationId?: string; input: string; jobId?: string }>;
  failures: Obj[];
  jobs: Array<Obj & { jobId: string; documents: string[]; records: number }>;
}

const SECRETS = ['sandbox-exstream-secret', 'sandbox-exstream'];

describe('ot-exstream-generate: generate document', () => {
  const helper = useNodeRed();
  const h = useSandbox();
  const state = () => h.sb.state('exstream') as ExState;

  function flow(gen: Obj, opts: { exstream?: Obj; otds?: Obj; sgw?: Obj } = {}): FlowNode[] {
    return [
      TAB,
      { id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials', timeout: 5, retries: 1, ...opts.otds },
      { id: 'otds2', type: 'ot-otds', baseUrl: h.url, tenant: 'sandbox', timeout: 5, retries: 1 },
      { id: 'ex1', type: 'ot-exstream', baseUrl: h.url, family: 'orchestration', domain: 'sandbox', otds: 'otds1', timeout: 5, retries: 2, maxDelay: 1, concurrency: 4, ...opts.exstream },
      { id: 'ex2', type: 'ot-exstream', baseUrl: h.url, family: 'sgw', tenant: 'sandbox', otds: 'otds2', timeout: 5, retries: 2, maxDelay: 1, concurrency: 4, ...opts.sgw },
      {
        id: 'g1',
        type: 'ot-exstream-generate',
        z: 'tab1',
        server: 'ex1',
        mode: 'generate',
        domain: '',
        domainType: 'str',
        communicationId: STATEMENT,
        communicationIdType: 'str',
        communicationName: 'Customer Statement',
        driverDataSource: 'StatementDriver',
        driverDataSourceType: 'str',
        inputService: '',
        inputServiceType: 'str',
        sgwName: '',
        sgwNameType: 'str',
        sgwVersion: '',
        sgwVersionType: 'str',
        driverData: 'payload',
        driverDataType: 'msg',
        dataFormat: 'auto',
        output: 'documents',
        correlationId: 'correlationId',
        correlationIdType: 'msg',
        wires: [['out']],
        ...gen,
      },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
  }
  const creds = (otds: Obj = {}) => ({ otds1: { clientId: 'exstream-service', clientSecret: 'sandbox-exstream-secret', ...otds }, otds2: { username: 'exstream', password: 'sandbox-exstream' } });

  /** (Re)deploys the flow; a test may load several variants one after the other. */
  async function load(gen: Obj, opts: { exstream?: Obj; otds?: Obj; sgw?: Obj; creds?: Obj } = {}) {
    await helper.unload();
    await helper.load([otdsNode, exstreamNode, generateNode], flow(gen, opts), creds(opts.creds));
    return { g: helper.getNode('g1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  async function run(g: Node, out: Node, msg: Obj): Promise<Out> {
    const wait = nextMessage<Out>(out);
    g.receive(msg);
    return wait;
  }

  async function expectError(g: Node, caught: Node, msg: Obj, code: string, re?: RegExp): Promise<Caught> {
    const wait = nextMessage<Caught>(caught);
    g.receive(msg);
    const c = await wait;
    c.error.code.should.equal(code);
    c.error.source.id.should.equal('g1');
    if (re) c.error.message.should.match(re);
    c.otError!.should.have.property('code', code);
    const text = JSON.stringify(c);
    for (const s of SECRETS) text.should.not.containEql(s);
    return c;
  }

  function pdfText(b: Buffer): string[] {
    const pdf = inspectPdf(b);
    pdf.errors.should.eql([]);
    return pdf.lines;
  }

  describe('on-demand generate', () => {
    it('PDF only: the PDF itself in msg.payload, a valid file that shows the driver data', async () => {
      const { g, out } = await load({ output: 'pdf' });
      const m = await run(g, out, { payload: { customerNumber: 'C-4711', name: 'Ada Lovelace', balance: '1,234.56 EUR' }, correlationId: 'ex7-corr-1' });
      Buffer.isBuffer(m.payload).should.be.true();
      const pdf = m.payload as Buffer;
      pdf.subarray(0, 8).toString('latin1').should.equal('%PDF-1.4');
      pdf.toString('latin1').trimEnd().should.endWith('%%EOF');
      // the xref offsets point at the objects (inspectPdf checks every entry and startxref)
      const info = inspectPdf(pdf);
      info.ok.should.be.true();
      info.objects.should.be.aboveOrEqual(7);
      info.pages.should.equal(1);
      info.lines.should.containEql('name: Ada Lovelace');
      info.lines.should.containEql('balance: 1,234.56 EUR');
      info.lines.should.containEql('Correlation id: ex7-corr-1');
      m.filename!.should.equal('statement-C-4711.pdf');
      m.contentType!.should.equal('application/pdf');
      m.correlationId!.should.equal('ex7-corr-1');
      m.documents!.should.have.length(1);
      m.exstream.should.containDeep({ mode: 'generate', output: 'pdf', domain: 'sandbox', communicationId: STATEMENT, driverDataSource: 'StatementDriver', count: 1 });
      const s = state();
      s.documents.should.have.length(1);
      s.documents[0].should.containDeep({ input: 'generate', customerNumber: 'C-4711', correlationId: 'ex7-corr-1', size: pdf.length });
    });

    it('all documents: decodes the base64 JSON answer into Buffers with file names and customer numbers', async () => {
      const { g, out } = await load({});
      const m = await run(g, out, { payload: JSON.stringify({ customerNumber: 'C-2002', city: 'Zürich' }) });
      Buffer.isBuffer(m.payload).should.be.true();
      const s = state();
      require('crypto').createHash('sha256').update(m.payload as Buffer).digest('hex').should.equal(s.documents[0].sha256);
      pdfText(m.payload as Buffer).should.containEql('city: Zürich');
      m.documents![0].should.containDeep({ filename: 'statement-C-2002.pdf', contentType: 'application/pdf', queueName: 'PDF_Statement', customerNumber: 'C-2002', size: (m.payload as Buffer).length });
      m.exstream.customerNumbers!.should.eql(['C-2002']);
      m.should.not.have.property('correlationId');
    });

    it('several outputs come back as an array in msg.payload and msg.documents', async () => {
      const { g, out } = await load({ communicationId: POLICY, communicationName: 'Policy Change Notice', driverDataSource: 'PolicyDriver' });
      const m = await run(g, out, { payload: { customerNumber: 'P-1', policyNumber: 'POL-9', newPremium: '42.00' } });
      m.documents!.should.have.length(2);
      m.payload!.should.equal(m.documents);
      m.documents!.map((d) => d.filename).should.eql(['policy-change-P-1.pdf', 'policy-change-summary-P-1.pdf']);
      m.documents!.map((d) => inspectPdf(d.content).title).should.eql(['Policy Change Notice', 'Summary of Changes']);
      for (const d of m.documents!) pdfText(d.content).should.containEql('newPremium: 42.00');
      m.should.not.have.property('filename');
      m.exstream.count!.should.equal(2);
    });

    it('raw JSON: the answer as it came (content stays base64)', async () => {
      const { g, out } = await load({ output: 'raw' });
      const m = await run(g, out, { payload: { customerNumber: 'R-1' } });
      const raw = m.payload as { status: string; data: Array<{ content: string; mimeType: string; engineOutputContext: Obj }> };
      raw.status.should.equal('success');
      raw.data[0].mimeType.should.equal('application/pdf');
      raw.data[0].engineOutputContext.should.eql({ queueName: 'PDF_Statement', fileName: 'statement-R-1.pdf', customerNumber: 'R-1' });
      const bytes = Buffer.from(raw.data[0].content, 'base64');
      bytes.subarray(0, 5).toString().should.equal('%PDF-');
      pdfText(bytes).should.containEql('Customer: R-1');
    });

    it('sends XML driver data (a string or a Buffer) as XML', async () => {
      const { g, out } = await load({ output: 'pdf' });
      const m = await run(g, out, { payload: '<statement><customerNumber>X-7</customerNumber><total>9.99</total></statement>' });
      pdfText(m.payload as Buffer).should.containEql('statement.total: 9.99');
      const b = await run(g, out, { payload: Buffer.from('<statement><customerNumber>X-8</customerNumber></statement>') });
      pdfText(b.payload as Buffer).should.containEql('Customer: X-8');
    });

    it('picks the Payment Reminder letter by segment and takes communication and driver from the message when asked', async () => {
      const { g, out } = await load({ communicationId: 'communicationId', communicationIdType: 'msg', driverDataSource: 'driver', driverDataSourceType: 'msg', output: 'pdf' });
      const titles: string[] = [];
      for (const segment of ['due-soon', 'overdue', 'final-demand']) {
        const m = await run(g, out, { communicationId: REMINDER, driver: 'ReminderDriver', payload: { customerNumber: `A-${segment}`, segment, amount: '120.00', dueDate: '2026-12-01' } });
        const lines = pdfText(m.payload as Buffer);
        lines.should.containEql('amount: 120.00');
        lines.should.containEql('dueDate: 2026-12-01');
        titles.push(inspectPdf(m.payload as Buffer).title!);
      }
      titles.should.eql(['Payment Reminder - payment due soon', 'Overdue Notice - your payment is overdue', 'Final Demand - immediate payment required']);
    });

    it('takes the domain from the node over the connection default', async () => {
      const { g, caught } = await load({ domain: 'elsewhere' });
      await expectError(g, caught, { payload: { customerNumber: '1' } }, 'OT_NOT_FOUND', /Domain 'elsewhere' was not found/);
    });
  });

  describe('named inputs and the 16.x service gateway', () => {
    it('named on-demand input: the PDF of the communication bound to the input service', async () => {
      const { g, out } = await load({ mode: 'ondemand', inputService: 'CustomerStatementOnDemand', output: 'pdf' });
      const m = await run(g, out, { payload: { customerNumber: 'N-1' } });
      pdfText(m.payload as Buffer).should.containEql('Customer: N-1');
      m.exstream.should.containDeep({ mode: 'ondemand', inputService: 'CustomerStatementOnDemand' });
      state().documents[0].should.containDeep({ input: 'ondemand', inputServiceName: 'CustomerStatementOnDemand' });
    });

    it('batch input: answers the job id; the job holds one document per customer', async () => {
      const { g, out } = await load({ mode: 'batch', inputService: 'CustomerStatementBatch' });
      const m = await run(g, out, { payload: { customers: [{ customerNumber: 'B-1' }, { customerNumber: 'B-2' }, { customerNumber: 'B-3' }] }, correlationId: 'batch-1' });
      const p = m.payload as { jobId: string; id: string };
      p.jobId.should.match(/^[0-9a-f-]{36}$/);
      p.id.should.match(/^[0-9a-f-]{36}$/);
      m.jobId!.should.equal(p.jobId);
      m.correlationId!.should.equal('batch-1');
      const job = state().jobs.find((j) => j.jobId === p.jobId)!;
      job.records.should.equal(3);
      job.documents.should.have.length(3);
      state().documents.map((d) => d.customerNumber).should.eql(['B-1', 'B-2', 'B-3']);
      state().documents.every((d) => d.correlationId === 'batch-1' && d.jobId === p.jobId).should.be.true();
    });

    it('16.x service gateway: base64 driver, OTDS ticket, the document from result[]', async () => {
      const { g, out } = await load({ server: 'ex2', mode: 'sgw', sgwName: 'customer_statement', sgwVersion: '1' });
      const m = await run(g, out, { payload: '<statement><customerNumber>S-1</customerNumber><total>5.00</total></statement>' });
      Buffer.isBuffer(m.payload).should.be.true();
      m.filename!.should.equal('statement-S-1.pdf');
      m.contentType!.should.equal('application/pdf');
      pdfText(m.payload as Buffer).should.containEql('statement.total: 5.00');
      m.exstream.should.containDeep({ mode: 'sgw', tenant: 'sandbox', name: 'customer_statement', version: 1 });
      const j = await run(g, out, { payload: { customerNumber: 'S-2' } });
      pdfText(j.payload as Buffer).should.containEql('Customer: S-2');
      state().documents.map((d) => d.input).should.eql(['sgw', 'sgw']);
    });
  });

  describe('failures', () => {
    it('a generation failure for one customer is a catchable OT_API error with the server\'s reason; the others go out', async () => {
      const { g, out, caught } = await load({});
      const outs = collect<Out>(out);
      const errors = collect<Caught>(caught);
      for (const c of ['OK-1', 'CUST-FAIL-001', 'OK-3']) g.receive({ payload: { customerNumber: c }, customer: c });
      await until(() => outs.length + errors.length === 3, 5000, 'three answers');
      outs.map((o) => o.customer).sort().should.eql(['OK-1', 'OK-3']);
      errors.should.have.length(1);
      const e = errors[0];
      e.customer!.should.equal('CUST-FAIL-001');
      e.error.code.should.equal('OT_API');
      e.error.message.should.match(/Exstream generate failed: HTTP 500 – Engine run failed: the driver record for customer CUST-FAIL-001 could not be composed/);
      e.otError!.should.containDeep({ code: 'OT_API', statusCode: 500, apiMessage: 'Engine run failed: the driver record for customer CUST-FAIL-001 could not be composed (simulated failure)' });
      state().documents.map((d) => d.customerNumber).sort().should.eql(['OK-1', 'OK-3']);
    });

    it('a flagged driver record fails with the reason it carries', async () => {
      const { g, caught } = await load({ output: 'pdf' });
      await expectError(g, caught, { payload: { customerNumber: 'Z-1', simulateFailure: 'No postal address on file' } }, 'OT_API', /No postal address on file/);
    });

    it('unknown communication: OT_NOT_FOUND; wrong driver name: OT_INVALID_INPUT with the server\'s text', async () => {
      const { g, caught } = await load({ communicationId: 'communicationId', communicationIdType: 'msg' });
      await expectError(g, caught, { communicationId: '00000000-0000-4000-8000-000000000000', payload: { a: 1 } }, 'OT_NOT_FOUND', /Communication '00000000-0000-4000-8000-000000000000' was not found/);
      const again = await load({ driverDataSource: 'Driver' });
      await expectError(again.g, again.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /Driver data source 'Driver' is not defined for communication 'Customer Statement'/);
    });

    it('unknown input service: OT_NOT_FOUND', async () => {
      const { g, caught } = await load({ mode: 'batch', inputService: 'NoSuchBatch' });
      await expectError(g, caught, { payload: { a: 1 } }, 'OT_NOT_FOUND', /No batch input service 'NoSuchBatch'/);
    });

    it('a wrong OAuth client secret: OT_AUTH, and the secret appears nowhere', async () => {
      const { g, caught } = await load({}, { creds: { clientSecret: 'sandbox-exstream-wrong' } });
      const c = await expectError(g, caught, { payload: { a: 1 } }, 'OT_AUTH');
      JSON.stringify(c).should.not.containEql('sandbox-exstream-wrong');
    });
  });

  describe('bad input', () => {
    it('refuses driver data that is missing, not JSON, not XML, or of the wrong kind (OT_INVALID_INPUT, nothing sent)', async () => {
      const { g, caught } = await load({});
      const before = h.sb.app.requestCount;
      await expectError(g, caught, { payload: 'customerNumber=1' }, 'OT_INVALID_INPUT', /the driver data is neither JSON nor XML/);
      await expectError(g, caught, {}, 'OT_INVALID_INPUT', /the driver data is missing/);
      await expectError(g, caught, { payload: '   ' }, 'OT_INVALID_INPUT', /the driver data is missing/);
      await expectError(g, caught, { payload: 42 }, 'OT_INVALID_INPUT', /must be a JSON object, a JSON string or an XML string, not number/);
      await expectError(g, caught, { payload: '"just a string"' }, 'OT_INVALID_INPUT', /must be a JSON object or array, not string/);
      await expectError(g, caught, { payload: { a: 1 }, correlationId: { nested: true } }, 'OT_INVALID_INPUT', /correlation id must be text or a number/);
      await expectError(g, caught, { payload: { a: 1 }, correlationId: 'line\nbreak' }, 'OT_INVALID_INPUT', /correlation id may only hold printable ASCII/);
      h.sb.app.requestCount.should.equal(before);
      state().documents.should.have.length(0);
    });

    it('refuses a non-JSON payload when JSON is required, and JSON when XML is required', async () => {
      const json = await load({ dataFormat: 'json' });
      await expectError(json.g, json.caught, { payload: '<a>1</a>' }, 'OT_INVALID_INPUT', /the driver data is not valid JSON/);
      const xml = await load({ dataFormat: 'xml' });
      await expectError(xml.g, xml.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /must be an XML string when the format is XML, not an object/);
      await expectError(xml.g, xml.caught, { payload: '{"a":1}' }, 'OT_INVALID_INPUT', /is not XML/);
    });

    it('refuses a missing communication id, driver name, input service or communication name', async () => {
      const a = await load({ communicationId: 'communicationId', communicationIdType: 'msg' });
      await expectError(a.g, a.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /the communication id is required/);
      const b = await load({ driverDataSource: '' });
      await expectError(b.g, b.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /the driver data source is required/);
      const c = await load({ mode: 'batch', inputService: '' });
      await expectError(c.g, c.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /the input service name is required/);
      const d = await load({ server: 'ex2', mode: 'sgw', sgwName: '' });
      await expectError(d.g, d.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /the communication name is required/);
      const e = await load({ server: 'ex2', mode: 'sgw', sgwName: 'customer_statement', sgwVersion: 'v1' });
      await expectError(e.g, e.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /the communication version must be a whole number/);
      state().documents.should.have.length(0);
    });

    it('refuses a mode that does not fit the connection, and a missing connection', async () => {
      const a = await load({ mode: 'sgw', sgwName: 'customer_statement' });
      await expectError(a.g, a.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /the 16.x service gateway mode needs an Exstream connection of the 16.x service gateway type/);
      const b = await load({ server: 'ex2', mode: 'generate' });
      await expectError(b.g, b.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /needs an Exstream connection of the orchestration \(cloud-native\) type/);
      const c = await load({ server: '' });
      await expectError(c.g, c.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /no Exstream connection is selected/);
      const d = await load({}, { exstream: { domain: '' } });
      await expectError(d.g, d.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /no domain: set one in this node or a default domain/);
      const e = await load({ server: 'ex2', mode: 'sgw', sgwName: 'customer_statement' }, { sgw: { tenant: '' } });
      await expectError(e.g, e.caught, { payload: { a: 1 } }, 'OT_INVALID_INPUT', /needs the tenant set in the Exstream connection/);
      state().documents.should.have.length(0);
    });
  });

  describe('editor', () => {
    it('lists the communications of the domain with their driver names through the deployed connection', async () => {
      await load({});
      const r = await helper.request().get('/opentext/ot-exstream-generate/communications').query({ server: 'ex1' }).expect(200);
      r.body.ok.should.be.true();
      r.body.domain.should.equal('sandbox');
      const list = r.body.communications as Array<{ id: string; name: string; driverDataSources: string[]; communicationSetId: string }>;
      list.map((c) => c.name).should.eql(['Customer Statement', 'Payment Reminder', 'Policy Change Notice', 'Action Required Letter', 'Incident Follow-up Letter', 'Regulatory Letter', 'Reissue']);
      list[0].should.containDeep({ id: STATEMENT, driverDataSources: ['StatementDriver'], communicationSetId: 'bf969377-aa95-4fa0-aeae-879ae5cde05f' });
      list.every((c) => c.driverDataSources.length === 1).should.be.true();
      (await helper.request().get('/opentext/ot-exstream-generate/communications').query({ server: 'nope' }).expect(404)).body.code.should.equal('OT_INVALID_INPUT');
      (await helper.request().get('/opentext/ot-exstream-generate/communications').query({ server: 'ex2' }).expect(400)).body.code.should.equal('OT_INVALID_INPUT');
      (await helper.request().get('/opentext/ot-exstream-generate/communications').query({ server: 'ex1', domain: 'nowhere' }).expect(502)).body.code.should.equal('OT_NOT_FOUND');
    });

    it('the connection\'s test button reports the orchestration version', async () => {
      await load({});
      const r = await helper.request().post('/opentext/ot-exstream/test').send({ settings: { baseUrl: h.url, family: 'orchestration', otds: 'otds1' } }).expect(200);
      r.body.should.eql({ ok: true, message: 'orchestration service 25.4.0' });
    });
  });
});
