/**
 * The Records Management client operations (nodes/lib/rm) used directly, over real HTTP against
 * the sandbox: the reads and writes no node test covers (RSIs, codes, RSI assignment, several
 * records finalized at once, the simple hold list), the error mapping and input helpers.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { HttpClient } from '../../nodes/lib/http';
import { CsTicketAuth } from '../../nodes/lib/auth';
import { OtError } from '../../nodes/lib/errors';
import { currentUserId, idsInput, mapRmError, toDay } from '../../nodes/lib/rm/common';
import { assignRsi, classifiedItems, finalizeRecords, getRsi, listRsis, recordFields, rmCodes, rsiItems, withToken, getRecord } from '../../nodes/lib/rm/records';
import { getHold, listHoldsSimple, resolveHold } from '../../nodes/lib/rm/holds';
import { bodyQdate, resolveSearch } from '../../nodes/lib/rm/disposition';

describe('rm client operations', () => {
  const h = useSandbox();
  let client: HttpClient;
  beforeEach(() => {
    client = new HttpClient({ name: 'Extended ECM', baseUrl: h.csUrl, maxAttempts: 1 });
    client.options.auth = new CsTicketAuth(client, 'Admin', 'sandbox-admin');
  });
  afterEach(() => client.close());

  it('reads RSIs (all pages, grouped with their schedules) and one RSI', async () => {
    const all = await listRsis(client, { returnAll: true, limit: 2 });
    all.map((r) => r.name).should.eql(['CON-10Y', 'FAX-3Y', 'GOV-PERM', 'INV-7Y', 'REV-30D']);
    all[3].should.containEql({ id: 4001, title: 'Invoices: 7 years after the record date' });
    all[3].schedules.should.eql([{ id: 40011, stage: 'DESTROY', dateToUse: 'Record Date', years: 7, months: 0, days: 0, action: 32, disposition: 'DESTROY' }]);
    (await getRsi(client, 4004)).schedules[0].should.containEql({ days: 30, action: 1, disposition: 'REVIEW' });
    const missing = await getRsi(client, 9).catch((e: OtError) => e);
    (missing as OtError).code.should.equal('OT_NOT_FOUND');
  });

  it('assigns an RSI by name; an unknown RSI is refused', async () => {
    (await assignRsi(client, 2203, 3001, 'REV-30D')).rsi!.should.equal('REV-30D');
    const bad = await assignRsi(client, 2203, 3001, 'NOPE').catch((e: OtError) => e);
    (bad as OtError).code.should.equal('OT_INVALID_INPUT');
    (bad as OtError).apiMessage!.should.equal('Incorrect RSI specified.');
    (await rsiItems(client, 4004)).items.map((i) => i.id).should.eql([2203, 2204]);
    (await classifiedItems(client, 3002, { returnAll: true, limit: 1 })).items.map((i) => i.id).should.eql([2201, 2205]);
  });

  it('finalizes several records at once', async () => {
    const r = await finalizeRecords(client, [2201, 2202]);
    r.map((x) => `${x.id}:${x.finalized}:${x.status}`).should.eql(['2201:true:FINAL', '2202:true:FINAL']);
    const err = await finalizeRecords(client, [2203, 2100]).catch((e: OtError) => e);
    (err as OtError).code.should.equal('OT_POLICY');
    (await getRecord(client, 2203)).finalized!.should.be.false(); // validated first, nothing finalized
  });

  it('reads the RM codes, the simple hold list, holds by id or name, and searches by name', async () => {
    const codes = await rmCodes(client);
    codes.status.map((c) => c.code).should.containEql('ACTIVE');
    codes.cycle_period.map((c) => c.code).should.containEql(365);
    (await listHoldsSimple(client)).map((x) => `${x.id}:${x.name}:${x.active}`).should.eql(['5001:Litigation 2026:true', '5002:Audit FY2025:true', '5003:Regulatory Inquiry:true']);
    (await getHold(client, { name: 'Audit FY2025' })).should.containEql({ id: 5002, type: 'AUDIT' });
    (await resolveHold(client, '5003')).name.should.equal('Regulatory Inquiry');
    ((await resolveHold(client, '').catch((e: OtError) => e)) as OtError).code.should.equal('OT_INVALID_INPUT');
    (await resolveSearch(client, 'fax disposition')).id.should.equal(6002);
    (await resolveSearch(client, 6001)).id.should.equal(6001);
  });

  it('knows the current user once per connection', async () => {
    const before = h.sb.app.requestCount;
    (await currentUserId(client)).should.equal(1000);
    (await currentUserId(client)).should.equal(1000);
    (h.sb.app.requestCount - before).should.equal(2); // one login, one GET v1/auth
  });

  it('withToken: retries a change once after the edit conflict, then gives up with OT_CONFLICT', async () => {
    let calls = 0;
    const r = await withToken(client, 2203, async (state) => {
      calls++;
      state.token.should.have.length(32);
      if (calls === 1) throw new OtError({ code: 'OT_CONFLICT', message: 'x', statusCode: 409 });
      return 'ok';
    });
    r.should.equal('ok');
    calls.should.equal(2);
    const twice = await withToken(client, 2203, async () => {
      throw new OtError({ code: 'OT_CONFLICT', message: 'x', statusCode: 409, operation: 'update record', apiMessage: 'Could not update metadata (edit conflict).' });
    }).catch((e: OtError) => e);
    (twice as OtError).code.should.equal('OT_CONFLICT');
    (twice as OtError).message.should.match(/twice in a row/);
    const other = await withToken(client, 2203, async () => {
      throw new OtError({ code: 'OT_POLICY', message: 'no' });
    }).catch((e: OtError) => e);
    (other as OtError).code.should.equal('OT_POLICY');
  });

  it('maps RM errors: policy texts to OT_POLICY (only for changes), "could not get node" to OT_NOT_FOUND', () => {
    const policy = mapRmError(new OtError({ code: 'OT_INVALID_INPUT', message: 'm', statusCode: 400, apiMessage: 'the following required fields are missing: Status.', operation: 'declare record' }), { policy: true, details: { nodeId: 1 } }) as OtError;
    policy.code.should.equal('OT_POLICY');
    policy.details!.should.eql({ reason: 'the following required fields are missing: Status.', nodeId: 1 });
    (mapRmError(new OtError({ code: 'OT_INVALID_INPUT', message: 'm', statusCode: 400, apiMessage: 'required' })) as OtError).code.should.equal('OT_INVALID_INPUT');
    (mapRmError(new OtError({ code: 'OT_INVALID_INPUT', message: 'm', statusCode: 400, apiMessage: 'Could not get node for 7' })) as OtError).code.should.equal('OT_NOT_FOUND');
    (mapRmError(new OtError({ code: 'OT_UNAVAILABLE', message: 'm', statusCode: 503, apiMessage: 'required' }), { policy: true }) as OtError).code.should.equal('OT_UNAVAILABLE');
    const plain = new Error('x');
    should(mapRmError(plain)).equal(plain);
  });

  it('reads record fields, dates, ids and snapshot dates strictly', () => {
    recordFields({ record_date: new Date('2026-03-04T23:00:00Z'), official: 'yes', cycle_period: '12', subject: ' S ' }).should.eql({ record_date: '2026-03-04', official: true, cycle_period: 12, subject: 'S' });
    recordFields({ subject: '' }, true).should.eql({ subject: '' });
    recordFields({ subject: '' }).should.eql({});
    should.throws(() => recordFields({ nope: 1 }), /unknown record field "nope"/);
    should.throws(() => recordFields({ subject: ['a'] }), /subject must be text, not an array/);
    toDay('2026-02-03T10:00:00+02:00', 'd')!.should.equal('2026-02-03');
    toDay(Date.UTC(2026, 0, 2), 'd')!.should.equal('2026-01-02');
    should.throws(() => toDay('2026-13-01', 'record_date'), /record_date must be a date/);
    should.throws(() => toDay('2026-02-30', 'record_date'), /record_date must be a date/);
    should.throws(() => toDay('tomorrow', 'd'), /must be a date/);
    idsInput('2201, 2202;2203', 'nodes').should.eql([2201, 2202, 2203]);
    idsInput([{ id: 5 }, '6', 7], 'nodes').should.eql([5, 6, 7]);
    should.throws(() => idsInput([0], 'nodes'), /nodes\[0\] must be a positive whole number/);
    bodyQdate('2026-11-22T03:10:05').should.equal('D/2026-11-22:03:10:05');
    bodyQdate('D/2026-11-22:03:10:05').should.equal('D/2026-11-22:03:10:05');
  });
});
