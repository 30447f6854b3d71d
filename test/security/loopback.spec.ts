/**
 * Security: the sandbox (test credentials, no TLS) listens on the loopback interface only, by
 * default, both through its start() API and its command line.
 */
import 'should';
import { spawn } from 'child_process';
import net from 'net';
import os from 'os';
import path from 'path';
import { start } from '../../sandbox';

const ROOT = path.join(__dirname, '..', '..');

/** The machine's addresses that are not loopback. */
function externalAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal)
    .map((a) => a.address);
}

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

describe('security: the sandbox listens on loopback only', function () {
  this.timeout(60000);

  it('start() binds 127.0.0.1 unless told otherwise, and is not reachable on the other interfaces', async () => {
    const sb = await start({ port: 0, quiet: true, record: false });
    try {
      const addr = sb.app.server!.address() as net.AddressInfo;
      addr.address.should.equal('127.0.0.1');
      new URL(sb.url).hostname.should.equal('127.0.0.1');
      (await connects('127.0.0.1', sb.port)).should.be.true();
      for (const a of externalAddresses()) (await connects(a, sb.port)).should.be.false(`the sandbox answers on ${a}`);
    } finally {
      await sb.close();
    }
  });

  it('the ot-sandbox command binds 127.0.0.1 by default', async () => {
    const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(ROOT, 'sandbox', 'cli.ts'), '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, OT_SANDBOX_RECORD: '', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`the sandbox did not start: ${out}`)), 30000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
        child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      });
      const u = new URL(url);
      u.hostname.should.equal('127.0.0.1');
      (await connects('127.0.0.1', Number(u.port))).should.be.true();
      for (const a of externalAddresses()) (await connects(a, Number(u.port))).should.be.false(`the sandbox command answers on ${a}`);
    } finally {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  });
});
