#!/usr/bin/env node
/**
 * ot-sandbox: runs the OpenText sandbox.
 *   ot-sandbox [--port 8701] [--host 127.0.0.1] [--data fixture.json] [--record FILE]
 *              [--state state.json] [--faults faults.json] [--token-lifetime SEC] [--ticket-lifetime SEC] [--cs-prefix /otcs/cs.exe/api]
 */
import fs from 'fs';
import { start } from './index';
import type { SandboxOptions } from './server';

function parseArgs(argv: string[]): SandboxOptions & { help?: boolean } {
  const o: SandboxOptions & { help?: boolean } = { port: 8701, settings: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--port': {
        const v = next();
        o.port = Number(v);
        if (!/^\d+$/.test(v) || o.port > 65535) throw new Error(`--port needs a port number (0 picks a free one), not ${v}`);
        break;
      }
      case '--host': o.host = next(); break;
      case '--data': o.data = next(); break;
      case '--record': o.record = next(); break;
      case '--state': o.stateFile = next(); break;
      case '--faults': o.faults = JSON.parse(fs.readFileSync(next(), 'utf8')); break;
      case '--token-lifetime': o.tokenLifetime = Number(next()); break;
      case '--ticket-lifetime': o.ticketLifetime = Number(next()); break;
      case '--cs-prefix': o.csPrefix = next(); break;
      case '--setting': { const [k, ...v] = next().split('='); o.settings![k] = v.join('='); break; }
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log('usage: ot-sandbox [--port 8701] [--host 127.0.0.1] [--data fixture.json] [--state FILE] [--record FILE] [--faults faults.json] [--token-lifetime SEC] [--ticket-lifetime SEC] [--cs-prefix PATH] [--setting key=value]');
    return;
  }
  if (process.env.OT_SANDBOX_FAULTS && !opts.faults) opts.faults = JSON.parse(process.env.OT_SANDBOX_FAULTS);
  const sb = await start(opts);
  console.log(`OpenText sandbox listening on ${sb.url}`);
  console.log(`  Content Server REST: ${sb.csUrl}`);
  console.log(`  OTDS:                ${sb.url}/otdsws`);
  console.log(`  Cloud Messaging:     ${sb.url}/mra/v1`);
  console.log(`  Exstream:            ${sb.url}/orchestration/api/v1`);
  if (opts.stateFile) console.log(`  State file:          ${opts.stateFile} (saved on exit)`);
  console.log(`  What it holds:       ${sb.url}/_sandbox/`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sb.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`ot-sandbox: ${e.message}`);
  process.exit(1);
});
