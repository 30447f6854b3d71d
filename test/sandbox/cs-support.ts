/** A tiny Content Server REST client over fetch for the sandbox endpoint tests (cs-*.spec.ts, rm-*.spec.ts). */
export type Obj = Record<string, unknown>;

export interface CsReply {
  status: number;
  /** The JSON answer (an object; an array for the few calls that answer one); {} when not JSON. */
  body: Obj & Obj[];
  headers: Headers;
  buffer: Buffer;
}

export async function csLogin(csUrl: string, user = 'Admin', password = 'sandbox-admin'): Promise<string> {
  const r = await fetch(`${csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: user, password }).toString() });
  const b = (await r.json()) as { ticket?: string };
  if (!b.ticket) throw new Error(`login failed: ${r.status}`);
  return b.ticket;
}

async function reply(r: Response): Promise<CsReply> {
  const buffer = Buffer.from(await r.arrayBuffer());
  let body = {} as Obj & Obj[];
  try {
    body = JSON.parse(buffer.toString('utf8')) as Obj & Obj[];
  } catch {
    /* not JSON (content download) */
  }
  return { status: r.status, body, headers: r.headers, buffer };
}

export interface CsCall {
  method?: string;
  ticket?: string;
  /** Plain form fields (urlencoded); an array value is sent as repeated keys. */
  form?: Record<string, string | number | Array<string | number>>;
  /** The `body` form field convention. */
  body?: unknown;
  /** multipart: text fields and files. */
  multipart?: { fields?: Record<string, string>; files?: Record<string, { data: Buffer | string; name: string; type?: string }> };
  /** A raw JSON request body (what Content Server does not read). */
  json?: unknown;
  query?: Record<string, string | number | string[]>;
}

export async function cs(csUrl: string, path: string, call: CsCall = {}): Promise<CsReply> {
  const url = new URL(`${csUrl}/${path.replace(/^\//, '')}`);
  for (const [k, v] of Object.entries(call.query || {})) {
    if (Array.isArray(v)) for (const x of v) url.searchParams.append(k, x);
    else url.searchParams.set(k, String(v));
  }
  const headers: Record<string, string> = {};
  if (call.ticket) headers.OTCSTicket = call.ticket;
  let body: BodyInit | undefined;
  if (call.multipart) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(call.multipart.fields || {})) fd.append(k, v);
    if (call.body !== undefined) fd.append('body', JSON.stringify(call.body));
    for (const [k, f] of Object.entries(call.multipart.files || {})) fd.append(k, new Blob([new Uint8Array(typeof f.data === 'string' ? Buffer.from(f.data) : f.data)], { type: f.type || 'application/octet-stream' }), f.name);
    body = fd;
  } else if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  } else if (call.form || call.body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(call.form || {})) {
      if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
      else p.set(k, String(v));
    }
    if (call.body !== undefined) p.set('body', JSON.stringify(call.body));
    body = p.toString();
  }
  return reply(await fetch(url, { method: call.method || (body !== undefined ? 'POST' : 'GET'), headers, body }));
}

/** results.data.properties of a v2 reply. */
export function props(r: CsReply): Obj {
  return ((r.body.results as Obj).data as Obj).properties as Obj;
}

/** A user name and password of the default fixture. */
export type User = [string, string];
export type Body = Obj & { error?: string };
/** What csApi's call answers. */
export interface Res {
  status: number;
  body: Body;
}

/**
 * Calls as a user over real HTTP, the way Content Server clients do: logs each user in once
 * (tickets cached until reset()); `noAuth` sends no ticket.
 */
export function csApi(h: { csUrl: string }, defaultUser: User = ['Admin', 'sandbox-admin']) {
  const tickets = new Map<string, string>();
  const login = async ([user, password]: User): Promise<string> => {
    const cached = tickets.get(user);
    if (cached) return cached;
    const t = await csLogin(h.csUrl, user, password);
    tickets.set(user, t);
    return t;
  };
  const call = async (method: string, path: string, opts: { user?: User; form?: Record<string, string>; body?: unknown; json?: unknown; noAuth?: boolean } = {}): Promise<Res> => {
    const ticket = opts.noAuth ? undefined : await login(opts.user || defaultUser);
    const r = await cs(h.csUrl, path, { method, ticket, form: opts.form, body: opts.body, json: opts.json });
    return { status: r.status, body: r.body as Body };
  };
  return { login, call, reset: () => tickets.clear() };
}
