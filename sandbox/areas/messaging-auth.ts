/**
 * Cloud Messaging (`/mra/v1`) accounts: HTTP Basic with a messaging account, or an OCP tenant
 * bearer token (issued by the sandbox's /tenants/<tenant>/oauth2/token). Shared by fax and push.
 */
import { Area, Ctx, HttpError, SandboxApp } from '../server';
import { validateBearer } from './otds';

export interface MessagingAccount {
  username: string;
  password: string;
  /** Customer / domain name shown in responses. */
  customer?: string;
}

export interface MessagingState {
  accounts: MessagingAccount[];
}

export function messaging(app: SandboxApp): MessagingState {
  return app.area<MessagingState>('messaging');
}

/** The account (user name) a Cloud Messaging request is made for, or the real API's 401. */
export function messagingAuth(ctx: Ctx): string {
  const h = ctx.req.headers.authorization;
  if (typeof h === 'string' && /^basic\s+/i.test(h)) {
    const dec = Buffer.from(h.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const i = dec.indexOf(':');
    const user = dec.slice(0, i);
    const pass = dec.slice(i + 1);
    const acct = messaging(ctx.app).accounts.find((a) => a.username === user && a.password === pass);
    if (acct) return acct.username;
  } else if (typeof h === 'string' && /^bearer\s+/i.test(h)) {
    const u = validateBearer(ctx.app, h.replace(/^bearer\s+/i, ''));
    if (u) return u;
  }
  throw new HttpError({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="mra"' }, body: { error: { code: 401, message: 'Unauthorized: invalid or missing credentials' } } });
}

/** Cloud Messaging submits are JSON; anything else gets the real API's 415. */
export function requireJson(ctx: Ctx): Record<string, unknown> {
  if (!ctx.contentType.toLowerCase().startsWith('application/json')) {
    throw new HttpError({ status: 415, body: { error: { code: 415, message: `Unsupported content type ${ctx.contentType || '(none)'}; use application/json` } } });
  }
  if ((ctx as Ctx & { jsonError?: boolean }).jsonError || !ctx.json || typeof ctx.json !== 'object' || Array.isArray(ctx.json)) {
    throw new HttpError({ status: 400, body: { error: { code: 400, message: 'The request body is not a valid JSON object' } } });
  }
  return ctx.json as Record<string, unknown>;
}

export const messagingArea: Area = {
  name: 'messaging',
  init(fixture) {
    const f = (fixture.messaging || {}) as { accounts?: MessagingAccount[] };
    return { accounts: (f.accounts || []).map((a) => ({ ...a })) } satisfies MessagingState;
  },
  snapshot(state) {
    return { accounts: (state as MessagingState).accounts.map((a) => ({ username: a.username, customer: a.customer })) };
  },
  routes() {
    /* fax and push register the /mra/v1 routes */
  },
};
