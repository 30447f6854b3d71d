/**
 * Small local servers for the client-layer tests: a recording HTTP(S) server with a scripted
 * handler, a TLS front that terminates HTTPS with the test certificates and forwards the bytes to
 * the (plain HTTP) sandbox, a port with nothing listening, and the loader of Node-RED's own core
 * config nodes (tls-config, http proxy) from the Node-RED under test.
 */
import fs from 'fs';
import http, { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'http';
import https from 'https';
import net from 'net';
import path from 'path';
import tls from 'tls';
import { prng } from '../../sandbox/server';

export const TLS_DIR = path.join(__dirname, 'tls');
/** The test CA (self-signed) and a server certificate it signed for localhost, 127.0.0.1 and ::1. */
export const TLS_FILES = {
  ca: path.join(TLS_DIR, 'ca.pem'),
  cert: path.join(TLS_DIR, 'server.pem'),
  key: path.join(TLS_DIR, 'server.key'),
  /** A self-signed client certificate for mutual TLS, and the same as PKCS#12 (passphrase below). */
  clientCert: path.join(TLS_DIR, 'client.pem'),
  clientKey: path.join(TLS_DIR, 'client.key'),
  clientP12: path.join(TLS_DIR, 'client.p12'),
  clientP12Passphrase: 'test-p12-pass',
};

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface LocalServer {
  url: string;
  port: number;
  /** Every request received, in arrival order (the body is read before the handler runs). */
  requests: Recorded[];
  /** Requests being handled right now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

export type LocalHandler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => unknown;

function track(server: http.Server | https.Server, handler: LocalHandler, scheme: 'http' | 'https', host: string, port: number): Promise<LocalServer> {
  const sockets = new Set<net.Socket>();
  const state: LocalServer = {
    url: '',
    port: 0,
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s: net.Socket) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method || 'GET', url: req.url || '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      state.requests.push(rec);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on('close', () => state.inFlight--);
      Promise.resolve()
        .then(() => handler(rec, res, req))
        .catch((e) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address() as net.AddressInfo;
      state.port = addr.port;
      state.url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
      resolve(state);
    });
  });
}

/** A plain HTTP server on 127.0.0.1 (or `host`) answering with `handler`. */
export function startHttp(handler: LocalHandler, opts: { port?: number; host?: string } = {}): Promise<LocalServer> {
  const server = http.createServer();
  server.keepAliveTimeout = 5000;
  return track(server, handler, 'http', opts.host || '127.0.0.1', opts.port ?? 0);
}

/**
 * An HTTPS server with the test certificate (signed by the test CA). With `clientCa` it demands a
 * client certificate issued by that CA (mutual TLS).
 */
export function startHttps(handler: LocalHandler, opts: { port?: number; host?: string; clientCa?: string } = {}): Promise<LocalServer> {
  const mutual = opts.clientCa ? { ca: fs.readFileSync(opts.clientCa), requestCert: true, rejectUnauthorized: true } : {};
  const server = https.createServer({ cert: fs.readFileSync(TLS_FILES.cert), key: fs.readFileSync(TLS_FILES.key), ...mutual });
  return track(server, handler, 'https', opts.host || '127.0.0.1', opts.port ?? 0);
}

/** Writes a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length, ...headers });
  res.end(data);
}

export interface TlsFront {
  /** https://localhost:<port>: the certificate names localhost and 127.0.0.1. */
  url: string;
  port: number;
  /** TLS handshakes completed. */
  handshakes: number;
  close(): Promise<void>;
}

/**
 * Terminates TLS with the test certificate and pipes the bytes to a plain HTTP server on
 * 127.0.0.1:<targetPort> (the sandbox), so the real API can be reached over HTTPS.
 */
export function tlsFront(targetPort: number): Promise<TlsFront> {
  const sockets = new Set<net.Socket>();
  const state: TlsFront = { url: '', port: 0, handshakes: 0, close: async () => undefined };
  const server = tls.createServer({ cert: fs.readFileSync(TLS_FILES.cert), key: fs.readFileSync(TLS_FILES.key) }, (clear) => {
    state.handshakes++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(clear);
    sockets.add(upstream);
    clear.pipe(upstream).pipe(clear);
    const end = () => {
      clear.destroy();
      upstream.destroy();
      sockets.delete(clear);
      sockets.delete(upstream);
    };
    clear.on('error', end);
    upstream.on('error', end);
    clear.on('close', end);
    upstream.on('close', end);
  });
  // Failed handshakes (a client that does not trust the CA) are expected in the tests.
  server.on('tlsClientError', () => undefined);
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      state.port = (server.address() as net.AddressInfo).port;
      state.url = `https://localhost:${state.port}`;
      resolve(state);
    });
  });
}

/** A TCP port on 127.0.0.1 with nothing listening (a connection is refused). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The directory of the Node-RED under test (NODE_RED_PATH in the compat run, else the dev dependency). */
export function nodeRedDir(): string {
  const main = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

type NodeModule = (RED: unknown) => void;

/**
 * A core node module (e.g. 'network/05-tls.js', 'network/06-httpproxy.js') of the Node-RED under
 * test, for helper.load() next to the pack's nodes.
 */
export function coreNode(file: string): NodeModule {
  const resolved = require.resolve(`@node-red/nodes/core/${file}`, { paths: [nodeRedDir()] });
  return require(resolved) as NodeModule;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A fault seed for the sandbox: with one fault rule of probability `p`, the rule fires on the n-th
 * matching request exactly when `pattern[n]` is true (the sandbox draws one number per matching
 * request from its seeded generator).
 */
export function faultSeed(pattern: boolean[], p = 0.5): number {
  for (let seed = 1; seed < 100000; seed++) {
    const r = prng(seed);
    if (pattern.every((hit) => (r() < p) === hit)) return seed;
  }
  throw new Error('no seed found for the fault pattern');
}
