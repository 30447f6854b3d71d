/**
 * Security: file names with path traversal are rejected. A file name that comes from a message
 * or from a server never climbs out of the folder it is meant for: downloads refuse a target path
 * with ".." segments (also when a template put them there), uploads and faxes send only the base
 * name, push request files must be a plain name, and the sandbox serves no file outside its page.
 */
import should from 'should';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, type FlowNode } from '../support/nr';
import { cs } from '../../sandbox/areas/cs-core';
import { start } from '../../sandbox';
import { MODULES } from '../fuzz/support';

type Obj = Record<string, unknown>;

describe('security: file names with path traversal are rejected', function () {
  this.timeout(30000);
  const h = useSandbox();
  const helper = useNodeRed();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-traversal-'));
    fs.mkdirSync(path.join(dir, 'out'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const conn = { timeout: 5, retries: 1, maxDelay: 1, concurrency: 4 };
  const creds = { x1: { username: 'Admin', password: 'sandbox-admin' }, m1: { username: 'sandbox-fax', password: 'sandbox-messaging' } };
  async function load(node: FlowNode): Promise<(msg: Obj) => Promise<{ out?: Obj; caught?: Obj }>> {
    await helper.load(MODULES as never, [
      TAB,
      { id: 'x1', type: 'ot-xecm', name: 's', baseUrl: h.csUrl, authMode: 'password', ...conn },
      { id: 'm1', type: 'ot-messaging', name: 'm', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', ...conn },
      { z: 'tab1', wires: [['out']], ...node },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ] as FlowNode[], creds as never);
    return (msg) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no output and no error within 10 s')), 10000);
        const done = (r: { out?: Obj; caught?: Obj }) => {
          clearTimeout(t);
          helper.getNode('out').removeAllListeners('input');
          helper.getNode('caught').removeAllListeners('input');
          resolve(r);
        };
        helper.getNode('out').on('input', (m: Obj) => done({ out: m }));
        helper.getNode('caught').on('input', (m: Obj) => done({ caught: m }));
        (helper.getNode(node.id) as Node).receive(msg as never);
      });
  }

  /** Every file below the test folder, relative to it. */
  const files = () => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else out.push(path.relative(dir, path.join(d, e.name)));
      }
    };
    walk(dir);
    return out.sort();
  };

  it('ot-node download: a name that climbs out of the folder of a templated path is refused (OT_INVALID_INPUT), nothing is written', async () => {
    const send = await load({ id: 'n1', type: 'ot-node', server: 'x1', operation: 'download', node: 'nodeId', nodeType: 'msg', downloadTo: 'file', filePath: `${dir}/out/{{name}}`, filePathType: 'str', overwrite: false });
    for (const name of ['../escaped.pdf', 'sub/../../escaped.pdf', '..\\escaped.pdf', '../../../../../../tmp/escaped.pdf']) {
      const r = await send({ nodeId: 2201, name });
      should.exist(r.caught, `"${name}" was not refused: the file went to ${String(r.out?.filename)}`);
      (r.caught!.error as Obj).code!.should.equal('OT_INVALID_INPUT', `"${name}" was not refused`);
    }
    const ok = await send({ nodeId: 2201, name: 'contract.pdf' });
    ok.out!.filename!.should.equal(path.join(dir, 'out', 'contract.pdf'));
    files().should.eql([path.join('out', 'contract.pdf')]);
  });

  it('ot-node download: a target path from the message with ".." segments is refused', async () => {
    const send = await load({ id: 'n1', type: 'ot-node', server: 'x1', operation: 'download', node: 'nodeId', nodeType: 'msg', downloadTo: 'file', filePath: 'filename', filePathType: 'msg', overwrite: true });
    const r = await send({ nodeId: 2201, filename: `${dir}/out/../escaped.pdf` });
    should.exist(r.caught, `the file went to ${String(r.out?.filename)}`);
    (r.caught!.error as Obj).code!.should.equal('OT_INVALID_INPUT');
    files().should.eql([]);
  });

  it('ot-upload: a file name with a path becomes its base name (no path reaches Content Server)', async () => {
    const send = await load({ id: 'n1', type: 'ot-upload', server: 'x1', target: 'parent', parent: '2100', parentType: 'num', source: 'payload', docName: '', docNameType: 'str', onClash: 'error' });
    for (const filename of ['../../etc/passwd', '..\\..\\boot.ini', '/var/tmp/../x/report.pdf']) {
      const r = await send({ payload: Buffer.from('content'), filename });
      const id = Number(r.out!.nodeId);
      const node = cs(h.sb.app).nodes.get(id)!;
      node.name.should.not.match(/[\\/]|\.\./);
      node.versions[0].file_name.should.not.match(/[\\/]|\.\./);
    }
  });

  it('ot-fax-send: a document name with a path is sent as its base name', async () => {
    const send = await load({ id: 'n1', type: 'ot-fax-send', server: 'm1', destinations: '15551234567', destinationsType: 'str', documents: 'payload', documentsType: 'msg', strings: 'text', submitId: '_msgid', submitIdType: 'msg' });
    const r = await send({ payload: [{ data: Buffer.from('%PDF-1.4\n%%EOF\n'), name: '../../etc/cover.pdf' }] });
    const docs = (r.out!.payload as { documents: Array<{ name: string }> }).documents;
    docs[0].name.should.equal('cover.pdf');
    const state = (await (await fetch(`${h.url}/_sandbox/state/fax`)).json()) as { jobs: Array<{ documents: Array<{ name: string }> }> };
    state.jobs[0].documents[0].name.should.equal('cover.pdf');
  });

  it('ot-push: a request file name with a path is refused', async () => {
    const send = await load({ id: 'n1', type: 'ot-push', backend: 'messaging', messaging: 'm1', mode: 'compose', recipients: 'recipients', recipientsType: 'msg', title: 't', body: 'b', submitId: '_msgid', submitIdType: 'msg', domain: 'MR', filename: '../../push.json' });
    const r = await send({ recipients: 'rmanager' });
    (r.caught?.error as Obj).code!.should.equal('OT_INVALID_INPUT');
    const state = (await (await fetch(`${h.url}/_sandbox/state/push`)).json()) as { jobs: unknown[] };
    state.jobs.should.have.length(0);
  });

  it('the sandbox serves no file outside its page, however the path is written', async () => {
    // a sandbox of its own that records nothing: these requests are no API calls
    const sb = await start({ port: 0, quiet: true, record: false });
    const get = (p: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        // a raw request: fetch would normalise the dots away
        const req = http.request({ host: '127.0.0.1', port: sb.port, path: p, method: 'GET' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode || 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      for (const p of ['/_sandbox/../package.json', '/_sandbox/%2e%2e/%2e%2e/etc/passwd', '/_sandbox/..%2f..%2fpackage.json', '/_sandbox/web/../../package.json', '/../../../../etc/passwd']) {
        const r = await get(p);
        r.status.should.be.oneOf([400, 404, 405]);
        r.body.should.not.match(/root:|"name":\s*"node-red-contrib-opentext"/);
      }
    } finally {
      await sb.close();
    }
  });
});
