import { HttpClient, Headers, ResponseHeaders, AuthProvider, form, json } from './http';
import { OtError } from './errors';
import { registerSecret } from './redact';

/**
 * A cached credential with single-flight refresh: concurrent callers share one login; a failed
 * login is never latched (the next caller tries again); expiry honours the server's lifetime
 * minus a safety margin.
 */
export class CachedCredential<T> {
  private value?: T;
  private expiresAt = 0;
  private inflight?: Promise<T>;
  /** How many logins were made (tests and benchmarks read it). */
  logins = 0;

  constructor(
    private readonly fetcher: () => Promise<{ value: T; lifetimeMs?: number }>,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): T | undefined {
    return this.value !== undefined && this.now() < this.expiresAt ? this.value : undefined;
  }

  async get(): Promise<T> {
    const cur = this.current;
    if (cur !== undefined) return cur;
    if (!this.inflight) {
      this.logins++;
      this.inflight = this.fetcher().then(
        ({ value, lifetimeMs }) => {
          this.value = value;
          this.expiresAt = lifetimeMs === undefined ? Number.POSITIVE_INFINITY : this.now() + lifetimeMs;
          this.inflight = undefined;
          return value;
        },
        (err) => {
          this.inflight = undefined;
          throw err;
        },
      );
    }
    return this.inflight;
  }

  /** Replace the value in place (Content Server hands out a fresh ticket with every response). */
  replace(value: T): void {
    if (this.value !== undefined) this.value = value;
  }

  /** Forget the value if it is still the one given (a 401 with an older credential changes nothing). */
  invalidate(value?: T): void {
    if (value === undefined || value === this.value) {
      this.value = undefined;
      this.expiresAt = 0;
    }
  }
}

/** Refresh before expiry: 60 s early, or 10 % of a short lifetime. */
export function lifetimeWithMargin(expiresInSeconds: unknown): number | undefined {
  const s = Number(expiresInSeconds);
  if (!Number.isFinite(s) || s <= 0) return undefined;
  const margin = Math.min(60, s * 0.1);
  return Math.max(0, (s - margin) * 1000);
}

// ---- OTDS ----------------------------------------------------------------------------------------

export type OtdsGrant = 'client_credentials' | 'password' | 'token_exchange';

export interface OtdsSettings {
  /** OTDS base URL, e.g. https://otds.example.com (the /otdsws part is added). */
  baseUrl: string;
  /** Optional tenant id for multi-tenant OTDS (path /otdsws/otdstenant/<id>/oauth2/token). */
  tenant?: string;
  /** Override of the token path, relative to the base URL (e.g. "otdstenant/t1/oauth2/token"). */
  tokenPath?: string;
  grant: OtdsGrant;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  /** For token exchange: the user to act as, "user@partition". */
  subjectUser?: string;
  scope?: string;
  /** Send client credentials as HTTP Basic instead of form fields. */
  basicClientAuth?: boolean;
}

/** OTDS: OAuth2 tokens and legacy tickets, each cached per config node. */
export class OtdsAuth {
  readonly token: CachedCredential<string>;
  readonly ticket: CachedCredential<string>;

  constructor(
    readonly client: HttpClient,
    readonly settings: OtdsSettings,
  ) {
    for (const s of [settings.clientSecret, settings.password]) registerSecret(s);
    this.token = new CachedCredential(() => this.fetchToken());
    this.ticket = new CachedCredential(() => this.fetchTicket());
  }

  tokenPath(): string {
    if (this.settings.tokenPath) return this.settings.tokenPath.replace(/^\/+/, '');
    const base = this.client.baseUrl;
    const prefix = /\/otdsws$/.test(base) ? '' : 'otdsws/';
    return this.settings.tenant ? `${prefix}otdstenant/${encodeURIComponent(this.settings.tenant)}/oauth2/token` : `${prefix}oauth2/token`;
  }

  private async fetchToken(): Promise<{ value: string; lifetimeMs?: number }> {
    const s = this.settings;
    const fields: Record<string, string | undefined> = {};
    const headers: Headers = {};
    if (s.grant === 'client_credentials') {
      fields.grant_type = 'client_credentials';
      fields.requested_token_type = 'urn:ietf:params:oauth:token-type:access_token';
    } else if (s.grant === 'password') {
      if (!s.username || !s.password) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'OTDS: the password grant needs a user name and password' });
      fields.grant_type = 'password';
      fields.username = s.username;
      fields.password = s.password;
    } else {
      if (!s.subjectUser) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'OTDS: token exchange needs the user to act as (user@partition)' });
      fields.grant_type = 'urn:ietf:params:oauth:grant-type:token-exchange';
      fields.subject_token = s.subjectUser;
      fields.subject_token_type = 'urn:opentext.com:oauth:string:user_id';
      fields.requested_token_type = 'urn:ietf:params:oauth:token-type:access_token';
    }
    if (!s.clientId) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'OTDS: a client id is needed for OAuth' });
    if (s.basicClientAuth) {
      headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret || '')}`).toString('base64')}`;
    } else {
      fields.client_id = s.clientId;
      if (s.clientSecret) fields.client_secret = s.clientSecret;
    }
    if (s.scope) fields.scope = s.scope;
    const res = await this.client.request<Record<string, unknown>>({
      operation: 'OTDS token',
      method: 'POST',
      path: this.tokenPath(),
      body: form(fields),
      headers,
      auth: false,
      unlimited: true,
      idempotent: true, // a token request has no side effect worth protecting
    });
    const token = res.data && typeof res.data === 'object' ? res.data.access_token : undefined;
    if (typeof token !== 'string' || !token) throw new OtError({ code: 'OT_AUTH', message: 'OTDS token: the response carried no access_token', operation: 'OTDS token' });
    registerSecret(token);
    if (typeof res.data.refresh_token === 'string') registerSecret(res.data.refresh_token);
    return { value: token, lifetimeMs: lifetimeWithMargin(res.data.expires_in) };
  }

  private async fetchTicket(): Promise<{ value: string; lifetimeMs?: number }> {
    const s = this.settings;
    if (!s.username || !s.password) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'OTDS: a ticket needs a user name and password' });
    const base = this.client.baseUrl;
    const underOtdsws = /\/otdsws$/.test(base);
    // The tenant segment comes before /otdsws: <root>/otdstenant/<tenant>/otdsws/rest/... (an absolute
    // URL of the same origin when the base URL already ends in /otdsws).
    const path = s.tenant
      ? `${underOtdsws ? base.replace(/\/otdsws$/, '') : base}/otdstenant/${encodeURIComponent(s.tenant)}/otdsws/rest/authentication/credentials`
      : `${underOtdsws ? '' : 'otdsws/'}rest/authentication/credentials`;
    const res = await this.client.request<Record<string, unknown>>({
      operation: 'OTDS ticket',
      method: 'POST',
      path,
      body: json({ userName: s.username, password: s.password }),
      auth: false,
      unlimited: true,
      idempotent: true,
    });
    const ticket = res.data && typeof res.data === 'object' ? res.data.ticket : undefined;
    if (typeof ticket !== 'string' || !ticket) {
      const reason = res.data && typeof res.data === 'object' && typeof res.data.failureReason === 'string' ? `: ${res.data.failureReason}` : '';
      throw new OtError({ code: 'OT_AUTH', message: `OTDS ticket: no ticket in the response${reason}`, operation: 'OTDS ticket' });
    }
    registerSecret(ticket);
    // The SSO session lifetime is a server setting; keep it until a 401 says otherwise.
    return { value: ticket };
  }

  /** An AuthProvider sending `Authorization: Bearer <token>`. */
  bearer(): AuthProvider {
    return {
      headers: async () => ({ Authorization: `Bearer ${await this.token.get()}` }),
      invalidate: (sent) => this.token.invalidate(stripScheme(sent.Authorization)),
    };
  }

  /** An AuthProvider sending `OTDSTicket: <ticket>`. */
  otdsTicket(): AuthProvider {
    return {
      headers: async () => ({ OTDSTicket: await this.ticket.get() }),
      invalidate: (sent) => this.ticket.invalidate(sent.OTDSTicket),
    };
  }
}

function stripScheme(v: string | undefined): string | undefined {
  return v ? v.replace(/^(Bearer|Basic)\s+/i, '') : undefined;
}

// ---- Content Server ------------------------------------------------------------------------------

/**
 * Content Server ticket from user name and password (`POST v1/auth`), replaced by the fresh
 * `OTCSTicket` header of every response.
 */
export class CsTicketAuth implements AuthProvider {
  readonly ticket: CachedCredential<string>;

  constructor(
    private readonly client: HttpClient,
    private readonly username: string,
    private readonly password: string,
    private readonly domain?: string,
  ) {
    registerSecret(password);
    this.ticket = new CachedCredential(() => this.login());
  }

  private async login(): Promise<{ value: string }> {
    if (!this.username || !this.password) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Extended ECM: user name and password are needed to log in' });
    const res = await this.client.request<Record<string, unknown>>({
      operation: 'Content Server login',
      method: 'POST',
      path: 'v1/auth',
      body: form({ username: this.username, password: this.password, domain: this.domain || undefined }),
      auth: false,
      unlimited: true,
      idempotent: true,
    });
    const ticket = res.data && typeof res.data === 'object' ? res.data.ticket : undefined;
    if (typeof ticket !== 'string' || !ticket) throw new OtError({ code: 'OT_AUTH', message: 'Content Server login: the response carried no ticket', operation: 'Content Server login' });
    registerSecret(ticket);
    return { value: ticket };
  }

  async headers(): Promise<Headers> {
    return { OTCSTicket: await this.ticket.get() };
  }

  onResponse(headers: ResponseHeaders, sent: Headers): void {
    const fresh = headers.otcsticket;
    const t = Array.isArray(fresh) ? fresh[0] : fresh;
    if (t && sent.OTCSTicket && this.ticket.current === sent.OTCSTicket) {
      registerSecret(t);
      this.ticket.replace(t);
    }
  }

  invalidate(sent: Headers): void {
    this.ticket.invalidate(sent.OTCSTicket);
  }
}

/** Content Server with an OTDS credential: every call carries the OTDS bearer token or ticket. */
export function csViaOtds(otds: OtdsAuth, mode: 'bearer' | 'otdsticket'): AuthProvider {
  return mode === 'bearer' ? otds.bearer() : otds.otdsTicket();
}

// ---- Cloud Messaging -----------------------------------------------------------------------------

/** HTTP Basic with a fixed user name and password. */
export function basicAuth(username: string, password: string): AuthProvider {
  registerSecret(password);
  const value = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  registerSecret(value.slice(6));
  return { headers: async () => ({ Authorization: value }), invalidate: () => undefined };
}

/**
 * OCP tenant token (client credentials, client id and secret as HTTP Basic) for Cloud Messaging,
 * from `POST <tokenUrl>` (e.g. https://us.api.opentext.com/tenants/<tenant>/oauth2/token).
 */
export class OcpTokenAuth implements AuthProvider {
  readonly token: CachedCredential<string>;
  constructor(
    private readonly client: HttpClient,
    private readonly tokenUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {
    registerSecret(clientSecret);
    this.token = new CachedCredential(() => this.fetch());
  }

  private async fetch(): Promise<{ value: string; lifetimeMs?: number }> {
    if (!this.clientId || !this.clientSecret) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Cloud Messaging: client id and secret are needed for the tenant token' });
    const res = await this.client.request<Record<string, unknown>>({
      operation: 'OCP tenant token',
      method: 'POST',
      path: this.tokenUrl,
      body: form({ grant_type: 'client_credentials' }),
      headers: { Authorization: `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}` },
      auth: false,
      unlimited: true,
      idempotent: true,
    });
    const token = res.data && typeof res.data === 'object' ? res.data.access_token : undefined;
    if (typeof token !== 'string' || !token) throw new OtError({ code: 'OT_AUTH', message: 'OCP tenant token: the response carried no access_token', operation: 'OCP tenant token' });
    registerSecret(token);
    return { value: token, lifetimeMs: lifetimeWithMargin(res.data.expires_in) };
  }

  async headers(): Promise<Headers> {
    return { Authorization: `Bearer ${await this.token.get()}` };
  }

  invalidate(sent: Headers): void {
    this.token.invalidate(stripScheme(sent.Authorization));
  }
}
