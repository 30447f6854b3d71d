/**
 * AppWorks Gateway notifications ([3P]: OpenText developer article "AppWorks Notifications"):
 *
 *   POST /gateway/v2/notifications
 *   Content-Type: application/x-www-form-urlencoded
 *   key=<trusted server key>&message=<JSON string with type, displayType, header, body, ...>&users=<comma list>
 *
 * The answer and the error bodies are not documented ([GUESS]): 200 with
 * {"id","users":[...],"clients":N}; missing or unknown key 401, key of a disabled trusted server 403,
 * another content type 415, bad message or unknown users 400, each as {"error": "..."}.
 */
import crypto from 'crypto';
import { Area, Ctx, HttpError, SandboxApp } from '../server';
import type { PushResponse } from './push';

export interface TrustedServer {
  name: string;
  key: string;
  enabled?: boolean;
}

export interface AppWorksClient {
  id: string;
  platform: string;
}

export interface AppWorksDelivery {
  id: string;
  user: string;
  client: string;
  platform: string;
  type: string;
  displayType?: string;
  header?: string;
  body: string;
  /** The whole message as sent (custom fields included). */
  message: Record<string, unknown>;
  time: string;
}

export interface AppWorksNotification {
  id: string;
  server: string;
  users: string[];
  message: Record<string, unknown>;
  reference?: string;
  /** Action ids found in message.actions (for the sandbox's response injection). */
  actions: string[];
  time: string;
  deliveries: AppWorksDelivery[];
  responses: PushResponse[];
}

export interface AppWorksState {
  servers: TrustedServer[];
  users: Map<string, AppWorksClient[]>;
  notifications: AppWorksNotification[];
}

export function appworks(app: SandboxApp): AppWorksState {
  return app.area<AppWorksState>('appworks');
}

function awError(status: number, error: string): HttpError {
  return new HttpError({ status, body: { error } });
}

function notify(ctx: Ctx): { status: number; body: unknown } {
  const ct = ctx.contentType.toLowerCase();
  if (!ct.startsWith('application/x-www-form-urlencoded')) throw awError(415, `Unsupported Media Type ${ctx.contentType || '(none)'}; use application/x-www-form-urlencoded`);
  const s = appworks(ctx.app);
  const key = ctx.form.key;
  const server = key ? s.servers.find((x) => x.key === key) : undefined;
  if (!server) throw awError(401, key ? 'Invalid trusted server key' : 'A trusted server key is required');
  if (server.enabled === false) throw awError(403, `The trusted server "${server.name}" is disabled`);
  const raw = ctx.form.message;
  if (!raw) throw awError(400, 'message is required');
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    throw awError(400, 'message is not valid JSON');
  }
  if (!message || typeof message !== 'object' || Array.isArray(message)) throw awError(400, 'message must be a JSON object');
  const m = message as Record<string, unknown>;
  if (typeof m.type !== 'string' || !m.type.trim()) throw awError(400, 'message.type is required');
  if (typeof m.body !== 'string' || !m.body.trim()) throw awError(400, 'message.body is required');
  if (m.header !== undefined && typeof m.header !== 'string') throw awError(400, 'message.header must be text');
  if (m.displayType !== undefined && typeof m.displayType !== 'string') throw awError(400, 'message.displayType must be text');
  const users = String(ctx.form.users || '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (users.length === 0) throw awError(400, 'users is required: a comma-separated list of user names');
  const unknown = users.filter((u) => !s.users.has(u));
  if (unknown.length) throw awError(400, `unknown users: ${unknown.join(', ')}`);
  const now = new Date(ctx.now()).toISOString();
  const n: AppWorksNotification = {
    id: crypto.randomUUID(),
    server: server.name,
    users: [...new Set(users)],
    message: m,
    reference: typeof m.reference === 'string' ? m.reference : undefined,
    actions: Array.isArray(m.actions) ? m.actions.map((a) => (a && typeof a === 'object' ? String((a as Record<string, unknown>).id ?? '') : String(a))).filter(Boolean) : [],
    time: now,
    deliveries: [],
    responses: [],
  };
  for (const u of n.users) {
    for (const c of s.users.get(u) || []) {
      n.deliveries.push({ id: n.id, user: u, client: c.id, platform: c.platform, type: m.type, displayType: m.displayType as string | undefined, header: m.header as string | undefined, body: m.body, message: m, time: now });
    }
  }
  s.notifications.push(n);
  return { status: 200, body: { id: n.id, users: n.users, clients: n.deliveries.length } };
}

export const appworksArea: Area = {
  name: 'appworks',
  init(fixture) {
    const f = (fixture.appworks || {}) as { trustedServers?: TrustedServer[]; users?: Record<string, { clients?: AppWorksClient[] }> };
    const state: AppWorksState = { servers: (f.trustedServers || []).map((x) => ({ ...x })), users: new Map(), notifications: [] };
    for (const [name, u] of Object.entries(f.users || {})) state.users.set(name, (u.clients || []).map((c) => ({ ...c })));
    return state;
  },
  snapshot(st) {
    const s = st as AppWorksState;
    const byUser: Record<string, AppWorksDelivery[]> = {};
    for (const n of s.notifications) for (const d of n.deliveries) (byUser[d.user] ||= []).push(d);
    return {
      trustedServers: s.servers.map((x) => ({ name: x.name, enabled: x.enabled !== false })),
      users: Object.fromEntries([...s.users].map(([k, v]) => [k, { clients: v }])),
      notifications: s.notifications,
      byUser,
    };
  },
  routes(app) {
    app.route('POST', '/gateway/v2/notifications', notify);
  },
};
