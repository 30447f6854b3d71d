/**
 * Fault injection (npm run test:chaos): messages through the upload, declare, hold, fax and push
 * nodes while the sandbox injects 20 % faults with its own seeded fault injection: 500, 502, 503,
 * 504, 429 with Retry-After, connection resets, hangs past the client's timeout and expired
 * tickets on every API route, plus answers delayed past the timeout on the fax and push submits
 * (the server does the work, the client has given up and sends again).
 *
 * Every message must end in exactly one success output or one Catch; none is lost; no fax or push
 * is sent twice; every success is in the sandbox exactly once (documents by name, records, holds,
 * fax jobs and pushes by submit id, read from the sandbox's state).
 *
 * The count is OT_CHAOS_MESSAGES (default 300, the CI size); the full run is 2000:
 *   OT_CHAOS_MESSAGES=2000 npm run test:chaos
 */
import should from 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, type FlowNode } from '../support/nr';
import { addVersion, createNode } from '../../sandbox/areas/cs-core';
import type { FaultRule } from '../../sandbox';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const uploadNode = require('../../nodes/xecm/ot-upload');
const recordNode = require('../../nodes/rm/ot-record');
const holdNode = require('../../nodes/rm/ot-hold');
const messagingNode = require('../../nodes/messaging/ot-messaging');
const faxSendNode = require('../../nodes/messaging/ot-fax-send');
const pushNode = require('../../nodes/messaging/ot-push');

type Obj = Record<string, unknown>;
const LANES = ['upload', 'declare', 'hold', 'fax', 'push'] as const;
type Lane = (typeof LANES)[number];

const MESSAGES = Math.max(LANES.length, Number(process.env.OT_CHAOS_MESSAGES) || 300);
const SEED = Number(process.env.OT_CHAOS_SEED) || 20260101;
const FAULT_RATE = 0.2;
const CLASS_ID = 3003; // HR-300 Personnel: no required fields, allowed anywhere
const HOLD_ID = 5001; // Litigation 2026
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);

/**
 * The fault rules: the kinds share FAULT_RATE of all API requests equally. The sandbox tries the
 * rules in order with one seeded draw each, so rule i gets q / (1 - i q) to fire with q each.
 */
function faultRules(): FaultRule[] {
  const kinds: Array<Omit<FaultRule, 'probability'>> = [
    { kind: '500' },
    { kind: '502' },
    { kind: '503' },
    { kind: '504' },
    { kind: '429', retryAfter: 1 },
    { kind: 'reset' },
    { kind: 'hang', ms: 2500 },
    { kind: 'expired' },
  ];
  const q = FAULT_RATE / kinds.length;
  const rules: FaultRule[] = kinds.map((k, i) => ({ ...k, route: '^(GET|POST|PUT|DELETE) /(otcs|mra|otdsws)/', probability: q / (1 - i * q) }));
  // The server does the work but answers after the client's timeout: the client sends it again.
  rules.unshift({ kind: 'latency', ms: 1300, route: '^POST /mra/v1/(outbound/faxes|utils/parser)$', probability: 0.1 });
  return rules;
}

describe(`chaos: ${MESSAGES} messages through upload, declare, hold, fax and push with ${FAULT_RATE * 100} % injected faults`, function () {
  this.timeout(Math.max(120000, MESSAGES * 400));
  const h = useSandbox();
  const helper = useNodeRed();

  const state = async <T>(area: string) => (await (await fetch(`${h.url}/_sandbox/state/${area}`)).json()) as T;

  /** Documents made directly in the sandbox (fixtures for the declare and hold lanes). */
  function fixtureDocs(parent: number, prefix: string, count: number): number[] {
    const app = h.sb.app;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${i}.txt`;
      const n = createNode(app, { parent_id: parent, name, type: 144, userId: 1000 });
      addVersion(app, n, { contentId: app.content.put(Buffer.from(`fixture ${name}`)), file_name: name, mime_type: 'text/plain', userId: 1000 });
      ids.push(n.id);
    }
    return ids;
  }

  it('ends every message exactly once, loses none, sends no fax or push twice, and stores every success exactly once', async () => {
    const app = h.sb.app;
    const folder = (name: string) => createNode(app, { parent_id: 2000, name, type: 0, userId: 1000 }).id;
    const uploadFolder = folder('Chaos uploads');
    const perLane = Math.ceil(MESSAGES / LANES.length);
    const declareDocs = fixtureDocs(folder('Chaos records'), 'rec', perLane);
    const holdDocs = fixtureDocs(folder('Chaos holds'), 'hold', perLane);

    const conn = { timeout: 1, retries: 3, maxDelay: 2, concurrency: 8 };
    const flow: FlowNode[] = [
      TAB,
      { id: 'x1', type: 'ot-xecm', name: 'sandbox', baseUrl: h.csUrl, authMode: 'password', ...conn },
      { id: 'm1', type: 'ot-messaging', name: 'sandbox', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', ...conn },
      { id: 'lane-upload', type: 'ot-upload', z: 'tab1', server: 'x1', target: 'parent', parent: '', parentType: 'msg', source: 'payload', docName: '', docNameType: 'str', onClash: 'rename', wires: [['ok']] },
      { id: 'lane-declare', type: 'ot-record', z: 'tab1', server: 'x1', operation: 'declare', nodeId: 'payload', nodeIdType: 'msg', classId: String(CLASS_ID), classIdType: 'num', wires: [['ok']] },
      { id: 'lane-hold', type: 'ot-hold', z: 'tab1', server: 'x1', operation: 'apply', hold: String(HOLD_ID), holdType: 'str', nodes: 'payload', nodesType: 'msg', bulk: true, wires: [['ok']] },
      { id: 'lane-fax', type: 'ot-fax-send', z: 'tab1', server: 'm1', destinations: '15551234567', destinationsType: 'str', documents: 'payload', documentsType: 'msg', submitId: 'chaosId', submitIdType: 'msg', waitFinal: false, wires: [['ok']] },
      { id: 'lane-push', type: 'ot-push', z: 'tab1', backend: 'messaging', messaging: 'm1', mode: 'compose', recipients: 'recipients', recipientsType: 'msg', title: 'Chaos', body: 'message {{chaosId}}', data: '', dataType: 'msg', actions: '', actionsType: 'str', priority: 'normal', ttl: '', reference: '', submitId: 'chaosId', submitIdType: 'msg', domain: 'MR', filename: '', confirm: false, wires: [['ok']] },
      { id: 'ok', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
    await helper.load([xecmNode, uploadNode, recordNode, holdNode, messagingNode, faxSendNode, pushNode], flow, {
      x1: { username: 'Admin', password: 'sandbox-admin' },
      m1: { username: 'sandbox-fax', password: 'sandbox-messaging' },
    } as never);

    // -- what comes out, per message --
    const ends = new Map<string, { ok: Obj[]; caught: Obj[] }>();
    const end = (kind: 'ok' | 'caught') => (msg: Obj) => {
      const id = String(msg.chaosId);
      let e = ends.get(id);
      if (!e) ends.set(id, (e = { ok: [], caught: [] }));
      e[kind].push(msg);
    };
    helper.getNode('ok').on('input', end('ok'));
    helper.getNode('caught').on('input', end('caught'));

    // -- faults on, then every message at once (the config nodes' concurrency limits apply) --
    const set = await fetch(`${h.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed: SEED, rules: faultRules() }) });
    set.status.should.equal(200);
    const sent: Array<{ id: string; lane: Lane; doc?: number; name?: string }> = [];
    const counters: Record<Lane, number> = { upload: 0, declare: 0, hold: 0, fax: 0, push: 0 };
    for (let i = 0; i < MESSAGES; i++) {
      const lane = LANES[i % LANES.length];
      const n = counters[lane]++;
      const id = `chaos-${i}`;
      const node = helper.getNode(`lane-${lane}`) as Node;
      switch (lane) {
        case 'upload': {
          const name = `${id}.txt`;
          sent.push({ id, lane, name });
          node.receive({ chaosId: id, payload: Buffer.from(`chaos document ${i}\n`), filename: name, parentId: uploadFolder } as never);
          break;
        }
        case 'declare':
          sent.push({ id, lane, doc: declareDocs[n] });
          node.receive({ chaosId: id, payload: declareDocs[n] } as never);
          break;
        case 'hold':
          sent.push({ id, lane, doc: holdDocs[n] });
          node.receive({ chaosId: id, payload: holdDocs[n] } as never);
          break;
        case 'fax':
          sent.push({ id, lane });
          node.receive({ chaosId: id, payload: PDF, filename: `${id}.pdf` } as never);
          break;
        case 'push':
          sent.push({ id, lane });
          node.receive({ chaosId: id, recipients: 'rmanager' } as never);
          break;
      }
    }

    // -- wait for every message to end, then a while longer for late (duplicate) ends --
    const deadline = Date.now() + Math.max(100000, MESSAGES * 350);
    while ([...ends.values()].reduce((n, e) => n + (e.ok.length + e.caught.length > 0 ? 1 : 0), 0) < MESSAGES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3000));
    const faults = (await (await fetch(`${h.url}/_sandbox/faults`)).json()) as { counts: Record<string, number> };
    await fetch(`${h.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [] }) });

    let ok = 0;
    let caught = 0;
    let lost = 0;
    let duplicates = 0;
    const problems: string[] = [];
    const byLane: Record<string, { ok: number; caught: number; codes: Record<string, number> }> = {};
    for (const s of sent) {
      const e = ends.get(s.id) || { ok: [], caught: [] };
      const l = (byLane[s.lane] ||= { ok: 0, caught: 0, codes: {} });
      const total = e.ok.length + e.caught.length;
      if (total === 0) {
        lost++;
        problems.push(`${s.id} (${s.lane}) never ended`);
      } else if (total > 1) {
        duplicates++;
        problems.push(`${s.id} (${s.lane}) ended ${e.ok.length} times with success and ${e.caught.length} times through Catch`);
      }
      if (e.ok.length) {
        ok++;
        l.ok++;
      } else if (e.caught.length) {
        caught++;
        l.caught++;
        const code = String((e.caught[0].error as Obj | undefined)?.code || 'none');
        l.codes[code] = (l.codes[code] || 0) + 1;
        if (!/^OT_[A-Z_]+$/.test(code)) problems.push(`${s.id} (${s.lane}) reached Catch without an OT_ code: ${JSON.stringify(e.caught[0].error)}`);
      }
    }

    // -- the sandbox's side --
    const children = await listChildren(uploadFolder);
    const rm = await state<{ records: Record<string, { class_id: number }>; nodeHolds: Record<string, Array<{ hold_id: number }>> }>('rm');
    const fax = await state<{ jobs: Array<{ job_id: string; submitId?: string }> }>('fax');
    const push = await state<{ jobs: Array<{ job_id: string; submitId?: string }> }>('push');
    const countBy = <T>(list: T[], key: (x: T) => string | undefined) => {
      const m = new Map<string, number>();
      for (const x of list) {
        const k = key(x);
        if (k !== undefined) m.set(k, (m.get(k) || 0) + 1);
      }
      return m;
    };
    const docsByStem = countBy(children, (c) => /^(chaos-\d+)( \(\d+\))?\.txt$/.exec(c.name)?.[1]);
    const faxBySubmit = countBy(fax.jobs, (j) => j.submitId);
    const pushBySubmit = countBy(push.jobs, (j) => j.submitId);
    for (const [k, n] of docsByStem) if (n > 1) problems.push(`${k}: ${n} documents in the sandbox`);
    for (const [k, n] of faxBySubmit) if (n > 1) problems.push(`${k}: ${n} fax jobs`);
    for (const [k, n] of pushBySubmit) if (n > 1) problems.push(`${k}: ${n} pushes`);
    if (fax.jobs.some((j) => !j.submitId)) problems.push('a fax job without a submit id');
    if (push.jobs.some((j) => !j.submitId)) problems.push('a push without a submit id');
    for (const s of sent) {
      const e = ends.get(s.id);
      const m = e?.ok[0];
      if (!m) continue;
      switch (s.lane) {
        case 'upload': {
          const doc = children.find((c) => c.id === m.nodeId);
          if (!doc || docsByStem.get(s.id) !== 1) problems.push(`${s.id}: uploaded (node ${String(m.nodeId)}) but ${docsByStem.get(s.id) || 0} documents in the sandbox`);
          break;
        }
        case 'declare':
          if (rm.records[String(s.doc)]?.class_id !== CLASS_ID) problems.push(`${s.id}: declared ${s.doc} but the sandbox has no record`);
          if ((m.payload as Obj)?.classified !== true) problems.push(`${s.id}: the success output says the node is not classified`);
          break;
        case 'hold':
          if ((rm.nodeHolds[String(s.doc)] || []).filter((x) => x.hold_id === HOLD_ID).length !== 1) problems.push(`${s.id}: hold applied to ${s.doc} but the sandbox has it ${(rm.nodeHolds[String(s.doc)] || []).length} times`);
          break;
        case 'fax':
          if (faxBySubmit.get(s.id) !== 1 || !fax.jobs.some((j) => j.submitId === s.id && j.job_id === m.faxJobId)) problems.push(`${s.id}: fax ${String(m.faxJobId)} sent but the sandbox has ${faxBySubmit.get(s.id) || 0} jobs for it`);
          break;
        case 'push':
          if (pushBySubmit.get(s.id) !== 1 || !push.jobs.some((j) => j.submitId === s.id && j.job_id === (m.payload as Obj)?.job_id)) problems.push(`${s.id}: push sent but the sandbox has ${pushBySubmit.get(s.id) || 0} for it`);
          break;
      }
    }

    console.log(`      sent=${MESSAGES} ok=${ok} caught=${caught} lost=${lost} duplicates=${duplicates}`);
    console.log(`      faults injected: ${JSON.stringify(faults.counts)}`);
    console.log(`      per lane: ${JSON.stringify(byLane)}`);
    if (problems.length) console.log(`      problems:\n        ${problems.slice(0, 40).join('\n        ')}`);
    problems.should.eql([]);
    lost.should.equal(0);
    duplicates.should.equal(0);
    (ok + caught).should.equal(MESSAGES);
    // the run was really under fire, and most messages still got through (retries)
    for (const k of ['500', '502', '503', '504', '429', 'reset', 'hang', 'expired']) should(faults.counts[k]).be.above(0, `no ${k} fault was injected`);
    ok.should.be.above(MESSAGES / 2);
  });

  /** Every child of a folder (as the sandbox has them), without faults. */
  async function listChildren(folder: number): Promise<Array<{ id: number; name: string }>> {
    const login = await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Admin&password=sandbox-admin' });
    const { ticket } = (await login.json()) as { ticket: string };
    const out: Array<{ id: number; name: string }> = [];
    for (let page = 1; ; page++) {
      const r = await fetch(`${h.csUrl}/v2/nodes/${folder}/nodes?limit=100&page=${page}`, { headers: { OTCSTicket: ticket } });
      const d = (await r.json()) as { results: Array<{ data: { properties: { id: number; name: string } } }>; collection: { paging: { page_total: number } } };
      out.push(...d.results.map((x) => ({ id: x.data.properties.id, name: x.data.properties.name })));
      if (page >= (d.collection.paging.page_total || 1)) break;
    }
    return out;
  }
});
