// Tests for the Azure Pipelines shim (index.js), with Node's own assert and a stub rolegate: no npm
// dependencies. Run: node azure-devops/rolegate-task/test.js
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const task = require('./index.js');

let failed = 0;
function test(name, fn) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n${e.stack}`);
  }
}

test('inputs come from INPUT_<NAME>, lists split on lines', () => {
  const env = { INPUT_TEMPLATES: 'a/main.json\r\n\nb/main.json\n', INPUT_FAILON: 'warning' };
  assert.deepStrictEqual(task.getList(env, 'templates'), ['a/main.json', 'b/main.json']);
  assert.strictEqual(task.getInput(env, 'failOn'), 'warning');
  assert.strictEqual(task.getInput(env, 'policy'), '');
});

test('check arguments', () => {
  const env = {
    INPUT_TEMPLATES: 'examples/x/main.json',
    INPUT_PARAMETERS: 'p1.json\np2.json',
    INPUT_POLICY: 'embedded:strict',
    INPUT_FAILON: 'error',
    INPUT_JUNIT: 'out/rolegate.xml',
  };
  const { args, files } = task.checkArgs(env, '/tmp/o');
  assert.deepStrictEqual(args.slice(0, 8), ['check', 'examples/x/main.json', '-p', 'p1.json', '-p', 'p2.json', '--policy', 'embedded:strict']);
  assert.ok(args.includes('--junit') && args.includes('out/rolegate.xml'));
  assert.ok(!args.includes('--sarif'));
  assert.strictEqual(files.markdown, path.join('/tmp/o', 'report.md'));
  assert.deepStrictEqual(task.checkArgs({}, '/tmp/o').args.slice(0, 2), ['check', '.']);
});

test('logging-command escaping', () => {
  assert.strictEqual(
    task.command('task.logissue', { type: 'error', sourcepath: 'a;b]c' }, '100% done\nnext'),
    '##vso[task.logissue type=error;sourcepath=a%3Bb%5Dc;]100%AZP25 done%0Anext',
  );
  assert.strictEqual(task.command('task.uploadsummary', {}, '/x/report.md'), '##vso[task.uploadsummary]/x/report.md');
});

test('exit codes map to task results', () => {
  assert.strictEqual(task.completion(0, { findings: [] }).result, 'Succeeded');
  assert.strictEqual(task.completion(0, { findings: [{ severity: 'warning' }] }).result, 'SucceededWithIssues');
  assert.strictEqual(task.completion(0, { findings: [{ severity: 'warning', suppressed: {} }] }).result, 'Succeeded');
  assert.strictEqual(task.completion(1, null).result, 'Failed');
  assert.match(task.completion(2, null).message, /bad input/);
  assert.match(task.completion(null, null).message, /by signal/);
});

test('tokens never reach the check, and reach publish only by env', () => {
  const env = { PATH: '/bin', SYSTEM_ACCESSTOKEN: 's3cret', ENDPOINT_AUTH_SYSTEMVSSCONNECTION: '{"parameters":{"AccessToken":"t"}}' };
  assert.deepStrictEqual(task.childEnv(env, ''), { PATH: '/bin' });
  assert.strictEqual(task.childEnv(env, 'tok').SYSTEM_ACCESSTOKEN, 'tok');
  assert.strictEqual(task.accessToken(env), 's3cret');
  assert.strictEqual(task.accessToken({ ENDPOINT_AUTH_SYSTEMVSSCONNECTION: '{"parameters":{"AccessToken":"t"}}' }), 't');
  assert.strictEqual(task.accessToken({ ENDPOINT_AUTH_SYSTEMVSSCONNECTION: 'not json' }), '');
});

test('issues point at the Bicep line when there is one; the bicep input reaches rolegate', () => {
  const report = { findings: [
    { rule: 'RA006', name: 'hardcoded-principal', severity: 'error', message: 'm',
      location: { file: 'main.json', line: 142, column: 13, bicep: { file: 'infra/main.bicep', line: 116, column: 5 } } },
    { rule: 'RA007', name: 'principal-type-missing', severity: 'warning', message: 'w',
      location: { file: 'main.json', line: 135, column: 5 } } ] };
  const lines = task.issueCommands(report, 10, '/repo');
  assert.ok(lines[0].includes(`sourcepath=${path.resolve('/repo', 'infra/main.bicep')};linenumber=116;columnnumber=5;`), lines[0]);
  assert.ok(lines[1].includes('linenumber=135;'), lines[1]);
  assert.strictEqual(task.bicepEnv({ INPUT_BICEP: 'off' }, { PATH: '/bin' }).ROLEGATE_BICEP, 'off');
  assert.ok(!('ROLEGATE_BICEP' in task.bicepEnv({ INPUT_BICEP: 'auto' }, { ROLEGATE_BICEP: 'x' })));
});

test('live inputs become the flags of rolegate check, off by default', () => {
  const off = task.checkArgs({ INPUT_AUTH: 'cli', INPUT_LIVEERRORS: 'warn' }, '/tmp/o').args;
  assert.ok(!off.includes('--live') && !off.includes('--auth') && !off.includes('--live-errors'), off.join(' '));
  const env = {
    INPUT_LIVE: 'true',
    INPUT_AUTH: 'workload-identity',
    INPUT_SUBSCRIPTIONID: '11111111-1111-4111-8111-111111111111',
    INPUT_RESOURCEGROUP: 'rg-pay',
    INPUT_LIVEERRORS: 'warn',
  };
  const args = task.checkArgs(env, '/tmp/o').args.join(' ');
  for (const want of ['--live', '--auth workload-identity', '--subscription-id 11111111-1111-4111-8111-111111111111',
    '--resource-group rg-pay', '--live-errors warn']) {
    assert.ok(args.includes(want), `${want} not in ${args}`);
  }
  const defaults = task.checkArgs({ INPUT_LIVE: 'true', INPUT_SUBSCRIPTIONID: 's' }, '/tmp/o').args.join(' ');
  assert.ok(defaults.includes('--live --auth auto --live-errors fail'), defaults);
  assert.ok(!defaults.includes('--resource-group'), defaults);
  // The context alone, without --live.
  const context = task.checkArgs({ INPUT_SUBSCRIPTIONID: 's', INPUT_RESOURCEGROUP: 'g' }, '/tmp/o').args.join(' ');
  assert.ok(context.includes('--subscription-id s --resource-group g') && !context.includes('--live'), context);
  // Values outside the CLI's are refused before rolegate runs.
  assert.match(task.inputProblem({ INPUT_AUTH: 'password' }), /auth must be one of auto, cli, managed-identity/);
  assert.match(task.inputProblem({ INPUT_LIVEERRORS: 'ignore' }), /liveErrors must be fail or warn/);
  assert.strictEqual(task.inputProblem({ INPUT_AUTH: 'github-oidc', INPUT_LIVEERRORS: 'warn' }), '');
});

test('the pick lists of task.json are exactly the CLI values the shim accepts', () => {
  const def = JSON.parse(fs.readFileSync(path.join(__dirname, 'task.json'), 'utf8'));
  const options = (name) => Object.keys(def.inputs.find((i) => i.name === name).options);
  assert.deepStrictEqual(options('auth'), task.AUTH_METHODS);
  assert.deepStrictEqual(options('liveErrors'), task.LIVE_ERRORS);
});

test('the token reaches the check only for a live check through a service connection', () => {
  const conn = { INPUT_LIVE: 'true', AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'c1' };
  assert.strictEqual(task.checkNeedsToken(conn), true);
  assert.strictEqual(task.checkNeedsToken({ ...conn, INPUT_AUTH: 'workload-identity' }), true);
  assert.strictEqual(task.checkNeedsToken({ ...conn, INPUT_AUTH: 'cli' }), false);
  assert.strictEqual(task.checkNeedsToken({ INPUT_LIVE: 'true' }), false);
  assert.strictEqual(task.checkNeedsToken({ AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'c1' }), false);
});

test('an in-memory compile without a Bicep line is an issue on the .bicep file', () => {
  const report = { findings: [{ rule: 'EV001', name: 'unresolved', severity: 'error', message: 'm',
    location: { file: 'infra/main.bicep (compiled)', line: 4, column: 3 } }] };
  const [line] = task.issueCommands(report, 10, '/repo');
  assert.ok(line.includes(`sourcepath=${path.resolve('/repo', 'infra/main.bicep')};linenumber=1;columnnumber=1;`), line);
  assert.ok(line.includes('(no Bicep line; in the compiled JSON (infra/main.bicep (compiled)) at line 4, column 3) m'), line);
});

test('binary resolution: input, bundled, PATH', () => {
  assert.strictEqual(task.resolveBinary({ INPUT_ROLEGATEPATH: '/opt/rolegate' }, '/t', 'linux', 'x64', () => true), '/opt/rolegate');
  assert.strictEqual(task.resolveBinary({}, '/t', 'linux', 'x64', () => true), path.join('/t', 'bin', 'linux-x64', 'rolegate'));
  assert.strictEqual(task.resolveBinary({}, '/t', 'win32', 'x64', () => false), 'rolegate.exe');
});

// End to end against a stub binary that writes the reports and exits with STUB_EXIT.
function withStub(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolegate-task-'));
  fs.mkdirSync(path.join(dir, 'stub'));
  const stub = path.join(dir, 'stub', 'rolegate');
  fs.writeFileSync(
    stub,
    `#!/usr/bin/env node
const fs = require('fs');
const a = process.argv.slice(2);
fs.appendFileSync(process.env.STUB_LOG, JSON.stringify({ args: a, token: process.env.SYSTEM_ACCESSTOKEN || null }) + '\\n');
if (a[0] === 'publish') process.exit(process.env.STUB_PUBLISH === 'yes' ? 0 : 2);
const at = (f) => a[a.indexOf(f) + 1];
fs.writeFileSync(at('--markdown'), '## rolegate\\n');
fs.writeFileSync(at('--json'), JSON.stringify({ verdict: 'fail', findings: [
  { rule: 'RA002', name: 'privileged-role', severity: 'error', message: 'Contributor; on ]sub',
    location: { file: 'examples/a/main.json', line: 183, column: 13 } },
  { rule: 'RA003', name: 'scope-too-broad', severity: 'error', message: 'x', suppressed: { reason: 'r' },
    location: { file: 'main.json', line: 1, column: 1 } } ] }));
if (a.includes('--junit')) fs.writeFileSync(at('--junit'), '<?xml version="1.0"?><testsuites/>');
process.exit(Number(process.env.STUB_EXIT));
`,
  );
  fs.chmodSync(stub, 0o755);
  try {
    fn(dir, stub);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runStub(dir, stub, extra) {
  const lines = [];
  const stubLog = path.join(dir, 'calls.log');
  const env = Object.assign(
    {
      PATH: process.env.PATH,
      AGENT_TEMPDIRECTORY: dir,
      INPUT_TEMPLATES: 'examples/a/main.json',
      INPUT_FAILON: 'error',
      INPUT_JUNIT: path.join(dir, 'junit', 'rolegate.xml'),
      INPUT_ROLEGATEPATH: stub,
      INPUT_WORKINGDIRECTORY: dir,
      STUB_LOG: stubLog,
      SYSTEM_ACCESSTOKEN: 'tok-secret',
    },
    extra,
  );
  const done = task.run(env, { log: (l) => lines.push(l) });
  const calls = fs.existsSync(stubLog) ? fs.readFileSync(stubLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  fs.rmSync(stubLog, { force: true });
  return { done, lines, calls };
}

if (process.platform !== 'win32') {
  test('end to end: policy failed', () =>
    withStub((dir, stub) => {
      const { done, lines, calls } = runStub(dir, stub, { STUB_EXIT: '1' });
      assert.strictEqual(done.result, 'Failed');
      assert.ok(lines.includes(`##vso[task.logissue type=error;sourcepath=${path.join(dir, 'examples/a/main.json')};linenumber=183;columnnumber=13;code=RA002;]RA002 privileged-role: Contributor; on ]sub`), lines.join('\n'));
      assert.ok(!lines.some((l) => l.includes('RA003')), 'suppressed findings are not issues');
      assert.ok(lines.some((l) => l.startsWith('##vso[task.uploadsummary]')));
      assert.ok(lines.some((l) => l.startsWith('##vso[results.publish type=JUnit;')));
      assert.strictEqual(lines[lines.length - 1], '##vso[task.complete result=Failed;]rolegate: the policy failed');
      assert.strictEqual(calls.length, 1);
      assert.strictEqual(calls[0].token, null, 'the check runs without the token');
      assert.ok(!lines.some((l) => l.includes('tok-secret')));
    }));

  test('end to end: live flags reach rolegate, and the token only through a service connection', () =>
    withStub((dir, stub) => {
      const live = runStub(dir, stub, {
        STUB_EXIT: '0', INPUT_LIVE: 'true', INPUT_AUTH: 'workload-identity', INPUT_SUBSCRIPTIONID: 'sub-1',
        INPUT_RESOURCEGROUP: 'rg-1', INPUT_LIVEERRORS: 'warn', AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'conn-1',
      });
      const args = live.calls[0].args.join(' ');
      assert.ok(args.includes('--subscription-id sub-1 --resource-group rg-1 --live --auth workload-identity --live-errors warn'), args);
      assert.strictEqual(live.calls[0].token, 'tok-secret', 'workload identity exchanges the pipeline token');
      assert.ok(!live.lines.some((l) => l.includes('tok-secret')));
      const cli = runStub(dir, stub, { STUB_EXIT: '0', INPUT_LIVE: 'true', INPUT_AUTH: 'cli', INPUT_SUBSCRIPTIONID: 'sub-1' });
      assert.strictEqual(cli.calls[0].token, null);
      const bad = runStub(dir, stub, { STUB_EXIT: '0', INPUT_LIVE: 'true', INPUT_AUTH: 'password' });
      assert.strictEqual(bad.calls.length, 0, 'rolegate did not run');
      assert.strictEqual(bad.done.result, 'Failed');
      assert.match(bad.done.message, /auth must be one of/);
    }));

  test('end to end: pass, bad input', () =>
    withStub((dir, stub) => {
      assert.strictEqual(runStub(dir, stub, { STUB_EXIT: '0' }).done.result, 'Succeeded');
      const bad = runStub(dir, stub, { STUB_EXIT: '2' });
      assert.strictEqual(bad.done.result, 'Failed');
      assert.match(bad.lines[bad.lines.length - 1], /bad input/);
    }));

  test('end to end: PR comment only on PR builds, token only to publish, only by env', () =>
    withStub((dir, stub) => {
      const noPr = runStub(dir, stub, { STUB_EXIT: '1', INPUT_COMMENT: 'true' });
      assert.strictEqual(noPr.calls.length, 1);
      const pr = runStub(dir, stub, { STUB_EXIT: '1', INPUT_COMMENT: 'true', SYSTEM_PULLREQUEST_PULLREQUESTID: '42', STUB_PUBLISH: 'yes' });
      const publish = pr.calls.filter((c) => c.args[0] === 'publish' && c.args[1] === 'azure-devops');
      assert.strictEqual(publish.length, 1);
      assert.strictEqual(publish[0].token, 'tok-secret');
      assert.ok(!publish[0].args.some((a) => a.includes('tok-secret')));
      // The task prints its own ##vso lines: publish must not print a second set.
      assert.ok(publish[0].args.includes('--no-logging-commands'));
      assert.ok(pr.calls.filter((c) => c.args[0] !== 'publish' || c.args[1] === '--help').every((c) => c.token === null));
      assert.ok(!pr.lines.some((l) => l.includes('tok-secret')));
      const noPublish = runStub(dir, stub, { STUB_EXIT: '1', INPUT_COMMENT: 'true', SYSTEM_PULLREQUEST_PULLREQUESTID: '42' });
      assert.ok(noPublish.lines.some((l) => l.includes('no publish command')));
      assert.strictEqual(noPublish.done.result, 'Failed');
    }));
} else {
  console.log('skip end-to-end tests on Windows (the stub is a shebang script)');
}

if (failed) {
  console.log(`${failed} test(s) failed`);
  process.exit(1);
}
console.log('azure-devops task tests: all passed');
