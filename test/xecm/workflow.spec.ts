/**
 * ot-workflow ("workflow") over real HTTP against the sandbox: start a map (draft with an uploaded
 * document attached, one step, with roles), status and history, assignments, open tasks by
 * assignee, send on (approve and reject paths), status changes, and every error code.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, until, TAB, xecmConfig, type FlowNode } from '../support/nr';
import type { Assignment } from '../../nodes/lib/cs/workflows';

const workflowNode = require('../../nodes/xecm/ot-workflow');
const uploadNode = require('../../nodes/xecm/ot-upload');
const xecmNode = require('../../nodes/xecm/ot-xecm');

type Obj = Record<string, unknown>;
interface Caught {
  error: { message: string; code: string; source: { id: string } };
  otError?: { details?: Obj };
  [k: string]: unknown;
}
interface Step {
  processId: number;
  subprocessId: number;
  taskId: number;
  name: string;
  status: string;
  assignees: Array<{ id: number; name: string }>;
}
interface Status {
  processId: number;
  title: string;
  status: string;
  dueDate: string | null;
  current: Step[];
  completed: Step[];
  history?: Array<{ action: string; comment?: string }>;
}
interface WfSnapshot {
  processes: Array<{ id: number; mapId: number; title: string; due?: string; status: string; status_key: string; values: Record<string, unknown>; attachments: Array<{ id: number; name: string; original_id: number }>; activities: Array<{ action: string; comment?: string }>; tasks: Array<{ disposition?: string; comment?: string; performer?: number }> }>;
  drafts: Array<{ id: number }>;
}

const USERS: Record<string, [string, string]> = {
  xecm1: ['Admin', 'sandbox-admin'],
  legal: ['lcounsel', 'sandbox-legal'],
  rm: ['rmanager', 'sandbox-rm'],
  john: ['jsmith', 'sandbox-jsmith'],
  carl: ['cclerk', 'sandbox-clerk'],
  max: ['mboss', 'sandbox-manager'],
};

const DEFAULTS: Obj = {
  operation: 'start',
  startMode: 'draft',
  map: '',
  mapType: 'num',
  attachments: 'nodeId',
  attachmentsType: 'msg',
  title: '',
  titleType: 'str',
  dueDate: '',
  dueDateType: 'str',
  values: '',
  valuesType: 'json',
  roles: '',
  rolesType: 'json',
  comment: '',
  commentType: 'str',
  processId: 'processId',
  processIdType: 'msg',
  task: 'payload',
  taskType: 'msg',
  action: 'Approve',
  actionType: 'str',
  statusChange: 'suspend',
  history: true,
};

describe('ot-workflow: workflow', () => {
  const helper = useNodeRed();
  const h = useSandbox();
  const wf = () => h.sb.state('workflow') as WfSnapshot;

  /** Loads workflow nodes (id -> settings incl. `server`, default xecm1) plus one config node per user. */
  async function load(nodes: Record<string, Obj>, extra: FlowNode[] = [], credsOverride: Obj = {}) {
    const flow: FlowNode[] = [TAB];
    const creds: Record<string, Obj> = {};
    // config node ids: "xecm1" (Admin) and "cfg-<user key>"
    const cfgId = (k: string) => (k === 'xecm1' ? k : `cfg-${k}`);
    for (const [k, [username, password]] of Object.entries(USERS)) {
      flow.push({ ...xecmConfig(h.csUrl).node, id: cfgId(k), name: username });
      creds[cfgId(k)] = { username, password, ...(k === 'xecm1' ? credsOverride : {}) };
    }
    // node ids "wf-<key>": Node-RED takes a property whose value equals a node id for a config-node reference
    for (const [key, s] of Object.entries(nodes)) {
      flow.push({ id: `wf-${key}`, type: 'ot-workflow', z: 'tab1', ...DEFAULTS, ...s, server: cfgId(String(s.server || 'xecm1')), wires: [[`wf-${key}-out`]] }, { id: `wf-${key}-out`, type: 'helper', z: 'tab1' });
    }
    flow.push({ id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'tab1' }, ...extra);
    await helper.load([xecmNode, uploadNode, workflowNode], flow, creds);
  }

  async function run<T = Obj>(key: string, msg: Obj): Promise<T & Obj> {
    const wait = nextMessage<T & Obj>(helper.getNode(`wf-${key}-out`));
    helper.getNode(`wf-${key}`).receive(msg);
    return wait;
  }

  async function expectError(key: string, msg: Obj, code: string, re?: RegExp): Promise<Caught> {
    const wait = nextMessage<Caught>(helper.getNode('caught'));
    helper.getNode(`wf-${key}`).receive(msg);
    const c = await wait;
    c.error.code.should.equal(code, c.error.message);
    c.error.source.id.should.equal(`wf-${key}`);
    if (re) c.error.message.should.match(re);
    const text = JSON.stringify(c);
    for (const [, pw] of Object.values(USERS)) text.should.not.containEql(pw);
    return c;
  }

  describe('an uploaded document through approval', () => {
    it('starts a workflow with the uploaded document attached, and Approve by the assignee completes it', async () => {
      const upload: FlowNode = {
        id: 'up', type: 'ot-upload', z: 'tab1', server: 'xecm1', target: 'parent', parent: '2400', parentType: 'num', extSystem: '', extSystemType: 'str', boType: '', boTypeType: 'str', boId: 'boId', boIdType: 'msg', wsType: '', wsTypeType: 'str', wsName: '', wsNameType: 'str', subPath: '', subPathType: 'str', source: 'payload', file: 'filename', fileType: 'msg', docName: 'settlement-{{caseId}}.pdf', docNameType: 'str', mimeType: 'application/pdf', mimeTypeType: 'str', description: '', descriptionType: 'str', categories: '', categoriesType: 'msg', classifications: '', classificationsType: 'str', onClash: 'error', chunkMiB: 25,
        wires: [['wf-start']],
      };
      await load(
        {
          start: { map: '3902', title: 'Approve fax of {{caseId}} to {{fax}}', dueDate: '2099-01-31T17:00:00Z', values: '{"Fax Number": "+15550100001", "3": "CASE-2026-001"}', comment: 'please approve before faxing' },
          mine: { operation: 'assignments', server: 'legal' },
          approve: { operation: 'sendOn', server: 'legal', action: 'Approve', comment: 'approved for {{payload.title}}' },
          status: { operation: 'status' },
        },
        [upload],
      );
      const started = nextMessage<{ payload: { processId: number; attachments: number[]; draftprocessId: number }; processId: number; nodeId: number }>(helper.getNode('wf-start-out'));
      helper.getNode('up').receive({ payload: Buffer.from('%PDF-1.4 settlement for CASE-2026-001'), caseId: 'CASE-2026-001', fax: '+15550100001' });
      const s = await started;
      s.nodeId.should.be.a.Number();
      s.payload.attachments.should.eql([s.nodeId]);
      s.processId.should.equal(s.payload.processId);
      const proc = wf().processes.find((p) => p.id === s.processId)!;
      proc.should.have.properties({ mapId: 3902, title: 'Approve fax of CASE-2026-001 to +15550100001', due: '2099-01-31T17:00:00Z' });
      proc.attachments.map((a) => a.original_id).should.eql([s.nodeId]);
      proc.attachments[0].name.should.equal('settlement-CASE-2026-001.pdf');
      proc.values.should.eql({ 1: '+15550100001', 3: 'CASE-2026-001' });
      proc.activities[0].should.have.properties({ action: 'Initiate', comment: 'please approve before faxing' });
      wf().drafts.should.have.length(0);

      // Laura (Legal Counsel) lists her assignments and approves the one of this process.
      const mine = await run<{ payload: Assignment[] }>('mine', {});
      const task = mine.payload.find((a) => a.process_id === s.processId)!;
      task.should.have.properties({ name: 'Approve outbound fax', title: 'Approve fax of CASE-2026-001 to +15550100001', subprocess_id: s.processId, task_id: 1 });
      const sent = await run<{ payload: Obj }>('approve', { payload: task });
      sent.payload.should.eql({ processId: s.processId, subprocessId: s.processId, taskId: 1, action: 'Approve', custom: true, comment: 'approved for Approve fax of CASE-2026-001 to +15550100001' });

      const st = await run<{ payload: Status }>('status', { processId: s.processId });
      st.payload.status.should.equal('completed');
      st.payload.current.should.have.length(0);
      st.payload.completed.map((c) => [c.name, c.assignees[0].name]).should.eql([['Approve outbound fax', 'lcounsel']]);
      st.payload.history!.map((x) => [x.action, x.comment]).should.eql([['Initiate', 'please approve before faxing'], ['Approve', 'approved for Approve fax of CASE-2026-001 to +15550100001']]);
      wf().processes.find((p) => p.id === s.processId)!.tasks[0].should.have.properties({ disposition: 'Approve', performer: 1003 });
    });

    it('takes the reject path: the task goes back to the initiator', async () => {
      await load({ start: { map: '3902', attachments: '2401', attachmentsType: 'str', startMode: 'oneStep' }, reject: { operation: 'sendOn', server: 'legal', action: 'Reject', task: '{{processId}}_{{processId}}_1', taskType: 'str' }, status: { operation: 'status', history: false } });
      const s = await run<{ processId: number }>('start', {});
      await run('reject', { processId: s.processId });
      const st = await run<{ payload: Status }>('status', { processId: s.processId });
      st.payload.status.should.equal('ontime');
      st.payload.current.map((c) => [c.name, c.assignees[0].name]).should.eql([['Rework document', 'Admin']]);
      st.payload.should.not.have.property('history');
    });
  });

  describe('start', () => {
    it('starts in one step with attachments from text, and refuses maps whose start step is enabled', async () => {
      await load({ one: { map: '3904', startMode: 'oneStep', attachments: '2201, 2202', attachmentsType: 'str' }, bad: { map: '3901', startMode: 'oneStep' } });
      const m = await run<{ payload: { processId: number; attachments: number[] } }>('one', {});
      m.payload.attachments.should.eql([2201, 2202]);
      wf().processes.find((p) => p.id === m.payload.processId)!.attachments.map((a) => a.original_id).should.eql([2201, 2202]);
      await expectError('bad', {}, 'OT_INVALID_INPUT', /disabled start step/);
    });

    it('starts with role assignments', async () => {
      await load({ roles: { map: '3907', startMode: 'roles', roles: 'roles', rolesType: 'msg' }, status: { operation: 'status' } });
      const m = await run<{ processId: number }>('roles', { roles: { Assignee: 1005 }, nodeId: 2201 });
      const st = await run<{ payload: Status }>('status', { processId: m.processId });
      st.payload.current[0].assignees.map((a) => a.name).should.eql(['cclerk']);
      wf().processes.find((p) => p.id === m.processId)!.attachments.should.have.length(0);
      await expectError('roles', { roles: { Assignee: 'jsmith' } }, 'OT_INVALID_INPUT', /member id of the role "Assignee"/);
      await expectError('roles', { roles: { Assignee: 4242 } }, 'OT_INVALID_INPUT', /does not exist/);
    });

    it('maps values by attribute id, WorkflowForm_ key or name, and names the fields when one is unknown', async () => {
      await load({ start: { map: '3903', values: 'values', valuesType: 'msg', attachments: '', attachmentsType: 'str' } });
      const m = await run<{ processId: number }>('start', { values: { 1: 'job-7', WorkflowForm_2: '+1555', urgent: true } });
      wf().processes.find((p) => p.id === m.processId)!.values.should.eql({ 1: 'job-7', 2: '+1555', 3: true });
      const c = await expectError('start', { values: { Priority: 'high' } }, 'OT_INVALID_INPUT', /no such attribute; its fields are .*"Fax Job ID" \(WorkflowForm_1\)/);
      c.otError!.details!.should.have.property('draftprocessId');
      await expectError('start', { values: { WorkflowForm_77: 'x' } }, 'OT_INVALID_INPUT', /WorkflowForm_77/);
      await expectError('start', { values: { 3: 'maybe' } }, 'OT_INVALID_INPUT', /Invalid value/);
      await expectError('start', { values: 'not json' }, 'OT_INVALID_INPUT', /values is not valid JSON/);
    });

    it('refuses a missing required attribute, a bad due date, a bad map and bad attachments', async () => {
      await load({
        review: { map: '3908', attachments: '', attachmentsType: 'str' },
        due: { map: '3901', dueDate: 'dueDate', dueDateType: 'msg' },
        map: { map: 'mapId', mapType: 'msg' },
      });
      await expectError('review', {}, 'OT_INVALID_INPUT', /Review Notes.*required/);
      await expectError('due', { dueDate: 'next friday' }, 'OT_INVALID_INPUT', /due date "next friday" is not a date/);
      await expectError('map', { mapId: 'abc' }, 'OT_INVALID_INPUT', /workflow map id must be a positive whole number/);
      await expectError('map', {}, 'OT_INVALID_INPUT', /workflow map id is required/);
      await expectError('map', { mapId: 424242 }, 'OT_INVALID_INPUT', /Error getting node from ID/);
      await expectError('map', { mapId: 2201 }, 'OT_INVALID_INPUT', /Could not Loadmap/);
      await expectError('map', { mapId: 3901, nodeId: 'x' }, 'OT_INVALID_INPUT', /attachment node id/);
      await expectError('map', { mapId: 3901, nodeId: [2201, 999999] }, 'OT_INVALID_INPUT', /Error getting node from ID/);
      wf().processes.should.have.length(0);
    });

    it('accepts a due date from a Date and in Content Server format', async () => {
      await load({ due: { map: '3901', dueDate: 'dueDate', dueDateType: 'msg', attachments: '', attachmentsType: 'str' } });
      const a = await run<{ processId: number }>('due', { dueDate: new Date('2099-03-01T08:30:00Z') });
      const b = await run<{ processId: number }>('due', { dueDate: '2099-03-02 09:15:00.000' });
      const c = await run<{ processId: number }>('due', { dueDate: '2099-03-03' });
      const due = (id: number) => wf().processes.find((p) => p.id === id)!.due;
      [due(a.processId), due(b.processId), due(c.processId)].should.eql(['2099-03-01T08:30:00Z', '2099-03-02T09:15:00Z', '2099-03-03T00:00:00Z']);
    });
  });

  describe('assignments, open tasks and send on', () => {
    it("lists a group task in the member's assignments", async () => {
      await load({ start: { map: '3901', attachments: '2201', attachmentsType: 'num' }, rm: { operation: 'assignments', server: 'rm' }, john: { operation: 'assignments', server: 'john' } });
      const s = await run<{ processId: number }>('start', {});
      const rm = await run<{ payload: Assignment[] }>('rm', {});
      rm.payload.map((a) => [a.id, a.name]).should.eql([[`${s.processId}_${s.processId}_1`, 'Review declaration request']]);
      (await run<{ payload: Assignment[] }>('john', {})).payload.should.eql([]);
    });

    it('groups the open tasks of a map by assignee (one task per assignee per process), and forgets done ones', async () => {
      await load({ start: { map: '3906', startMode: 'oneStep' }, open: { operation: 'openTasks', map: '3906' }, john: { operation: 'assignments', server: 'john' }, certify: { operation: 'sendOn', server: 'john', action: 'Certify' }, other: { map: '3904', startMode: 'oneStep' } });
      const p1 = (await run<{ processId: number }>('start', {})).processId;
      const p2 = (await run<{ processId: number }>('start', {})).processId;
      await run('other', {}); // another map: not listed
      const open = await run<{ payload: Array<{ assignee: { name: string }; tasks: Array<{ processId: number; name: string; title: string }> }> }>('open', {});
      open.payload.map((g) => [g.assignee.name, g.tasks.map((t) => t.processId)]).sort().should.eql([['cclerk', [p1, p2]], ['jsmith', [p1, p2]], ['rmanager', [p1, p2]]]);
      open.payload[0].tasks[0].should.have.properties({ name: 'Certify records', title: 'Records Certification' });
      const mine = (await run<{ payload: Assignment[] }>('john', {})).payload.find((a) => a.process_id === p1)!;
      await run('certify', { payload: mine });
      const after = await run<{ payload: Array<{ assignee: { name: string }; tasks: Array<{ processId: number }> }> }>('open', {});
      after.payload.map((g) => [g.assignee.name, g.tasks.map((t) => t.processId)]).sort().should.eql([['cclerk', [p1, p2]], ['jsmith', [p2]], ['rmanager', [p1, p2]]]);
    });

    it('refuses a task that is not the user\'s (OT_FORBIDDEN), unknown actions, bad and unknown tasks', async () => {
      await load({ start: { map: '3901', attachments: '', attachmentsType: 'str' }, admin: { operation: 'sendOn' }, rm: { operation: 'sendOn', server: 'rm', action: 'action', actionType: 'msg' } });
      const pid = (await run<{ processId: number }>('start', {})).processId;
      const task = { process_id: pid, subprocess_id: pid, task_id: 1 };
      await expectError('admin', { payload: task }, 'OT_FORBIDDEN', /not assigned to you/);
      await expectError('rm', { payload: task, action: 'Maybe' }, 'OT_INVALID_INPUT', /custom action 'Maybe' is unknown/);
      await expectError('rm', { payload: task, action: 'SendOn' }, 'OT_INVALID_INPUT', /action 'SendOn' is unknown/);
      await expectError('rm', { payload: task, action: '' }, 'OT_INVALID_INPUT', /action is required/);
      await expectError('rm', { payload: 'nonsense', action: 'Approve' }, 'OT_INVALID_INPUT', /assignment object/);
      await expectError('rm', { payload: { process_id: pid }, action: 'Approve' }, 'OT_INVALID_INPUT', /task id is required/);
      await expectError('rm', { payload: { process_id: 1, subprocess_id: 1, task_id: 1 }, action: 'Approve' }, 'OT_NOT_FOUND');
      const ok = await run<{ payload: Obj }>('rm', { payload: { processId: pid, taskId: 1 }, action: 'reject' });
      ok.payload.should.have.properties({ action: 'reject', custom: true });
      wf().processes.find((p) => p.id === pid)!.status_key.should.equal('completed');
      await expectError('rm', { payload: task, action: 'Approve' }, 'OT_INVALID_INPUT', /not active/);
    });

    it('sends a standard action as action (SendOn) and moves to the next step', async () => {
      await load({ start: { map: '3908', values: '{"1": "ok"}', attachments: '', attachmentsType: 'str' }, boss: { operation: 'sendOn', server: 'max', action: 'sendon' }, status: { operation: 'status' } });
      const pid = (await run<{ processId: number }>('start', {})).processId;
      const m = await run<{ payload: Obj }>('boss', { payload: `${pid}/${pid}/1` });
      m.payload.should.have.properties({ action: 'SendOn', custom: false });
      (await run<{ payload: Status }>('status', { processId: pid })).payload.current.map((c) => c.name).should.eql(['Finalise document']);
    });
  });

  describe('status and changes', () => {
    it('reports an unknown process as OT_NOT_FOUND and a bad process id as OT_INVALID_INPUT', async () => {
      await load({ status: { operation: 'status' } });
      await expectError('status', { processId: 123456 }, 'OT_NOT_FOUND', /Could not access task status/);
      await expectError('status', { processId: 'x' }, 'OT_INVALID_INPUT');
    });

    it('suspends, resumes, stops and deletes; a non-manager gets OT_FORBIDDEN; a running process cannot be deleted', async () => {
      await load({
        start: { map: '3905', startMode: 'oneStep' },
        suspend: { operation: 'changeStatus', statusChange: 'suspend' },
        resume: { operation: 'changeStatus', statusChange: 'resume' },
        stop: { operation: 'changeStatus', statusChange: 'stop' },
        del: { operation: 'changeStatus', statusChange: 'delete' },
        maxStop: { operation: 'changeStatus', statusChange: 'stop', server: 'max' },
        status: { operation: 'status', history: false },
      });
      const pid = (await run<{ processId: number }>('start', {})).processId;
      (await run<{ payload: Obj }>('suspend', { processId: pid })).payload.should.eql({ processId: pid, change: 'suspend' });
      (await run<{ payload: Status }>('status', { processId: pid })).payload.status.should.equal('suspended');
      await expectError('suspend', { processId: pid }, 'OT_INVALID_INPUT', /cannot be changed/);
      await run('resume', { processId: pid });
      await expectError('maxStop', { processId: pid }, 'OT_FORBIDDEN', /No permission/);
      await expectError('del', { processId: pid }, 'OT_INVALID_INPUT', /stop it before deleting/);
      await run('stop', { processId: pid });
      (await run<{ payload: Status }>('status', { processId: pid })).payload.status.should.equal('stopped');
      await run('del', { processId: pid });
      wf().processes.should.have.length(0);
      await expectError('del', { processId: pid }, 'OT_NOT_FOUND');
    });
  });

  describe('connection problems', () => {
    it('reports a wrong password as OT_AUTH without the password', async () => {
      await load({ mine: { operation: 'assignments' } }, [], { password: 'wrong-secret-456' });
      const c = await expectError('mine', {}, 'OT_AUTH');
      JSON.stringify(c).should.not.containEql('wrong-secret-456');
    });

    it('handles many messages at once without losing one', async () => {
      await load({ start: { map: '3904', startMode: 'oneStep' } });
      const got: Obj[] = [];
      helper.getNode('wf-start-out').on('input', (m: Obj) => got.push(m));
      for (let i = 0; i < 12; i++) helper.getNode('wf-start').receive({ n: i });
      await until(() => got.length === 12, 8000, 'twelve starts');
      new Set(got.map((m) => m.processId)).size.should.equal(12);
      should(wf().processes.filter((p) => p.mapId === 3904)).have.length(12);
    });
  });
});

