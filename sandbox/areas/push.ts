/**
 * Push Notifications for Cloud Messaging: `POST /mra/v1/utils/parser` (a base64 "JSON request
 * file", [SPEC] envelope from OpenText's Postman sample), its status [GUESS], and the sandbox's
 * engagement injection `POST /_sandbox/push-response`, which records a user's answer and sends it to
 * the "push" webhook like the real service's callback would.
 *
 * The request-file schema is not public. The sandbox accepts the schema the pack defines
 * ([GUESS], documented in nodes/lib/push.ts) and validates it strictly:
 *
 *   {"type":"push",
 *    "recipients":{"users":[],"devices":[],"topics":[],"groups":[]},
 *    "notification":{"title","body","deep_link","priority":"normal|high","ttl":seconds,
 *                    "actions":[{"id","label"}]},
 *    "data":{...}, "reference":"..."}
 *
 * Users and groups expand to the users' registered devices, topics to their subscribers' devices;
 * a device gets one notification per job however many recipients lead to it.
 */
import crypto from 'crypto';
import { Area, Ctx, HttpError, SandboxApp } from '../server';
import { messagingAuth, requireJson } from './messaging-auth';
import { appworks, AppWorksNotification } from './appworks';

export interface PushDevice {
  token: string;
  platform: 'ios' | 'android' | 'web' | string;
  /** "unregistered": the token expired at the provider; deliveries to it fail. */
  state?: 'active' | 'unregistered';
}

export interface PushAction {
  id: string;
  label: string;
}

export interface PushDelivery {
  job_id: string;
  device: string;
  platform: string;
  user: string;
  /** How the device was reached: "user:rmanager", "group:legal", ... (all of them). */
  via: string[];
  title: string;
  body: string;
  data?: Record<string, unknown>;
  deep_link?: string;
  actions: PushAction[];
  priority: 'normal' | 'high';
  ttl?: number;
  reference?: string;
  state: 'Delivered' | 'Failed';
  error?: string;
  delivery_time: string;
}

export interface PushRecipientResult {
  recipient: string;
  type: 'user' | 'device' | 'topic' | 'group';
  name: string;
  devices: string[];
  /** delivered | partial | failed | no_devices */
  result: string;
}

export interface PushResponse {
  eventId: string;
  event: 'push.response' | 'push.opened';
  job_id: string;
  reference?: string;
  user: string;
  device: string;
  action: string;
  data?: Record<string, unknown>;
  timestamp: string;
  backend: 'messaging' | 'appworks';
}

export interface PushJob {
  job_id: string;
  account: string;
  submitId?: string;
  domain: string;
  filename: string;
  entry_time: string;
  reference?: string;
  notification: { title: string; body: string; deep_link?: string; priority: 'normal' | 'high'; ttl?: number; actions: PushAction[] };
  data?: Record<string, unknown>;
  recipients: PushRecipientResult[];
  deliveries: PushDelivery[];
  responses: PushResponse[];
}

export interface PushState {
  domains: string[];
  users: Map<string, PushDevice[]>;
  groups: Map<string, string[]>;
  topics: Map<string, string[]>;
  /** device token -> user name */
  deviceOwner: Map<string, string>;
  jobs: Map<string, PushJob>;
  /** "<account>|<X-MRA-SubmitId>" -> job id */
  submitIds: Map<string, string>;
  responses: PushResponse[];
  nextJob: number;
  /** Submits received, and how many were repeats answered from the submit id. */
  submits: number;
  duplicates: number;
}

export function push(app: SandboxApp): PushState {
  return app.area<PushState>('push');
}

/** The Cloud Messaging error body (same shape as the account check's 401). */
export function mraError(status: number, message: string): HttpError {
  return new HttpError({ status, body: { error: { code: status, message } } });
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ACTION_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_TTL = 2419200; // 28 days, the FCM maximum
const MAX_DATA_BYTES = 4096; // FCM and APNs payload limits are about 4 KB
const MAX_ACTIONS = 3;
const RECIPIENT_KINDS = ['users', 'devices', 'topics', 'groups'] as const;
type RecipientKind = (typeof RECIPIENT_KINDS)[number];
const SINGULAR: Record<RecipientKind, PushRecipientResult['type']> = { users: 'user', devices: 'device', topics: 'topic', groups: 'group' };

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Decodes and validates the request file; every problem is a 400 with a message naming it. */
export function decodeRequestFile(state: PushState, data: unknown): { file: Record<string, unknown>; targets: Map<string, { via: Set<string>; user: string }>; recipients: PushRecipientResult[] } {
  if (typeof data !== 'string' || data === '') throw mraError(400, 'data is required: the base64 encoded JSON request file');
  if (!B64.test(data)) throw mraError(400, 'data is not valid base64');
  const text = Buffer.from(data, 'base64').toString('utf8');
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw mraError(400, `the request file is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(file)) throw mraError(400, 'the request file must be a JSON object');
  if (file.type !== 'push') throw mraError(400, `unsupported request file type ${JSON.stringify(file.type ?? null)}; expected "push"`);
  const r = file.recipients;
  if (!isObject(r)) throw mraError(400, 'recipients is required: {"users":[],"devices":[],"topics":[],"groups":[]}');
  for (const k of Object.keys(r)) if (!(RECIPIENT_KINDS as readonly string[]).includes(k)) throw mraError(400, `recipients.${k} is not a recipient kind; use users, devices, topics or groups`);
  const unknown: string[] = [];
  const targets = new Map<string, { via: Set<string>; user: string }>();
  const recipients: PushRecipientResult[] = [];
  const add = (token: string, via: string) => {
    const t = targets.get(token);
    if (t) t.via.add(via);
    else targets.set(token, { via: new Set([via]), user: state.deviceOwner.get(token) || '' });
  };
  const devicesOfUser = (u: string) => (state.users.get(u) || []).map((d) => d.token);
  let total = 0;
  for (const kind of RECIPIENT_KINDS) {
    const list = r[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw mraError(400, `recipients.${kind} must be an array of strings`);
    for (const item of list) {
      if (typeof item !== 'string' || !item.trim()) throw mraError(400, `recipients.${kind} must be an array of non-empty strings`);
      total++;
      const name = item.trim();
      const via = `${SINGULAR[kind]}:${name}`;
      let devices: string[] | undefined;
      if (kind === 'users') devices = state.users.has(name) ? devicesOfUser(name) : undefined;
      else if (kind === 'devices') devices = state.deviceOwner.has(name) ? [name] : undefined;
      else if (kind === 'groups') devices = state.groups.has(name) ? state.groups.get(name)!.flatMap(devicesOfUser) : undefined;
      else devices = state.topics.has(name) ? state.topics.get(name)!.flatMap(devicesOfUser) : undefined;
      if (!devices) {
        unknown.push(via);
        continue;
      }
      for (const d of devices) add(d, via);
      if (!recipients.some((x) => x.recipient === via)) recipients.push({ recipient: via, type: SINGULAR[kind], name, devices, result: '' });
    }
  }
  if (unknown.length) throw mraError(400, `unknown recipients: ${unknown.join(', ')}`);
  if (total === 0) throw mraError(400, 'recipients is empty: name at least one user, device, topic or group');

  const n = file.notification;
  if (!isObject(n)) throw mraError(400, 'notification is required: {"title","body",...}');
  if (typeof n.title !== 'string' || !n.title.trim()) throw mraError(400, 'notification.title is required');
  if (typeof n.body !== 'string' || !n.body.trim()) throw mraError(400, 'notification.body is required');
  if (n.title.length > 200) throw mraError(400, 'notification.title is longer than 200 characters');
  if (n.body.length > 4000) throw mraError(400, 'notification.body is longer than 4000 characters');
  if (n.deep_link !== undefined && (typeof n.deep_link !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(n.deep_link))) throw mraError(400, 'notification.deep_link must be a URL (https://... or app-scheme:...)');
  if (n.priority !== undefined && n.priority !== 'normal' && n.priority !== 'high') throw mraError(400, 'notification.priority must be "normal" or "high"');
  if (n.ttl !== undefined && (typeof n.ttl !== 'number' || !Number.isInteger(n.ttl) || n.ttl < 0 || n.ttl > MAX_TTL)) throw mraError(400, `notification.ttl must be a whole number of seconds from 0 to ${MAX_TTL}`);
  if (n.actions !== undefined) {
    if (!Array.isArray(n.actions)) throw mraError(400, 'notification.actions must be an array of {"id","label"}');
    if (n.actions.length > MAX_ACTIONS) throw mraError(400, `notification.actions: at most ${MAX_ACTIONS} actions`);
    const ids = new Set<string>();
    for (const a of n.actions) {
      if (!isObject(a) || typeof a.id !== 'string' || !ACTION_ID.test(a.id) || typeof a.label !== 'string' || !a.label.trim()) throw mraError(400, 'notification.actions: each action needs an id (letters, digits, _ . : -) and a label');
      if (a.id === 'opened' || a.id === 'dismissed') throw mraError(400, `notification.actions: "${a.id}" is reserved`);
      if (ids.has(a.id)) throw mraError(400, `notification.actions: duplicate id "${a.id}"`);
      ids.add(a.id);
    }
  }
  if (file.data !== undefined) {
    if (!isObject(file.data)) throw mraError(400, 'data (in the request file) must be a JSON object');
    if (Buffer.byteLength(JSON.stringify(file.data)) > MAX_DATA_BYTES) throw mraError(400, `data (in the request file) is larger than ${MAX_DATA_BYTES} bytes`);
  }
  if (file.reference !== undefined && (typeof file.reference !== 'string' || file.reference.length > 256)) throw mraError(400, 'reference must be text of at most 256 characters');
  for (const k of Object.keys(file)) if (!['type', 'recipients', 'notification', 'data', 'reference'].includes(k)) throw mraError(400, `unknown field "${k}" in the request file`);
  return { file, targets, recipients };
}

function submit(ctx: Ctx): { status: number; body: unknown } {
  const account = messagingAuth(ctx);
  const b = requireJson(ctx);
  const s = push(ctx.app);
  const header = ctx.req.headers['x-mra-submitid'];
  const submitId = typeof header === 'string' && header.trim() ? header.trim() : undefined;
  if (submitId && submitId.length > 128) throw mraError(400, 'X-MRA-SubmitId is longer than 128 characters');
  for (const f of ['domain', 'filename', 'data']) if (b[f] === undefined || b[f] === null || b[f] === '') throw mraError(400, `${f} is required`);
  if (typeof b.domain !== 'string' || !s.domains.includes(b.domain)) throw mraError(400, `unknown domain ${JSON.stringify(b.domain)}`);
  if (typeof b.filename !== 'string' || !/\.json$/i.test(b.filename) || /[\\/]/.test(b.filename)) throw mraError(400, 'filename must name a .json request file (no path)');
  s.submits++;
  if (submitId) {
    const prior = s.submitIds.get(`${account}|${submitId}`);
    if (prior) {
      s.duplicates++;
      return { status: 200, body: { job_id: prior } };
    }
  }
  const { file, targets, recipients } = decodeRequestFile(s, b.data);
  const n = file.notification as Record<string, unknown>;
  const now = ctx.now();
  const job: PushJob = {
    job_id: `psh-${s.nextJob++}`,
    account,
    submitId,
    domain: b.domain,
    filename: b.filename,
    entry_time: iso(now),
    reference: file.reference as string | undefined,
    notification: {
      title: n.title as string,
      body: n.body as string,
      deep_link: n.deep_link as string | undefined,
      priority: (n.priority as 'normal' | 'high' | undefined) || 'normal',
      ttl: n.ttl as number | undefined,
      actions: ((n.actions as PushAction[] | undefined) || []).map((a) => ({ id: a.id, label: a.label })),
    },
    data: file.data as Record<string, unknown> | undefined,
    recipients,
    deliveries: [],
    responses: [],
  };
  for (const [token, t] of targets) {
    const dev = (s.users.get(t.user) || []).find((d) => d.token === token);
    const failed = dev?.state === 'unregistered';
    job.deliveries.push({
      job_id: job.job_id,
      device: token,
      platform: dev?.platform || 'unknown',
      user: t.user,
      via: [...t.via],
      title: job.notification.title,
      body: job.notification.body,
      data: job.data,
      deep_link: job.notification.deep_link,
      actions: job.notification.actions,
      priority: job.notification.priority,
      ttl: job.notification.ttl,
      reference: job.reference,
      state: failed ? 'Failed' : 'Delivered',
      error: failed ? 'UNREGISTERED' : undefined,
      delivery_time: iso(now),
    });
  }
  for (const r of recipients) {
    const ds = job.deliveries.filter((d) => r.devices.includes(d.device));
    const ok = ds.filter((d) => d.state === 'Delivered').length;
    r.result = ds.length === 0 ? 'no_devices' : ok === ds.length ? 'delivered' : ok === 0 ? 'failed' : 'partial';
  }
  s.jobs.set(job.job_id, job);
  if (submitId) s.submitIds.set(`${account}|${submitId}`, job.job_id);
  return { status: 200, body: { job_id: job.job_id } };
}

function statusOf(job: PushJob): Record<string, unknown> {
  const failed = job.deliveries.filter((d) => d.state === 'Failed').length;
  return {
    job_id: job.job_id,
    entry_time: job.entry_time,
    job_state: ['Complete', failed === 0 ? 'Posted' : failed === job.deliveries.length ? 'Failed' : 'Partial'],
    domain: job.domain,
    filename: job.filename,
    reference: job.reference,
    recipients: job.recipients,
    deliveries: job.deliveries.map((d) => ({ device: d.device, platform: d.platform, user: d.user, state: d.state, error: d.error, delivery_time: d.delivery_time })),
    responses: job.responses.map((r) => ({ action: r.action, user: r.user, device: r.device, timestamp: r.timestamp })),
  };
}

function findTarget(app: SandboxApp, b: Record<string, unknown>): { kind: 'messaging'; job: PushJob } | { kind: 'appworks'; n: AppWorksNotification } {
  const s = push(app);
  const aw = appworks(app);
  const jobId = typeof b.job_id === 'string' ? b.job_id : undefined;
  const ref = typeof b.reference === 'string' ? b.reference : undefined;
  if (!jobId && !ref) throw new HttpError({ status: 400, body: { error: 'job_id or reference is required' } });
  if (jobId) {
    const job = s.jobs.get(jobId);
    if (job) return { kind: 'messaging', job };
    const n = aw?.notifications.find((x) => x.id === jobId);
    if (n) return { kind: 'appworks', n };
    throw new HttpError({ status: 404, body: { error: `no push notification ${jobId}` } });
  }
  const jobs = [...s.jobs.values()].filter((j) => j.reference === ref);
  if (jobs.length) return { kind: 'messaging', job: jobs[jobs.length - 1] };
  const ns = (aw?.notifications || []).filter((x) => x.reference === ref);
  if (ns.length) return { kind: 'appworks', n: ns[ns.length - 1] };
  throw new HttpError({ status: 404, body: { error: `no push notification with reference ${ref}` } });
}

/** POST /_sandbox/push-response: a user opens, answers or dismisses a notification. */
function respond(ctx: Ctx): { status: number; body: unknown } {
  const b = (ctx.json || {}) as Record<string, unknown>;
  if (!isObject(b)) throw new HttpError({ status: 400, body: { error: 'a JSON object is required' } });
  const target = findTarget(ctx.app, b);
  const action = typeof b.action === 'string' ? b.action.trim() : '';
  if (!action) throw new HttpError({ status: 400, body: { error: 'action is required: "opened", "dismissed" or an action id of the notification' } });
  if (b.data !== undefined && !isObject(b.data)) throw new HttpError({ status: 400, body: { error: 'data must be a JSON object' } });
  const user = typeof b.user === 'string' ? b.user : undefined;
  const device = typeof b.device === 'string' ? b.device : undefined;
  if (!user && !device) throw new HttpError({ status: 400, body: { error: 'user or device is required' } });
  let jobId: string;
  let reference: string | undefined;
  let actions: string[];
  let who: { user: string; device: string } | undefined;
  if (target.kind === 'messaging') {
    const job = target.job;
    jobId = job.job_id;
    reference = job.reference;
    actions = job.notification.actions.map((a) => a.id);
    const d = job.deliveries.find((x) => x.state === 'Delivered' && (device ? x.device === device : true) && (user ? x.user === user : true));
    if (d) who = { user: d.user, device: d.device };
  } else {
    const n = target.n;
    jobId = n.id;
    reference = n.reference;
    actions = n.actions;
    const d = n.deliveries.find((x) => (device ? x.client === device : true) && (user ? x.user === user : true));
    if (d) who = { user: d.user, device: d.client };
  }
  if (!who) throw new HttpError({ status: 409, body: { error: `${user ? `user ${user}` : `device ${device}`} did not receive ${jobId}` } });
  if (action !== 'opened' && action !== 'dismissed' && !actions.includes(action)) {
    throw new HttpError({ status: 400, body: { error: `action "${action}" is not "opened", "dismissed" or one of the notification's actions (${actions.join(', ') || 'none'})` } });
  }
  const event: PushResponse = {
    event: action === 'opened' ? 'push.opened' : 'push.response',
    eventId: typeof b.eventId === 'string' && b.eventId ? b.eventId : crypto.randomUUID(),
    job_id: jobId,
    reference,
    user: who.user,
    device: who.device,
    action,
    data: b.data as Record<string, unknown> | undefined,
    timestamp: new Date(ctx.now()).toISOString(),
    backend: target.kind,
  };
  const s = push(ctx.app);
  s.responses.push(event);
  if (target.kind === 'messaging') target.job.responses.push(event);
  else target.n.responses.push(event);
  const repeat = Math.min(5, Math.max(1, Number(b.repeat) || 1));
  const { backend: _backend, ...wire } = event;
  let sent = false;
  for (let i = 0; i < repeat; i++) sent = ctx.app.emitWebhook('push', wire) || sent;
  return { status: 200, body: { ...wire, webhook: sent } };
}

export const pushArea: Area = {
  name: 'push',
  init(fixture) {
    const f = (fixture.push || {}) as { domains?: string[]; users?: Record<string, { devices?: PushDevice[] }>; groups?: Record<string, string[]>; topics?: Record<string, string[]> };
    const state: PushState = {
      domains: f.domains && f.domains.length ? [...f.domains] : ['MR'],
      users: new Map(),
      groups: new Map(),
      topics: new Map(),
      deviceOwner: new Map(),
      jobs: new Map(),
      submitIds: new Map(),
      responses: [],
      nextJob: 100000001,
      submits: 0,
      duplicates: 0,
    };
    for (const [name, u] of Object.entries(f.users || {})) {
      const devices = (u.devices || []).map((d) => ({ ...d }));
      state.users.set(name, devices);
      for (const d of devices) state.deviceOwner.set(d.token, name);
    }
    for (const [name, members] of Object.entries(f.groups || {})) state.groups.set(name, [...members]);
    for (const [name, subs] of Object.entries(f.topics || {})) state.topics.set(name, [...subs]);
    return state;
  },
  snapshot(st) {
    const s = st as PushState;
    const jobs = [...s.jobs.values()];
    const byUser: Record<string, PushDelivery[]> = {};
    const byDevice: Record<string, PushDelivery[]> = {};
    for (const j of jobs) {
      for (const d of j.deliveries) {
        (byUser[d.user] ||= []).push(d);
        (byDevice[d.device] ||= []).push(d);
      }
    }
    return {
      domains: s.domains,
      users: Object.fromEntries([...s.users].map(([k, v]) => [k, { devices: v }])),
      groups: Object.fromEntries(s.groups),
      topics: Object.fromEntries(s.topics),
      jobs: jobs.map((j) => ({ ...j, submitId: j.submitId })),
      byUser,
      byDevice,
      responses: s.responses,
      submits: s.submits,
      duplicates: s.duplicates,
    };
  },
  routes(app) {
    app.route('POST', '/mra/v1/utils/parser', submit);
    const status = (ctx: Ctx) => {
      const account = messagingAuth(ctx);
      const id = ctx.query.job_id;
      if (!id) throw mraError(400, 'job_id is required');
      const job = push(ctx.app).jobs.get(id);
      if (!job || job.account !== account) throw mraError(404, `job ${id} not found`);
      return { status: 200, body: statusOf(job) };
    };
    // [GUESS] no push status call is public; a tenant that has one elsewhere can add its path with
    // the setting pushStatusPath (e.g. "/mra/v1/outbound/push/status").
    app.route('GET', '/mra/v1/utils/parser/status', status);
    const extra = app.options.settings?.pushStatusPath;
    if (typeof extra === 'string' && extra.startsWith('/') && extra !== '/mra/v1/utils/parser/status') app.route('GET', extra, status);
    app.route('POST', '/_sandbox/push-response', respond);
  },
};
