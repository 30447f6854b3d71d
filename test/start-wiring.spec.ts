/**
 * `npm start` wires the examples' "OpenText event in" nodes to the sandbox, end to end with real
 * processes: every ot-event-in node of the shipped examples that have one (found by their content,
 * copied as shipped) and of two test examples gets the one webhook secret of this start, its URL is
 * registered with the sandbox for the kinds of events it accepts (also while an OT_* variable points
 * a product at a real system), the sandbox's callbacks reach every flow (EX-4 alerts operations and
 * reissues on a delivery exception; a push answer reaches every flow that takes push answers), and
 * the tab and group environment variables of the files are kept and in effect.
 *
 * The pack is built into a temp folder (scripts/build.js --out --transpile-only) so the test neither
 * needs nor touches dist/.
 */
import type { ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { until } from './support/nr';
import { alive, buildPack, root, startPack } from './support/start';

type Obj = Record<string, unknown>;
type FlowNode = Obj & { id: string; type: string; z?: string };

const APPWORKS_KEY = 'appworks-key-not-for-the-console-0815';
/** Communications of the sandbox's Exstream fixture (as in test/examples/EX-support.ts). */
const STATEMENT = '1a9024ab-d875-45ff-99fa-2db39bc27879';
const REISSUE = '2a3c7370-2a6c-4e2b-b443-ea653cb52ecb';
/** The sandbox webhook kind of each event type of ot-event-in (written out here, not taken from start.js). */
const KIND: Record<string, string | null> = { 'push.response': 'push', 'push.opened': 'push', 'fax.status': 'fax', 'fax.inbound': 'inboundFax', 'exstream.delivery_exception': 'exstream', custom: null };
const ALL_KINDS = ['push', 'fax', 'inboundFax', 'exstream'];

const TAB_ENV = [
  { name: 'W_TAB_NOTE', value: 'from the tab', type: 'str' },
  { name: 'W_LIMIT', value: '42', type: 'num' },
];
const GROUP_ENV = [{ name: 'W_GROUP_NOTE', value: 'from the group', type: 'str' }];

/**
 * A test example: an ot-event-in whose events are written, one JSON line each, to a file (with the
 * env variables the flow sees), so the test can see the flow react.
 */
function listener(tag: string, types: string, out: string, env?: { tab: Obj[]; group: Obj[] }): FlowNode[] {
  const z = `${tag}_tab`;
  const to = env
    ? '$string({"type": payload.type, "eventId": payload.eventId, "action": payload.payload.action, "tabNote": $env("W_TAB_NOTE"), "limit": $env("W_LIMIT"), "groupNote": $env("W_GROUP_NOTE")})'
    : '$string({"type": payload.type, "eventId": payload.eventId, "action": payload.payload.action})';
  return [
    { id: z, type: 'tab', label: tag, disabled: false, info: `${tag} (test example)`, ...(env ? { env: env.tab } : {}) },
    { id: `${tag}_note`, type: 'comment', z, name: `${tag}: writes the events it receives to a file`, info: 'Events come from the sandbox at http://127.0.0.1:8701.', x: 200, y: 40, wires: [] },
    { id: `${tag}_g`, type: 'group', z, name: '1. Receive', style: { label: true }, nodes: [`${tag}_events`, `${tag}_shape`, `${tag}_file`], ...(env ? { env: env.group } : {}), x: 34, y: 79, w: 652, h: 82 },
    { id: `${tag}_events`, type: 'ot-event-in', z, g: `${tag}_g`, name: `${tag} events`, url: `/test/${tag}/events`, verify: 'either', tokenHeader: 'X-OT-Token', signatureHeader: 'X-OT-Signature', types, dedupe: 600, x: 130, y: 120, wires: [[`${tag}_shape`]] },
    { id: `${tag}_shape`, type: 'change', z, g: `${tag}_g`, name: 'what arrived', rules: [{ t: 'set', p: 'payload', pt: 'msg', to, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 330, y: 120, wires: [[`${tag}_file`]] },
    { id: `${tag}_file`, type: 'file', z, g: `${tag}_g`, name: 'append', filename: out, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 530, y: 120, wires: [[]] },
    // accepts only "custom" events: nothing the sandbox sends, so it is not registered
    { id: `${tag}_portal`, type: 'ot-event-in', z, name: `${tag} portal`, url: `/test/${tag}/portal`, verify: 'token', tokenHeader: 'X-OT-Token', signatureHeader: 'X-OT-Signature', types: 'custom', dedupe: 600, x: 130, y: 200, wires: [[]] },
    // switched off: not registered
    { id: `${tag}_off`, type: 'ot-event-in', z, d: true, name: `${tag} off`, url: `/test/${tag}/off`, verify: 'either', tokenHeader: 'X-OT-Token', signatureHeader: 'X-OT-Signature', types: '', dedupe: 600, x: 130, y: 260, wires: [[]] },
  ];
}

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Obj; text: string }> {
  const r = await fetch(url, { method, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    /* not JSON */
  }
  return { status: r.status, body: parsed, text };
}

function lines(file: string): Obj[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Obj);
}

/** The shipped examples with an "OpenText event in" node, by path relative to examples/. */
function shippedWithEventIn(): Map<string, FlowNode[]> {
  const found = new Map<string, FlowNode[]>();
  const dir = path.join(root, 'examples');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.json') && fs.readFileSync(f, 'utf8').includes('"ot-event-in"')) {
        const flow = JSON.parse(fs.readFileSync(f, 'utf8')) as FlowNode[];
        if (flow.some((n) => n.type === 'ot-event-in')) found.set(path.relative(dir, f), flow);
      }
    }
  };
  walk(dir);
  return found;
}

describe('npm start wires the "OpenText event in" nodes of the examples to the sandbox', function () {
  this.timeout(120000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-start-wiring-'));
  const pack = path.join(tmp, 'pack');
  const userDir = path.join(tmp, 'node-red');
  const examples = path.join(tmp, 'examples');
  const w1File = path.join(tmp, 'out', 'w1.jsonl');
  const w2File = path.join(tmp, 'out', 'w2.jsonl');
  const shipped = shippedWithEventIn();
  const sources: FlowNode[][] = [];
  let child: ChildProcess;
  let out = '';
  let exited: Promise<number | null>;
  let nodeRed = '';
  let sandbox = '';
  let pids: { sandbox: number; nodeRed: number } | undefined;

  before(async () => {
    buildPack(pack);
    // the shipped examples with an event-in node, as shipped
    for (const [rel, flow] of shipped) {
      fs.mkdirSync(path.join(examples, path.dirname(rel)), { recursive: true });
      fs.copyFileSync(path.join(root, 'examples', rel), path.join(examples, rel));
      sources.push(flow);
    }
    // two test examples: push answers only (with tab and group env), and every kind
    fs.mkdirSync(path.join(examples, 'Test wiring'), { recursive: true });
    const w1 = listener('w1', 'push.response', w1File, { tab: TAB_ENV, group: GROUP_ENV });
    const w2 = listener('w2', '', w2File);
    fs.writeFileSync(path.join(examples, 'Test wiring', 'W-1 Push answers.json'), JSON.stringify(w1, null, 2));
    fs.writeFileSync(path.join(examples, 'Test wiring', 'W-2 Every event.json'), JSON.stringify(w2, null, 2));
    sources.push(w1, w2);

    // a product pointed at a real system: the sandbox still gets the webhooks
    const env: NodeJS.ProcessEnv = { ...process.env, OT_SANDBOX_PORT: '0', OT_APPWORKS_URL: 'https://appworks.example.invalid', OT_APPWORKS_KEY: APPWORKS_KEY };
    for (const k of ['NODE_RED_PORT', 'OT_WEBHOOK_SECRET', 'OT_XECM_URL', 'OT_OTDS_URL', 'OT_EXSTREAM_URL', 'OT_MESSAGING_URL']) delete env[k];
    const started = startPack({ pack, userDir, examples }, env, (text) => (out += text));
    child = started.child;
    exited = started.exited;
    ({ nodeRed, sandbox, pids } = await started.ready);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    for (const pid of pids ? [pids.sandbox, pids.nodeRed] : []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const storedSecrets = () => {
    const creds = JSON.parse(fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8')) as Record<string, Obj>;
    const flows = JSON.parse(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8')) as FlowNode[];
    return flows.filter((n) => n.type === 'ot-event-in').map((n) => ({ node: n, secret: creds[n.id]?.secret }));
  };

  it('loads the shipped examples that have an event-in node (RM-1, RM-7, EX-3, EX-4 ...) and the test examples', async () => {
    [...shipped.keys()].map((k) => path.basename(k).split(' ')[0]).should.containDeep(['RM-1', 'RM-7', 'EX-3', 'EX-4']);
    const flows = (await call('GET', `${nodeRed}flows`)).body as unknown as FlowNode[];
    const tabs = flows.filter((n) => n.type === 'tab').map((t) => t.label);
    tabs.should.have.length(shipped.size + 2);
    tabs.should.containEql('W-1 Push answers');
    tabs.should.containEql('EX-4 Delivery exception and reissue');
  });

  it('gives every ot-event-in node the same webhook secret, new per start and never printed', async () => {
    const all = storedSecrets();
    all.length.should.equal(sources.flat().filter((n) => n.type === 'ot-event-in').length);
    const secret = String(all[0].secret);
    secret.length.should.be.above(20);
    for (const s of all) should(s.secret).equal(secret, `${s.node.id} has the webhook secret`);
    for (const s of all.slice(0, 3)) (await call('GET', `${nodeRed}credentials/ot-event-in/${s.node.id}`)).body.should.eql({ has_secret: true });
    out.should.not.containEql(secret);
    out.should.not.containEql(APPWORKS_KEY);
    (await call('GET', `${sandbox}/_sandbox/webhooks`)).text.should.not.containEql(secret);
    out.should.match(/secret set \(random for this start; OT_WEBHOOK_SECRET chooses one\)/);
  });

  it("registers each node's URL under Node-RED's address for the kinds it accepts, also with a product pointed at a real system", async () => {
    out.should.match(/AppWorks Gateway: https:\/\/appworks\.example\.invalid, key set \(OT_APPWORKS_\*\)/);
    // what the sandbox should hold, worked out from the source files
    const expected: Record<string, string[]> = {};
    let live = 0;
    for (const n of sources.flat()) {
      if (n.type !== 'ot-event-in' || n.d === true) continue;
      live++;
      const types = String(n.types || '').split(',').map((t) => t.trim()).filter((t) => t in KIND);
      const kinds = types.length ? ALL_KINDS.filter((k) => types.some((t) => KIND[t] === k)) : ALL_KINDS;
      const url = nodeRed + String(n.url).replace(/^\//, '');
      for (const k of kinds) (expected[k] ||= []).push(url);
    }
    const got = (await call('GET', `${sandbox}/_sandbox/webhooks`)).body;
    got.secret!.should.equal('***');
    const norm = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : []).slice().sort();
    for (const k of ALL_KINDS) norm(got[k]).should.eql((expected[k] || []).sort(), k);
    norm(got.push).should.containEql(`${nodeRed}opentext/rm1/push-responses`).and.containEql(`${nodeRed}test/w1/events`).and.containEql(`${nodeRed}test/w2/events`);
    norm(got.exstream).should.eql([`${nodeRed}opentext/ex4/events`, `${nodeRed}test/w2/events`]);
    norm(got.inboundFax).should.containEql(`${nodeRed}test/w2/events`);
    for (const k of ALL_KINDS) norm(got[k]).should.not.containEql(`${nodeRed}test/w1/portal`).and.not.containEql(`${nodeRed}test/w2/off`);
    out.should.containEql(`Webhooks: ${live} "OpenText event in" endpoints registered with the sandbox (push ${expected.push.length}, fax ${expected.fax.length}, inboundFax ${expected.inboundFax.length}, exstream ${expected.exstream.length})`);
    out.should.containEql(`${nodeRed}test/w1/portal  no sandbox events (custom only)  (W-1 Push answers)`);
  });

  it('keeps the tab and group env variables of the files, and the flows see them', async () => {
    const flows = (await call('GET', `${nodeRed}flows`)).body as unknown as FlowNode[];
    const tab = flows.find((n) => n.type === 'tab' && n.label === 'W-1 Push answers')!;
    tab.env!.should.eql(TAB_ENV);
    flows.find((n) => n.type === 'group' && n.z === tab.id)!.env!.should.eql(GROUP_ENV);
    // every shipped example tab keeps its env as the file has it (or has none when the file has none)
    for (const [rel, flow] of shipped) {
      const label = path.basename(rel, '.json');
      const t = flows.find((n) => n.type === 'tab' && n.label === label)!;
      should(t.env).eql(flow[0].env, label);
    }
  });

  it('a delivery exception from Exstream reaches EX-4 (operations alerted, communication reissued) and the every-kind listener', async () => {
    const r = await call('POST', `${sandbox}/_sandbox/exstream-event`, { type: 'failed_print', communicationId: STATEMENT, customerReference: 'C-1002', eventId: 'start-exc-1' });
    r.status.should.equal(200);
    r.body.delivered!.should.be.true();
    type Job = { job_id: string; recipients: Array<{ recipient: string }>; notification: { title: string; body: string }; deliveries: Array<{ user: string }> };
    let alert: Job | undefined;
    await until(
      async () => {
        const jobs = ((await call('GET', `${sandbox}/_sandbox/state/push`)).body.jobs || []) as Job[];
        alert = jobs.find((j) => j.recipients.some((x) => x.recipient === 'group:operations'));
        return !!alert;
      },
      20000,
      'the operations alert of EX-4',
    );
    alert!.notification.title.should.equal('Delivery exception: Customer Statement');
    alert!.notification.body.should.containEql('Customer C-1002').and.containEql('Next action: reissue by e-mail');
    await until(
      async () => (((await call('GET', `${sandbox}/_sandbox/state/exstream`)).body.documents || []) as Obj[]).some((d) => d.communicationId === REISSUE && d.customerNumber === 'C-1002' && d.channel === 'email'),
      20000,
      'the reissue of EX-4',
    );
    await until(() => lines(w2File).some((l) => l.eventId === 'start-exc-1'), 10000, 'the every-kind listener');
    lines(w2File).find((l) => l.eventId === 'start-exc-1')!.type!.should.equal('exstream.delivery_exception');
    lines(w1File).filter((l) => l.eventId === 'start-exc-1').should.have.length(0);

    // a push answer to the alert goes to every flow that takes push answers, each accepting the signature
    const a = await call('POST', `${sandbox}/_sandbox/push-response`, { job_id: alert!.job_id, user: 'cclerk', action: 'dismissed', eventId: 'start-answer-1' });
    a.status.should.equal(200, a.text);
    a.body.webhook!.should.be.true();
    await until(() => lines(w1File).some((l) => l.eventId === 'start-answer-1') && lines(w2File).some((l) => l.eventId === 'start-answer-1'), 10000, 'the push answer at both listeners');
    lines(w1File).find((l) => l.eventId === 'start-answer-1')!.should.eql({ type: 'push.response', eventId: 'start-answer-1', action: 'dismissed', tabNote: 'from the tab', limit: 42, groupNote: 'from the group' });
    lines(w2File).find((l) => l.eventId === 'start-answer-1')!.should.eql({ type: 'push.response', eventId: 'start-answer-1', action: 'dismissed' });
  });

  it('an inbound fax notice reaches the every-kind listener only', async () => {
    const r = await call('POST', `${sandbox}/_sandbox/inbound-fax`, { from: '+1 555 555 0199', pages: 1 });
    r.status.should.equal(201, r.text);
    await until(() => lines(w2File).some((l) => l.type === 'fax.inbound' && l.eventId === r.body.id), 10000, 'the inbound fax notice');
    lines(w1File).filter((l) => l.type === 'fax.inbound').should.have.length(0);
  });

  it('every registered endpoint accepted every signed callback; unsigned requests are refused', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const failures = (await call('GET', `${sandbox}/_sandbox/state`)).body.webhookFailures as string[];
    failures.should.eql([]);
    const url = `${nodeRed}test/w1/events`;
    const event = { event: 'push.response', eventId: 'manual-1', reference: 'manual', action: 'ok' };
    (await call('POST', url, event)).status.should.equal(401);
    (await call('POST', url, event, { 'X-OT-Token': 'a-wrong-secret' })).status.should.equal(401);
    const ok = await call('POST', url, event, { 'X-OT-Token': String(storedSecrets()[0].secret) });
    ok.status.should.equal(200);
    ok.body.should.eql({ received: true, duplicate: false });
    await until(() => lines(w1File).some((l) => l.eventId === 'manual-1'), 10000, 'the signed manual event');
  });
});
