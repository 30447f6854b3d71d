/**
 * Example EX-2 "Payment due and delinquency reminders", deployed as shipped: each account gets the
 * letter and the push of its segment (due soon, overdue, final demand) with the right amount and
 * due date; a paid account and one not yet due get nothing; a repeated run reminds nobody twice; a
 * run for a later day moves accounts into later segments; a letter Exstream cannot compose reaches
 * the Catch's OT_API route.
 */
import should from 'should';
import { readExample, useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { checkShape, COMM, exState, FOLDER, generated, pushesTo, pushState, type Obj } from './EX-support';

const EXAMPLE = `${FOLDER}/EX-2 Payment due and delinquency reminders`;

const EXPECTED = [
  { account: 'ACC-501', customer: 'C-1001', user: 'cust-1001', segment: 'due-soon', title: 'Payment due soon', amount: 1520.4, amountText: 'USD 1,520.40', currency: 'USD', due: '2026-06-19', text: 'is due on 2026-06-19' },
  { account: 'ACC-502', customer: 'C-1002', user: 'cust-1002', segment: 'overdue', title: 'Your payment is overdue', amount: 310, amountText: 'EUR 310.00', currency: 'EUR', due: '2026-06-01', text: 'was due on 2026-06-01 and is 14 days overdue' },
  { account: 'ACC-503', customer: 'C-1003', user: 'cust-1003', segment: 'final-demand', title: 'Final demand: immediate payment required', amount: 2890.75, amountText: 'USD 2,890.75', currency: 'USD', due: '2026-04-20', text: 'was due on 2026-04-20 (56 days ago)' },
];

interface Skipped {
  payload: Array<{ accountNumber: string; customerNumber: string; reason: string }>;
}

describe('example EX-2 Payment due and delinquency reminders', function () {
  this.timeout(60000);
  const h = useExamples();

  it('ships as documented', async () => {
    checkShape(readExample(EXAMPLE), ['ot-otds', 'ot-exstream', 'ot-messaging']);
    const d = await h.deploy(EXAMPLE);
    should(d.byName('Collections run', 'inject').payloadType).equal('json');
  });

  it('each account gets the letter and the push of its segment with the right amount and due date; the paid account and the one due later get nothing', async () => {
    const d = await h.deploy(EXAMPLE);
    const sent = collect<Obj>(d.node('ex2_sent'));
    const none = collect<Skipped>(d.node('ex2_none'));
    d.trigger('ex2_run');
    await until(() => sent.length === 3 && none.length === 1, 20000, 'three reminders and the skipped list');

    for (const e of EXPECTED) {
      const letters = generated(h.sb, COMM.reminder, e.customer);
      letters.should.have.length(1, `${e.customer}: one letter`);
      should(letters[0].segment).equal(e.segment);
      letters[0].fileName.should.equal(`reminder-${e.segment}-${e.customer}.pdf`);
      letters[0].driverSummary.should.containEql(`amountDue=${e.amount}`).and.containEql(`dueDate=${e.due}`);
      should(letters[0].correlationId).equal(`rem-${e.account}-2026-06-15`);

      const jobs = pushesTo(h.sb, e.user);
      jobs.should.have.length(1, `${e.user}: one push`);
      const n = jobs[0].notification;
      n.title.should.equal(e.title);
      n.body.should.containEql(e.amountText).and.containEql(e.text).and.containEql(e.account);
      n.priority.should.equal('high');
      should(n.deep_link).equal(`https://portal.example.com/pay/${e.account}`);
      should(jobs[0].data).eql({ accountNumber: e.account, segment: e.segment, amountDue: e.amount, currency: e.currency, dueDate: e.due });
      should(jobs[0].reference).equal(`rem-${e.account}-2026-06-15`);
    }
    // paid (C-1004) and not yet due (C-1005): no letter, no push
    for (const c of ['C-1004', 'C-1005']) generated(h.sb, COMM.reminder, c).should.have.length(0);
    pushesTo(h.sb, 'cust-1004').should.have.length(0);
    pushesTo(h.sb, 'cust-1005').should.have.length(0);
    // (built in the function node's sandbox: compare as JSON)
    JSON.parse(JSON.stringify(none[0].payload)).should.eql([
      { accountNumber: 'ACC-504', customerNumber: 'C-1004', reason: 'paid' },
      { accountNumber: 'ACC-505', customerNumber: 'C-1005', reason: 'due in 45 days' },
    ]);
    generated(h.sb, COMM.reminder).should.have.length(3);
    pushState(h.sb).jobs.should.have.length(3);
  });

  it('a repeated run for the same day reminds nobody twice', async () => {
    const d = await h.deploy(EXAMPLE);
    const sent = collect<Obj>(d.node('ex2_sent'));
    d.trigger('ex2_run');
    await until(() => sent.length === 3, 20000, 'first run');
    d.trigger('ex2_run');
    await until(() => sent.length === 6, 20000, 'second run');
    for (const e of EXPECTED) pushesTo(h.sb, e.user).should.have.length(1);
    pushState(h.sb).duplicates.should.equal(3);
  });

  it('a run for a later day moves the accounts into later segments', async () => {
    const d = await h.deploy(EXAMPLE);
    const sent = collect<Obj>(d.node('ex2_sent'));
    const run = JSON.parse(String(d.byName('Collections run', 'inject').payload)) as { accounts: Obj[] };
    d.trigger('ex2_segment', { payload: { asOf: '2026-07-25', accounts: run.accounts } });
    await until(() => sent.length === 4, 20000, 'four reminders');
    // 2026-07-25: ACC-501 36 days overdue (low risk), ACC-502 54 days, ACC-503 96 days, ACC-505 due in 5 days
    const seg = (c: string) => generated(h.sb, COMM.reminder, c).map((x) => x.segment);
    seg('C-1001').should.eql(['overdue']);
    seg('C-1002').should.eql(['overdue']);
    seg('C-1003').should.eql(['final-demand']);
    seg('C-1005').should.eql(['due-soon']);
    seg('C-1004').should.eql([]);
    pushesTo(h.sb, 'cust-1005')[0].recipients[0].result.should.equal('no_devices');
  });

  it('a letter Exstream cannot compose goes to the OT_API route; the other accounts are reminded', async () => {
    const d = await h.deploy(EXAMPLE);
    const sent = collect<Obj>(d.node('ex2_sent'));
    const failed = collect<{ error: { code: string }; account: Obj }>(d.node('ex2_letter_failed'));
    const other = collect<Obj>(d.node('ex2_other'));
    const run = JSON.parse(String(d.byName('Collections run', 'inject').payload)) as { asOf: string; accounts: Obj[] };
    run.accounts[1] = { ...run.accounts[1], simulateFailure: 'Template for overdue notices is being revised' };
    d.trigger('ex2_segment', { payload: run });
    await until(() => sent.length === 2 && failed.length === 1, 20000, 'two reminders and one failure');
    failed[0].error.code.should.equal('OT_API');
    should(failed[0].account.accountNumber).equal('ACC-502');
    exState(h.sb).failures.map((f) => f.reason).should.eql(['Template for overdue notices is being revised']);
    pushesTo(h.sb, 'cust-1002').should.have.length(0);
    pushesTo(h.sb, 'cust-1001').should.have.length(1);
    pushesTo(h.sb, 'cust-1003').should.have.length(1);
    other.should.have.length(0);
  });
});
