/**
 * OTDS: OAuth2 token endpoint (client_credentials, password, token exchange; tenant paths), the
 * legacy ticket endpoints, and the OCP tenant token endpoint used by Cloud Messaging and Exstream
 * in OpenText's cloud. Tokens look like JWTs but are opaque to the sandbox.
 */
import crypto from 'crypto';
import { Area, Ctx, HttpError, SandboxApp } from '../server';

export interface OtdsUser {
  userName: string;
  password: string;
  partition?: string;
}
export interface OtdsClient {
  clientId: string;
  clientSecret: string;
  /** Token exchange allowed. */
  impersonation?: boolean;
  /** Users a client-credentials token acts as (the OAuth client's own user in CS). */
  userName?: string;
}
interface Issued {
  user: string;
  clientId: string;
  expiresAt: number;
  kind: 'token' | 'ticket';
}
export interface OtdsState {
  users: OtdsUser[];
  clients: OtdsClient[];
  issued: Map<string, Issued>;
  tokenLifetimeSec: number;
  /** Counters for tests and benchmarks. */
  tokenRequests: number;
  ticketRequests: number;
}

export function otds(app: SandboxApp): OtdsState {
  return app.area<OtdsState>('otds');
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function makeToken(app: SandboxApp, user: string, clientId: string): { token: string; expiresIn: number } {
  const s = otds(app);
  const expiresIn = s.tokenLifetimeSec;
  const now = Math.floor(app.now() / 1000);
  const token = [b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' })), b64url(JSON.stringify({ sub: user, azp: clientId, iat: now, exp: now + expiresIn, jti: crypto.randomUUID() })), b64url(crypto.randomBytes(32))].join('.');
  s.issued.set(token, { user, clientId, expiresAt: app.now() + expiresIn * 1000, kind: 'token' });
  prune(app);
  return { token, expiresIn };
}

function prune(app: SandboxApp): void {
  const s = otds(app);
  if (s.issued.size < 20000) return;
  for (const [k, v] of s.issued) if (v.expiresAt < app.now()) s.issued.delete(k);
}

/** The OTDS user a bearer token stands for, or undefined when unknown or expired. */
export function validateBearer(app: SandboxApp, token: string): string | undefined {
  const i = otds(app)?.issued.get(token);
  return i && i.kind === 'token' && i.expiresAt > app.now() ? i.user : undefined;
}

/** The OTDS user an OTDS ticket stands for. */
export function validateOtdsTicket(app: SandboxApp, ticket: string): string | undefined {
  const i = otds(app)?.issued.get(ticket);
  return i && i.kind === 'ticket' && i.expiresAt > app.now() ? i.user : undefined;
}

/** Validates `Authorization: Bearer` for non-CS APIs (Exstream, Cloud Messaging OCP). */
export function requireBearer(ctx: Ctx, errorBody: (msg: string) => unknown): string {
  const h = ctx.req.headers.authorization;
  const token = typeof h === 'string' && /^bearer\s+/i.test(h) ? h.replace(/^bearer\s+/i, '') : '';
  const user = token ? validateBearer(ctx.app, token) : undefined;
  if (!user) throw new HttpError({ status: 401, body: errorBody(token ? 'The access token is invalid or has expired' : 'Full authentication is required to access this resource'), headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
  return user;
}

function oauthError(status: number, error: string, description: string): HttpError {
  return new HttpError({ status, body: { error, error_description: description } });
}

function clientFrom(ctx: Ctx): { id?: string; secret?: string } {
  const h = ctx.req.headers.authorization;
  if (typeof h === 'string' && /^basic\s+/i.test(h)) {
    const dec = Buffer.from(h.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const i = dec.indexOf(':');
    return { id: decodeURIComponent(dec.slice(0, i)), secret: decodeURIComponent(dec.slice(i + 1)) };
  }
  return { id: ctx.form.client_id, secret: ctx.form.client_secret };
}

function tokenEndpoint(ctx: Ctx) {
  const app = ctx.app;
  const s = otds(app);
  s.tokenRequests++;
  if (!ctx.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw oauthError(400, 'invalid_request', 'The token request must be sent as application/x-www-form-urlencoded');
  }
  const grant = ctx.form.grant_type;
  if (!grant) throw oauthError(400, 'invalid_request', 'Missing grant_type parameter');
  const c = clientFrom(ctx);
  const client = s.clients.find((x) => x.clientId === c.id);
  if (!client || client.clientSecret !== c.secret) throw oauthError(401, 'invalid_client', 'Client authentication failed');
  let user: string;
  if (grant === 'client_credentials') {
    user = client.userName || `${client.clientId}@OAuthClients`;
  } else if (grant === 'password') {
    const u = s.users.find((x) => x.userName.toLowerCase() === String(ctx.form.username || '').toLowerCase());
    if (!u || u.password !== ctx.form.password) throw oauthError(400, 'invalid_grant', 'Invalid username or password');
    user = u.userName;
  } else if (grant === 'urn:ietf:params:oauth:grant-type:token-exchange') {
    if (!client.impersonation) throw oauthError(400, 'unauthorized_client', 'This client is not allowed to impersonate users');
    if (ctx.form.subject_token_type !== 'urn:opentext.com:oauth:string:user_id') throw oauthError(400, 'invalid_request', 'Unsupported subject_token_type');
    const subject = String(ctx.form.subject_token || '');
    const u = s.users.find((x) => x.userName.toLowerCase() === subject.split('@')[0].toLowerCase());
    if (!u) throw oauthError(400, 'invalid_grant', 'Unknown subject user');
    user = u.userName;
  } else {
    throw oauthError(400, 'unsupported_grant_type', `Unsupported grant type ${grant}`);
  }
  const { token, expiresIn } = makeToken(app, user, client.clientId);
  return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: ctx.form.scope || 'otds:roles' } };
}

function ticketEndpoint(ctx: Ctx, snake: boolean) {
  const app = ctx.app;
  const s = otds(app);
  s.ticketRequests++;
  if (!ctx.contentType.toLowerCase().startsWith('application/json')) {
    throw new HttpError({ status: 415, body: { error: 'Unsupported Media Type', message: 'Content type must be application/json' } });
  }
  const b = (ctx.json || {}) as Record<string, unknown>;
  const name = String((snake ? b.user_name : b.userName) ?? '');
  const u = s.users.find((x) => x.userName.toLowerCase() === name.toLowerCase());
  if (!u || u.password !== b.password) {
    throw new HttpError({ status: 401, body: snake ? { failure_reason: 'Invalid username or password', error: 'AUTHENTICATION_FAILED' } : { failureReason: 'Invalid username or password', error: 'AUTHENTICATION_FAILED' } });
  }
  const ticket = '*OTDSSSO*' + crypto.randomBytes(48).toString('base64').replace(/=+$/, '');
  s.issued.set(ticket, { user: u.userName, clientId: '', expiresAt: app.now() + 8 * 3600 * 1000, kind: 'ticket' });
  const partition = u.partition || 'Content Server Members';
  return {
    status: 200,
    body: snake
      ? { ticket, token: null, user_id: `${u.userName}@${partition}`, resource_id: null, failure_reason: null, password_expiration_time: 0 }
      : { ticket, token: null, userId: `${u.userName}@${partition}`, resourceID: null, failureReason: null, passwordExpirationTime: 0, continuation: false },
  };
}

export const otdsArea: Area = {
  name: 'otds',
  init(fixture, app) {
    const f = (fixture.otds || {}) as { users?: OtdsUser[]; clients?: OtdsClient[] };
    return {
      users: (f.users || []).map((u) => ({ ...u })),
      clients: (f.clients || []).map((c) => ({ ...c })),
      issued: new Map(),
      tokenLifetimeSec: app.options.tokenLifetime ?? 3600,
      tokenRequests: 0,
      ticketRequests: 0,
    } satisfies OtdsState;
  },
  snapshot(state) {
    const s = state as OtdsState;
    return { users: s.users.map((u) => ({ userName: u.userName, partition: u.partition })), clients: s.clients.map((c) => ({ clientId: c.clientId })), tokenRequests: s.tokenRequests, ticketRequests: s.ticketRequests, tokenLifetimeSec: s.tokenLifetimeSec };
  },
  routes(app) {
    for (const p of ['/otdsws/oauth2/token', '/otdsws/otdstenant/:tenant/oauth2/token', '/otdstenant/:tenant/oauth2/token', '/otdstenant/:tenant/otdsws/oauth2/token', '/tenants/:tenant/oauth2/token']) {
      app.route('POST', p, tokenEndpoint);
    }
    for (const p of ['/otdsws/rest/authentication/credentials', '/otdstenant/:tenant/otdsws/rest/authentication/credentials']) {
      app.route('POST', p, (ctx) => ticketEndpoint(ctx, false));
    }
    app.route('POST', '/otdsws/v1/authentication/credentials', (ctx) => ticketEndpoint(ctx, true));
  },
};
