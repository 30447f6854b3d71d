import http from 'http';
import https from 'https';
import net from 'net';
import tls from 'tls';

/** TLS settings, usually filled from a core `tls-config` node. */
export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** A PKCS#12 bundle (key + certificate), as Node-RED 5's tls-config node offers. */
  pfx?: string | Buffer;
  passphrase?: string;
  servername?: string;
  /** Verification is on unless explicitly turned off. */
  rejectUnauthorized?: boolean;
}

/** An HTTP proxy, from a core `http proxy` node or from the environment. */
export interface ProxyOptions {
  url: string;
  username?: string;
  password?: string;
  /** Host names or domain suffixes reached directly. */
  noProxy?: string[];
}

/** Reads HTTP(S)_PROXY / NO_PROXY (either case) for a target URL. */
export function proxyFromEnv(target: URL, env: NodeJS.ProcessEnv = process.env): ProxyOptions | undefined {
  const pick = (...names: string[]) => {
    for (const n of names) if (env[n]) return env[n];
    return undefined;
  };
  const url = target.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy') : pick('HTTP_PROXY', 'http_proxy');
  if (!url) return undefined;
  const noProxy = (pick('NO_PROXY', 'no_proxy') || '').split(',').map((s) => s.trim()).filter(Boolean);
  return { url, noProxy };
}

/** Whether a host is exempt from proxying by a NO_PROXY style list. */
export function bypassProxy(target: URL, noProxy: string[] | undefined): boolean {
  if (!noProxy || noProxy.length === 0) return false;
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    // "host:port", "[v6]:port", "[v6]" or a bare IPv6 address ("::1" has colons but no port)
    const bracketed = entry.match(/^\[([^\]]+)\](?::(\d+))?$/);
    const hostPort = entry.match(/^([^:]*):(\d+)$/);
    if (bracketed) {
      entry = bracketed[1];
      entryPort = bracketed[2];
    } else if (hostPort) {
      entry = hostPort[1];
      entryPort = hostPort[2];
    }
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '.');
    if (host === entry.replace(/^\./, '') || (entry.startsWith('.') && host.endsWith(entry)) || host.endsWith('.' + entry)) return true;
  }
  return false;
}

interface TunnelAgentOptions extends https.AgentOptions {
  proxy: URL;
  proxyAuth?: string;
}

/**
 * A keep-alive HTTPS agent that reaches its target through an HTTP proxy with CONNECT. TLS to the
 * target (CA, client certificate, verification) is negotiated end to end through the tunnel.
 */
export class TunnelAgent extends https.Agent {
  private readonly proxy: URL;
  private readonly proxyAuth?: string;

  constructor(opts: TunnelAgentOptions) {
    const { proxy, proxyAuth, ...rest } = opts;
    super(rest);
    this.proxy = proxy;
    this.proxyAuth = proxyAuth;
  }

  // Node's Agent accepts an asynchronous createConnection that answers through the callback.
  override createConnection(
    options: http.RequestOptions & tls.ConnectionOptions,
    callback?: (err: Error | null, stream: import('stream').Duplex) => void,
  ): import('stream').Duplex | null | undefined {
    const done = callback || (() => undefined);
    const host = options.host || 'localhost';
    const port = Number(options.port) || 443;
    const headers: Record<string, string> = { host: `${host}:${port}` };
    if (this.proxyAuth) headers['proxy-authorization'] = `Basic ${Buffer.from(this.proxyAuth).toString('base64')}`;
    const isHttpsProxy = this.proxy.protocol === 'https:';
    const req = (isHttpsProxy ? https : http).request({
      host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(this.proxy.port) || (isHttpsProxy ? 443 : 80),
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers,
      agent: false,
    });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      done(err, undefined as unknown as net.Socket);
    };
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const err = new Error(`proxy refused the tunnel: HTTP ${res.statusCode}`) as NodeJS.ErrnoException;
        err.code = 'EPROXY';
        fail(err);
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername || (net.isIP(host) ? undefined : host) } as tls.ConnectionOptions);
      secure.once('secureConnect', () => {
        if (settled) return;
        settled = true;
        done(null, secure);
      });
      secure.once('error', fail);
    });
    req.once('error', fail);
    req.end();
    return undefined;
  }
}

export interface AgentSet {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  /** For plain-HTTP targets through a proxy: axios sends absolute URIs to it. */
  httpProxy?: { protocol: string; host: string; port: number; auth?: { username: string; password: string } };
}

/** Builds the keep-alive agents for one target URL, honouring TLS and proxy settings. */
export function buildAgents(target: URL, tlsOpts: TlsOptions | undefined, proxy: ProxyOptions | undefined, maxSockets: number): AgentSet {
  const base = { keepAlive: true, maxSockets, maxFreeSockets: Math.max(2, maxSockets) };
  const tlsPart: https.AgentOptions = {
    ca: tlsOpts?.ca,
    cert: tlsOpts?.cert,
    key: tlsOpts?.key,
    pfx: tlsOpts?.pfx,
    passphrase: tlsOpts?.passphrase,
    servername: tlsOpts?.servername,
    rejectUnauthorized: tlsOpts?.rejectUnauthorized !== false,
  };
  const useProxy = proxy && proxy.url && !bypassProxy(target, proxy.noProxy) ? proxy : undefined;
  if (!useProxy) {
    return { httpAgent: new http.Agent(base), httpsAgent: new https.Agent({ ...base, ...tlsPart }) };
  }
  const p = new URL(useProxy.url.includes('://') ? useProxy.url : `http://${useProxy.url}`);
  const username = useProxy.username ?? decodeURIComponent(p.username || '');
  const password = useProxy.password ?? decodeURIComponent(p.password || '');
  p.username = '';
  p.password = '';
  const auth = username ? `${username}:${password}` : undefined;
  return {
    httpAgent: new http.Agent(base),
    httpsAgent: new TunnelAgent({ ...base, ...tlsPart, proxy: p, proxyAuth: auth }),
    httpProxy: {
      protocol: p.protocol.replace(':', ''),
      host: p.hostname.replace(/^\[|\]$/g, ''),
      port: Number(p.port) || (p.protocol === 'https:' ? 443 : 80),
      auth: username ? { username, password } : undefined,
    },
  };
}
