/**
 * AppWorks Gateway notifications ([3P]: OpenText developer article "AppWorks Notifications",
 * forum 308257):
 *
 *   POST <gateway>/gateway/v2/notifications
 *   Content-Type: application/x-www-form-urlencoded
 *   key=<trusted server key>  message=<JSON text>  users=<comma-separated user names>
 *
 * The message "can contain any custom fields" and should carry `type` (which handler app gets it),
 * `displayType` ("show"), `header` and `body`. The answer is not documented ([GUESS]: any 2xx is
 * success; an `id` in a JSON answer is reported). The API has no idempotency key, so repeats of
 * the same message key are suppressed on the Node-RED side (`SentMemory`).
 */
import { form, HttpClient } from './http';
import { invalidInput } from './errors';
import type { PushAction } from './push';

export interface AppWorksMessage {
  type: string;
  displayType?: string;
  header?: string;
  body: string;
  [k: string]: unknown;
}

export interface AppWorksComposeInput {
  type: string;
  displayType?: string;
  header: string;
  body: string;
  deepLink?: string;
  actions?: PushAction[];
  data?: Record<string, unknown>;
  reference?: string;
  priority?: string;
  ttl?: number;
}

/** The message JSON: the standard fields plus this pack's custom fields (all optional). */
export function buildAppWorksMessage(i: AppWorksComposeInput): AppWorksMessage {
  const type = (i.type || '').trim();
  if (!type) throw invalidInput('the AppWorks notification type is empty');
  const body = (i.body || '').trim();
  if (!body) throw invalidInput('the push body is empty');
  const header = (i.header || '').trim();
  if (!header) throw invalidInput('the push title is empty');
  const m: AppWorksMessage = { type, displayType: i.displayType || 'show', header, body };
  if (i.deepLink) m.deepLink = i.deepLink;
  if (i.actions && i.actions.length) m.actions = i.actions;
  if (i.data !== undefined) m.data = i.data;
  if (i.reference) m.reference = i.reference;
  if (i.priority) m.priority = i.priority;
  if (i.ttl !== undefined) m.ttl = i.ttl;
  return m;
}

/** User names for the `users` field: no groups, topics or devices (the gateway knows users only). */
export function appWorksUsers(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const u = n.trim();
    if (!u) continue;
    if (u.includes(',')) throw invalidInput(`the user name "${u}" contains a comma`);
    if (!out.includes(u)) out.push(u);
  }
  if (!out.length) throw invalidInput('AppWorks: no users to notify');
  return out;
}

export interface AppWorksSendResult {
  /** The gateway's id for the notification when it answers one. */
  id?: string;
  users: string[];
  status: number;
  response: unknown;
}

/** The notifications path for a gateway base URL (with or without a trailing /gateway). */
export function notificationsPath(client: HttpClient): string {
  return /\/gateway$/i.test(new URL(client.baseUrl).pathname) ? 'v2/notifications' : 'gateway/v2/notifications';
}

/** Sends one notification to the users. */
export async function sendAppWorksNotification(client: HttpClient, key: string, message: AppWorksMessage | Record<string, unknown>, users: string[]): Promise<AppWorksSendResult> {
  if (!key) throw invalidInput('AppWorks: the trusted server key is empty (set it in the AppWorks Gateway connection)');
  const list = appWorksUsers(users);
  const res = await client.request<unknown>({
    operation: 'AppWorks notification',
    method: 'POST',
    path: notificationsPath(client),
    body: form({ key, message: JSON.stringify(message), users: list.join(',') }),
  });
  const d = res.data;
  const id = d && typeof d === 'object' && typeof (d as Record<string, unknown>).id === 'string' ? ((d as Record<string, unknown>).id as string) : undefined;
  return { id, users: list, status: res.status, response: d };
}

/**
 * Remembers what was sent per idempotency key for a while, so a repeated message (same key) gets
 * the first result instead of a second notification; concurrent repeats share one send.
 */
export class SentMemory<T> {
  private readonly entries = new Map<string, { at: number; result: Promise<T> }>();
  constructor(
    private readonly windowMs = 24 * 3600 * 1000,
    private readonly max = 10000,
    private readonly now: () => number = Date.now,
  ) {}

  async once(key: string | undefined, send: () => Promise<T>): Promise<{ result: T; duplicate: boolean }> {
    if (!key) return { result: await send(), duplicate: false };
    const t = this.now();
    for (const [k, e] of this.entries) {
      if (t - e.at <= this.windowMs && this.entries.size <= this.max) break;
      this.entries.delete(k);
    }
    const prior = this.entries.get(key);
    if (prior && t - prior.at <= this.windowMs) return { result: await prior.result, duplicate: true };
    const p = send();
    this.entries.set(key, { at: t, result: p });
    try {
      return { result: await p, duplicate: false };
    } catch (e) {
      // A failed send is not remembered: the next attempt may send.
      this.entries.delete(key);
      throw e;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
