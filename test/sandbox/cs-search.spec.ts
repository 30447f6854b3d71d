/**
 * Sandbox: Content Server search (POST api/v2/search) with the LQL subset — names with wildcards,
 * subtypes, parent and location, date ranges, category attributes, AND/OR/NOT — paging and sort,
 * and the real 400 for a query it cannot evaluate.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { parseLql, textMatches } from '../../sandbox/areas/cs-search';
import { cs, csLogin, Obj, props } from './cs-support';

const names = (r: { body: Obj }) => (r.body.results as Obj[]).map((x) => ((x.data as Obj).properties as Obj).name as string);

describe('sandbox cs: search', () => {
  const h = useSandbox();
  let t = '';
  const search = (form: Record<string, string | number>) => cs(h.csUrl, 'v2/search', { ticket: t, form });
  beforeEach(async () => {
    t = await csLogin(h.csUrl);
  });

  it('finds by name with wildcards, phrases and subtypes, with the real response shape', async () => {
    const r = await search({ where: 'OTName:"Contract*" AND OTSubType:144' });
    r.status.should.equal(200);
    names(r).should.eql(['Contract ACME 2024.pdf']);
    const first = (r.body.results as Obj[])[0];
    ((first.data as Obj).versions as Obj).should.containEql({ version_number: 1, mime_type: 'application/pdf' });
    ((first.links as Obj).parent as Obj).should.containEql({ name: 'Records' });
    ((r.body.collection as Obj).paging as Obj).should.containEql({ total_count: 1, page: 1, page_total: 1 });
    should.exist(((r.body.collection as Obj).searching as Obj).cache_id);
    names(await search({ where: 'OTName:*.pdf AND OTParentID:2200' })).should.have.length(4);
    names(await search({ where: 'OTName:"board minutes"' })).should.eql(['Board minutes 2023-11.pdf']);
    names(await search({ where: 'OTName:invoice OR OTName:policy' })).sort().should.eql(['HR policy v3.docx', 'Invoice 10042.pdf']);
    names(await search({ where: 'OTParentID:2200 AND NOT OTName:*.pdf' })).should.eql(['HR policy v3.docx']);
    names(await search({ where: 'OTSubType: 0 AND OTName:Dead*' })).should.eql(['Dead Letters']);
  });

  it('restricts by location (anywhere below) and by date ranges', async () => {
    const f = props(await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2900, name: 'Deep' } }));
    await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: f.id, name: 'deep.txt' }, multipart: { files: { file: { data: 'the quick brown fox', name: 'deep.txt' } } } });
    names(await search({ where: 'OTLocation:2900 AND OTSubType:144' })).should.eql(['deep.txt']);
    names(await search({ where: 'OTSubType:144', location_id1: 2900 })).should.eql(['deep.txt']);
    const today = new Date(h.sb.app.now()).toISOString().slice(0, 10);
    (names(await search({ where: `OTModifyDate:[${today} TO *] AND OTName:deep.txt` }))).should.eql(['deep.txt']);
    (names(await search({ where: `OTCreateDate:[* TO 2000-01-01] AND OTName:deep.txt` }))).should.eql([]);
    const past = new Date(h.sb.app.now() - 3600000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    (names(await search({ where: `OTModifyDate:[${past} TO *] AND OTSubType:144 AND OTLocation:2900` }))).should.eql(['deep.txt']);
    (names(await search({ where: `OTModifyDate:>${today} AND OTName:deep.txt` }))).should.eql([]);
    // full text in the content, and the other lookfor modes
    names(await search({ where: 'quick fox', lookfor: 'allwords' })).should.eql(['deep.txt']);
    names(await search({ where: 'brown fox', lookfor: 'exactphrase' })).should.eql(['deep.txt']);
    names(await search({ where: 'quick zebra', lookfor: 'anywords' })).should.eql(['deep.txt']);
  });

  it('matches category attribute values (Attr_, OTAttribute_ and QLREGION forms)', async () => {
    for (const [name, caseId, pages, received] of [['Fax A', 'C-100', 3, '2026-03-03'], ['Fax B', 'C-200', 12, '2026-03-12'], ['Fax C', 'C-100', 1, '2026-03-01']] as const) {
      const r = await cs(h.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2300, name, roles: { categories: { 9830: { '9830_6': caseId, '9830_7': pages, '9830_4': received } } } } });
      r.status.should.equal(200);
    }
    names(await search({ where: 'Attr_9830_6:"C-100"', sort: 'asc_OTName' })).should.eql(['Fax A', 'Fax C']);
    names(await search({ where: 'OTAttribute_9830_6:"C-200"' })).should.eql(['Fax B']);
    names(await search({ where: '"Attr_9830_6":"C-200"' })).should.eql(['Fax B']);
    names(await search({ where: '[QLREGION "Attr_9830_6"] "C-100" AND Attr_9830_7:>2' })).should.eql(['Fax A']);
    names(await search({ where: 'Attr_9830_7:[2 TO 20]', sort: 'desc_OTName' })).should.eql(['Fax B', 'Fax A']);
    names(await search({ where: 'Attr_9830_4:[2026-03-02 TO 2026-03-03]' })).should.eql(['Fax A']);
  });

  it('pages and sorts results', async () => {
    const all = await search({ where: 'OTParentID:2200', sort: 'asc_OTName', limit: 2 });
    names(all).should.eql(['Board minutes 2023-11.pdf', 'Contract ACME 2024.pdf']);
    ((all.body.collection as Obj).paging as Obj).should.containEql({ total_count: 5, page_total: 3, range_min: 1, range_max: 2 });
    const p3 = await search({ where: 'OTParentID:2200', sort: 'asc_OTName', limit: 2, page: 3 });
    names(p3).should.eql(['Vendor agreement Globex.pdf']);
    const body = await cs(h.csUrl, 'v2/search', { ticket: t, body: { where: 'OTParentID:2200', sort: 'desc_OTObjectSize', limit: 1 } });
    names(body).should.eql(['Contract ACME 2024.pdf']); // the largest of the five
  });
});

describe('sandbox cs: search rejections', () => {
  // not recorded: these requests break the contract on purpose
  const h = useSandbox({ record: false });
  it('answers the real 400 for a missing or unreadable query', async () => {
    const t = await csLogin(h.csUrl);
    for (const where of ['', 'OTName:"open', '(OTName:x', 'OTNoSuchRegion:1', 'OTModifyDate:[yesterday TO *]', 'OTSubType:abc', 'OTName:x AND']) {
      const r = await cs(h.csUrl, 'v2/search', { ticket: t, form: { where } });
      r.status.should.equal(400, where);
      r.body.error!.should.match(/^Error Evaluating Query/);
    }
    (await cs(h.csUrl, 'v2/search', { ticket: t, form: { where: 'OTName:x', sort: 'desc_Nothing' } })).status.should.equal(400);
    (await cs(h.csUrl, 'v2/search', { ticket: t, form: { where: 'OTName:x', limit: 'ten' } })).status.should.equal(400);
  });
});

describe('sandbox cs: LQL parsing', () => {
  it('reads regions, ranges, comparisons, phrases and precedence', () => {
    parseLql('a OR b c').should.eql({ k: 'or', a: { k: 'term', value: { t: 'text', text: 'a', quoted: false } }, b: { k: 'and', a: { k: 'term', value: { t: 'text', text: 'b', quoted: false } }, b: { k: 'term', value: { t: 'text', text: 'c', quoted: false } } } });
    parseLql('OTModifyDate:[2026-01-01T00:00:00Z TO *]').should.eql({ k: 'term', region: 'OTModifyDate', value: { t: 'range', lo: '2026-01-01T00:00:00Z', hi: undefined } });
    parseLql('NOT OTSubType:0').should.eql({ k: 'not', a: { k: 'term', region: 'OTSubType', value: { t: 'text', text: '0', quoted: false } } });
    textMatches('Contract ACME 2024.pdf', 'acme').should.be.true();
    textMatches('Contract ACME 2024.pdf', 'acm').should.be.false();
    textMatches('Contract ACME 2024.pdf', 'acm*').should.be.true();
    textMatches('Contract ACME 2024.pdf', 'ACME 2024').should.be.true();
  });
});
