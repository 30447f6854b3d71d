/**
 * Shared bits of the Cloud Fax ↔ Extended ECM example tests (FAX-1 … FAX-8): the connections of
 * docs/EXAMPLES.md and the shape every example file must have.
 */
import should from 'should';
import type { FlowNode } from '../support/nr';
import type { Obj } from '../fax/support';

/** The ot-xecm settings of the examples' connections (each adds its name). */
export const XECM = { type: 'ot-xecm', authMode: 'password', otds: '', domain: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' };
/** The ot-messaging connection of the examples. */
export const MESSAGING = { type: 'ot-messaging', name: 'Cloud Messaging (sandbox)', authMode: 'basic', tokenUrl: '', timeout: 30, retries: 3, maxDelay: 30, concurrency: 8, tls: '', proxy: '' };

/** The connections of docs/EXAMPLES.md (the sandbox address is substituted by the harness). */
export const CONNECTIONS: Record<string, Obj> = {
  ot_xecm_sandbox: { ...XECM, name: 'Extended ECM (sandbox)' },
  ot_messaging_sandbox: MESSAGING,
};

/**
 * docs/EXAMPLES.md: tab first, comment first on it, every node on the tab, only the given
 * connections (the shared ones by default), one Catch, no HTTP in function nodes, several groups.
 */
export function checkShape(flow: FlowNode[], sandboxUrl: string, connections: Record<string, Obj> = CONNECTIONS): void {
  flow[0].type.should.equal('tab');
  flow[1].type.should.equal('comment');
  String(flow[1].info).should.match(/Where it starts/).and.match(/What to look at/).and.match(/On a real system/);
  const configs = flow.filter((n) => n.type.startsWith('ot-') && !('z' in n));
  for (const n of flow.slice(1)) if (!configs.includes(n)) should(n.z).equal(flow[0].id, `${n.id} is not on the tab`);
  for (const n of configs) {
    should.exist(connections[n.id], `unexpected connection ${n.id}`);
    n.should.containEql(connections[n.id]);
    String(n.baseUrl).startsWith(sandboxUrl).should.be.true();
  }
  flow.filter((n) => n.type === 'catch').should.have.length(1);
  for (const n of flow.filter((x) => x.type === 'function')) String(n.func).should.not.match(/fetch\(|require\(|https?\.request/);
  flow.filter((n) => n.type === 'group').length.should.be.above(1);
}
