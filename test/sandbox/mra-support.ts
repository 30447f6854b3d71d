/**
 * Shared bits of the Cloud Messaging sandbox specs (fax.spec.ts, push.spec.ts, appworks.spec.ts):
 * a JSON client for /mra/v1 with the sandbox's Basic credentials, and a webhook receiver.
 */
import { startHttp, type LocalServer } from '../support/servers';

export type Obj = Record<string, unknown>;

/** The messaging account of the default fixture (a sandbox test value). */
export const BASIC = 'Basic ' + Buffer.from('sandbox-fax:sandbox-messaging').toString('base64');

export interface Res {
  status: number;
  /** The JSON answer; {} when empty or not JSON. */
  body: Obj;
  text: string;
}

/**
 * One request: `body` as JSON (or `raw` text) with `type` (application/json by default); the
 * Basic credentials unless `auth` gives others, or null for none.
 */
export async function call(method: string, url: string, opts: { body?: unknown; raw?: string; type?: string; auth?: string | null; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers || {}) };
  if (opts.auth !== null) headers.authorization = opts.auth || BASIC;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = opts.type || 'application/json';
  const r = await fetch(url, { method, headers, body });
  const text = await r.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    /* empty or not JSON */
  }
  return { status: r.status, body: parsed, text };
}

/** A webhook receiver on 127.0.0.1: `got` holds the JSON bodies it received, in order. */
export async function webhookReceiver(): Promise<{ got: Obj[]; server: LocalServer }> {
  const got: Obj[] = [];
  const server = await startHttp((req, res) => {
    got.push(JSON.parse(req.body) as Obj);
    res.end();
  });
  return { got, server };
}
