/**
 * 2. Auth: messages through ot-node (get) on an Extended ECM connection that authenticates with an
 *    OTDS bearer token (client credentials), at concurrency 32. With a token lifetime longer than
 *    the run: exactly one token request. With a 2 s lifetime over a 10 s run: about one token per
 *    lifetime (the client refreshes at 90 % of a short lifetime), never one per message. Token
 *    requests are counted by the sandbox's OTDS.
 */
import type { Ctx } from '../run';
import { FlowDriver } from '../lib/embedded';
import { startSandbox, type BenchSandbox } from '../lib/sandbox';
import { CAUGHT, SINK, frame, getNode, otdsConfig, xecmConfig } from '../lib/flows';
import { nowMs, pool, round } from '../lib/util';

const CONCURRENCY = 32;

async function tokenRequests(sb: BenchSandbox): Promise<number> {
  return (await sb.get<{ tokenRequests: number }>('/_sandbox/state/otds')).tokenRequests;
}

function authFlow(sb: BenchSandbox, suffix: string) {
  return frame([
    otdsConfig(`otds${suffix}`, sb.url),
    xecmConfig(`cs${suffix}`, sb.csUrl, CONCURRENCY, { authMode: 'otds-bearer', otds: `otds${suffix}` }),
    getNode(`get${suffix}`, `cs${suffix}`),
  ]);
}

export async function auth(ctx: Ctx): Promise<void> {
  const rt = await ctx.runtime();
  const N = ctx.quick ? 1000 : 10000;

  // -- a token that outlives the run --
  const sb = await ctx.sandbox();
  await rt.deploy(authFlow(sb, 'L'));
  let driver = new FlowDriver(rt, SINK, CAUGHT);
  const before = await tokenRequests(sb);
  const t0 = nowMs();
  await pool(N, CONCURRENCY, () => driver.call('getL', { nodeId: 2000 }));
  const longMs = nowMs() - t0;
  const longLogins = (await tokenRequests(sb)) - before;
  ctx.log(`auth: ${N} messages at concurrency ${CONCURRENCY} in ${round(longMs / 1000, 1)} s with a 1 h token: ${longLogins} token request(s)`);
  ctx.rows.push({ scenario: 'auth', measure: `token requests, ${N} messages, concurrency ${CONCURRENCY}, token lifetime 1 h`, pack: longLogins, baseline: '-', target: 'exactly 1', pass: longLogins === 1 });

  // -- a 2 s token over a 10 s run --
  const short = await startSandbox(ctx.dist, { tokenLifetime: 2 });
  try {
    await rt.deploy(authFlow(short, 'S'));
    driver = new FlowDriver(rt, SINK, CAUGHT);
    const runMs = ctx.quick ? 4000 : 10000;
    const b2 = await tokenRequests(short);
    const end = nowMs() + runMs;
    let messages = 0;
    const worker = async () => {
      while (nowMs() < end) {
        await driver.call('getS', { nodeId: 2000 });
        messages++;
      }
    };
    const t1 = nowMs();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = nowMs() - t1;
    const logins = (await tokenRequests(short)) - b2;
    // refresh at 90 % of 2 s: one token per 1.8 s of run, plus the first
    const expected = Math.ceil(elapsed / 1800);
    ctx.log(`auth: ${messages} messages in ${round(elapsed / 1000, 1)} s with a 2 s token: ${logins} token request(s) (about ${expected} expected)`);
    ctx.rows.push({
      scenario: 'auth',
      measure: `token requests, ${round(elapsed / 1000, 0)} s run (${messages} messages), token lifetime 2 s`,
      pack: logins,
      baseline: '-',
      target: `about ${Math.round(elapsed / 2000)}, never per message`,
      pass: logins >= Math.floor(elapsed / 2000) && logins <= expected + 2 && logins < messages / 10,
    });
    ctx.details.auth = { messages: N, concurrency: CONCURRENCY, longLifetime: { tokenRequests: longLogins, ms: round(longMs, 0) }, shortLifetime: { seconds: round(elapsed / 1000, 2), messages, tokenRequests: logins, expectedAbout: expected } };
  } finally {
    await short.close();
  }
}
