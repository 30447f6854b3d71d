/**
 * Example FAX-8 "Legacy fax archive migration", deployed as shipped against a temporary archive
 * folder (FAX_ARCHIVE_DIR): every good file is imported once into Fax Archive/<customer or
 * matter>/<year> with the Migration category, with at most 4 uploads at a time; corrupt and
 * unreadable files are reported and skipped; a second run imports nothing; a run stopped half-way
 * (the stop button, or a redeploy) finishes without duplicates when started again.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { IncomingMessage, ServerResponse } from 'http';
import should from 'should';
import { useExamples, type Deployed } from '../support/examples';
import { collect, nrHelper, until } from '../support/nr';
import { sha256, type Obj } from '../fax/support';
import { checkShape, CONNECTIONS as SHARED_CONNECTIONS } from './FAX-support';
import { makePdf, makeTiff } from '../../sandbox/areas/fax';
import { childNamed, childrenIn, csNode, stored } from '../xecm/cs-support';
import { createNode } from '../../sandbox/areas/cs-core';
import type { CsNode } from '../../sandbox/areas/cs-core';

const EXAMPLE = 'Cloud Fax ↔ Extended ECM/FAX-8 Legacy fax archive migration';
const FAX_ARCHIVE = 2800;

/** FAX-8 uses only the Extended ECM connection. */
const CONNECTIONS: Record<string, Obj> = { ot_xecm_sandbox: SHARED_CONNECTIONS.ot_xecm_sandbox };

interface Report {
  files: number;
  imported: number;
  alreadyThere: number;
  failed: Array<{ file: string; code: string; reason: string }>;
  unreadable: Array<{ file: string; problem: string }>;
  stopped: boolean;
  notStarted?: number;
}
interface Out {
  payload: Obj;
  error?: { code?: string; message?: string };
}

/** The archive on disk: good files (path -> bytes) and the ones that must be skipped. */
function makeArchive(): { dir: string; good: Map<string, Buffer>; bad: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fax-archive-'));
  const good = new Map<string, Buffer>();
  const bad = new Map<string, string>();
  const put = (rel: string, data: Buffer | string) => {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, data);
    return full;
  };
  const ok = (rel: string, data: Buffer) => {
    put(rel, data);
    good.set(rel, data);
  };
  ok('C-1001/2019-03-14 fax 4711.pdf', makePdf([['Fax 4711 to Acme Corporation', 'Invoice copy']]));
  ok('C-1001/2019-03-14 fax 4711 receipt.txt', Buffer.from('Transmission receipt\nJob 4711\nDelivered 2019-03-14 10:22\nPages 1\n'));
  ok('C-1002/2020-11-02 claim.tif', makeTiff(2));
  ok('MATTER-2018-007/2018-06-01 court notice.pdf', makePdf([['Court notice'], ['Page 2']]));
  ok('MATTER-2018-007/2018-06-01 court notice receipt.txt', Buffer.from('Receipt: court notice received 2018-06-01\n'));
  ok('MATTER-2018-007/exhibits/20180615 exhibit A.pdf', makePdf([['Exhibit A']]));
  for (let i = 1; i <= 12; i++) ok(`C-1003/2021-01-${String(i).padStart(2, '0')} fax ${i}.pdf`, makePdf([[`Fax ${i} of the 2021 archive`]]));
  const loose = put('loose scan.pdf', makePdf([['A scan nobody filed']]));
  good.set('loose scan.pdf', fs.readFileSync(loose));
  fs.utimesSync(loose, new Date('2017-05-05T12:00:00Z'), new Date('2017-05-05T12:00:00Z'));
  put('C-1002/empty.tif', Buffer.alloc(0));
  bad.set('C-1002/empty.tif', 'empty file');
  put('MATTER-2018-007/broken.pdf', 'this is not a pdf: the scanner crashed');
  bad.set('MATTER-2018-007/broken.pdf', 'corrupt: not a PDF file');
  put('MATTER-2018-007/notes.docx', 'PK\u0003\u0004 a word file');
  bad.set('MATTER-2018-007/notes.docx', 'not a fax image or receipt (.docx)');
  // unreadable: a link to a file that is gone
  fs.symlinkSync(path.join(dir, 'nowhere', 'moved.pdf'), path.join(dir, 'C-1001', '2019-05-05 moved.pdf'));
  bad.set('C-1001/2019-05-05 moved.pdf', 'unreadable (ENOENT)');
  if (process.getuid && process.getuid() !== 0) {
    // unreadable (root reads everything, so only where the tests do not run as root)
    const locked = put('C-1001/2019-04-01 locked.pdf', makePdf([['locked']]));
    fs.chmodSync(locked, 0);
    bad.set('C-1001/2019-04-01 locked.pdf', 'unreadable (EACCES)');
  }
  return { dir, good, bad };
}

/** Where a file of the archive belongs: Fax Archive/<first folder or Unsorted>/<year>/<name>. */
function expectedPlace(rel: string): { group: string; year: string; name: string; date: string } {
  const parts = rel.split('/');
  const group = parts.length > 1 ? parts[0] : 'Unsorted';
  const m = /(\d{4})-?(\d{2})-?(\d{2})/.exec(parts[parts.length - 1]);
  const date = m ? `${m[1]}-${m[2]}-${m[3]}` : '2017-05-05';
  return { group, year: date.slice(0, 4), name: (parts.length > 2 ? parts.slice(1) : [parts[parts.length - 1]]).join(' - '), date };
}

describe('example FAX-8 Legacy fax archive migration', function () {
  this.timeout(60000);
  const h = useExamples();
  let archive: ReturnType<typeof makeArchive>;
  const saved = process.env.FAX_ARCHIVE_DIR;

  beforeEach(() => {
    archive = makeArchive();
    process.env.FAX_ARCHIVE_DIR = archive.dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.FAX_ARCHIVE_DIR;
    else process.env.FAX_ARCHIVE_DIR = saved;
    fs.rmSync(archive.dir, { recursive: true, force: true });
  });

  /** Every document below Fax Archive. */
  const imported = (): CsNode[] => {
    const out: CsNode[] = [];
    const walk = (id: number) => {
      for (const n of childrenIn(h.sb, id)) {
        if (n.type === 144) out.push(n);
        else walk(n.id);
      }
    };
    walk(FAX_ARCHIVE);
    return out;
  };

  /** Counts the document uploads (POST api/v2/nodes) in flight at the sandbox, and the most at once. */
  function watchUploads(): { max: () => number; stop: () => void } {
    let now = 0;
    let max = 0;
    const server = h.sb.sb.app.server!;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST' || !/\/api\/v2\/nodes$/.test((req.url || '').split('?')[0])) return;
      now++;
      max = Math.max(max, now);
      res.once('close', () => now--);
    };
    server.on('request', onRequest);
    return { max: () => max, stop: () => server.off('request', onRequest) };
  }

  async function run(d: Deployed): Promise<Report> {
    const reports = collect<Out>(d.node('fax8_report'));
    d.trigger('fax8_start');
    await until(() => reports.length === 1, 30000, 'the migration report');
    // made in the function node's sandbox: copied into this realm for should's assertions
    return JSON.parse(JSON.stringify(reports[0].payload)) as Report;
  }

  it('ships as documented (tab, comment, connection, one Catch routing msg.error.code)', async () => {
    const d = await h.deploy(EXAMPLE);
    checkShape(d.flow, h.sb.url, CONNECTIONS);
    should(d.byName('error code', 'switch').property).equal('error.code');
    d.byName('upload to Fax Archive', 'ot-upload').onClash!.should.equal('skip');
  });

  it('imports every good file once into Fax Archive/<customer or matter>/<year> with the Migration category, at most 4 at a time; corrupt and unreadable files are reported and skipped', async () => {
    h.sb.sb.app.setFaults({ rules: [{ route: '^POST /otcs/cs\\.exe/api/v2/nodes$', kind: 'latency', ms: 60, probability: 1 }] });
    const uploads = watchUploads();
    const d = await h.deploy(EXAMPLE);
    const skipped = collect<Out>(d.node('fax8_skipped'));
    let report: Report;
    try {
      report = await run(d);
    } finally {
      uploads.stop();
    }
    report.should.containEql({ files: archive.good.size, imported: archive.good.size, alreadyThere: 0, stopped: false });
    report.failed.should.eql([]);
    report.unreadable.map((u) => u.file).sort().should.eql([...archive.bad.keys()].sort());
    for (const u of report.unreadable) u.problem.should.equal(archive.bad.get(u.file));
    skipped.map((m) => m.payload.file).sort().should.eql([...archive.bad.keys()].sort());

    // bounded: never more than 4 document uploads at once, but more than one
    uploads.max().should.be.belowOrEqual(4);
    uploads.max().should.be.aboveOrEqual(2);

    // every good file: once, in the right place, its exact bytes, its metadata
    const docs = imported();
    docs.should.have.length(archive.good.size);
    for (const [rel, bytes] of archive.good) {
      const p = expectedPlace(rel);
      const group = childNamed(h.sb, FAX_ARCHIVE, p.group)!;
      should.exist(group, `folder ${p.group}`);
      const year = childNamed(h.sb, group.id, p.year)!;
      should.exist(year, `folder ${p.group}/${p.year}`);
      const doc = childNamed(h.sb, year.id, p.name)!;
      should.exist(doc, `${rel} as ${p.group}/${p.year}/${p.name}`);
      stored(h.sb, doc.id).sha256.should.equal(sha256(bytes));
      const customer = /^C-\d+$/.test(p.group);
      doc.categories['9860'].should.containEql({ [customer ? '9860_3' : '9860_2']: p.group, '9860_5': rel });
      should.not.exist(doc.categories['9860'][customer ? '9860_2' : '9860_3']);
      String(doc.categories['9860']['9860_4']).slice(0, 10).should.equal(p.date);
      doc.description.should.equal(`Migrated from the legacy fax archive: ${rel}`);
    }
    // nothing of the bad files
    for (const rel of archive.bad.keys()) docs.some((n) => n.categories['9860']?.['9860_5'] === rel).should.be.false();
  });

  it('a second run imports nothing new', async () => {
    const d = await h.deploy(EXAMPLE);
    const first = await run(d);
    first.imported.should.equal(archive.good.size);
    const before = imported().map((n) => ({ id: n.id, versions: csNode(h.sb, n.id).versions.length }));
    const second = await run(d);
    second.should.containEql({ files: archive.good.size, imported: 0, alreadyThere: archive.good.size, stopped: false });
    imported()
      .map((n) => ({ id: n.id, versions: csNode(h.sb, n.id).versions.length }))
      .should.eql(before);
  });

  it('a run stopped half-way (stop button) and started again finishes without duplicates', async () => {
    h.sb.sb.app.setFaults({ rules: [{ route: '^POST /otcs/cs\\.exe/api/v2/nodes$', kind: 'latency', ms: 150, probability: 1 }] });
    const d = await h.deploy(EXAMPLE);
    const reports = collect<Out>(d.node('fax8_report'));
    d.trigger('fax8_start');
    await until(() => imported().length >= 4, 20000, 'a few files imported');
    d.trigger('fax8_stop');
    await until(() => reports.length === 1, 20000, 'the report of the stopped run');
    const stopped = JSON.parse(JSON.stringify(reports[0].payload)) as Report;
    stopped.stopped.should.be.true();
    stopped.notStarted!.should.be.above(0);
    stopped.imported.should.be.below(archive.good.size);
    imported().should.have.length(stopped.imported);

    h.sb.sb.app.setFaults({ rules: [] });
    const again = await run(d);
    again.should.containEql({ files: archive.good.size, imported: archive.good.size - stopped.imported, alreadyThere: stopped.imported, stopped: false });
    const docs = imported();
    docs.should.have.length(archive.good.size);
    new Set(docs.map((n) => n.categories['9860']['9860_5'])).size.should.equal(archive.good.size);
    docs.some((n) => / \(\d+\)\./.test(n.name)).should.be.false();
  });

  it('a run cut off by a redeploy (Node-RED stopped) and started again finishes without duplicates', async () => {
    h.sb.sb.app.setFaults({ rules: [{ route: '^POST /otcs/cs\\.exe/api/v2/nodes$', kind: 'latency', ms: 150, probability: 1 }] });
    const d1 = await h.deploy(EXAMPLE);
    d1.trigger('fax8_start');
    await until(() => imported().length >= 4, 20000, 'a few files imported');
    // Node-RED goes away in the middle of the run (the uploads in flight may or may not complete)
    await nrHelper().unload();
    const d2 = await h.deploy(EXAMPLE);
    await new Promise((r) => setTimeout(r, 400));
    const cut = imported().length;
    cut.should.be.below(archive.good.size);
    h.sb.sb.app.setFaults({ rules: [] });
    const again = await run(d2);
    again.should.containEql({ files: archive.good.size, imported: archive.good.size - cut, alreadyThere: cut, stopped: false });
    imported().should.have.length(archive.good.size);
    new Set(imported().map((n) => n.categories['9860']['9860_5'])).size.should.equal(archive.good.size);
  });

  it('a failed upload is reported with its code and frees its place: the rest continue; a missing archive folder is reported', async () => {
    // a document named like a customer folder is in the way: the uploads of C-1003 fail (OT_CONFLICT)
    const app = h.sb.sb.app;
    createNode(app, { parent_id: FAX_ARCHIVE, name: 'C-1003', type: 144, userId: 1000 });
    const d = await h.deploy(EXAMPLE);
    const notImported = collect<Out>(d.node('fax8_notimported'));
    const report = await run(d);
    const blocked = [...archive.good.keys()].filter((k) => k.startsWith('C-1003/'));
    report.failed.map((f) => f.file).sort().should.eql(blocked.sort());
    for (const f of report.failed) f.code.should.equal('OT_CONFLICT');
    report.imported.should.equal(archive.good.size - blocked.length);
    imported().filter((n) => n.name !== 'C-1003').should.have.length(archive.good.size - blocked.length);
    notImported.should.have.length(blocked.length);
    notImported[0].error!.code!.should.equal('OT_CONFLICT');
    String(notImported[0].payload).should.match(/^C-1003\/2021-01-\d\d fax \d+\.pdf not imported \(/);

    // no archive folder: the Catch reports it, nothing is imported
    process.env.FAX_ARCHIVE_DIR = path.join(archive.dir, 'missing');
    d.trigger('fax8_start');
    await until(() => notImported.length === blocked.length + 1, 5000, 'the missing folder reported');
    String(notImported[notImported.length - 1].payload).should.match(/^archive not imported \(the archive folder .*missing does not exist \(set FAX_ARCHIVE_DIR\)\)$/);
  });
});
