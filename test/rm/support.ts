/** Shared bits of the RM node tests (ot-hold, ot-disposition). */
import type { Node } from 'node-red';

export type Obj = Record<string, unknown>;
/** A message that reached the Catch node. */
export type Caught = Obj & { error: Obj & { code: string; message: string }; otError: Obj & { code: string; details: Obj } };

/**
 * Sends `msg` to `target`; waits up to `waitMs` for anything to come out of `out` or reach
 * `caught`, then `settle` ms more; resolves with everything that came out and everything caught
 * (throws when nothing did).
 */
export async function sendAndCollect(target: Node, n: { out: Node; caught: Node }, msg: Obj, settle: number, waitMs: number): Promise<{ out: Obj[]; caught: Caught[] }> {
  const out: Obj[] = [];
  const caught: Caught[] = [];
  const onOut = (m: Obj) => out.push(m);
  const onCaught = (m: Obj) => caught.push(m as Caught);
  n.out.on('input', onOut);
  n.caught.on('input', onCaught);
  try {
    target.receive(msg);
    const end = Date.now() + waitMs;
    while (out.length + caught.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, settle));
  } finally {
    n.out.removeListener('input', onOut);
    n.caught.removeListener('input', onCaught);
  }
  if (out.length + caught.length === 0) throw new Error(`no output and no error within ${waitMs / 1000} s`);
  return { out, caught };
}
