import should from 'should';
import { useSandbox } from '../support/sandbox';
import { csApi, type Res, type User } from './cs-support';

const ADMIN: User = ['Admin', 'sandbox-admin'];
const RITA: User = ['rmanager', 'sandbox-rm']; // Records Managers group
const LAURA: User = ['lcounsel', 'sandbox-legal']; // Legal Counsel group
const JOHN: User = ['jsmith', 'sandbox-jsmith'];
const CARL: User = ['cclerk', 'sandbox-clerk']; // Operations, Claims Team
const MAX: User = ['mboss', 'sandbox-manager'];

const api = (h: { csUrl: string }) => csApi(h, ADMIN);

interface TaskInfo {
  process_id: number;
  subprocess_id: number;
  task_id: number;
  task_name: string;
  task_status: string;
  task_due_date: string | null;
  task_assignees: { assignee: Array<{ userId: number; loginName: string }>; assigneeCount: number };
}
interface StatusResults {
  attachments: { attachment_folder_id: number };
  step_list: { completed: TaskInfo[]; current: TaskInfo[]; next: TaskInfo[] };
  wf_details: { status: string; wf_name: string; work_workID: number; due_date: string | null; initiator: { userId: number } };
  permissions: Record<string, boolean>;
}
interface AssignmentItem {
  id: number;
  name: string;
  description: string;
  priority: number;
  priority_name: string;
  date_due: string | null;
  workflow_id: number;
  workflow_subworkflow_id: number;
  workflow_subworkflow_task_id: number;
}

describe('sandbox: workflows', () => {
  // These tests send requests the real API refuses on purpose: keep them out of the contract recording.
  const h = useSandbox({ record: false });
  const a = api(h);
  beforeEach(() => a.reset());

  const draft = async (workflowId: number, extra: Record<string, string> = {}, user = ADMIN) => {
    const r = await a.call('POST', '/v2/draftprocesses', { user, form: { workflow_id: String(workflowId), ...extra } });
    r.status.should.equal(200, JSON.stringify(r.body));
    return (r.body.results as { draftprocess_id: number; workflow_type?: string }).draftprocess_id;
  };
  const initiate = async (draftId: number, comment?: string, user = ADMIN) => {
    const r = await a.call('PUT', `/v2/draftprocesses/${draftId}`, { user, body: { action: 'Initiate', ...(comment ? { comment } : {}) } });
    r.status.should.equal(200, JSON.stringify(r.body));
    return (r.body.results as { process_id: number }).process_id;
  };
  const status = async (pid: number, user = ADMIN) => {
    const r = await a.call('GET', `/v2/workflows/status/processes/${pid}`, { user });
    r.status.should.equal(200, JSON.stringify(r.body));
    return r.body.results as StatusResults;
  };
  const assignments = async (user: User) => {
    const r = await a.call('GET', '/v2/members/assignments', { user });
    r.status.should.equal(200);
    return (r.body.results as Array<{ data: { assignments: AssignmentItem } }>).map((x) => x.data.assignments);
  };
  const startwf = async (workflowId: number, docIds?: string, user = ADMIN) => {
    const r = await a.call('POST', '/v2/draftprocesses/startwf', { user, form: { workflow_id: String(workflowId), ...(docIds ? { doc_ids: docIds } : {}) } });
    r.status.should.equal(200, JSON.stringify(r.body));
    return (r.body.results as { process_id: number }).process_id;
  };
  const send = (t: { pid: number; spid: number; tid: number }, form: Record<string, string>, user: User) => a.call('PUT', `/v2/processes/${t.pid}/subprocesses/${t.spid}/tasks/${t.tid}`, { user, form });
  const wfState = () => h.sb.state('workflow') as { processes: Array<{ id: number; status: string; attachments: Array<{ id: number; name: string; original_id: number }>; tasks: Array<{ status: string; disposition?: string; comment?: string }> }>; drafts: unknown[] };

  it('answers 401 without a ticket on every route', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/v2/draftprocesses'],
      ['GET', '/v1/forms/draftprocesses?draftprocess_id=1'],
      ['PUT', '/v2/draftprocesses/1'],
      ['POST', '/v2/draftprocesses/startwf'],
      ['POST', '/v2/processes'],
      ['GET', '/v2/workflows/status/processes/1'],
      ['GET', '/v2/workflows/status'],
      ['GET', '/v2/workflows/status/active'],
      ['GET', '/v2/members/assignments'],
      ['GET', '/v1/forms/processes/tasks/update?process_id=1&subprocess_id=1&task_id=1'],
      ['PUT', '/v2/processes/1/subprocesses/1/tasks/1'],
      ['GET', '/v2/processes/1/subprocesses/1/activities'],
      ['GET', '/v2/processes/3901/definition'],
      ['PUT', '/v2/processes/1/status'],
      ['DELETE', '/v2/processes/1'],
    ];
    for (const [m, p] of routes) {
      const r = await a.call(m, p, { noAuth: true });
      r.status.should.equal(401, `${m} ${p}`);
      r.body.should.have.property('error', 'Authentication Required');
    }
  });

  describe('draft processes', () => {
    it('rejects a missing workflow_id, an unknown node, a node that is not a map and unknown documents', async () => {
      const none = await a.call('POST', '/v2/draftprocesses', { form: {} });
      none.status.should.equal(400);
      none.body.error!.should.equal('Error getting node from ID');
      (await a.call('POST', '/v2/draftprocesses', { form: { workflow_id: '424242' } })).body.error!.should.equal('Error getting node from ID');
      const folder = await a.call('POST', '/v2/draftprocesses', { form: { workflow_id: '2200' } });
      folder.status.should.equal(400);
      folder.body.error!.should.equal('Could not Loadmap');
      const docs = await a.call('POST', '/v2/draftprocesses', { form: { workflow_id: '3901', doc_ids: '2201,999999', AttachDocuments: 'TRUE' } });
      docs.status.should.equal(400);
      docs.body.error!.should.equal('Error getting node from ID');
      (await a.call('POST', '/v2/draftprocesses', { form: { workflow_id: 'abc' } })).status.should.equal(400);
      wfState().drafts.should.have.length(0);
    });

    it('ignores a JSON request body: Content Server reads form fields only', async () => {
      const r = await a.call('POST', '/v2/draftprocesses', { json: { workflow_id: 3901 } });
      r.status.should.equal(400);
      r.body.error!.should.equal('Error getting node from ID');
    });

    it('creates a draft with attachments (doc_ids + AttachDocuments), updates its form and initiates it', async () => {
      const r = await a.call('POST', '/v2/draftprocesses', { body: { workflow_id: 3901, doc_ids: '2201,2202', AttachDocuments: 'TRUE' } });
      r.status.should.equal(200);
      const d = r.body.results as { draftprocess_id: number; workflow_type: string };
      d.workflow_type.should.equal('1_1');
      const form = await a.call('GET', `/v1/forms/draftprocesses?draftprocess_id=${d.draftprocess_id}`);
      form.status.should.equal(200);
      const fdata = form.body.data as { title: string; data_packages: Array<{ data: { attachment_folder_id?: number } }>; actions: Array<{ key: string }> };
      fdata.title.should.equal('Records Declaration Approval');
      fdata.actions.map((x) => x.key).should.eql(['Initiate']);
      const schema = (form.body.forms as Array<{ schema: { properties: Record<string, { title: string }> } }>)[0].schema.properties;
      schema.WorkflowForm_1.title.should.equal('Requested Classification');
      const up = await a.call('PUT', `/v2/draftprocesses/${d.draftprocess_id}`, { body: { action: 'formUpdate', values: { WorkflowForm_Title: 'Declare ACME contract', WorkflowForm_WorkflowDueDate: '2099-07-06 21:42:30.000', WorkflowForm_1: 'LEG-01', WorkflowForm_1x4x1x2: 'jsmith' } } });
      up.status.should.equal(200);
      const again = await a.call('GET', `/v1/forms/draftprocesses/update?draftprocess_id=${d.draftprocess_id}`);
      const values = (again.body.forms as Array<{ data: Record<string, unknown> }>)[0].data;
      values.should.have.properties({ WorkflowForm_Title: 'Declare ACME contract', WorkflowForm_1: 'LEG-01', WorkflowForm_2: 'jsmith', WorkflowForm_WorkflowDueDate: '2099-07-06T21:42:30Z' });
      const pid = await initiate(d.draftprocess_id, 'please declare');
      const st = await status(pid);
      st.wf_details.should.have.properties({ status: 'ontime', wf_name: 'Declare ACME contract', work_workID: pid, due_date: '2099-07-06T21:42:30Z' });
      st.step_list.current.map((t) => t.task_name).should.eql(['Review declaration request']);
      st.step_list.current[0].task_assignees.assignee.map((x) => x.loginName).should.eql(['Records Managers']);
      const proc = wfState().processes.find((p) => p.id === pid)!;
      proc.attachments.map((x) => x.original_id).should.eql([2201, 2202]);
      proc.attachments.map((x) => x.name).should.eql(['Contract ACME 2024.pdf', 'Board minutes 2023-11.pdf']);
      st.attachments.attachment_folder_id.should.be.a.Number();
      wfState().drafts.should.have.length(0);
      (await a.call('PUT', `/v2/draftprocesses/${d.draftprocess_id}`, { body: { action: 'Initiate' } })).status.should.equal(400); // the draft is gone
    });

    it('keeps doc_ids without AttachDocuments as custom data (nothing attached)', async () => {
      const id = await draft(3901, { doc_ids: '2203' });
      const pid = await initiate(id);
      wfState().processes.find((p) => p.id === pid)!.attachments.should.have.length(0);
    });

    it('takes the values as a JSON form field too, all or nothing', async () => {
      const id = await draft(3903);
      const ok = await a.call('PUT', `/v2/draftprocesses/${id}`, { form: { action: 'formupdate', values: JSON.stringify({ WorkflowForm_3: 'true', WorkflowForm_2: '+15550001' }) } });
      ok.status.should.equal(200);
      const bad = await a.call('PUT', `/v2/draftprocesses/${id}`, { form: { action: 'formUpdate', values: JSON.stringify({ WorkflowForm_2: 'changed', WorkflowForm_9: 'x' }) } });
      bad.status.should.equal(400);
      bad.body.error!.should.match(/form field 'WorkflowForm_9' does not exist/);
      const form = await a.call('GET', `/v1/forms/draftprocesses?draftprocess_id=${id}`);
      (form.body.forms as Array<{ data: Record<string, unknown> }>)[0].data.should.have.properties({ WorkflowForm_2: '+15550001', WorkflowForm_3: true });
      (await a.call('PUT', `/v2/draftprocesses/${id}`, { form: { action: 'formUpdate', values: '{not json' } })).status.should.equal(400);
    });

    it('rejects bad values, a missing or unknown action, and required attributes left empty', async () => {
      const id = await draft(3907);
      (await a.call('PUT', `/v2/draftprocesses/${id}`, { body: { action: 'formUpdate', values: { WorkflowForm_1: 'twelve' } } })).body.error!.should.match(/Invalid value for the form field 'WorkflowForm_1'/);
      (await a.call('PUT', `/v2/draftprocesses/${id}`, { body: { action: 'formUpdate', values: { WorkflowForm_WorkflowDueDate: 'next week' } } })).body.error!.should.match(/WorkflowDueDate/);
      const noAction = await a.call('PUT', `/v2/draftprocesses/${id}`, { body: { comment: 'x' } });
      noAction.status.should.equal(400);
      noAction.body.error!.should.equal('Could not retrieve action');
      const unknown = await a.call('PUT', `/v2/draftprocesses/${id}`, { body: { action: 'Approve' } });
      unknown.status.should.equal(400);
      unknown.body.error!.should.equal("The requested action is unknown. Allowed actions 'initiate','formupdate'");
      const review = await draft(3908);
      const req = await a.call('PUT', `/v2/draftprocesses/${review}`, { body: { action: 'Initiate' } });
      req.status.should.equal(400);
      req.body.error!.should.match(/Review Notes.*required/);
      (await a.call('PUT', `/v2/draftprocesses/${review}`, { body: { action: 'formUpdate', values: { WorkflowForm_1: 'looks fine' } } })).status.should.equal(200);
      (await initiate(review)).should.be.a.Number();
    });

    it("keeps a draft private to its creator and answers the spec's errors for the form", async () => {
      const id = await draft(3901);
      (await a.call('GET', '/v1/forms/draftprocesses')).body.error!.should.equal("Argument 'draftprocess_id' is required");
      (await a.call('GET', '/v1/forms/draftprocesses?draftprocess_id=x')).body.error!.should.equal("Invalid datatype specified for argument 'draftprocess_id'");
      const other = await a.call('GET', `/v1/forms/draftprocesses?draftprocess_id=${id}`, { user: JOHN });
      other.status.should.equal(500);
      other.body.error!.should.equal(`Could not get a draft workflow for ${id}`);
      (await a.call('PUT', `/v2/draftprocesses/${id}`, { user: JOHN, body: { action: 'Initiate' } })).status.should.equal(400);
    });
  });

  describe('one-step starts', () => {
    it('startwf refuses maps with an enabled start step and starts the others with their documents attached', async () => {
      const r = await a.call('POST', '/v2/draftprocesses/startwf', { form: { workflow_id: '3901' } });
      r.status.should.equal(400);
      r.body.error!.should.match(/only initiates workflows with a disabled start step/);
      const pid = await startwf(3902, '2401');
      const proc = wfState().processes.find((p) => p.id === pid)!;
      proc.attachments.map((x) => x.original_id).should.eql([2401]);
      (await status(pid)).step_list.current[0].task_assignees.assignee[0].loginName.should.equal('Legal Counsel');
      (await a.call('POST', '/v2/draftprocesses/startwf', { form: { workflow_id: '3902', doc_ids: '77777' } })).body.error!.should.equal('Error getting node from ID');
    });

    it('POST v2/processes needs the body definition and fills roles from role_info (or the map default)', async () => {
      const none = await a.call('POST', '/v2/processes', { form: { workflow_id: '3907' } });
      none.status.should.equal(400);
      none.body.error!.should.match(/definition/);
      const r = await a.call('POST', '/v2/processes', { body: { definition: { workflow_id: 3907, role_info: { Assignee: 1005 } } } });
      r.status.should.equal(200);
      const pid = (r.body.results as { process_id: number }).process_id;
      (await status(pid)).step_list.current[0].task_assignees.assignee[0].loginName.should.equal('cclerk');
      const dflt = await a.call('POST', '/v2/processes', { body: { definition: { workflow_id: 3907 } } });
      (await status((dflt.body.results as { process_id: number }).process_id)).step_list.current[0].task_assignees.assignee[0].loginName.should.equal('jsmith');
      (await a.call('POST', '/v2/processes', { body: { definition: { workflow_id: 3907, role_info: { Assignee: 5555 } } } })).body.error!.should.match(/does not exist/);
      (await a.call('POST', '/v2/processes', { body: { definition: { workflow_id: 2201 } } })).body.error!.should.equal('Could not Loadmap');
    });
  });

  describe('tasks', () => {
    it("lists a group task in every member's assignments and nobody else's", async () => {
      const pid = await initiate(await draft(3901, { doc_ids: '2201', AttachDocuments: 'TRUE' }));
      const rita = await assignments(RITA);
      rita.should.have.length(1);
      rita[0].should.have.properties({ id: pid, name: 'Review declaration request', description: 'Records Declaration Approval', workflow_id: pid, workflow_subworkflow_id: pid, workflow_subworkflow_task_id: 1, priority_name: 'Medium' });
      should(rita[0].date_due).be.a.String();
      (await assignments(ADMIN)).should.have.length(0);
      (await assignments(JOHN)).should.have.length(0);
    });

    it('refuses to send on a task for a user it is not assigned to, and bad action combinations', async () => {
      const pid = await initiate(await draft(3901));
      const t = { pid, spid: pid, tid: 1 };
      const notMine = await send(t, { custom_action: 'Approve' }, ADMIN);
      notMine.status.should.equal(400);
      notMine.body.error!.should.match(/No permission to send on this task/);
      notMine.body.should.have.property('errorDetail', '662306821');
      (await send(t, { action: 'SendOn', custom_action: 'Approve' }, RITA)).body.error!.should.equal('It is not allowed to execute an action and a custom action');
      (await send(t, { comment: 'hm' }, RITA)).body.error!.should.equal('Could not retrieve action');
      (await send(t, { custom_action: 'Maybe' }, RITA)).body.error!.should.match(/custom action 'Maybe' is unknown.*Approve, Reject/);
      (await send(t, { action: 'SendOn' }, RITA)).body.error!.should.match(/action 'SendOn' is unknown.*custom_action/);
      (await send({ pid, spid: pid, tid: 9 }, { custom_action: 'Approve' }, RITA)).body.error!.should.equal('Could not access task status');
      (await send({ pid: 1, spid: 1, tid: 1 }, { custom_action: 'Approve' }, RITA)).body.error!.should.equal('Could not access task status');
      (await status(pid)).step_list.current.should.have.length(1);
    });

    it('advances on the approve path: Approve completes the process and records the comment', async () => {
      const pid = await initiate(await draft(3901));
      const r = await send({ pid, spid: pid, tid: 1 }, { custom_action: 'approve', comment: 'fine by me' }, RITA);
      r.status.should.equal(200);
      const st = await status(pid);
      st.wf_details.status.should.equal('completed');
      st.step_list.current.should.have.length(0);
      st.step_list.completed.map((x) => [x.task_name, x.task_assignees.assignee[0].loginName]).should.eql([['Review declaration request', 'rmanager']]);
      const proc = wfState().processes.find((p) => p.id === pid)!;
      proc.tasks[0].should.have.properties({ disposition: 'Approve', comment: 'fine by me' });
      (await assignments(RITA)).should.have.length(0);
      (await send({ pid, spid: pid, tid: 1 }, { custom_action: 'Approve' }, RITA)).body.error!.should.equal('The task is not active.');
      const acts = await a.call('GET', `/v2/processes/${pid}/subprocesses/${pid}/activities`);
      (acts.body.results as { data: Array<{ action: string; comment: string }> }).data.map((x) => [x.action, x.comment]).should.eql([['Initiate', ''], ['Approve', 'fine by me']]);
    });

    it('advances on the reject path: Reject sends the task back to the initiator, who sends it on', async () => {
      const pid = await startwf(3902, '2401', JOHN);
      const rej = await send({ pid, spid: pid, tid: 1 }, { custom_action: 'Reject', comment: 'wrong number' }, LAURA);
      rej.status.should.equal(200);
      const st = await status(pid, JOHN);
      st.wf_details.status.should.equal('ontime');
      st.step_list.current.map((x) => [x.task_name, x.task_assignees.assignee[0].loginName]).should.eql([['Rework document', 'jsmith']]);
      const mine = await assignments(JOHN);
      mine.map((x) => [x.name, x.workflow_subworkflow_task_id]).should.eql([['Rework document', 2]]);
      (await send({ pid, spid: pid, tid: 2 }, { action: 'SendOn' }, JOHN)).status.should.equal(200);
      (await status(pid, JOHN)).wf_details.status.should.equal('completed');
    });

    it('gives each assignee their own task (subprocess) on an attestation step and completes when all acted', async () => {
      const pid = await startwf(3906);
      const st = await status(pid);
      st.step_list.current.map((x) => x.task_assignees.assignee[0].loginName).should.eql(['rmanager', 'jsmith', 'cclerk']);
      new Set(st.step_list.current.map((x) => x.subprocess_id)).size.should.equal(3);
      const john = (await assignments(JOHN))[0];
      john.workflow_subworkflow_id.should.not.equal(pid);
      (await send({ pid, spid: john.workflow_subworkflow_id, tid: 1 }, { custom_action: 'Certify' }, JOHN)).status.should.equal(200);
      (await send({ pid, spid: john.workflow_subworkflow_id, tid: 1 }, { custom_action: 'Certify' }, RITA)).status.should.equal(400); // not Rita's task
      (await status(pid)).step_list.current.should.have.length(2);
      for (const [u] of [[RITA], [CARL]] as Array<[User]>) {
        const mine = (await assignments(u))[0];
        (await send({ pid, spid: mine.workflow_subworkflow_id, tid: 1 }, { custom_action: 'Certify' }, u)).status.should.equal(200);
      }
      (await status(pid)).wf_details.status.should.equal('completed');
      // running processes of a map: only the ones still open
      const other = await startwf(3906);
      const active = await a.call('GET', '/v2/workflows/status/active?mapObjId=3906');
      (active.body.results as Array<{ Work_WorkID: number; Map_MapObjID: number }>).map((x) => [x.Work_WorkID, x.Map_MapObjID]).should.eql([[other, 3906]]);
    });

    it('gives urgent processes high priority and the short duration', async () => {
      const id = await draft(3903);
      await a.call('PUT', `/v2/draftprocesses/${id}`, { body: { action: 'formUpdate', values: { WorkflowForm_3: true } } });
      const pid = await initiate(id);
      const mine = (await assignments(CARL)).find((x) => x.workflow_id === pid)!;
      mine.priority_name.should.equal('High');
      const hours = (Date.parse(mine.date_due!) - Date.now()) / 3600000;
      hours.should.be.within(3.9, 4.1);
    });

    it('describes a task form with its actions and the attribute values', async () => {
      const id = await draft(3901);
      await a.call('PUT', `/v2/draftprocesses/${id}`, { body: { action: 'formUpdate', values: { WorkflowForm_1: 'LEG-01' } } });
      const pid = await initiate(id);
      const r = await a.call('GET', `/v1/forms/processes/tasks/update?process_id=${pid}&subprocess_id=${pid}&task_id=1`, { user: RITA });
      r.status.should.equal(200);
      const d = r.body.data as { custom_actions: Array<{ key: string }>; actions: unknown[] };
      d.custom_actions.map((x) => x.key).should.eql(['Approve', 'Reject']);
      d.actions.should.have.length(0);
      (r.body.forms as Array<{ data: Record<string, unknown> }>)[0].data.should.have.property('WorkflowForm_1', 'LEG-01');
      (await a.call('GET', `/v1/forms/processes/tasks/update?process_id=${pid}&subprocess_id=${pid}`, { user: RITA })).body.error!.should.equal("Argument 'task_id' is required");
      (await a.call('GET', `/v1/forms/processes/tasks/update?process_id=${pid}&subprocess_id=${pid}&task_id=1`, { user: JOHN })).status.should.equal(500);
    });
  });

  describe('process lists, status changes and delete', () => {
    it('lists processes by wstatus and Kind, and turns late when a due date passes', async () => {
      const p1 = await startwf(3904);
      const p2 = await startwf(3905, undefined, JOHN);
      const both = await a.call('GET', '/v2/workflows/status');
      const ids = (r: Res) => (r.body.results as Array<{ data: { wfstatus: { process_id: number } } }>).map((x) => x.data.wfstatus.process_id);
      ids(both).should.eql([p1, p2]); // Admin initiated p1 and manages the map of John's p2
      ids(await a.call('GET', '/v2/workflows/status?Kind=Initiated')).should.eql([p1]);
      ids(await a.call('GET', '/v2/workflows/status', { user: MAX })).should.eql([]);
      const johns = await a.call('GET', '/v2/workflows/status?Kind=Initiated', { user: JOHN });
      ids(johns).should.eql([p2]);
      const entry = (johns.body.results as Array<{ data: { wfstatus: Record<string, unknown> } }>)[0].data.wfstatus;
      entry.should.have.properties({ step_name: 'Process remittance', status_key: 'ontime', current_assignee: 'Operations', wf_name: 'Remittance Processing' });
      (await a.call('GET', '/v2/workflows/status?wstatus=workflowlate')).body.results!.should.have.length(0);
      await fetch(`${h.url}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'P3D' }) });
      a.reset(); // the tickets expired with the clock
      ids(await a.call('GET', '/v2/workflows/status?wstatus=workflowlate')).should.eql([p1, p2]);
      ids(await a.call('GET', '/v2/workflows/status?wstatus=ontime')).should.eql([]);
      (await assignments(CARL)).find((x) => x.workflow_id === p1)!.should.have.property('status_name', 'Late');
      (await a.call('GET', '/v2/workflows/status?wstatus=unknown')).status.should.equal(400);
      (await a.call('GET', '/v2/workflows/status?Kind=Everyone')).status.should.equal(400);
      (await a.call('GET', '/v2/workflows/status?sort=wf_name%20sideways')).status.should.equal(400);
    });

    it('suspends, resumes, stops, archives and deletes, for managers only and in the right order', async () => {
      const pid = await startwf(3904, undefined, JOHN);
      const put = (status: string, user: User) => a.call('PUT', `/v2/processes/${pid}/status`, { user, form: { status } });
      const denied = await put('suspend', MAX);
      denied.status.should.equal(400);
      denied.body.error!.should.equal('No permission to change the status of the process');
      (await put('suspend', JOHN)).status.should.equal(200);
      (await assignments(CARL)).should.have.length(0); // suspended tasks are not offered
      (await send({ pid, spid: pid, tid: 1 }, { action: 'SendOn' }, CARL)).body.error!.should.equal('The workflow is suspended.');
      (await put('suspend', JOHN)).status.should.equal(400);
      (await put('resume', ADMIN)).status.should.equal(200); // a map manager
      (await assignments(CARL)).should.have.length(1);
      (await put('archive', JOHN)).status.should.equal(400);
      const del = await a.call('DELETE', `/v2/processes/${pid}`, { user: JOHN });
      del.status.should.equal(400);
      del.body.error!.should.match(/stop it before deleting/);
      (await put('halt', JOHN)).body.error!.should.match(/Possible values are suspend, resume, stop, archive/);
      (await put('stop', JOHN)).status.should.equal(200);
      (await status(pid, JOHN)).wf_details.status.should.equal('stopped');
      (await assignments(CARL)).should.have.length(0);
      (await put('archive', JOHN)).status.should.equal(200);
      (await a.call('DELETE', `/v2/processes/${pid}`, { user: MAX })).status.should.equal(400);
      (await a.call('DELETE', `/v2/processes/${pid}`, { user: JOHN })).status.should.equal(200);
      (await a.call('GET', `/v2/workflows/status/processes/${pid}`)).body.error!.should.equal('Could not access task status');
    });

    it('loads a map definition', async () => {
      const r = await a.call('GET', '/v2/processes/3902/definition');
      r.status.should.equal(200);
      (r.body.results as { definition: { tasks: Array<{ title: string }> } }).definition.tasks.map((x) => x.title).should.eql(['Approve outbound fax', 'Rework document']);
      (await a.call('GET', '/v2/processes/2201/definition')).body.error!.should.equal('Could not Loadmap');
    });
  });
});
