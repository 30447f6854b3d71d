/**
 * Shared bits of the Exstream → Push example tests (EX-1 … EX-8): the sandbox's push, Exstream and
 * Content Server state as the examples leave it, webhook registration for the flows' "OpenText
 * event in" nodes, push answers and delivery exceptions injected through the sandbox, and the shape
 * every example file must have (docs/EXAMPLES.md).
 */
import should from 'should';
import type { FlowNode } from '../support/nr';
import type { SandboxHandle } from '../support/sandbox';
import type { Deployed } from '../support/examples';
import { childNamed, childrenIn, csNode } from '../xecm/cs-support';
import type { CsNode } from '../../sandbox/areas/cs-core';

export type Obj = Record<string, unknown>;

export const FOLDER = 'Exstream → Push';
/** The shared secret the tests give the flows' "OpenText event in" nodes (a sandbox test value). */
export const WEBHOOK_SECRET = 'sandbox-webhook-secret';

/** The Customer workspaces of SAP KNA1 C-1001 … C-1005 (bws.json). */
export const WORKSPACE: Record<string, number> = { 'C-1001': 25010, 'C-1002': 25020, 'C-1003': 25030, 'C-1004': 25040, 'C-1005': 25050 };

export const COMM = {
  statement: '1a9024ab-d875-45ff-99fa-2db39bc27879',
  reminder: 'fd6a4d72-d90e-45e6-873b-8d3eeba026aa',
  policy: '9575d752-abf9-44e5-b8a0-ed816919be2f',
  action: 'b4df3f03-830a-479c-9844-01eab3b99e3f',
  incident: 'c29a26dc-bd6e-4c49-99ab-06923d44161f',
  regulatory: '36c15ac9-74a2-4b1c-8fd6-4f7ab2f72d2d',
  reissue: '2a3c7370-2a6c-4e2b-b443-ea653cb52ecb',
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- push ----------------------------------------------------------------------------------------

export interface PushDelivery {
  job_id: string;
  device: string;
  user: string;
  title: string;
  body: string;
  data?: Obj;
  deep_link?: string;
  reference?: string;
  state: string;
}

export interface PushJob {
  job_id: string;
  submitId?: string;
  entry_time: string;
  reference?: string;
  notification: { title: string; body: string; deep_link?: string; priority: string; actions: Array<{ id: string; label: string }> };
  data?: Obj;
  recipients: Array<{ recipient: string; devices: string[]; result: string }>;
  deliveries: PushDelivery[];
}

export interface PushSnapshot {
  jobs: PushJob[];
  submits: number;
  duplicates: number;
}

export function pushState(h: SandboxHandle): PushSnapshot {
  return h.sb.state('push') as PushSnapshot;
}

/** The push jobs that named a user (directly) or reached one of the user's devices, oldest first. */
export function pushesTo(h: SandboxHandle, user: string): PushJob[] {
  return pushState(h).jobs.filter((j) => j.recipients.some((r) => r.recipient === `user:${user}`) || j.deliveries.some((d) => d.user === user));
}

/** The push jobs sent to a group. */
export function pushesToGroup(h: SandboxHandle, group: string): PushJob[] {
  return pushState(h).jobs.filter((j) => j.recipients.some((r) => r.recipient === `group:${group}`));
}

/** A user answers (or opens) a push in the sandbox; the sandbox posts the event to the push webhook. */
export async function answerPush(h: SandboxHandle, body: Obj): Promise<Obj> {
  const r = await fetch(`${h.url}/_sandbox/push-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = (await r.json()) as Obj;
  should(r.status).equal(200, JSON.stringify(out));
  should(out.webhook).equal(true, 'a push webhook is registered');
  return out;
}

// ---- Exstream ------------------------------------------------------------------------------------

export interface ExDocument {
  id: string;
  communicationId: string;
  communication: string;
  queueName: string;
  fileName: string;
  sha256: string;
  customerNumber?: string;
  segment?: string;
  channel?: string;
  correlationId?: string;
  driverSummary: string;
  created: string;
}

export interface ExSnapshot {
  documents: ExDocument[];
  failures: Array<{ communication: string; customerNumber?: string; reason: string; correlationId?: string }>;
  events: Array<Obj & { eventId: string; delivered: boolean }>;
}

export function exState(h: SandboxHandle): ExSnapshot {
  return h.sb.state('exstream') as ExSnapshot;
}

/** The documents Exstream generated with one communication, optionally for one customer. */
export function generated(h: SandboxHandle, communicationId: string, customerNumber?: string): ExDocument[] {
  return exState(h).documents.filter((d) => d.communicationId === communicationId && (customerNumber === undefined || d.customerNumber === customerNumber));
}

/** Exstream reports a delivery exception; the sandbox posts it to the "exstream" webhook. */
export async function deliveryException(h: SandboxHandle, body: Obj): Promise<Obj> {
  const r = await fetch(`${h.url}/_sandbox/exstream-event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = (await r.json()) as Obj;
  should(r.status).equal(200, JSON.stringify(out));
  should(out.delivered).equal(true, 'an exstream webhook is registered');
  return out;
}

// ---- webhooks ------------------------------------------------------------------------------------

/** Points the sandbox's webhooks of the given kinds at a flow's event-in endpoint, signed with the secret. */
export async function registerWebhooks(h: SandboxHandle, d: Deployed, eventInId: string, kinds: string[]): Promise<string> {
  d.node(eventInId); // deployed and running
  const url = d.httpBase + String((d.flow.find((n) => n.id === eventInId) as FlowNode).url);
  const body: Obj = { secret: WEBHOOK_SECRET };
  for (const k of kinds) body[k] = url;
  const r = await fetch(`${h.url}/_sandbox/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  r.status.should.equal(200);
  return url;
}

/** Posts an event of another system (a portal, the app) to an event-in endpoint with the shared token. */
export async function postEvent(url: string, body: Obj, token = WEBHOOK_SECRET): Promise<{ status: number; body: Obj }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'X-OT-Token': token }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json().catch(() => ({}))) as Obj };
}

// ---- Content Server ------------------------------------------------------------------------------

/** The documents in a folder of a customer's workspace. */
export function docsIn(h: SandboxHandle, customerNumber: string, folder: string): CsNode[] {
  const f = childNamed(h, WORKSPACE[customerNumber], folder);
  if (!f) throw new Error(`workspace of ${customerNumber} has no folder ${folder}`);
  return childrenIn(h, f.id).filter((n) => n.type === 144);
}

/** The "Customer Document" category values (9840) of a node. */
export function customerDocument(h: SandboxHandle, id: number): Obj {
  return (csNode(h, id).categories['9840'] || {}) as Obj;
}

// ---- environment ---------------------------------------------------------------------------------

/** Sets environment variables for the tests of a describe (the flows' shortened time windows). */
export function useEnv(vars: Record<string, string>): void {
  const before: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [k, v] of Object.entries(vars)) {
      before[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const k of Object.keys(vars)) {
      if (before[k] === undefined) delete process.env[k];
      else process.env[k] = before[k];
    }
  });
}

// ---- shape ---------------------------------------------------------------------------------------

/**
 * docs/EXAMPLES.md: a flat array, the tab first, a comment first on the tab that says what it does,
 * where it starts, what to look at and what to change on a real system; every other node on the tab;
 * the shared connections exactly as documented; one Catch that routes msg.error.code into a debug
 * node; groups with labels; no HTTP calls in function nodes; no credentials shipped.
 */
export function checkShape(flow: FlowNode[], configTypes: string[]): void {
  Array.isArray(flow).should.be.true();
  flow[0].type.should.equal('tab');
  flow[1].type.should.equal('comment');
  const info = String(flow[1].info);
  info.should.match(/What it does/).and.match(/Where it starts/).and.match(/What to look at/).and.match(/On a real system/);
  const configs = flow.filter((n) => n.type.startsWith('ot-') && !('z' in n));
  configs.map((n) => n.type).sort().should.eql([...configTypes].sort());
  const documented: Record<string, Obj> = {
    'ot-xecm': { id: 'ot_xecm_sandbox', baseUrl: 'http://127.0.0.1:8701/otcs/cs.exe/api', authMode: 'password' },
    'ot-otds': { id: 'ot_otds_sandbox', baseUrl: 'http://127.0.0.1:8701', grant: 'client_credentials' },
    'ot-exstream': { id: 'ot_exstream_sandbox', baseUrl: 'http://127.0.0.1:8701', family: 'orchestration', domain: 'sandbox', otds: 'ot_otds_sandbox' },
    'ot-messaging': { id: 'ot_messaging_sandbox', baseUrl: 'http://127.0.0.1:8701/mra/v1', authMode: 'basic' },
  };
  for (const c of configs) c.should.containEql(documented[c.type]);
  for (const n of flow.slice(1)) if (!configs.includes(n)) should(n.z).equal(flow[0].id, `${n.id} is not on the tab`);
  for (const n of flow) should(n.credentials).be.undefined();
  const catches = flow.filter((n) => n.type === 'catch');
  catches.should.have.length(1);
  const route = flow.find((n) => n.type === 'switch' && n.property === 'error.code');
  should.exist(route, 'a switch routes msg.error.code');
  (catches[0].wires as string[][])[0].should.containEql(route!.id);
  const groups = flow.filter((n) => n.type === 'group');
  groups.length.should.be.above(1);
  for (const g of groups) String(g.name).should.not.be.empty();
  for (const n of flow.filter((x) => x.type === 'function')) String(n.func).should.not.match(/fetch\(|require\(|https?\.request|axios/);
  // every node that does OpenText work uses the shared connections
  for (const n of flow.filter((x) => x.z && x.type.startsWith('ot-') && x.type !== 'ot-event-in')) {
    const conn = n.server ?? n.messaging;
    configs.map((c) => c.id).should.containEql(conn);
  }
  // an event-in tells the user where its secret goes
  if (flow.some((n) => n.type === 'ot-event-in')) info.should.match(/[Ss]ecret/).and.match(/_sandbox\/webhooks/);
}
