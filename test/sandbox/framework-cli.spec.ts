/**
 * Sandbox framework: the `ot-sandbox` command (sandbox/cli.ts, run through ts-node) — starting on
 * a free port with --port 0 and printing the real address, answering, stopping on SIGTERM, and
 * loading a fixture folder or a single fixture file with --data.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { until } from '../support/nr';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'sandbox', 'cli.ts');
const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json') };
const nodeArgs = ['-r', 'ts-node/register', cli];

interface Running {
  child: ChildProcess;
  url: string;
  out: () => string;
  exited: Promise<number | null>;
}

async function startCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  // the address comes first; the list of APIs ends with the state page's line
  await until(() => dead || /What it holds:\s+http:\/\/\S+/.test(out), 20000, 'the sandbox CLI to print its addresses');
  const m = /listening on (http:\/\/\S+)/.exec(out);
  if (!m) throw new Error(`the CLI did not start:\n${out}`);
  return { child, url: m[1], out: () => out, exited };
}

const running: Running[] = [];
afterEach(() => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
});

async function json(url: string): Promise<Record<string, unknown>> {
  const r = await fetch(url);
  r.status.should.equal(200, url);
  return (await r.json()) as Record<string, unknown>;
}

describe('sandbox framework: the ot-sandbox command', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-cli-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('starts with --port 0 on a free port, prints the real address, answers, and stops on SIGTERM', async () => {
    const r = await startCli(['--port', '0']);
    running.push(r);
    const u = new URL(r.url);
    u.hostname.should.equal('127.0.0.1');
    Number(u.port).should.be.above(0);
    r.out().should.containEql(`Content Server REST: ${r.url}/otcs/cs.exe/api`);
    r.out().should.containEql(`${r.url}/_sandbox/`);
    const ping = await json(`${r.url}/otcs/cs.exe/api/v1/ping`);
    ping.should.have.property('rest_api');
    const state = await json(`${r.url}/_sandbox/state`);
    state.should.have.properties(['cs', 'otds', 'now']);
    r.child.kill('SIGTERM');
    const code = await r.exited;
    should(code).equal(0);
    const after = await fetch(`${r.url}/_sandbox/state`).then(
      () => 'answered',
      () => 'refused',
    );
    after.should.equal('refused');
  });

  it('loads a fixture folder with one <area>.json per area (--data DIR)', async () => {
    const dir = path.join(tmp, 'tenant');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cs.json'), JSON.stringify({ users: [{ id: 1000, name: 'Folder-Admin', password: 'sandbox-folder' }], nodes: [{ id: 2000, parent_id: -1, name: 'Enterprise', type: 141 }, { id: 2001, parent_id: 2000, name: 'From the folder fixture', type: 0 }] }));
    fs.writeFileSync(path.join(dir, 'otds.json'), JSON.stringify({ users: [{ userName: 'folder-user', password: 'sandbox-x' }], clients: [] }));
    fs.writeFileSync(path.join(dir, 'README.txt'), 'not a fixture');
    const r = await startCli(['--port', '0', '--data', dir]);
    running.push(r);
    const cs = (await json(`${r.url}/_sandbox/state/cs`)) as { users: Array<{ name: string }>; nodes: Array<{ name: string }> };
    cs.users.map((u) => u.name).should.eql(['Folder-Admin']);
    cs.nodes.map((n) => n.name).should.containEql('From the folder fixture');
    const otds = (await json(`${r.url}/_sandbox/state/otds`)) as { users: Array<{ userName: string }> };
    otds.users.map((u) => u.userName).should.eql(['folder-user']);
    const login = await fetch(`${r.url}/otcs/cs.exe/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Folder-Admin&password=sandbox-folder' });
    login.status.should.equal(200);
    r.child.kill('SIGTERM');
    should(await r.exited).equal(0);
  });

  it('loads a single fixture file holding every area (--data FILE)', async () => {
    const file = path.join(tmp, 'tenant.json');
    fs.writeFileSync(file, JSON.stringify({ cs: { users: [{ id: 1000, name: 'File-Admin', password: 'sandbox-file' }], nodes: [{ id: 2000, parent_id: -1, name: 'Enterprise', type: 141 }] }, messaging: { accounts: [{ username: 'file-fax', password: 'sandbox-f', customer: 'File Corp' }] } }));
    const r = await startCli(['--port', '0', '--data', file]);
    running.push(r);
    const cs = (await json(`${r.url}/_sandbox/state/cs`)) as { users: Array<{ name: string }> };
    cs.users.map((u) => u.name).should.eql(['File-Admin']);
    const m = (await json(`${r.url}/_sandbox/state/messaging`)) as { accounts: Array<{ username: string }> };
    m.accounts.should.eql([{ username: 'file-fax', customer: 'File Corp' }]);
    const otds = (await json(`${r.url}/_sandbox/state/otds`)) as { users: unknown[] };
    otds.users.should.eql([]);
    r.child.kill('SIGINT');
    should(await r.exited).equal(0);
  });

  it('keeps its state in a file across restarts (--state FILE)', async () => {
    const file = path.join(tmp, 'state.json');
    const first = await startCli(['--port', '0', '--state', file]);
    running.push(first);
    first.out().should.containEql(`State file:          ${file}`);
    const r = await fetch(`${first.url}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '2d' }) });
    r.status.should.equal(200);
    const moved = ((await r.json()) as { offsetMs: number }).offsetMs;
    first.child.kill('SIGTERM');
    should(await first.exited).equal(0);
    fs.existsSync(file).should.be.true();
    const second = await startCli(['--port', '0', '--state', file]);
    running.push(second);
    const state = await json(`${second.url}/_sandbox/state`);
    Number(state.clockOffsetMs).should.be.aboveOrEqual(moved);
    second.child.kill('SIGTERM');
    should(await second.exited).equal(0);
  });

  it('exits with a message for bad options, and prints its usage with --help', () => {
    const bad = spawnSync(process.execPath, [...nodeArgs, '--port', 'eighty'], { cwd: root, env, encoding: 'utf8' });
    bad.status!.should.equal(1);
    bad.stderr.should.match(/--port needs a port number/);
    const unknown = spawnSync(process.execPath, [...nodeArgs, '--colour', 'blue'], { cwd: root, env, encoding: 'utf8' });
    unknown.status!.should.equal(1);
    unknown.stderr.should.match(/unknown option --colour/);
    const missing = spawnSync(process.execPath, [...nodeArgs, '--port', '0', '--data', path.join(tmp, 'nope.json')], { cwd: root, env, encoding: 'utf8' });
    missing.status!.should.equal(1);
    missing.stderr.should.match(/nope\.json/);
    const help = spawnSync(process.execPath, [...nodeArgs, '--help'], { cwd: root, env, encoding: 'utf8' });
    help.status!.should.equal(0);
    help.stdout.should.match(/^usage: ot-sandbox/);
  });
});
