/**
 * Connection settings shared by every config node of the pack: timeout, retries, concurrency,
 * TLS (a core `tls-config` node) and proxy (a core `http proxy` node, else the environment).
 * Also the "Test connection" admin endpoint, protected by RED.auth.needsPermission, registered
 * together with the drop-down lists of the connection type (admin.ts).
 */
import type { Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { ProxyOptions, TlsOptions } from './agents';
import { ClientOptions, HttpClient } from './http';
import { OtError } from './errors';
import { redact, registerSecret } from './redact';
import type { RED } from './nodered';
import { registerListEndpoints } from './admin';

export interface ConnectionDef extends NodeDef {
  timeout?: string | number;
  retries?: string | number;
  maxDelay?: string | number;
  concurrency?: string | number;
  tls?: string;
  proxy?: string;
  useProxyEnv?: boolean | string;
}

interface TlsConfigNode extends Node {
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
  verifyservercert?: boolean;
}

interface ProxyConfigNode extends Omit<Node, "credentials"> {
  url?: string;
  noproxy?: string[];
  credentials?: { username?: string; password?: string };
}

function num(v: unknown, def: number, min: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return def;
  return Math.min(max, Math.max(min, n));
}

/** Builds the client options (minus name, base URL and auth) from a config node's settings. */
export function connectionOptions(RED: RED, def: ConnectionDef): Omit<ClientOptions, 'name' | 'baseUrl'> {
  const opts: Omit<ClientOptions, 'name' | 'baseUrl'> = {
    timeoutMs: num(def.timeout, 30, 1, 3600) * 1000,
    maxAttempts: num(def.retries, 3, 1, 10),
    maxDelayMs: num(def.maxDelay, 30, 0, 600) * 1000,
    concurrency: num(def.concurrency, 8, 1, 256),
  };
  if (def.tls) {
    const tlsNode = RED.nodes.getNode(def.tls) as TlsConfigNode | null;
    if (tlsNode && typeof tlsNode.addTLSOptions === 'function') {
      const o = tlsNode.addTLSOptions({}) as TlsOptions & { ALPNProtocols?: string[] };
      if (o.passphrase) registerSecret(o.passphrase);
      // pfx: Node-RED 5's tls-config node can hold a PKCS#12 bundle instead of key and certificate files.
      opts.tls = { ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase, servername: o.servername, rejectUnauthorized: o.rejectUnauthorized !== false };
    }
  }
  if (def.proxy) {
    const p = RED.nodes.getNode(def.proxy) as ProxyConfigNode | null;
    if (p && p.url) {
      const proxy: ProxyOptions = { url: p.url, noProxy: p.noproxy || [], username: p.credentials?.username, password: p.credentials?.password };
      registerSecret(proxy.password);
      opts.proxy = proxy;
    }
  } else if (def.useProxyEnv === false || def.useProxyEnv === 'false') {
    opts.proxy = null;
  }
  return opts;
}

/** Where a client's warnings and debug lines go. */
export type ClientLog = (level: 'warn' | 'debug', text: string) => void;

/** A config node that holds one HTTP client for the nodes using it. */
export interface ClientHolder {
  client: HttpClient;
  warn(text: string): void;
  debug(text: string): void;
  error(text: string): void;
  on(event: 'close', listener: () => void): unknown;
}

/**
 * Builds a config node's client with `build` (its log goes to the node's warn/debug, redacted);
 * warns when TLS certificate verification is off ("... for this <product> connection"). A
 * configuration that cannot be built is reported once (node.error, redacted) and the client then
 * throws that error on every use, so nodes using the connection report it on each message. The
 * client is closed when the node closes.
 */
export function attachClient(node: ClientHolder, product: string, build: (log: ClientLog) => HttpClient): void {
  try {
    node.client = build((l, t) => (l === 'warn' ? node.warn(redact(t)) : node.debug(redact(t))));
    if (node.client.insecure) node.warn(`TLS certificate verification is turned off for this ${product} connection`);
  } catch (e) {
    node.error(redact((e as Error).message));
    const err = e;
    node.client = new Proxy({} as HttpClient, { get: () => { throw err; } });
  }
  node.on('close', () => {
    try {
      node.client.close();
    } catch {
      /* a broken configuration has nothing to close */
    }
  });
}

/** What a config node must offer for the "Test connection" button. */
export interface Testable {
  /** Makes one cheap authenticated call; resolves with a short description of what answered. */
  testConnection(): Promise<string>;
}

/**
 * Registers `POST /opentext/<type>/test` (body: the dialog's settings and credentials, `id` of the
 * deployed node for stored secrets). Answers `{ok:true, message}` or `{ok:false, code, message}`;
 * needs the `<type>.write` permission.
 */
export function registerTestEndpoint(
  RED: RED,
  type: string,
  build: (settings: Record<string, unknown>, credentials: Record<string, string | undefined>) => Testable & { close?: () => void },
): void {
  // The edit dialogs' drop-downs of the nodes using this connection type (admin.ts), if it has any.
  registerListEndpoints(RED, type);
  RED.httpAdmin.post(`/opentext/${type}/test`, RED.auth.needsPermission(`${type}.write`), async (req: Request, res: Response) => {
    const body = (req.body || {}) as Record<string, unknown>;
    const settings = (body.settings || {}) as Record<string, unknown>;
    const given = (body.credentials || {}) as Record<string, string | undefined>;
    const id = typeof body.id === 'string' ? body.id : undefined;
    // Stored secrets are used only for the deployed node of this very type (never another node's).
    const deployed = id ? (RED.nodes.getNode(id) as { type?: string } | null) : null;
    const stored = id && (!deployed || deployed.type === type) ? ((RED.nodes.getCredentials(id) as Record<string, string | undefined> | undefined) || {}) : {};
    const creds: Record<string, string | undefined> = { ...stored };
    for (const [k, v] of Object.entries(given)) {
      // "__PWRD__" is the editor's placeholder for an unchanged password.
      if (v !== undefined && v !== '__PWRD__') creds[k] = v;
    }
    for (const [k, v] of Object.entries(creds)) {
      if (typeof v === 'string' && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(v)) creds[k] = process.env[v.slice(2, -1)];
    }
    let tester: (Testable & { close?: () => void }) | undefined;
    try {
      tester = build(settings, creds);
      const message = await tester.testConnection();
      res.json({ ok: true, message: redact(message) });
    } catch (e) {
      const err = e instanceof OtError ? e : new OtError({ code: 'OT_API', message: (e as Error)?.message || String(e) });
      res.json({ ok: false, code: err.code, message: redact(err.message) });
    } finally {
      tester?.close?.();
    }
  });
}
