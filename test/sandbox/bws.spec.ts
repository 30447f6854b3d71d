import should from 'should';
import { useSandbox } from '../support/sandbox';
import { csApi } from './cs-support';

/** The sandbox Business Workspaces API over real HTTP, the way Content Server clients call it. */
const api = (h: { csUrl: string }) => csApi(h);

const props = (item: unknown) => (item as { data: { properties: Record<string, unknown> } }).data.properties;

describe('sandbox: business workspaces', () => {
  // These tests send requests the real API refuses (and pyxecm's unpublished lookup path) on purpose,
  // so they stay out of the recording the contract check judges.
  const h = useSandbox({ record: false });
  const a = api(h);
  beforeEach(() => a.reset());

  describe('authentication', () => {
    it('answers 401 without a ticket on every route', async () => {
      const routes: Array<[string, string]> = [
        ['GET', '/v2/businessworkspacetypes'],
        ['GET', '/v2/businessworkspacetypes/101'],
        ['GET', '/v2/forms/businessworkspaces/create?template_id=3101'],
        ['POST', '/v2/businessworkspaces'],
        ['GET', '/v2/businessworkspaces?expanded_view=true'],
        ['GET', '/v2/businessworkspaces/25010'],
        ['GET', '/v1/businessworkspaces/25010'],
        ['GET', '/v1/nodes/25011/businessworkspace'],
        ['GET', '/v2/externalsystems/SAP/botypes/KNA1/boids/C-1001'],
      ];
      for (const [m, p] of routes) {
        const r = await a.call(m, p, { noAuth: true });
        r.status.should.equal(401, `${m} ${p}`);
        r.body.should.have.property('error', 'Authentication Required');
      }
    });
  });

  describe('workspace types', () => {
    it('lists the types, with templates only when expand_templates is set', async () => {
      const plain = await a.call('GET', '/v2/businessworkspacetypes');
      plain.status.should.equal(200);
      const list = plain.body.results as unknown[];
      list.map((t) => props(t).wksp_type_name).should.eql(['Customer', 'Case', 'Department']);
      props(list[0]).should.not.have.property('templates');
      const expanded = await a.call('GET', '/v2/businessworkspacetypes?expand_templates=true&expand_wksp_info=true');
      const caseType = (expanded.body.results as unknown[]).map(props).find((p) => p.wksp_type_name === 'Case')!;
      (caseType.templates as Array<{ id: number; name: string }>).map((t) => t.id).should.eql([3102, 3104]);
      ((expanded.body.results as Array<{ data: { wksp_info: { wksp_type_icon: string } } }>)[0].data.wksp_info.wksp_type_icon).should.match(/customer/);
    });

    it('filters by external system and business object type, and sorts by name', async () => {
      const r = await a.call('GET', '/v2/businessworkspacetypes?ext_system_id=CRM&bo_type=CASE');
      (r.body.results as unknown[]).map((t) => props(t).wksp_type_id).should.eql([102]);
      const s = await a.call('GET', '/v2/businessworkspacetypes?sort=desc_name');
      (s.body.results as unknown[]).map((t) => props(t).wksp_type_name).should.eql(['Department', 'Customer', 'Case']);
      (await a.call('GET', '/v2/businessworkspacetypes?sort=by_size')).status.should.equal(400);
    });

    it('gets one type, and answers 404 for an unknown one', async () => {
      const r = await a.call('GET', '/v2/businessworkspacetypes/103?expand_templates=true');
      r.status.should.equal(200);
      const p = (r.body.results as { data: { properties: Record<string, unknown> } }).data.properties;
      should(p.wksp_type_name).equal('Department');
      (p.templates as unknown[]).should.have.length(1);
      const missing = await a.call('GET', '/v2/businessworkspacetypes/999');
      missing.status.should.equal(404);
      missing.body.should.have.property('error');
    });
  });

  describe('create form', () => {
    it('needs a template_id, a bo_type_id, or ext_system_id with bo_type', async () => {
      const r = await a.call('GET', '/v2/forms/businessworkspaces/create');
      r.status.should.equal(400);
      r.body.error!.should.match(/template_id/);
      (await a.call('GET', '/v2/forms/businessworkspaces/create?ext_system_id=SAP')).status.should.equal(400);
      (await a.call('GET', '/v2/forms/businessworkspaces/create?template_id=4242')).status.should.equal(400);
    });

    it('describes the general fields and the template categories with their required attributes', async () => {
      const r = await a.call('GET', '/v2/forms/businessworkspaces/create?template_id=3101');
      r.status.should.equal(200);
      const forms = r.body.forms as Array<{ role_name?: string; schema: { properties: Record<string, { properties?: Record<string, { title: string }>; required?: string[] }> } }>;
      forms[0].schema.properties.should.have.property('name');
      const cat = forms.find((f) => f.role_name === 'categories')!;
      cat.schema.properties['9901'].required!.should.eql(['9901_2']);
      cat.schema.properties['9901'].properties!['9901_2'].title.should.equal('Customer Number');
      const byBo = await a.call('GET', '/v2/forms/businessworkspaces/create?ext_system_id=CRM&bo_type=CASE');
      byBo.status.should.equal(200);
      ((byBo.body.forms as Array<{ role_name?: string; schema: { properties: Record<string, unknown> } }>).find((f) => f.role_name === 'categories')!.schema.properties).should.have.property('9911');
    });
  });

  describe('create', () => {
    const customer = (extra: Record<string, unknown> = {}) => ({ template_id: 3101, name: 'Wayne Enterprises', roles: { categories: { '9901': { '9901_2': 'C-2000', '9901_4': 'Business' } } }, ext_system_id: 'SAP', bo_type: 'KNA1', bo_id: 'C-2000', ...extra });

    it('creates a workspace from the body form field: a node of subtype 848 with the template folders, categories and business object', async () => {
      const r = await a.call('POST', '/v2/businessworkspaces', { body: customer({ description: 'new customer' }) });
      r.status.should.equal(200);
      const id = (r.body.results as { id: number }).id;
      id.should.be.a.Number();
      const node = h.sb.app.area<{ nodes: Map<number, { type: number; parent_id: number; name: string; categories: Record<string, Record<string, unknown>> }> }>('cs').nodes.get(id)!;
      node.type.should.equal(848);
      node.parent_id.should.equal(2500);
      should(node.categories['9901']['9901_2']).equal('C-2000');
      node.categories['9901'].should.have.property('9901_3', null);
      const ws = (h.sb.state('bws') as { workspaces: Array<{ id: number; folders: Array<{ name: string; type: number }>; bo: unknown[] }> }).workspaces.find((w) => w.id === id)!;
      ws.folders.map((f) => f.name).should.eql(['Statements', 'Correspondence', 'Contracts']);
      ws.folders.every((f) => f.type === 0).should.be.true();
      ws.bo.should.eql([{ ext_system_id: 'SAP', bo_type: 'KNA1', bo_id: 'C-2000' }]);
      const found = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_ext_system_id=SAP&where_bo_type=KNA1&where_bo_id=C-2000');
      (found.body.results as unknown[]).map((x) => props(x).id).should.eql([id]);
    });

    it('takes plain form fields too, a parent, flat category keys and the template from the business object type', async () => {
      const r = await a.call('POST', '/v2/businessworkspaces', {
        form: { ext_system_id: 'CRM', bo_type: 'CASE', bo_id: 'CASE-2026-100', parent_id: '26010' },
        body: { roles: { categories: { '9911_2': 'CASE-2026-100', '9911_6': true } } },
      });
      r.status.should.equal(200);
      const id = (r.body.results as { id: number }).id;
      const get = await a.call('GET', `/v2/businessworkspaces/${id}`);
      const data = (get.body.results as { data: { properties: Record<string, unknown>; business_properties: Record<string, unknown> } }).data;
      should(data.properties.name).equal('CASE-2026-100'); // generated from the business object
      should(data.properties.parent_id).equal(26010);
      should(data.business_properties.workspace_type_name).equal('Case');
    });

    it('rejects a JSON request body (Content Server reads only form fields): no template can be determined', async () => {
      const r = await a.call('POST', '/v2/businessworkspaces', { json: customer() });
      r.status.should.equal(400);
      r.body.error!.should.match(/template could not be determined/);
    });

    it('rejects a missing required category attribute, unknown categories and attributes, and wrong value types', async () => {
      const missing = await a.call('POST', '/v2/businessworkspaces', { body: { template_id: 3101, name: 'No number' } });
      missing.status.should.equal(400);
      missing.body.error!.should.match(/Customer Number.*required/);
      (await a.call('POST', '/v2/businessworkspaces', { body: customer({ roles: { categories: { '9999': { '9999_2': 'x' } } } }) })).body.error!.should.match(/Category 9999 does not exist/);
      (await a.call('POST', '/v2/businessworkspaces', { body: customer({ roles: { categories: { '9901': { '9901_77': 'x' } } } }) })).body.error!.should.match(/9901_77 does not exist/);
      const badType = await a.call('POST', '/v2/businessworkspaces', { body: { template_id: 3103, name: 'Legal', roles: { categories: { '9921': { '9921_2': 'LEGAL', '9921_4': 'boss' } } } } });
      badType.status.should.equal(400);
      badType.body.error!.should.match(/Invalid value for attribute 'Manager'/);
      const badEnum = await a.call('POST', '/v2/businessworkspaces', { body: customer({ roles: { categories: { '9901': { '9901_2': 'C-2000', '9901_4': 'Gold' } } } }) });
      badEnum.status.should.equal(400);
      should(h.sb.state('bws')).have.property('created', 0);
    });

    it('rejects unknown templates, a template of another type, unknown business object types and a missing name', async () => {
      (await a.call('POST', '/v2/businessworkspaces', { body: customer({ template_id: 4242 }) })).body.error!.should.match(/template 4242 does not exist/);
      const mismatch = await a.call('POST', '/v2/businessworkspaces', { body: customer({ wksp_type_id: 102 }) });
      mismatch.status.should.equal(400);
      mismatch.body.error!.should.match(/does not belong to the workspace type 102/);
      (await a.call('POST', '/v2/businessworkspaces', { body: customer({ bo_type: 'MARA' }) })).body.error!.should.match(/not configured/);
      (await a.call('POST', '/v2/businessworkspaces', { body: customer({ ext_system_id: 'CRM', bo_type: 'CASE' }) })).body.error!.should.match(/not assigned to the workspace type/);
      const noName = await a.call('POST', '/v2/businessworkspaces', { body: { template_id: 3104 } });
      noName.status.should.equal(400);
      noName.body.error!.should.match(/name is required/);
      (await a.call('POST', '/v2/businessworkspaces', { body: { template_id: 3104, name: 'x', parent_id: 99999 } })).body.error!.should.match(/invalid parent_id/);
      (await a.call('POST', '/v2/businessworkspaces', { body: { template_id: 3104, name: 'x', parent_id: 2201 } })).status.should.equal(400);
    });

    it('refuses a second workspace for the same business object or the same name in the folder ("already exists")', async () => {
      (await a.call('POST', '/v2/businessworkspaces', { body: customer() })).status.should.equal(200);
      const sameBo = await a.call('POST', '/v2/businessworkspaces', { body: customer({ name: 'Another name' }) });
      sameBo.status.should.equal(400);
      sameBo.body.error!.should.match(/already exists/);
      const sameName = await a.call('POST', '/v2/businessworkspaces', { body: customer({ bo_id: 'C-3000' }) });
      sameName.status.should.equal(400);
      sameName.body.error!.should.match(/already exists/);
      should(h.sb.state('bws')).have.property('created', 1);
    });
  });

  describe('search', () => {
    it('without expanded_view returns only the recently accessed workspaces of the user', async () => {
      const recent = await a.call('GET', '/v2/businessworkspaces?where_workspace_type_id=101');
      recent.status.should.equal(200);
      (recent.body.results as unknown[]).should.have.length(0);
      const created = await a.call('POST', '/v2/businessworkspaces', { body: { template_id: 3104, name: 'Case X' } });
      const id = (created.body.results as { id: number }).id;
      const after = await a.call('GET', '/v2/businessworkspaces');
      (after.body.results as unknown[]).map((x) => props(x).id).should.eql([id]);
      const other = await a.call('GET', '/v2/businessworkspaces', { user: ['jsmith', 'sandbox-jsmith'] });
      (other.body.results as unknown[]).should.have.length(0);
      await a.call('GET', '/v2/businessworkspaces/25020?add_recently_accessed=true', { user: ['jsmith', 'sandbox-jsmith'] });
      const opened = await a.call('GET', '/v2/businessworkspaces', { user: ['jsmith', 'sandbox-jsmith'] });
      (opened.body.results as unknown[]).map((x) => props(x).id).should.eql([25020]);
    });

    it('finds by business object, by type id or name, and by name (equals, contains_, startswith_)', async () => {
      const byBo = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_ext_system_id=CRM&where_bo_type=ACCOUNT&where_bo_id=ACC-501');
      (byBo.body.results as unknown[]).map((x) => props(x).id).should.eql([25010]);
      const item = (byBo.body.results as unknown[])[0];
      props(item).should.have.properties({ type: 848, wnf_wksp_type_id: 101, wnf_wksp_template_id: 3101, wnf_wksp_type_id_formatted: 'Customer' });
      const none = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_ext_system_id=SAP&where_bo_type=KNA1&where_bo_id=C-9999');
      none.status.should.equal(200);
      (none.body.results as unknown[]).should.have.length(0);
      const byTypeName = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_workspace_type_name=Department&where_name=customer%20service');
      (byTypeName.body.results as unknown[]).map((x) => props(x).name).should.eql(['Customer Service']);
      const contains = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_workspace_type_id=101&where_name=contains_in&sort=asc_name');
      (contains.body.results as unknown[]).map((x) => props(x).name).should.eql(['Globex Inc', 'Initech']);
      const starts = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_name=startswith_CASE-2026-00&sort=desc_name');
      (starts.body.results as unknown[]).map((x) => props(x).name).should.eql(['CASE-2026-004', 'CASE-2026-003', 'CASE-2026-002', 'CASE-2026-001']);
    });

    it('pages with page and limit and reports the paging object', async () => {
      const r = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_workspace_type_id=101&sort=asc_id&limit=2&page=3');
      r.status.should.equal(200);
      r.body.paging!.should.eql({ page: 3, limit: 2, page_total: 3, range_min: 5, range_max: 5, links: {}, total_count: 5 });
      (r.body.results as unknown[]).map((x) => props(x).id).should.eql([25050]);
      const noTotal = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&include_total_count=false&limit=1');
      noTotal.body.paging!.should.not.have.property('total_count');
      (await a.call('GET', '/v2/businessworkspaces?expanded_view=true&limit=0')).status.should.equal(400);
      (await a.call('GET', '/v2/businessworkspaces?expanded_view=true&page=x')).status.should.equal(400);
      (await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_workspace_type_id=abc')).status.should.equal(400);
      const cq = await a.call('GET', "/v2/businessworkspaces?expanded_view=true&where_column_query=name%20LIKE%20'*A'");
      cq.status.should.equal(400);
      cq.body.error!.should.match(/not simulated/);
    });
  });

  describe('get and the workspace of a node', () => {
    it('gets a workspace with its business properties and business object references (v2 and v1)', async () => {
      const r = await a.call('GET', '/v2/businessworkspaces/26020');
      r.status.should.equal(200);
      const data = (r.body.results as { data: Record<string, Record<string, unknown> & unknown[]> }).data;
      should(data.properties.name).equal('CASE-2026-002');
      data.business_properties.should.have.properties({ workspace_type_id: 102, workspace_type_name: 'Case' });
      (data.workspace_references as unknown as Array<Record<string, unknown>>)[0].should.have.properties({ business_object_id: 'CASE-2026-002', business_object_type: 'CASE', ext_system_id: 'CRM' });
      (await a.call('GET', '/v1/businessworkspaces/26020')).status.should.equal(200);
    });

    it('answers 404 for an unknown id and 400 for a node that is not a workspace', async () => {
      const missing = await a.call('GET', '/v2/businessworkspaces/424242');
      missing.status.should.equal(404);
      missing.body.error!.should.match(/invalid ID/);
      const folder = await a.call('GET', '/v2/businessworkspaces/2500');
      folder.status.should.equal(400);
      folder.body.error!.should.match(/not a business workspace/);
    });

    it('finds the workspace of a node inside it, and 404 outside any workspace', async () => {
      const r = await a.call('GET', '/v1/nodes/27012/businessworkspace');
      r.status.should.equal(200);
      r.body.should.eql({ id: 27010, isLinked: true, type: 848, workspace_type_id: 103 });
      (await a.call('GET', '/v1/nodes/27010/businessworkspace')).body.should.have.property('id', 27010);
      const outside = await a.call('GET', '/v1/nodes/2201/businessworkspace');
      outside.status.should.equal(404);
      outside.body.error!.should.match(/not located in a business workspace/);
      (await a.call('GET', '/v1/nodes/4242424/businessworkspace')).status.should.equal(404);
    });

    it("supports pyxecm's external system lookup", async () => {
      const r = await a.call('GET', '/v2/externalsystems/SAP/botypes/ORGUNIT/boids/HR');
      r.status.should.equal(200);
      (r.body.results as { data: { properties: { id: number } } }).data.properties.id.should.equal(27020);
      (await a.call('GET', '/v2/externalsystems/SAP/botypes/ORGUNIT/boids/NOPE')).status.should.equal(404);
      (await a.call('GET', '/v2/externalsystems/SAP/botypes/NOPE/boids/HR')).status.should.equal(400);
    });

    it('forgets a workspace whose node was deleted', async () => {
      const cs = h.sb.app.area<{ nodes: Map<number, { deleted?: boolean }> }>('cs');
      // delete through the cs-core primitive, as the nodes API does
      const { deleteNode, getNode } = await import('../../sandbox/areas/cs-core');
      deleteNode(h.sb.app, getNode(h.sb.app, 25050)!);
      should(cs.nodes.get(25050)).be.undefined();
      (await a.call('GET', '/v2/businessworkspaces/25050')).status.should.equal(404);
      const r = await a.call('GET', '/v2/businessworkspaces?expanded_view=true&where_ext_system_id=SAP&where_bo_type=KNA1&where_bo_id=C-1005');
      (r.body.results as unknown[]).should.have.length(0);
    });
  });
});
