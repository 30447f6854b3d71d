/**
 * ot-record ("declare record") over real HTTP against the sandbox: declare with and without the
 * classification's required metadata (OT_POLICY with the server's reason reaches Catch), msg.record
 * overrides, update, undeclare, finalize directly and through the RM queue, RM details with holds
 * and schedule, the metadata token read before every change, and a stale token re-read and retried
 * once.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, xecmConfig, type FlowNode } from '../support/nr';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const recordNode = require('../../nodes/rm/ot-record');

type Obj = Record<string, unknown>;
/** What a Catch node passes on: msg.error (message, code) and the node's msg.otError (code, details). */
type Caught = Obj & { error: Obj & { code: string; message: string }; otError: Obj & { code: string; statusCode?: number; details: Obj } };
interface RmState {
  records: Record<string, { class_id: number; fields: Obj; finalized: boolean }>;
  log: Array<{ op: string; node?: number; token?: string; status: number }>;
}

describe('ot-record (declare record)', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  const rmState = async () => (await (await fetch(`${h.url}/_sandbox/state/rm`)).json()) as RmState;
  const sandboxPost = (path: string, body: unknown) => fetch(h.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** The RM log of one node as "op:token" entries. */
  const opsOf = async (nodeId: number) => (await rmState()).log.filter((e) => e.node === nodeId).map((e) => (e.token ? `${e.op}:${e.token}` : e.op));

  async function load(settings: Obj, creds?: Record<string, Record<string, string>>) {
    const cfg = xecmConfig(h.csUrl);
    const flow: FlowNode[] = [
      TAB,
      cfg.node,
      { id: 'r1', type: 'ot-record', z: 'tab1', server: 'xecm1', operation: 'declare', nodeId: 'payload', nodeIdType: 'msg', classId: '', classIdType: 'num', ...settings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
    await helper.load([xecmNode, recordNode], flow, (creds || cfg.creds) as never);
    return { r1: helper.getNode('r1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  /** Sends a message and resolves with the output message or the caught error message. */
  async function send(n: Awaited<ReturnType<typeof load>>, msg: Obj): Promise<{ out?: Obj; caught?: Caught }> {
    return new Promise((resolve, reject) => {
      const onOut = (m: Obj) => finish({ out: m });
      const onCaught = (m: Obj) => finish({ caught: m as Caught });
      const t = setTimeout(() => finish(undefined), 10000);
      function finish(r: { out?: Obj; caught?: Caught } | undefined) {
        clearTimeout(t);
        n.out.removeListener('input', onOut);
        n.caught.removeListener('input', onCaught);
        if (r) resolve(r);
        else reject(new Error('no output and no error within 10 s'));
      }
      n.out.on('input', onOut);
      n.caught.on('input', onCaught);
      n.r1.receive(msg);
    });
  }

  it('declares a record with the required metadata from the dialog (TypedInputs and a template)', async () => {
    const n = await load({ classId: '3001', classIdType: 'num', status: 'ACTIVE', statusType: 'str', recordDate: 'date', recordDateType: 'msg', subject: 'Invoice {{invoice}}', subjectType: 'str', official: 'true', officialType: 'bool' });
    const r = await send(n, { payload: 2401, date: '2026-01-15', invoice: 'INV-77' });
    should.exist(r.out);
    const p = r.out!.payload as Obj;
    p.should.containEql({ id: 2401, classified: true, class_id: 3001, class_name: 'FIN-100 Invoices', file_number: 'FIN-100', status: 'ACTIVE', record_date: '2026-01-15', subject: 'Invoice INV-77', official: true, rsi: 'INV-7Y', record_officer_id: 1001, record_officer_name: 'rmanager' });
    (await rmState()).records['2401'].fields.should.containEql({ status: 'ACTIVE', record_date: '2026-01-15', subject: 'Invoice INV-77' });
    // the token was read before the change, and the change carried the current one
    (await opsOf(2401)).slice(0, 2).should.eql(['read token', 'declare:current']);
  });

  it('without the required metadata: OT_POLICY with the server’s reason reaches Catch and nothing is declared', async () => {
    const n = await load({ classId: '3001', classIdType: 'num' });
    const r = await send(n, { payload: 2401, record: { record_date: '2026-01-15' } });
    should.not.exist(r.out);
    const err = r.caught!.error;
    err.code.should.equal('OT_POLICY');
    String(err.message).should.match(/required fields are missing: Status/);
    (r.caught!.otError.details as Obj).reason!.should.equal("The RM Classification 'FIN-100 Invoices' cannot be applied: the following required fields are missing: Status.");
    should.not.exist((await rmState()).records['2401']);
    JSON.stringify(r.caught).should.not.match(/sandbox-admin/);
  });

  it('msg.record wins over the dialog (fields and class_id)', async () => {
    const n = await load({ classId: '3003', classIdType: 'num', status: 'PENDING', statusType: 'str', subject: 'from the dialog', subjectType: 'str' });
    const r = await send(n, { payload: '2401', record: { class_id: 3001, status: 'ACTIVE', record_date: new Date('2026-02-03T10:00:00Z'), next_review_date: '2027-02-03' } });
    (r.out!.payload as Obj).should.containEql({ class_id: 3001, status: 'ACTIVE', subject: 'from the dialog', record_date: '2026-02-03', next_review_date: '2027-02-03' });
  });

  it('refuses a classification not allowed there, and a user without RM rights, as OT_POLICY', async () => {
    const n = await load({ classId: '3004', classIdType: 'num', receivedDate: '2026-01-02' });
    const loc = await send(n, { payload: 2201 });
    loc.caught!.error.code.should.equal('OT_POLICY');
    String(loc.caught!.otError.details.reason).should.equal("The RM Classification 'FAX-400 Fax Records' is not allowed in this location.");
    const other = await send(n, { payload: 2203, record: { class_id: 3002, subject: 's', addressee: 'a', originator: 'o' } });
    other.caught!.error.code.should.equal('OT_POLICY');
    String(other.caught!.otError.details.reason).should.match(/already classified with the RM Classification 'FIN-100 Invoices'/);
    await helper.unload();
    const jsmith = await load({ classId: '3003', classIdType: 'num' }, { xecm1: { username: 'jsmith', password: 'sandbox-jsmith' } });
    const denied = await send(jsmith, { payload: 2401 });
    denied.caught!.error.code.should.equal('OT_POLICY');
    denied.caught!.otError.statusCode!.should.equal(403);
    String(denied.caught!.otError.details.reason).should.match(/permission to classify/);
  });

  it('updates record details (an empty msg.record value clears a field) and refuses a node that is no record', async () => {
    const n = await load({ operation: 'update', subject: 'Audited invoice', subjectType: 'str' });
    const r = await send(n, { payload: 2203, record: { next_review_date: '' } });
    (r.out!.payload as Obj).should.containEql({ id: 2203, subject: 'Audited invoice', status: 'ACTIVE' });
    should.not.exist((r.out!.payload as Obj).next_review_date);
    (await opsOf(2203)).should.eql(['read token', 'update:current', 'read token']);
    const none = await send(n, { payload: 2401 });
    none.caught!.error.code.should.equal('OT_INVALID_INPUT');
    String(none.caught!.error.message).should.match(/not a record/);
    const bad = await send(n, { payload: 2203, record: { status: '' } });
    bad.caught!.error.code.should.equal('OT_POLICY');
  });

  it('undeclares a record, leaves a non-record alone, and refuses an item under hold (OT_POLICY)', async () => {
    const n = await load({ operation: 'undeclare' });
    const r = await send(n, { payload: 2203 });
    (r.out!.payload as Obj).should.containEql({ id: 2203, classified: false, removed: 3001 });
    should.not.exist((await rmState()).records['2203']);
    (await opsOf(2203)).slice(0, 2).should.eql(['read token', 'undeclare:current']);
    const again = await send(n, { payload: 2203 });
    (again.out!.payload as Obj).should.containEql({ classified: false });
    should.not.exist((again.out!.payload as Obj).removed);
    const held = await send(n, { payload: 2205 });
    held.caught!.error.code.should.equal('OT_POLICY');
    String(held.caught!.otError.details.reason).should.match(/under hold \('Audit FY2025'\)/);
  });

  it('finalizes a record directly', async () => {
    const n = await load({ operation: 'finalize', finalizeMode: 'direct' });
    const r = await send(n, { payload: 2201 });
    (r.out!.payload as Obj).should.containEql({ id: 2201, finalized: true, status: 'FINAL' });
    ((r.out!.payload as Obj).can as Obj).should.containEql({ finalize: false });
    const notRecord = await send(n, { payload: 2401 });
    notRecord.caught!.error.code.should.equal('OT_POLICY');
  });

  it('finalizes through the RM queue, waiting for the task; a bounded wait ends with OT_TIMEOUT', async () => {
    const n = await load({ operation: 'finalize', finalizeMode: 'queue', waitSec: 10 });
    const r = await send(n, { payload: 2203 });
    (r.out!.payload as Obj).should.containEql({ id: 2203, finalized: true, status: 'FINAL' });
    (r.out!.rmTask as Obj).should.containEql({ status: 'complete', location: 'api/v1/rmqueues/1' });
    const failed = await send(n, { payload: 2401 });
    failed.caught!.error.code.should.equal('OT_POLICY');
    String(failed.caught!.error.message).should.match(/not a record/);
    await helper.unload();
    const quick = await load({ operation: 'finalize', finalizeMode: 'queue', waitSec: 0 });
    const t = await send(quick, { payload: 2204 });
    t.caught!.error.code.should.equal('OT_TIMEOUT');
    (t.caught!.otError.details.task as Obj).should.containEql({ status: 'pending' });
  });

  it('gets RM details with holds and the retention schedule', async () => {
    const n = await load({ operation: 'get', includeHolds: true, includeSchedule: true });
    const r = await send(n, { payload: 2205 });
    const p = r.out!.payload as Obj & { holds: Obj[]; schedule: Obj[] };
    p.should.containEql({ id: 2205, classified: true, class_name: 'LEG-200 Contracts', rsi: 'CON-10Y', record_officer_name: 'lcounsel' });
    p.holds.should.have.length(1);
    p.holds[0].should.containEql({ hold_id: 5002, hold_name: 'Audit FY2025', applied: 'Direct', on: 2205 });
    p.schedule.should.have.length(1);
    p.schedule[0].should.containEql({ stage: 'DESTROY', action: 32, permanent: false });
    String(p.schedule[0].calculatedDate).should.match(/^\d{4}-\d{2}-\d{2}$/);
    const missing = await send(n, { payload: 999999 });
    missing.caught!.error.code.should.equal('OT_NOT_FOUND');
  });

  it('re-reads a stale token and retries once; a second conflict fails with OT_CONFLICT', async () => {
    const n = await load({ operation: 'update', subject: 'changed', subjectType: 'str' });
    (await sandboxPost('/_sandbox/rm/conflict', { nodeId: 2203, count: 1 })).status.should.equal(200);
    const r = await send(n, { payload: 2203 });
    (r.out!.payload as Obj).should.containEql({ subject: 'changed' });
    (await opsOf(2203)).should.eql(['read token', 'concurrent edit (hook)', 'update:stale', 'read token', 'update:current', 'read token']);
    (await sandboxPost('/_sandbox/rm/conflict', { nodeId: 2201, count: 2 })).status.should.equal(200);
    const twice = await send(n, { payload: 2201 });
    twice.caught!.error.code.should.equal('OT_CONFLICT');
    String(twice.caught!.error.message).should.match(/twice in a row/);
    (await opsOf(2201)).should.eql(['read token', 'concurrent edit (hook)', 'update:stale', 'read token', 'concurrent edit (hook)', 'update:stale']);
  });

  it('rejects bad input with OT_INVALID_INPUT before calling the server', async () => {
    const n = await load({ classId: '3003', classIdType: 'num' });
    const cases: Array<[Obj, RegExp]> = [
      [{ payload: 'abc' }, /node id must be a positive whole number/],
      [{ payload: 2401, record: { colour: 'blue' } }, /unknown record field "colour"/],
      [{ payload: 2401, record: { record_date: 'yesterday' } }, /record_date must be a date/],
      [{ payload: 2401, record: 'not json' }, /msg.record is not valid JSON/],
      [{ payload: 2401, record: { class_id: 'x' } }, /RM classification id must be a positive whole number/],
      [{ payload: 2401, record: { official: 'maybe' } }, /official must be true or false/],
    ];
    for (const [msg, re] of cases) {
      const r = await send(n, msg);
      r.caught!.error.code.should.equal('OT_INVALID_INPUT');
      String(r.caught!.error.message).should.match(re);
    }
    should.not.exist((await rmState()).records['2401']);
    await helper.unload();
    const noClass = await load({ classId: '', classIdType: 'num' });
    const r = await send(noClass, { payload: 2401 });
    r.caught!.error.code.should.equal('OT_INVALID_INPUT');
    String(r.caught!.error.message).should.match(/classification id is needed/);
  });
});
