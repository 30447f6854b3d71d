/** Shared bits of the Cloud Fax node tests: the ot-messaging config node, a Catch, sandbox calls. */
import crypto from 'crypto';
import type { FlowNode } from '../support/nr';

export const MESSAGING_CREDS = { m1: { username: 'sandbox-fax', password: 'sandbox-messaging' } };

/** The ot-messaging config node for the sandbox's fax account (HTTP Basic). */
export function messagingConfig(url: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id: 'm1', type: 'ot-messaging', name: 'sandbox', baseUrl: `${url}/mra/v1`, authMode: 'basic', timeout: 5, retries: 3, maxDelay: 1, concurrency: 8, ...extra };
}

/** A Catch node on tab1 wired to the helper node "caught". */
export function catcher(): FlowNode[] {
  return [
    { id: 'c1', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab1' },
  ];
}

export type Obj = Record<string, unknown>;

export const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/** A small but real PDF (two pages). */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n' +
    '3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n4 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);

export async function sandboxGet(url: string, path: string): Promise<Obj> {
  const r = await fetch(url + path);
  return (await r.json()) as Obj;
}

export async function sandboxPost(url: string, path: string, body: unknown): Promise<{ status: number; body: Obj }> {
  const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Obj) : {} };
}

export interface FaxJobView {
  job_id: string;
  submitId?: string;
  submits: number;
  billing_code?: string;
  customer_reference?: string;
  coversheet?: Obj;
  destinations: Array<{ fax: string; ref?: string }>;
  documents: Array<{ name: string; type: string; charset?: string; size: number; sha256: string }>;
  status: Obj;
}

export async function faxState(url: string): Promise<{ jobs: FaxJobView[]; inbound: Obj[] }> {
  return (await sandboxGet(url, '/_sandbox/state/fax')) as unknown as { jobs: FaxJobView[]; inbound: Obj[] };
}

export const advance = (url: string, ms: number) => sandboxPost(url, '/_sandbox/clock', { advance: ms });
export const injectFax = (url: string, body: Obj) => sandboxPost(url, '/_sandbox/inbound-fax', body);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
