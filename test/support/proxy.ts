/**
 * A tiny forward HTTP proxy for the tests: absolute-URI requests for plain-HTTP targets and CONNECT
 * tunnels for HTTPS targets, optional Basic proxy authentication (407 otherwise), and counters of
 * what passed through.
 */
import http, { IncomingMessage, ServerResponse } from 'http';
import net from 'net';

export interface TestProxy {
  url: string;
  port: number;
  /** Absolute-URI requests forwarded (plain HTTP targets). */
  forwarded: number;
  /** CONNECT tunnels opened (HTTPS targets). */
  tunnels: number;
  /** Requests or tunnels refused with 407. */
  refused: number;
  /** Targets seen, "GET http://host:port/path" or "CONNECT host:port". */
  seen: string[];
  /** The Proxy-Authorization header values received (to assert the credentials were sent). */
  authHeaders: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Require these Basic credentials (answer 407 otherwise). */
  auth?: { username: string; password: string };
}

export async function startProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  const expected = opts.auth ? 'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64') : undefined;
  const state: TestProxy = { url: '', port: 0, forwarded: 0, tunnels: 0, refused: 0, seen: [], authHeaders: [], close: async () => undefined };
  const authorised = (req: IncomingMessage): boolean => {
    const h = req.headers['proxy-authorization'];
    if (typeof h === 'string') state.authHeaders.push(h);
    return !expected || h === expected;
  };

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    state.seen.push(`${req.method} ${req.url}`);
    if (!authorised(req)) {
      state.refused++;
      req.resume();
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"', 'content-type': 'text/plain' });
      res.end('proxy authentication required');
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url || '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      req.resume();
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('absolute http:// URI expected');
      return;
    }
    state.forwarded++;
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const up = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: target.pathname + target.search, headers, agent: false }, (upRes) => {
      res.writeHead(upRes.statusCode || 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    req.pipe(up);
  });

  server.on('connect', (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    state.seen.push(`CONNECT ${req.url}`);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!authorised(req)) {
      state.refused++;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = String(req.url || '').split(/:(?=\d+$)/);
    state.tunnels++;
    const upstream = net.connect(Number(port) || 443, host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.port = (server.address() as net.AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}
