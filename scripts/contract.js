#!/usr/bin/env node
// The contract check shared by `npm test` and `npm run test:compat`: runs OpenText's
// check-contract (../shared/tools) on a recording of the test traffic. Violations fail the run,
// except the checker's own trailing-slash defect, which is named and explained instead.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const checker = path.join(root, '..', 'shared', 'tools', 'check-contract.mjs');

/** Returns true when the recording passes (or no checker is beside the clone), false otherwise. */
function checkContract(recording) {
  if (!fs.existsSync(checker)) {
    console.log('\n(contract check skipped: ../shared/tools/check-contract.mjs is not beside this clone)');
    return true;
  }
  if (!fs.existsSync(recording)) {
    console.error(`contract check: no recording at ${recording}`);
    return false;
  }
  console.log("\ncontract check of the recorded traffic against OpenText's API definitions:");
  const c = spawnSync(process.execPath, [checker, recording], { stdio: 'inherit', cwd: root });
  if (c.status === 0) return true;
  const known = checkerDefects(checker, recording);
  if (known.other > 0 || known.defects === 0) {
    console.error('contract check failed: a request differs from the real API (see above)');
    return false;
  }
  console.log(
    `contract check: all ${known.defects} violation(s) above are the checker's trailing-slash defect: the spec defines ` +
      `${known.templates.join(', ')} with a trailing slash, but check-contract strips trailing slashes from recorded paths ` +
      'before matching them against templates that still require one, so these operations can never match. ' +
      'No other violation: passing.',
  );
  return true;
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

module.exports = { checkContract };
