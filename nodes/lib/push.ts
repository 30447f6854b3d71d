/**
 * Push Notifications for Cloud Messaging.
 *
 * [SPEC] (OpenText's Postman sample "Sample Push Notification"): `POST <base>/mra/v1/utils/parser`,
 * HTTP Basic (or an OCP bearer token), JSON `{"domain":"MR","filename":"<name>.json","data":"<base64
 * of a JSON request file>"}`; optional `X-MRA-SubmitId` (client correlation id, also used by fax) so
 * a repeated submit never makes a second push.
 *
 * [GUESS] The answer `{"job_id": "..."}` (like every other /mra/v1 submit) and the status call
 * `GET <base>/mra/v1/utils/parser/status?job_id=` (no push status call is public; the path can be
 * changed per call).
 *
 * [GUESS] The schema of the JSON request file is only in OpenText's developer documentation, which
 * was not available. This pack defines it as follows (the sandbox validates exactly this; send your
 * own schema with the node's "raw request file" mode if your tenant differs):
 *
 * ```json
 * {
 *   "type": "push",
 *   "recipients": { "users": ["rmanager"], "devices": ["<device token>"], "topics": ["outages"], "groups": ["legal"] },
 *   "notification": {
 *     "title": "Declaration request",          // required, up to 200 characters
 *     "body": "Contract.pdf needs approval",    // required, up to 4000 characters
 *     "deep_link": "https://ecm.example.com/...", // optional URL or app-scheme link
 *     "priority": "normal",                     // "normal" | "high"
 *     "ttl": 3600,                              // seconds, 0..2419200
 *     "actions": [ { "id": "approve", "label": "Approve" } ]   // up to 3; "opened"/"dismissed" reserved
 *   },
 *   "data": { "nodeId": 12345 },                // optional JSON object, up to 4 KB
 *   "reference": "decl-12345"                   // optional, up to 256 characters; echoed in response events
 * }
 * ```
 *
 * Users and groups expand to the users' registered devices, topics to their subscribers.
 */
import { HttpClient, json } from './http';
import { invalidInput, OtError } from './errors';
import { stripProto } from './nodered';

export type RecipientKind = 'users' | 'devices' | 'topics' | 'groups';
export const RECIPIENT_KINDS: RecipientKind[] = ['users', 'devices', 'topics', 'groups'];
const SINGULAR: Record<RecipientKind, string> = { users: 'user', devices: 'device', topics: 'topic', groups: 'group' };

export type PushRecipients = Record<RecipientKind, string[]>;

export interface PushAction {
  id: string;
  label: string;
}

export interface PushNotification {
  title: string;
  body: string;
  deep_link?: string;
  priority?: 'normal' | 'high';
  ttl?: number;
  actions?: PushAction[];
}

export interface PushRequestFile {
  type: 'push';
  recipients: Partial<PushRecipients>;
  notification: PushNotification;
  data?: Record<string, unknown>;
  reference?: string;
}

export interface PushRecipientResult {
  /** "user:rmanager", "group:legal", "topic:outages", "device:<token>". */
  recipient: string;
  /** Device tokens reached (empty until a status was read). */
  devices: string[];
  /** submitted | sent | delivered | partial | failed | no_devices */
  result: string;
}

export interface PushStatus {
  job_id: string;
  entry_time?: string;
  job_state?: string[];
  reference?: string;
  recipients?: Array<{ recipient: string; devices?: string[]; result?: string }>;
  deliveries?: Array<{ device: string; platform?: string; user?: string; state?: string; error?: string; delivery_time?: string }>;
  responses?: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

export const MAX_TITLE = 200;
export const MAX_BODY = 4000;
export const MAX_TTL = 2419200;
export const MAX_ACTIONS = 3;
export const MAX_DATA_BYTES = 4096;
export const DEFAULT_STATUS_PATH = 'utils/parser/status';

const KIND_ALIASES: Record<string, RecipientKind> = {
  user: 'users', users: 'users', u: 'users',
  device: 'devices', devices: 'devices', token: 'devices', d: 'devices',
  topic: 'topics', topics: 'topics', t: 'topics',
  group: 'groups', groups: 'groups', g: 'groups',
};

function emptyRecipients(): PushRecipients {
  return { users: [], devices: [], topics: [], groups: [] };
}

function addOne(out: PushRecipients, item: string, defaultKind: RecipientKind): void {
  const s = item.trim();
  if (!s) return;
  const m = /^([a-z]+):(.+)$/i.exec(s);
  const kind = m && KIND_ALIASES[m[1].toLowerCase()];
  const k = kind || defaultKind;
  const name = (kind ? m![2] : s).trim();
  if (!name) return;
  if (!out[k].includes(name)) out[k].push(name);
}

function addText(out: PushRecipients, v: string, defaultKind: RecipientKind): void {
  for (const part of v.split(/[,;\n]+/)) addOne(out, part, defaultKind);
}

/**
 * Reads recipients from text ("rmanager, group:legal, topic:outages, device:<token>"; a bare name
 * is a user), an array of such strings, or an object {users, devices, topics, groups} whose values
 * are arrays or comma lists. Throws OT_INVALID_INPUT when nothing usable is given.
 */
export function parseRecipients(v: unknown, name = 'recipients'): PushRecipients {
  const out = emptyRecipients();
  const fail = (why: string) => invalidInput(`${name}: ${why}`);
  if (v === undefined || v === null || v === '') throw fail('no recipients given (users, devices, topics or groups)');
  if (typeof v === 'string') addText(out, v, 'users');
  else if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item === 'string') addOne(out, item, 'users');
      else if (typeof item === 'number') addOne(out, String(item), 'users');
      else throw fail('each entry of a recipient list must be text such as "user:jsmith"');
    }
  } else if (typeof v === 'object' && !Buffer.isBuffer(v)) {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      const kind = KIND_ALIASES[k.toLowerCase()];
      if (!kind) throw fail(`"${k}" is not a recipient kind; use users, devices, topics or groups`);
      if (val === undefined || val === null || val === '') continue;
      if (typeof val === 'string') addText(out, val, kind);
      else if (Array.isArray(val)) {
        for (const item of val) {
          if (typeof item !== 'string' && typeof item !== 'number') throw fail(`${k} must be a list of names`);
          addOne(out, String(item), kind);
        }
      } else throw fail(`${k} must be a list of names`);
    }
  } else throw fail(`expected text, a list or an object, not ${typeof v}`);
  if (RECIPIENT_KINDS.every((k) => out[k].length === 0)) throw fail('no recipients given (users, devices, topics or groups)');
  return out;
}

/** ["user:rmanager", "group:legal", ...] in kind order. */
export function recipientLabels(r: Partial<PushRecipients>): string[] {
  const out: string[] = [];
  for (const k of RECIPIENT_KINDS) for (const n of r[k] || []) out.push(`${SINGULAR[k]}:${n}`);
  return out;
}

/**
 * Reads action buttons: "approve=Approve, reject=Reject" (or "Approve, Reject": ids made from the
 * labels), a list of {id, label} or of labels, or a JSON text of such a list.
 */
export function parseActions(v: unknown, name = 'actions'): PushAction[] {
  if (v === undefined || v === null || v === '') return [];
  let list: unknown = v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        list = JSON.parse(t);
      } catch (e) {
        throw invalidInput(`${name} is not valid JSON: ${(e as Error).message}`);
      }
    } else {
      list = t.split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean);
    }
  }
  if (!Array.isArray(list)) throw invalidInput(`${name} must be a list of buttons, e.g. "approve=Approve, reject=Reject"`);
  const out: PushAction[] = [];
  for (const item of list) {
    let id: string;
    let label: string;
    if (typeof item === 'string') {
      const i = item.indexOf('=');
      label = (i >= 0 ? item.slice(i + 1) : item).trim();
      id = (i >= 0 ? item.slice(0, i) : item).trim();
      if (i < 0) id = id.toLowerCase().replace(/[^a-z0-9_.:-]+/g, '_').replace(/^_+|_+$/g, '');
    } else if (item && typeof item === 'object' && !Array.isArray(item)) {
      const o = item as Record<string, unknown>;
      id = String(o.id ?? '').trim();
      label = String(o.label ?? o.title ?? '').trim();
    } else {
      throw invalidInput(`${name}: each button is "id=Label" or {"id","label"}`);
    }
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) throw invalidInput(`${name}: the button id "${id}" may only hold letters, digits, _ . : - (up to 64)`);
    if (!label) throw invalidInput(`${name}: the button "${id}" has no label`);
    if (id === 'opened' || id === 'dismissed') throw invalidInput(`${name}: "${id}" is reserved for engagement events`);
    if (out.some((a) => a.id === id)) throw invalidInput(`${name}: the button id "${id}" is used twice`);
    out.push({ id, label });
  }
  if (out.length > MAX_ACTIONS) throw invalidInput(`${name}: at most ${MAX_ACTIONS} buttons`);
  return out;
}

export interface ComposeInput {
  recipients: PushRecipients;
  title: string;
  body: string;
  deepLink?: string;
  priority?: string;
  ttl?: number;
  actions?: PushAction[];
  data?: Record<string, unknown>;
  reference?: string;
}

/** Builds and checks the request file (same limits the sandbox enforces). */
export function buildPushRequestFile(i: ComposeInput): PushRequestFile {
  const title = (i.title || '').trim();
  const body = (i.body || '').trim();
  if (!title) throw invalidInput('the push title is empty');
  if (!body) throw invalidInput('the push body is empty');
  if (title.length > MAX_TITLE) throw invalidInput(`the push title is longer than ${MAX_TITLE} characters`);
  if (body.length > MAX_BODY) throw invalidInput(`the push body is longer than ${MAX_BODY} characters`);
  const n: PushNotification = { title, body };
  const link = (i.deepLink || '').trim();
  if (link) {
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(link)) throw invalidInput(`the deep link "${link.slice(0, 60)}" is not a URL`);
    n.deep_link = link;
  }
  if (i.priority) {
    if (i.priority !== 'normal' && i.priority !== 'high') throw invalidInput('priority must be "normal" or "high"');
    n.priority = i.priority;
  }
  if (i.ttl !== undefined) {
    if (!Number.isInteger(i.ttl) || i.ttl < 0 || i.ttl > MAX_TTL) throw invalidInput(`time to live must be a whole number of seconds from 0 to ${MAX_TTL}`);
    n.ttl = i.ttl;
  }
  if (i.actions && i.actions.length) n.actions = i.actions;
  const recipients: Partial<PushRecipients> = {};
  for (const k of RECIPIENT_KINDS) if (i.recipients[k].length) recipients[k] = [...i.recipients[k]];
  const file: PushRequestFile = { type: 'push', recipients, notification: n };
  if (i.data !== undefined) {
    if (!i.data || typeof i.data !== 'object' || Array.isArray(i.data)) throw invalidInput('data must be a JSON object');
    const size = Buffer.byteLength(JSON.stringify(i.data));
    if (size > MAX_DATA_BYTES) throw invalidInput(`data is ${size} bytes; push data is limited to ${MAX_DATA_BYTES}`);
    file.data = i.data;
  }
  const ref = (i.reference || '').trim();
  if (ref) {
    if (ref.length > 256) throw invalidInput('reference is longer than 256 characters');
    file.reference = ref;
  }
  return file;
}

/** Raw mode: the request file from a message (object, JSON text or Buffer of JSON). */
export function requestFileInput(v: unknown, name = 'msg.payload'): Record<string, unknown> {
  let o: unknown = v;
  if (Buffer.isBuffer(v)) o = v.toString('utf8');
  if (typeof o === 'string') {
    try {
      o = JSON.parse(o);
    } catch (e) {
      throw invalidInput(`${name} is not a JSON request file: ${(e as Error).message}`);
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw invalidInput(`${name} must be the request file as a JSON object`);
  return stripProto(o as Record<string, unknown>);
}

/** The recipients named in a request file of this pack's schema (raw files of other shapes give []). */
export function recipientsOfFile(file: Record<string, unknown>): string[] {
  const r = file.recipients;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return [];
  const out: Partial<PushRecipients> = {};
  for (const k of RECIPIENT_KINDS) {
    const v = (r as Record<string, unknown>)[k];
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return recipientLabels(out);
}

export interface SubmitOptions {
  /** Cloud Messaging domain of the account (the sample uses "MR"). */
  domain: string;
  /** Name of the request file ("<something>.json"). */
  filename: string;
  /** X-MRA-SubmitId: the same id never makes a second push (and makes retries safe). */
  submitId?: string;
}

/** Posts a request file to `utils/parser`; answers the job id. */
export async function submitPushRequest(client: HttpClient, file: Record<string, unknown> | PushRequestFile, opts: SubmitOptions): Promise<{ job_id: string }> {
  const domain = (opts.domain || '').trim();
  if (!domain) throw invalidInput('the Cloud Messaging domain is empty');
  const filename = (opts.filename || '').trim();
  if (!/^[^\\/]+\.json$/i.test(filename)) throw invalidInput(`the request file name "${filename}" must end in .json and hold no path`);
  const submitId = opts.submitId ? String(opts.submitId).trim().slice(0, 128) : undefined;
  const data = Buffer.from(JSON.stringify(file), 'utf8').toString('base64');
  const res = await client.request<Record<string, unknown>>({
    operation: 'send push',
    method: 'POST',
    path: 'utils/parser',
    headers: submitId ? { 'X-MRA-SubmitId': submitId } : {},
    body: json({ domain, filename, data }),
    // With a submit id a repeat cannot make a second push, so retrying is safe.
    idempotent: !!submitId,
  });
  const jobId = res.data && typeof res.data === 'object' ? res.data.job_id : undefined;
  if (typeof jobId !== 'string' || !jobId) throw new OtError({ code: 'OT_API', message: 'send push: the answer carried no job_id', operation: 'send push', statusCode: res.status });
  return { job_id: jobId };
}

/** Reads a push job's status ([GUESS] path, default `utils/parser/status?job_id=`). */
export async function pushStatus(client: HttpClient, jobId: string, statusPath = DEFAULT_STATUS_PATH): Promise<PushStatus> {
  if (!jobId || !String(jobId).trim()) throw invalidInput('push status: the job id is empty');
  const res = await client.request<PushStatus>({
    operation: 'push status',
    method: 'GET',
    path: statusPath.replace(/^\/+/, ''),
    query: { job_id: String(jobId).trim() },
  });
  if (!res.data || typeof res.data !== 'object') throw new OtError({ code: 'OT_API', message: 'push status: the answer is not JSON', operation: 'push status', statusCode: res.status });
  return res.data;
}

/**
 * Per-recipient results: from a status when one was read (devices and delivery result), otherwise
 * "submitted" for each named recipient.
 */
export function recipientResults(labels: string[], status?: PushStatus): PushRecipientResult[] {
  const fromStatus = new Map<string, { devices: string[]; result: string }>();
  for (const r of status?.recipients || []) {
    if (r && typeof r.recipient === 'string') fromStatus.set(r.recipient, { devices: Array.isArray(r.devices) ? r.devices.map(String) : [], result: typeof r.result === 'string' ? r.result : 'submitted' });
  }
  return labels.map((recipient) => {
    const s = fromStatus.get(recipient);
    if (s) return { recipient, devices: s.devices, result: s.result };
    return { recipient, devices: recipient.startsWith('device:') ? [recipient.slice(7)] : [], result: 'submitted' };
  });
}
