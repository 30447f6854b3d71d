/**
 * Single-flight authentication seen from a real flow: 100 messages arriving together at an ot-node
 * node share one Content Server login (or one OTDS token), and every message gets its answer.
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, xecmConfig, FlowNode, TAB } from '../support/nr';
import { cs } from '../../sandbox/areas/cs-core';
import { otds } from '../../sandbox/areas/otds';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const otdsNode = require('../../nodes/otds/ot-otds');
const otNode = require('../../nodes/xecm/ot-node');

interface Out {
  payload: { id: number; name: string };
  n: number;
}

describe('config: 100 concurrent messages through ot-node', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  const flow = (xecm: FlowNode, extra: FlowNode[] = []): FlowNode[] => [
    TAB,
    ...extra,
    xecm,
    { id: 'get', type: 'ot-node', z: 'tab1', x: 100, y: 100, server: 'xecm1', operation: 'get', node: 'nodeId', nodeType: 'msg', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'tab1', x: 300, y: 100, wires: [] },
    { id: 'catch', type: 'catch', z: 'tab1', x: 100, y: 200, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab1', x: 300, y: 200, wires: [] },
  ];

  async function hundred(): Promise<Out[]> {
    const received: Out[] = [];
    const errors: unknown[] = [];
    helper.getNode('caught').on('input', (m: unknown) => errors.push(m));
    const done = new Promise<void>((resolve) => {
      helper.getNode('out').on('input', (m: unknown) => {
        received.push(m as Out);
        if (received.length === 100) resolve();
      });
    });
    const get = helper.getNode('get');
    for (let n = 0; n < 100; n++) get.receive({ nodeId: 2201 + (n % 5), n });
    await done;
    errors.should.have.length(0);
    received.map((m) => m.n).sort((a, b) => a - b).should.eql(Array.from({ length: 100 }, (_, i) => i));
    received.every((m) => m.payload.id === 2201 + (m.n % 5)).should.be.true();
    return received;
  }

  it('logs in to Content Server once', async () => {
    const x = xecmConfig(h.csUrl, { concurrency: 8 });
    await helper.load([xecmNode, otNode], flow(x.node), x.creds);
    await hundred();
    cs(h.sb.app).logins.should.equal(1);
  });

  it('asks OTDS for one token', async () => {
    const x = xecmConfig(h.csUrl, { authMode: 'otds-bearer', otds: 'otds1', concurrency: 8 });
    await helper.load([otdsNode, xecmNode, otNode], flow(x.node, [{ id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials' }]), { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } });
    await hundred();
    otds(h.sb.app).tokenRequests.should.equal(1);
    cs(h.sb.app).logins.should.equal(0);
  });
});
