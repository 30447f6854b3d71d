/**
 * The Node-RED glue every node uses (nodes/lib/nodered.ts, nodes/lib/inputs.ts): the status rate
 * limit, and TypedInput reads that answer at once when Node-RED has the value at once.
 */
import should from 'should';
import { EventEmitter } from 'events';
import type { Node, NodeStatus } from 'node-red';
import { evalProp, isPromise, status, type Msg, type RED } from '../../nodes/lib/nodered';
import { readText, readTemplated } from '../../nodes/lib/inputs';
import { registerSecret } from '../../nodes/lib/redact';

/** A node that records its status calls (only what status() uses: status() and on('close')). */
function fakeNode(): { node: Node; shown: NodeStatus[]; close(): void } {
  const ee = new EventEmitter();
  const shown: NodeStatus[] = [];
  const node = Object.assign(ee, { status: (s: NodeStatus) => shown.push(s) }) as unknown as Node;
  return { node, shown, close: () => ee.emit('close') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client: Node-RED glue', () => {
  describe('status', () => {
    it('shows the first updates at once, then only the newest one when the window ends', async () => {
      const { node, shown } = fakeNode();
      for (let i = 0; i < 100; i++) {
        status(node, 'busy', 'working', false);
        status(node, 'ok', `done ${i}`, false);
      }
      // 10 at once (the burst), nothing else yet
      shown.length.should.equal(10);
      shown[0].should.eql({ fill: 'blue', shape: 'ring', text: 'working' });
      await sleep(600);
      shown.length.should.equal(11);
      shown[10].should.eql({ fill: 'green', shape: 'dot', text: 'done 99' });
    });

    it('does not send the same status twice in a row', () => {
      const { node, shown } = fakeNode();
      status(node, 'busy', 'working', false);
      status(node, 'busy', 'working', false);
      status(node, 'ok', 'done', false);
      status(node, 'busy', 'working', false);
      shown.map((s) => s.fill).should.eql(['blue', 'green', 'blue']);
    });

    it('redacts, trims and adds the time of the update, also when it was held back', async () => {
      const { node, shown } = fakeNode();
      registerSecret('status-secret-4711');
      for (let i = 0; i < 10; i++) status(node, 'busy', `w${i}`, false);
      status(node, 'error', 'failed with status-secret-4711 and a text far too long for a status');
      shown.length.should.equal(10);
      await sleep(600);
      const last = shown[shown.length - 1];
      last.fill!.should.equal('red');
      String(last.text).should.not.match(/status-secret-4711/);
      String(last.text).should.match(/^failed with \*\*\* and a text far …? \d\d:\d\d:\d\d$/);
    });

    it('clear drops a held-back update, and so does closing the node', async () => {
      const a = fakeNode();
      for (let i = 0; i < 12; i++) status(a.node, 'busy', `w${i}`, false);
      status(a.node, 'clear');
      await sleep(600);
      a.shown[a.shown.length - 1].should.eql({});
      a.shown.length.should.equal(11);

      const b = fakeNode();
      for (let i = 0; i < 12; i++) status(b.node, 'busy', `w${i}`, false);
      b.close();
      await sleep(600);
      b.shown.length.should.equal(10);
    });

    it('a quiet node shows each update at once again after the window', async () => {
      const { node, shown } = fakeNode();
      for (let i = 0; i < 10; i++) status(node, 'busy', `w${i}`, false);
      await sleep(550);
      status(node, 'ok', 'later', false);
      shown.length.should.equal(11);
      shown[10].text!.should.equal('later');
    });
  });

  describe('TypedInput reads', () => {
    // Node-RED's evaluateNodeProperty answers through its callback, at once or later
    const calls: string[] = [];
    const RED_ = {
      util: {
        evaluateNodeProperty(value: string, type: string, _node: Node, msg: Msg, cb: (err: Error | null, v?: unknown) => void) {
          calls.push(type);
          if (type === 'msg') cb(null, msg[value]);
          else if (type === 'num') cb(null, Number(value));
          else if (type === 'global') setTimeout(() => cb(null, `later:${value}`), 5);
          else if (type === 'json') {
            try {
              cb(null, JSON.parse(value));
            } catch (e) {
              cb(e as Error);
            }
          } else throw new Error(`unknown type ${type}`);
        },
      },
    } as unknown as RED;
    const node = new EventEmitter() as unknown as Node;
    const msg = { _msgid: '1', payload: 7, name: 'doc.txt' } as unknown as Msg;

    it('answers at once for plain text, msg and num, and with a promise for a store that answers later', async () => {
      should(evalProp(RED_, node, msg, 'abc', 'str')).equal('abc');
      should(evalProp(RED_, node, msg, 'payload', 'msg')).equal(7);
      should(evalProp(RED_, node, msg, '12', 'num')).equal(12);
      should(evalProp(RED_, node, msg, '', 'num')).be.undefined();
      const later = evalProp(RED_, node, msg, 'k', 'global');
      isPromise(later).should.be.true();
      (await later)!.should.equal('later:k');
    });

    it('returns every failure as a rejected promise with OT_INVALID_INPUT, never a throw', async () => {
      const bad = evalProp(RED_, node, msg, '{nope', 'json');
      isPromise(bad).should.be.true();
      await (bad as Promise<unknown>).should.be.rejectedWith({ code: 'OT_INVALID_INPUT' });
      const thrown = evalProp(RED_, node, msg, 'x', 'weird');
      isPromise(thrown).should.be.true();
      await (thrown as Promise<unknown>).should.be.rejectedWith({ code: 'OT_INVALID_INPUT', message: /unknown type weird/ });
      const notText = readText(RED_, node, msg, '{"a":1}', 'json');
      isPromise(notText).should.be.true();
      await (notText as Promise<unknown>).should.be.rejectedWith({ code: 'OT_INVALID_INPUT', message: /expected text, got object/ });
    });

    it('renders plain text as a template and trims it, at once', () => {
      const n = Object.assign(new EventEmitter(), { context: () => ({ flow: { get: () => undefined }, global: { get: () => undefined } }) }) as unknown as Node;
      should(readText(RED_, n, msg, '  {{name}}  ', 'str')).equal('doc.txt');
      should(readText(RED_, n, msg, '   ', 'str')).be.undefined();
      should(readTemplated(RED_, n, msg, 'v-{{payload}}', undefined)).equal('v-7');
      should(readTemplated(RED_, n, msg, 'payload', 'msg')).equal(7);
    });
  });
});
