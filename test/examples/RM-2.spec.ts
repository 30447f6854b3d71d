/**
 * Example RM-2 "Retention review and expiry notifications", deployed as shipped: the daily check
 * sends one push per responsible owner listing exactly their records whose review date or
 * retention milestone falls within 14 days (or is past), and nothing about records that are not
 * due; a week later (the inject run with msg.today) another owner's record has come due; in a tenant
 * where nothing is due no push goes out.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { nextMessage, until, type FlowNode } from '../support/nr';
import type { Delivery, Obj, PushState } from './RM-support';


const EXAMPLE = 'Records Management → Push/RM-2 Retention review and expiry notifications';
const NAMES: Record<number, string> = { 2201: 'Contract ACME 2024.pdf', 2202: 'Board minutes 2023-11.pdf', 2203: 'Invoice 10042.pdf', 2204: 'HR policy v3.docx', 2205: 'Vendor agreement Globex.pdf' };

/** A date n days (or years) from the sandbox's start, as the fixture's relative dates are. */
function day(n: number, years = 0): string {
  const d = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  d.setUTCFullYear(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

describe('example RM-2 Retention review and expiry notifications', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;

  const push = () => h.sb.sb.state('push') as PushState;
  /** The one push each user got (fails when a user got more than one). */
  function pushesByUser(): Record<string, Delivery> {
    const out: Record<string, Delivery> = {};
    for (const [user, ds] of Object.entries(push().byUser)) {
      new Set(ds.map((x) => x.job_id)).size.should.equal(1, `${user} got more than one push`);
      out[user] = ds[0];
    }
    return out;
  }
  const mentioned = (text: string) => Object.entries(NAMES).filter(([, n]) => text.includes(n)).map(([id]) => Number(id));

  /** Runs the daily check (the inject), optionally as of another day; resolves when the pushes settled. */
  async function check(expectedJobs: number, msg: Obj = {}): Promise<void> {
    const before = push().jobs.length;
    const polled = nextMessage(d.node('t_polled'), 15000);
    d.trigger('rm2_daily', msg);
    await polled;
    await until(() => push().jobs.length === before + expectedJobs, 5000, `${expectedJobs} pushes`);
    await new Promise((r) => setTimeout(r, 300));
    push().jobs.length.should.equal(before + expectedJobs);
  }

  async function deploy(): Promise<void> {
    const probe: FlowNode[] = [
      { id: 't_c1', type: 'complete', z: 'rm2_tab', scope: ['rm2_watch'], uncaught: false, wires: [['t_polled']] },
      { id: 't_polled', type: 'helper', z: 'rm2_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraNodes: probe });
  }

  it('one push per owner, listing exactly the due records; records not due are not mentioned', async () => {
    await deploy();
    await check(3);
    const got = pushesByUser();
    Object.keys(got).sort().should.eql(['acompliance', 'lcounsel', 'rmanager']);
    (got.mboss === undefined).should.be.true(); // his board minutes are reviewed in 20 days

    got.lcounsel.title.should.equal('2 records need your attention');
    got.lcounsel.body.should.equal(`Vendor agreement Globex.pdf: destroy (retention) overdue since ${day(0, -1)}; Contract ACME 2024.pdf: review ${day(5)} (in 5 days).`);
    got.rmanager.title.should.equal('1 record needs your attention');
    got.rmanager.body.should.equal(`Invoice 10042.pdf: destroy (retention) overdue since ${day(0, -1)}; Invoice 10042.pdf: review overdue since ${day(-2)}.`);
    got.acompliance.body.should.equal(`HR policy v3.docx: review (retention) overdue since ${day(-15)}.`);
    // each owner hears about their own records only
    mentioned(got.lcounsel.body).sort().should.eql([2201, 2205]);
    mentioned(got.rmanager.body).should.eql([2203]);
    mentioned(got.acompliance.body).should.eql([2204]);
    for (const p of Object.values(got)) p.body.should.not.containEql(NAMES[2202]);
    (got.lcounsel.data!.records as Obj[]).map((r) => r.nodeId).should.eql([2205, 2201]);
    push().jobs.every((j) => j.recipients.length === 1 && j.recipients[0].recipient.startsWith('user:')).should.be.true();
  });

  it('a week later the board minutes have come due: mboss is told too', async () => {
    await deploy();
    await check(4, { today: day(7) });
    const got = pushesByUser();
    Object.keys(got).sort().should.eql(['acompliance', 'lcounsel', 'mboss', 'rmanager']);
    got.mboss.body.should.equal(`Board minutes 2023-11.pdf: review ${day(20)} (in 13 days).`);
    got.lcounsel.body.should.containEql(`Contract ACME 2024.pdf: review overdue since ${day(5)}`);
  });

  it('no record due: no push', async () => {
    const app = h.sb.sb.app;
    const original = app.fixture;
    const calm = JSON.parse(JSON.stringify(original)) as { rm: { records: Array<Obj> } };
    // a tenant whose records were all declared today and are reviewed in three months
    calm.rm.records = calm.rm.records.map((r) => ({ ...r, record_date: 'now', next_review_date: 'now+90d' }));
    app.reset(calm);
    try {
      await deploy();
      await check(0);
      push().jobs.should.have.length(0);
      // the same tenant a month later: the HR policy's 30-day review stage is due, only its owner hears of it
      await check(1, { today: day(20) });
      Object.keys(pushesByUser()).should.eql(['acompliance']);
    } finally {
      app.reset(original);
    }
  });
});
