/**
 * The Exstream client operations (nodes/lib/exstream.ts) on their own: reading driver data, file
 * names, decoding answers, and the operations the node does not use directly (Empower generate and
 * fulfil, version, domains, the communication list) over real HTTP against the sandbox.
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { HttpClient } from '../../nodes/lib/http';
import { OtdsAuth } from '../../nodes/lib/auth';
import { OtError } from '../../nodes/lib/errors';
import {
  documentsFromOrchestration,
  driverData,
  filenameFromDisposition,
  fulfill,
  generate,
  listCommunications,
  listDomains,
  orchestrationVersion,
  runOnDemandInput,
  sgwCommunication,
  submitBatch,
} from '../../nodes/lib/exstream';
import { inspectPdf } from '../../sandbox/pdf';

const STATEMENT = '1a9024ab-d875-45ff-99fa-2db39bc27879';

function expectInvalid(fn: () => unknown, re: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  (err instanceof OtError).should.be.true();
  (err as OtError).code.should.equal('OT_INVALID_INPUT');
  (err as OtError).message.should.match(re);
}

async function rejects(p: Promise<unknown>, code: string, re?: RegExp): Promise<OtError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  (err instanceof OtError).should.be.true();
  (err as OtError).code.should.equal(code);
  if (re) (err as OtError).message.should.match(re);
  return err as OtError;
}

describe('exstream client: driver data, file names and answers', () => {
  it('reads objects, arrays, JSON and XML strings and Buffers; keeps a JSON string as it was written', () => {
    driverData({ a: 1 }).should.eql({ text: '{"a":1}', format: 'json', contentType: 'application/json' });
    driverData([{ a: 1 }]).text.should.equal('[{"a":1}]');
    driverData('{ "a" : 1 }').should.eql({ text: '{ "a" : 1 }', format: 'json', contentType: 'application/json' });
    driverData('\uFEFF  <a>1</a> ').should.eql({ text: '<a>1</a>', format: 'xml', contentType: 'application/xml' });
    driverData(Buffer.from('{"b":2}')).text.should.equal('{"b":2}');
    driverData({ ['__proto__']: { polluted: true }, ok: 1 } as Record<string, unknown>).text.should.equal('{"ok":1}');
    driverData('{"a":1}', 'json').format.should.equal('json');
    driverData('<a/>', 'xml').format.should.equal('xml');
  });

  it('refuses what is neither JSON nor XML, scalars, and the wrong kind for a forced format', () => {
    expectInvalid(() => driverData(undefined), /the driver data is missing/);
    expectInvalid(() => driverData(''), /missing/);
    expectInvalid(() => driverData('hello'), /neither JSON nor XML/);
    expectInvalid(() => driverData('true'), /must be a JSON object or array, not boolean/);
    expectInvalid(() => driverData('null'), /not null/);
    expectInvalid(() => driverData(7), /not number/);
    expectInvalid(() => driverData('<a>1</a>', 'json'), /is not valid JSON/);
    expectInvalid(() => driverData({ a: 1 }, 'xml'), /must be an XML string when the format is XML/);
    expectInvalid(() => driverData('<a>1', 'xml'), /is not XML/);
  });

  it('takes file names from Content-Disposition without directories', () => {
    (filenameFromDisposition('attachment; filename="statement-1.pdf"') as string).should.equal('statement-1.pdf');
    (filenameFromDisposition(['inline; filename=plain.pdf']) as string).should.equal('plain.pdf');
    (filenameFromDisposition("attachment; filename=\"x.pdf\"; filename*=UTF-8''Z%C3%BCrich%20Brief.pdf") as string).should.equal('Zürich Brief.pdf');
    (filenameFromDisposition('attachment; filename="../../etc/passwd"') as string).should.equal('passwd');
    (filenameFromDisposition(undefined) === undefined).should.be.true();
    (filenameFromDisposition('inline') === undefined).should.be.true();
  });

  it('decodes outputs and turns an orchestration error answer into OT_API with the engine\'s message', () => {
    const docs = documentsFromOrchestration({ status: 'success', data: [{ content: Buffer.from('%PDF-x').toString('base64'), mimeType: 'application/pdf', engineOutputContext: { queueName: 'Q', fileName: 'a/b.pdf', customerNumber: 7 } }, { content: 'AAAA', mimeType: 'text/html' }] }, 'op', 'letter');
    docs.map((d) => [d.filename, d.contentType, d.size, d.customerNumber]).should.eql([
      ['b.pdf', 'application/pdf', 6, '7'],
      ['letter-2.html', 'text/html', 3, undefined],
    ]);
    let err: unknown;
    try {
      documentsFromOrchestration({ status: 'error', data: [{ errorMessage: 'engine down', statusCode: '500', engineOutputContext: { customerNumber: '1' } }] }, 'Exstream generate', 'x');
    } catch (e) {
      err = e;
    }
    (err as OtError).should.containDeep({ code: 'OT_API', apiMessage: 'engine down', message: 'Exstream generate failed: engine down' });
    let none: unknown;
    try {
      documentsFromOrchestration({ status: 'success' }, 'op', 'x');
    } catch (e) {
      none = e;
    }
    (none as OtError).code.should.equal('OT_API');
  });
});

describe('exstream client: operations over the sandbox', () => {
  const h = useSandbox();
  let client: HttpClient;
  let otdsClient: HttpClient;
  beforeEach(() => {
    otdsClient = new HttpClient({ name: 'OTDS', baseUrl: h.url });
    const otds = new OtdsAuth(otdsClient, { baseUrl: h.url, grant: 'client_credentials', clientId: 'exstream-service', clientSecret: 'sandbox-exstream-secret' });
    client = new HttpClient({ name: 'Exstream', baseUrl: h.url, auth: otds.bearer(), maxAttempts: 1 });
  });
  afterEach(() => {
    client.close();
    otdsClient.close();
  });

  it('reads the version, the domains and the communications with their driver names', async () => {
    (await orchestrationVersion(client)).versionString!.should.equal('25.4.0');
    (await listDomains(client)).should.eql(['sandbox']);
    const list = await listCommunications(client, 'sandbox');
    list.should.have.length(7);
    list.find((c) => c.name === 'Payment Reminder')!.should.containDeep({ id: 'fd6a4d72-d90e-45e6-873b-8d3eeba026aa', version: 2, driverDataSources: ['ReminderDriver'] });
    list.every((c) => !c.error).should.be.true();
    await rejects(listCommunications(client, 'nowhere'), 'OT_NOT_FOUND');
  });

  it('generates an Empower document (document id only) and fulfils it into a PDF', async () => {
    const e = await generate(client, { domain: 'sandbox', communicationId: STATEMENT, driverDataSource: 'StatementDriver', empowerUser: 'svc@OAuthClients', data: driverData({ customerNumber: 'E-9', note: 'fulfil me' }) });
    e.documents.should.have.length(0);
    const documentId = e.documentId!;
    documentId.should.match(/^[0-9a-f-]{36}$/);
    const f = await fulfill(client, { domain: 'sandbox', communicationId: STATEMENT, driverDataSource: 'StatementDriver', documents: [documentId], preserveDocuments: false });
    f.documents.should.have.length(1);
    inspectPdf(f.documents[0].content).lines.should.containEql('note: fulfil me');
    await rejects(fulfill(client, { domain: 'sandbox', communicationId: STATEMENT, driverDataSource: 'StatementDriver', documents: [documentId], output: 'pdf' }), 'OT_NOT_FOUND', /Empower document\(s\) not found/);
    let bad: unknown;
    try {
      await fulfill(client, { domain: 'sandbox', communicationId: STATEMENT, driverDataSource: 'StatementDriver', documents: [] });
    } catch (x) {
      bad = x;
    }
    (bad as OtError).code.should.equal('OT_INVALID_INPUT');
  });

  it('checks names before sending: path segments, header values, "generate" as an input name, the sgw version', async () => {
    const before = h.sb.app.requestCount;
    const data = driverData({ a: 1 });
    await rejects(generate(client, { domain: '..', communicationId: STATEMENT, driverDataSource: 'StatementDriver', data }), 'OT_INVALID_INPUT', /the domain "\.\." is not allowed/);
    await rejects(generate(client, { domain: 'sandbox', communicationId: 'a\r\nX-Evil: 1', driverDataSource: 'StatementDriver', data }), 'OT_INVALID_INPUT', /printable ASCII/);
    await rejects(runOnDemandInput(client, { domain: 'sandbox', inputService: 'generate', data }), 'OT_INVALID_INPUT', /use the generate mode/);
    await rejects(submitBatch(client, { domain: 'sandbox', inputService: ' ', data }), 'OT_INVALID_INPUT', /input service name is required/);
    await rejects(sgwCommunication(client, { tenant: 'sandbox', name: 'customer_statement', version: 1.5, data }), 'OT_INVALID_INPUT', /whole number/);
    h.sb.app.requestCount.should.equal(before);
  });
});
