/**
 * Sandbox: Content Server documents and folders over real HTTP — node get/create/update/copy/
 * delete, children paging, versions, content, categories, Large File Upload — and the strict
 * rejections the real server gives (missing ticket, JSON body, unknown ids, wrong subtypes, name
 * clashes, invalid category values).
 */
import crypto from 'crypto';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import type { CsState } from '../../sandbox/areas/cs-core';
import { cs, csLogin, Obj, props } from './cs-support';

describe('sandbox cs: nodes', () => {
  const h = useSandbox();
  let t = '';
  beforeEach(async () => {
    t = await csLogin(h.csUrl);
  });

  it('gets a node in the v1 and the v2 shape, honouring fields and metadata', async () => {
    const v1 = await cs(h.csUrl, 'v1/nodes/2201', { ticket: t });
    v1.status.should.equal(200);
    (v1.body.data as Obj).should.containEql({ id: 2201, parent_id: 2200, name: 'Contract ACME 2024.pdf', type: 144 });
    v1.body.type_name!.should.equal('Document');
    const v2 = await cs(h.csUrl, 'v2/nodes/2201', { ticket: t, query: { fields: ['properties{id,name}', 'versions'], metadata: '' } });
    v2.status.should.equal(200);
    const data = (v2.body.results as Obj).data as Obj;
    data.properties!.should.eql({ id: 2201, name: 'Contract ACME 2024.pdf' });
    (data.versions as Obj[]).should.have.length(1);
    (data.versions as Obj[])[0].should.containEql({ version_number: 1, mime_type: 'application/pdf', file_size: Buffer.byteLength('%PDF-1.4 contract ACME 2024') });
    should.exist((v2.body.results as Obj).metadata);
    should.exist(v2.headers.get('otcsticket'));
  });

  it('creates folders with the body field (v2) and with plain fields (v1 returns the id)', async () => {
    const v2 = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000, name: 'Projects', description: 'all projects' } });
    v2.status.should.equal(200);
    const p = props(v2);
    p.should.containEql({ type: 0, parent_id: 2000, name: 'Projects', description: 'all projects', container: true });
    const v1 = await cs(h.csUrl, 'v1/nodes', { ticket: t, form: { type: 0, parent_id: p.id as number, name: 'Alpha' } });
    v1.status.should.equal(200);
    v1.body.id!.should.be.a.Number();
    const got = await cs(h.csUrl, `v2/nodes/${v1.body.id}`, { ticket: t });
    props(got).should.containEql({ parent_id: p.id, name: 'Alpha' });
  });

  it('uploads a document (body + file part, and plain fields + file) and serves its content', async () => {
    const bytes = crypto.randomBytes(3000);
    const up = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: 2300, name: 'Scan 1.pdf', description: 'first' }, multipart: { files: { file: { data: bytes, name: 'scan1.pdf', type: 'application/pdf' } } } });
    up.status.should.equal(200);
    const p = props(up);
    p.should.containEql({ type: 144, name: 'Scan 1.pdf', size: 3000, mime_type: 'application/pdf' });
    const v1 = await cs(h.csUrl, 'v1/nodes', { ticket: t, multipart: { fields: { type: '144', parent_id: '2300', name: 'notes.txt' }, files: { file: { data: 'hello', name: 'notes.txt' } } } });
    v1.status.should.equal(200);
    for (const v of ['v1', 'v2']) {
      const c = await cs(h.csUrl, `${v}/nodes/${p.id}/content`, { ticket: t });
      c.status.should.equal(200);
      c.buffer.equals(bytes).should.be.true();
      c.headers.get('content-type')!.should.equal('application/pdf');
      c.headers.get('content-disposition')!.should.match(/attachment; filename="scan1.pdf"/);
      c.headers.get('content-length')!.should.equal('3000');
    }
    const txt = await cs(h.csUrl, `v2/nodes/${v1.body.id}/content`, { ticket: t });
    txt.buffer.toString().should.equal('hello');
    txt.headers.get('content-type')!.should.equal('text/plain'); // from the extension
  });

  it('adds, lists and serves versions', async () => {
    const add = await cs(h.csUrl, 'v2/nodes/2201/versions', { ticket: t, multipart: { fields: { description: 'signed' }, files: { file: { data: 'v2 bytes', name: 'contract-signed.pdf', type: 'application/pdf' } } } });
    add.status.should.equal(200);
    (((add.body.results as Obj).data as Obj).versions as Obj).should.containEql({ version_number: 2, file_name: 'contract-signed.pdf', description: 'signed' });
    const list = await cs(h.csUrl, 'v2/nodes/2201/versions', { ticket: t });
    ((list.body.results as Obj[]).map((r) => ((r.data as Obj).versions as Obj).version_number)).should.eql([1, 2]);
    const one = await cs(h.csUrl, 'v1/nodes/2201/versions/1', { ticket: t });
    (one.body.data as Obj).version_number!.should.equal(1);
    const c1 = await cs(h.csUrl, 'v2/nodes/2201/versions/1/content', { ticket: t });
    c1.buffer.toString().should.equal('%PDF-1.4 contract ACME 2024');
    const latest = await cs(h.csUrl, 'v2/nodes/2201/content', { ticket: t });
    latest.buffer.toString().should.equal('v2 bytes');
  });

  it('renames, moves and describes a node with PUT', async () => {
    const r = await cs(h.csUrl, 'v2/nodes/2203', { method: 'PUT', ticket: t, body: { name: 'Invoice 10042 (paid).pdf', description: 'paid' } });
    r.status.should.equal(200);
    props(r).should.containEql({ name: 'Invoice 10042 (paid).pdf', description: 'paid' });
    const m = await cs(h.csUrl, 'v2/nodes/2203', { method: 'PUT', ticket: t, form: { parent_id: 2800 } });
    m.status.should.equal(200);
    props(m).parent_id!.should.equal(2800);
    const kids = await cs(h.csUrl, 'v2/nodes/2800/nodes', { ticket: t });
    (kids.body.results as Obj[]).map((x) => ((x.data as Obj).properties as Obj).id).should.eql([2203]);
  });

  it('copies a folder tree (POST nodes with original_id) with its documents and categories', async () => {
    const f = props(await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000, name: 'Source', roles: { categories: { '9860_2': 'M-1' } } } }));
    const d = props(await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: f.id, name: 'a.txt' }, multipart: { files: { file: { data: 'AAA', name: 'a.txt' } } } }));
    const c = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { original_id: f.id, parent_id: 2900, name: 'Source copy' } });
    c.status.should.equal(200);
    const copy = props(c);
    copy.should.containEql({ name: 'Source copy', parent_id: 2900, type: 0 });
    copy.id!.should.not.equal(f.id);
    const kids = await cs(h.csUrl, `v2/nodes/${copy.id}/nodes`, { ticket: t });
    const child = ((kids.body.results as Obj[])[0].data as Obj).properties as Obj;
    child.name!.should.equal('a.txt');
    child.id!.should.not.equal(d.id);
    (await cs(h.csUrl, `v2/nodes/${child.id}/content`, { ticket: t })).buffer.toString().should.equal('AAA');
    const cats = await cs(h.csUrl, `v2/nodes/${copy.id}/categories`, { ticket: t });
    (((cats.body.results as Obj[])[0].data as Obj).categories as Obj)['9860_2']!.should.equal('M-1');
  });

  it('deletes a node and everything below it', async () => {
    // 2400 "Approved for Fax" holds document 2401 (the Records folder 2200 is under a legal hold)
    const r = await cs(h.csUrl, 'v2/nodes/2400', { method: 'DELETE', ticket: t });
    r.status.should.equal(200);
    (await cs(h.csUrl, 'v2/nodes/2400', { ticket: t })).status.should.equal(404);
    (await cs(h.csUrl, 'v2/nodes/2401', { ticket: t })).status.should.equal(404);
  });

  it('pages, filters and sorts children (v2 collection.paging and the v1 shape)', async () => {
    const folder = props(await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000, name: 'Paging' } })).id as number;
    for (let i = 1; i <= 7; i++) {
      const r = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: i % 2 ? 0 : 144, parent_id: folder, name: `Case ${i}` }, multipart: i % 2 ? undefined : { files: { file: { data: 'x'.repeat(i), name: `c${i}.txt` } } } });
      r.status.should.equal(200);
    }
    const p1 = await cs(h.csUrl, `v2/nodes/${folder}/nodes`, { ticket: t, query: { limit: 3, page: 2, sort: 'desc_name' } });
    p1.status.should.equal(200);
    ((p1.body.collection as Obj).paging as Obj).should.containEql({ page: 2, limit: 3, page_total: 3, range_min: 4, range_max: 6, total_count: 7 });
    (p1.body.results as Obj[]).map((x) => ((x.data as Obj).properties as Obj).name).should.eql(['Case 4', 'Case 3', 'Case 2']);
    const docs = await cs(h.csUrl, `v2/nodes/${folder}/nodes`, { ticket: t, query: { where_type: 144, sort: 'desc_size' } });
    (docs.body.results as Obj[]).map((x) => ((x.data as Obj).properties as Obj).name).should.eql(['Case 6', 'Case 4', 'Case 2']);
    const named = await cs(h.csUrl, `v2/nodes/${folder}/nodes`, { ticket: t, query: { where_name: 'se 5' } });
    (named.body.results as Obj[]).should.have.length(1);
    const v1 = await cs(h.csUrl, `v1/nodes/${folder}/nodes`, { ticket: t, query: { limit: 5 } });
    v1.body.should.containEql({ page: 1, limit: 5, total_count: 7, page_total: 2 });
    (v1.body.data as Obj[]).should.have.length(5);
  });
});

describe('sandbox cs: categories', () => {
  const h = useSandbox();
  let t = '';
  beforeEach(async () => {
    t = await csLogin(h.csUrl);
  });
  const create = (roles: unknown, name = 'Doc') => cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2500, name, roles } });
  const catsOf = async (id: unknown) => (await cs(h.csUrl, `v2/nodes/${id}/categories`, { ticket: t, query: { metadata: '' } })).body.results as Obj[];

  it('applies categories on create in the nested v1 form, the flat v2 form and with defaults', async () => {
    const nested = await create({ categories: { 9840: { '9840_2': 'C-1', '9840_5': true, '9840_6': '2026-02-01' } } }, 'Nested');
    nested.status.should.equal(200);
    const flat = await create({ categories: { '9850_2': 'K-7', '9850_4': '1200', '9850_6': ['a', 'b'], '9830_1': {} } }, 'Flat');
    flat.status.should.equal(200);
    const n = await catsOf(props(nested).id);
    const nv = (n[0].data as Obj).categories as Obj;
    nv.should.containEql({ '9840_2': 'C-1', '9840_5': true, '9840_6': '2026-02-01T00:00:00', '9840_3': null });
    (((n[0].metadata as Obj).categories as Obj)['9840_2'] as Obj).should.containEql({ name: 'Customer ID', required: true, type_name: 'String' });
    const f = await catsOf(props(flat).id);
    f.should.have.length(2);
    const contract = f.map((x) => (x.data as Obj).categories as Obj).find((c) => '9850_2' in c)!;
    contract.should.containEql({ '9850_2': 'K-7', '9850_4': 1200 });
    contract['9850_6']!.should.eql(['a', 'b']);
  });

  it('applies, updates and removes a category after create', async () => {
    const apply = await cs(h.csUrl, 'v2/nodes/2201/categories', { ticket: t, body: { category_id: 9850, '9850_2': 'ACME-2024', '9850_3': 'ACME' } });
    apply.status.should.equal(200);
    const upd = await cs(h.csUrl, 'v2/nodes/2201/categories/9850/', { method: 'PUT', ticket: t, body: { '9850_3': 'ACME Corp', '9850_6': ['x'] } });
    upd.status.should.equal(200);
    const c = (await catsOf(2201)).map((x) => (x.data as Obj).categories as Obj)[0];
    c.should.containEql({ '9850_2': 'ACME-2024', '9850_3': 'ACME Corp' });
    c['9850_6']!.should.eql(['x']);
    (await cs(h.csUrl, 'v2/nodes/2201/categories/9850', { method: 'DELETE', ticket: t })).status.should.equal(200);
    (await catsOf(2201)).should.have.length(0);
  });

  it('takes set rows (C_S_R_A, multi-value arrays), updates a row and removes one', async () => {
    const r = await create({ categories: { '9870_2': 'K-9', '9870_3_1_4': 'ACME', '9870_3_1_5': 'claimant', '9870_3_2_4': 'Globex', '9870_3_2_6': ['+1 555 0101', '+1 555 0102'] } }, 'Parties');
    r.status.should.equal(200);
    const id = props(r).id;
    const v = (await catsOf(id))[0].data as Obj;
    (v.categories as Obj).should.containEql({ '9870_2': 'K-9', '9870_3_1_4': 'ACME', '9870_3_1_5': 'claimant', '9870_3_2_4': 'Globex' });
    (v.categories as Obj)['9870_3_2_6']!.should.eql(['+1 555 0101', '+1 555 0102']);
    (await cs(h.csUrl, `v2/nodes/${id}/categories/9870/`, { method: 'PUT', ticket: t, body: { '9870_3_2_5': 'respondent', '9870_3_1': '' } })).status.should.equal(200);
    const after = ((await catsOf(id))[0].data as Obj).categories as Obj;
    Object.keys(after).filter((k) => k.startsWith('9870_3_1_')).should.have.length(0);
    after['9870_3_2_5']!.should.equal('respondent');
    (await create({ categories: { '9870_3_6_4': 'row six' } }, 'Too many rows')).status.should.equal(400);
    (await create({ categories: { '9870_3_1_9': 'x' } }, 'No such child')).status.should.equal(500);
    (await create({ categories: { '9870_3': 'x' } }, 'Set as a value')).status.should.equal(400);
    (await create({ categories: { '9870_3_1_5': 'judge' } }, 'Invalid role')).status.should.equal(400);
  });

  it('serves the category create form', async () => {
    const r = await cs(h.csUrl, 'v1/forms/nodes/categories/create', { ticket: t, query: { id: 2500, category_id: 9840 } });
    r.status.should.equal(200);
    const form = (r.body.forms as Obj[])[0];
    const schema = (form.schema as Obj).properties as Obj;
    (schema['9840_2'] as Obj).should.containEql({ title: 'Customer ID', required: true });
    ((schema['9840_4'] as Obj).enum as string[]).should.containEql('sent');
  });
});

describe('sandbox cs: Large File Upload', () => {
  const h = useSandbox({ settings: { csLargeUploadPartSize: 1024 } });
  let t = '';
  beforeEach(async () => {
    t = await csLogin(h.csUrl);
  });

  it('starts, takes the parts, completes, and creates a document and a version from the key', async () => {
    const bytes = crypto.randomBytes(2500);
    const start = await cs(h.csUrl, 'v2/multipart', { ticket: t, form: { file_name: 'big.bin', file_size: bytes.length, mime_type: 'application/octet-stream' } });
    start.status.should.equal(200);
    start.body.should.containEql({ part_size: 1024, num_parts: 3 });
    const key = String(start.body.upload_key);
    for (let n = 1; n <= 3; n++) {
      const r = await cs(h.csUrl, `v2/multipart/${key}/${n}`, { ticket: t, multipart: { files: { part_content: { data: bytes.subarray((n - 1) * 1024, n * 1024), name: 'blob' } } } });
      r.status.should.equal(200);
    }
    (await cs(h.csUrl, `v2/multipart/${key}`, { method: 'POST', ticket: t })).status.should.equal(200);
    const doc = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: 2300, name: 'Big', upload_key: key } });
    doc.status.should.equal(200);
    const id = props(doc).id as number;
    props(doc).size!.should.equal(2500);
    const c = await cs(h.csUrl, `v2/nodes/${id}/content`, { ticket: t });
    c.buffer.equals(bytes).should.be.true();
    const stored = (h.sb.app.state.cs as CsState).nodes.get(id)!.versions[0];
    h.sb.app.content.info(stored.contentId)!.sha256.should.equal(crypto.createHash('sha256').update(bytes).digest('hex'));
    // the key was used up
    (await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: 2300, name: 'Again', upload_key: key } })).status.should.equal(500);
    // a version from a second upload
    const s2 = await cs(h.csUrl, 'v2/multipart', { ticket: t, form: { file_name: 'v2.bin', file_size: 10, mime_type: 'text/plain' } });
    const k2 = String(s2.body.upload_key);
    (await cs(h.csUrl, `v2/multipart/${k2}/1`, { ticket: t, multipart: { files: { part_content: { data: '0123456789', name: 'blob' } } } })).status.should.equal(200);
    (await cs(h.csUrl, `v2/multipart/${k2}`, { method: 'POST', ticket: t })).status.should.equal(200);
    const v = await cs(h.csUrl, `v2/nodes/${id}/versions`, { ticket: t, body: { upload_key: k2 } });
    v.status.should.equal(200);
    (await cs(h.csUrl, `v2/nodes/${id}/content`, { ticket: t })).buffer.toString().should.equal('0123456789');
    (await cs(h.csUrl, 'v2/multipart/settings', { ticket: t })).body.should.containEql({ is_enabled: true });
  });
});

describe('sandbox cs: strict rejections', () => {
  // not recorded: these requests break the contract on purpose
  const h = useSandbox({ record: false, settings: { csLargeUploadPartSize: 1024 } });
  let t = '';
  beforeEach(async () => {
    t = await csLogin(h.csUrl);
  });
  const nodeCount = () => (h.sb.app.state.cs as CsState).nodes.size;

  it('answers 401 without a ticket or with a wrong one', async () => {
    for (const [path, call] of [
      ['v2/nodes/2000', {}],
      ['v2/nodes/2000/nodes', {}],
      ['v2/nodes', { body: { type: 0, parent_id: 2000, name: 'x' } }],
      ['v2/search', { form: { where: 'OTName:x' } }],
      ['v2/multipart', { form: { file_name: 'a', file_size: 1, mime_type: 'a/b' } }],
    ] as const) {
      const r = await cs(h.csUrl, path, call);
      r.status.should.equal(401, path);
      r.body.should.eql({ error: 'Authentication Required' });
    }
    (await cs(h.csUrl, 'v2/nodes/2000', { ticket: 'not-a-ticket' })).status.should.equal(401);
  });

  it('ignores a JSON request body as the real server does (the request has no parameters)', async () => {
    const n = nodeCount();
    const r = await cs(h.csUrl, 'v2/nodes', { ticket: t, json: { type: 0, parent_id: 2000, name: 'From JSON' } });
    r.status.should.equal(400);
    r.body.error!.should.equal('Parameters are required for PUT, POST, and PATCH methods');
    const u = await cs(h.csUrl, 'v2/nodes/2201', { method: 'PUT', ticket: t, json: { name: 'renamed' } });
    u.status.should.equal(400);
    nodeCount().should.equal(n);
    const s = await cs(h.csUrl, 'v2/search', { ticket: t, json: { where: 'OTName:Contract*' } });
    s.status.should.equal(400);
    s.body.error!.should.match(/Error Evaluating Query/);
  });

  it('answers 404 for an unknown node, 400 for a bad body field and missing fields', async () => {
    for (const p of ['v2/nodes/999999', 'v1/nodes/999999', 'v2/nodes/999999/nodes', 'v2/nodes/999999/content', 'v2/nodes/abc']) {
      const r = await cs(h.csUrl, p, { ticket: t });
      r.status.should.equal(404, p);
      r.body.error!.should.match(/invalid ID/);
    }
    (await cs(h.csUrl, 'v2/nodes', { ticket: t, form: { body: '{not json' } })).status.should.equal(400);
    const missing = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000 } });
    missing.status.should.equal(400);
    missing.body.error!.should.equal("Missing required parameter 'name'.");
    const badParent = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 424242, name: 'x' } });
    badParent.status.should.equal(400);
    badParent.body.error!.should.match(/invalid parent_id 424242/);
  });

  it('refuses wrong subtypes: a child of a document, a version on a folder, content of a folder, browsing a document', async () => {
    const n = nodeCount();
    (await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2201, name: 'inside a doc' } })).body.error!.should.match(/not a container/);
    (await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 848, parent_id: 2000, name: 'ws' } })).body.error!.should.match(/invalid type 848/);
    const v = await cs(h.csUrl, 'v2/nodes/2200/versions', { ticket: t, multipart: { files: { file: { data: 'x', name: 'x.txt' } } } });
    v.status.should.equal(400);
    v.body.error!.should.equal("Could not process object, invalid action 'versions-add'");
    const c = await cs(h.csUrl, 'v2/nodes/2200/content', { ticket: t });
    c.status.should.equal(400);
    const b = await cs(h.csUrl, 'v2/nodes/2201/nodes', { ticket: t });
    b.status.should.equal(500);
    b.body.error!.should.equal("Could not process object, invalid action 'browse'");
    nodeCount().should.equal(n);
  });

  it('refuses a document without a file, and a name clash with the real "already exists" 400, storing nothing', async () => {
    const n = nodeCount();
    const nofile = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: 2300, name: 'x.pdf' } });
    nofile.status.should.equal(400);
    nofile.body.error!.should.equal('Error: File could not be found within the request.');
    const clash = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: 2200, name: 'invoice 10042.PDF' }, multipart: { files: { file: { data: 'dup', name: 'x.pdf' } } } });
    clash.status.should.equal(400);
    clash.body.error!.should.equal("An item with the name 'invoice 10042.PDF' already exists.");
    const folder = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000, name: 'Records' } });
    folder.status.should.equal(400);
    folder.body.error!.should.match(/already exists/);
    const rename = await cs(h.csUrl, 'v2/nodes/2202', { method: 'PUT', ticket: t, body: { name: 'Invoice 10042.pdf' } });
    rename.status.should.equal(400);
    rename.body.error!.should.match(/already exists/);
    const into = await cs(h.csUrl, 'v2/nodes/2200', { method: 'PUT', ticket: t, body: { parent_id: 2200 } });
    into.status.should.equal(400);
    const colon = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000, name: 'a:b' } });
    colon.status.should.equal(400);
    nodeCount().should.equal(n);
  });

  it('validates category attribute ids, types, valid values and required attributes', async () => {
    const n = nodeCount();
    const mk = (categories: unknown) => cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2500, name: 'Cat test', roles: { categories } } });
    const unknownAttr = await mk({ '9840_2': 'C', '9840_99': 'x' });
    unknownAttr.status.should.equal(500);
    unknownAttr.body.error!.should.equal('Invalid attribute entry found');
    const unknownCat = await mk({ '1234_2': 'x' });
    unknownCat.status.should.equal(400);
    unknownCat.body.error!.should.match(/invalid category_id 1234/);
    const required = await mk({ '9840_3': 'letter' });
    required.status.should.equal(400);
    required.body.error!.should.match(/Attribute 'Customer ID' \(9840_2\) of category 'Customer Document' is required/);
    const type = await mk({ 9850: { '9850_2': 'K', '9850_4': 'lots' } });
    type.status.should.equal(400);
    type.body.error!.should.match(/Invalid value for attribute 'Value'/);
    const date = await mk({ '9840_2': 'C', '9840_6': 'yesterday' });
    date.status.should.equal(400);
    const valid = await mk({ '9840_2': 'C', '9840_4': 'lost' });
    valid.status.should.equal(400);
    valid.body.error!.should.match(/not one of the valid values/);
    const tooMany = await mk({ '9850_2': 'K', '9850_6': ['1', '2', '3', '4', '5', '6'] });
    tooMany.status.should.equal(400);
    tooMany.body.error!.should.match(/at most 5 values/);
    const list = await mk({ '9840_2': ['a', 'b'] });
    list.status.should.equal(400);
    nodeCount().should.equal(n);
  });

  it('refuses category calls the real server refuses (already applied, not applied, other category keys, edit conflict)', async () => {
    (await cs(h.csUrl, 'v2/nodes/2201/categories', { ticket: t, body: { category_id: 9830 } })).status.should.equal(200);
    const again = await cs(h.csUrl, 'v2/nodes/2201/categories', { ticket: t, body: { category_id: 9830 } });
    again.status.should.equal(400);
    again.body.error!.should.equal("The attribute group 'Fax Metadata' already exists");
    const missingReq = await cs(h.csUrl, 'v2/nodes/2201/categories', { ticket: t, body: { category_id: 9840 } });
    missingReq.status.should.equal(400);
    const notApplied = await cs(h.csUrl, 'v2/nodes/2202/categories/9830', { method: 'PUT', ticket: t, body: { '9830_2': 'x' } });
    notApplied.status.should.equal(400);
    notApplied.body.error!.should.equal("Could not process object, invalid action 'categories-update'");
    const other = await cs(h.csUrl, 'v2/nodes/2201/categories/9830', { method: 'PUT', ticket: t, body: { '9840_2': 'x' } });
    other.status.should.equal(400);
    other.body.error!.should.match(/non-matching attribute \('9840_2'\)/);
    const conflict = await cs(h.csUrl, 'v2/nodes/2201/categories/9830', { method: 'PUT', ticket: t, body: { '9830_1': { metadata_token: 'stale' }, '9830_2': 'x' } });
    conflict.status.should.equal(409);
    const empty = await cs(h.csUrl, 'v2/nodes/2201/categories/9830', { method: 'PUT', ticket: t });
    empty.status.should.equal(400);
    empty.body.error!.should.equal('Parameters are required for PUT, POST, and PATCH methods');
    const remove = await cs(h.csUrl, 'v2/nodes/2202/categories/9830', { method: 'DELETE', ticket: t });
    remove.status.should.equal(400);
    remove.body.error!.should.equal("Could not process object, invalid action 'categories-remove'");
    const form = await cs(h.csUrl, 'v1/forms/nodes/categories/create', { ticket: t, query: { category_id: 9840 } });
    form.status.should.equal(400);
  });

  it('checks Large File Upload keys, part numbers, part sizes and completeness', async () => {
    const start = await cs(h.csUrl, 'v2/multipart', { ticket: t, form: { file_name: 'f.bin', file_size: 2048, mime_type: 'application/octet-stream' } });
    const key = String(start.body.upload_key);
    const part = (n: number | string, size: number, k = key) => cs(h.csUrl, `v2/multipart/${k}/${n}`, { ticket: t, multipart: { files: { part_content: { data: Buffer.alloc(size, 1), name: 'blob' } } } });
    (await part(3, 1024)).body.error!.should.equal('Invalid BlockID: Expected BlockID between 1 and 2');
    (await part(1, 1000)).status.should.equal(400);
    (await part(1, 1024)).status.should.equal(200);
    (await part(1, 1024)).body.error!.should.equal('Invalid BlockID: BlockID 1 has already been uploaded.');
    const early = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: 2300, name: 'early', upload_key: key } });
    early.status.should.equal(400);
    early.body.error!.should.match(/not complete/);
    const incomplete = await cs(h.csUrl, `v2/multipart/${key}`, { method: 'POST', ticket: t });
    incomplete.status.should.equal(500);
    incomplete.body.error!.should.match(/Part\(s\) 2 of 2 were not uploaded/);
    (await part(1, 1024, 'nokey')).body.error!.should.match(/UploadKey is invalid/);
    const other = await csLogin(h.csUrl, 'jsmith', 'sandbox-jsmith');
    const foreign = await cs(h.csUrl, `v2/multipart/${key}/2`, { ticket: other, multipart: { files: { part_content: { data: Buffer.alloc(1024), name: 'b' } } } });
    foreign.status.should.equal(500);
    const tooSmall = await cs(h.csUrl, 'v2/multipart', { ticket: t, form: { file_name: 'f', file_size: 0, mime_type: 'a/b' } });
    tooSmall.status.should.equal(500);
    tooSmall.body.error!.should.match(/Invalid block size/);
    const noName = await cs(h.csUrl, 'v2/multipart', { ticket: t, form: { file_size: 10, mime_type: 'a/b' } });
    noName.status.should.equal(400);
    (await cs(h.csUrl, `v2/multipart/${key}`, { method: 'DELETE', ticket: t })).status.should.equal(200);
    (await part(2, 1024)).status.should.equal(500);
  });
});
