// Azure Pipelines task shim for rolegate. Pipelines has no native-binary task handler, so this small
// Node program (no npm dependencies) reads the task inputs, runs the rolegate binary, turns the JSON
// report into `##vso` logging commands, publishes the summary and JUnit results, and completes the
// task from rolegate's exit code (0 pass, 1 policy failed, 2 bad input).
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** At most this many findings become `##vso[task.logissue]` lines; the rest are in the summary. */
const ISSUE_LIMIT = 100;

/** A task input, as the agent passes it: `INPUT_<NAME>` (upper-cased, spaces as `_`). */
function getInput(env, name) {
  const value = env['INPUT_' + name.replace(/ /g, '_').toUpperCase()];
  return value === undefined ? '' : String(value).trim();
}

/** A multi-line input as a list: one entry per line (or per comma); blank lines dropped. */
function getList(env, name) {
  return getInput(env, name)
    .split(/[\r\n,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function getBool(env, name) {
  return /^(true|1|yes)$/i.test(getInput(env, name));
}

/** Escapes the message part of a logging command. */
function escapeData(text) {
  return String(text)
    .replace(/%/g, '%AZP25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A');
}

/** Escapes a `key=value` property of a logging command (also `;` and `]`). */
function escapeProperty(text) {
  return escapeData(text).replace(/;/g, '%3B').replace(/]/g, '%5D');
}

/** Formats `##vso[area.action k=v;...]message`. */
function command(name, properties, message) {
  const props = Object.entries(properties || {})
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(v)};`)
    .join('');
  return `##vso[${name}${props ? ' ' + props : ''}]${escapeData(message || '')}`;
}

/** The platform directory name used for bundled binaries, e.g. `linux-x64`. */
function platformDir(platform, arch) {
  return `${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** Which rolegate binary to run: the input, else the bundled one, else `rolegate` on PATH. */
function resolveBinary(env, taskDir, platform, arch, exists) {
  const explicit = getInput(env, 'rolegatePath');
  if (explicit) return explicit;
  const exe = platform === 'win32' ? 'rolegate.exe' : 'rolegate';
  const bundled = path.join(taskDir, 'bin', platformDir(platform, arch), exe);
  return exists(bundled) ? bundled : exe;
}

/** The `rolegate check` argument list for the inputs; report files go to `outDir`. */
function checkArgs(env, outDir) {
  const templates = getList(env, 'templates');
  const args = ['check', ...(templates.length ? templates : ['.'])];
  for (const p of getList(env, 'parameters')) args.push('-p', p);
  const policy = getInput(env, 'policy');
  if (policy) args.push('--policy', policy);
  const policyRef = getInput(env, 'policyRef');
  if (policyRef) args.push('--policy-ref', policyRef);
  const failOn = getInput(env, 'failOn') || 'error';
  args.push('--fail-on', failOn);
  const files = {
    markdown: path.join(outDir, 'report.md'),
    json: path.join(outDir, 'report.json'),
    junit: getInput(env, 'junit'),
    sarif: getInput(env, 'sarif'),
  };
  args.push('--markdown', files.markdown, '--json', files.json);
  if (files.junit) args.push('--junit', files.junit);
  if (files.sarif) args.push('--sarif', files.sarif);
  // The deployment context counts without --live too (guid() names as Azure computes them).
  const subscription = getInput(env, 'subscriptionId');
  if (subscription) args.push('--subscription-id', subscription);
  const group = getInput(env, 'resourceGroup');
  if (group) args.push('--resource-group', group);
  if (getBool(env, 'live')) {
    args.push('--live', '--auth', getInput(env, 'auth') || 'auto', '--live-errors', getInput(env, 'liveErrors') || 'fail');
  }
  return { args, files };
}

/** The `--auth` methods and `--live-errors` modes of `rolegate check` (crates/cli/src/args.rs). */
const AUTH_METHODS = ['auto', 'cli', 'managed-identity', 'workload-identity', 'github-oidc', 'client-secret'];
const LIVE_ERRORS = ['fail', 'warn'];

/** Why the inputs cannot run, or '' when they can. */
function inputProblem(env) {
  const auth = getInput(env, 'auth');
  if (auth && !AUTH_METHODS.includes(auth)) return `auth must be one of ${AUTH_METHODS.join(', ')}, not '${auth}'`;
  const liveErrors = getInput(env, 'liveErrors');
  if (liveErrors && !LIVE_ERRORS.includes(liveErrors)) return `liveErrors must be fail or warn, not '${liveErrors}'`;
  return '';
}

/**
 * Whether the check itself needs the Azure DevOps token: a live check through workload identity
 * federation with a service connection exchanges it at SYSTEM_OIDCREQUESTURI for the OIDC token
 * Entra accepts. Every other check runs without it.
 */
function checkNeedsToken(env) {
  if (!getBool(env, 'live')) return false;
  const auth = getInput(env, 'auth') || 'auto';
  return (auth === 'auto' || auth === 'workload-identity') && Boolean(env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID);
}

/** The Azure DevOps token: mapped `SYSTEM_ACCESSTOKEN`, else the task's own SystemVssConnection. */
function accessToken(env) {
  if (env.SYSTEM_ACCESSTOKEN) return env.SYSTEM_ACCESSTOKEN;
  if (env.ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN) {
    return env.ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN;
  }
  try {
    const auth = JSON.parse(env.ENDPOINT_AUTH_SYSTEMVSSCONNECTION || '{}');
    return (auth.parameters && auth.parameters.AccessToken) || '';
  } catch (_) {
    return '';
  }
}

/** The environment for a child process: without any token unless `token` is given. */
function childEnv(env, token) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (k === 'SYSTEM_ACCESSTOKEN' || k.startsWith('ENDPOINT_AUTH_')) continue;
    out[k] = v;
  }
  if (token) out.SYSTEM_ACCESSTOKEN = token;
  return out;
}

/**
 * The `bicep` input as rolegate's `ROLEGATE_BICEP`: `auto` (or empty) lets rolegate find `bicep`,
 * then `az` (Microsoft-hosted agents ship the Azure CLI with Bicep); `off` or a Bicep CLI path is
 * passed on.
 */
function bicepEnv(env, childEnvironment) {
  const out = { ...childEnvironment };
  const setting = getInput(env, 'bicep');
  if (!setting || setting === 'auto') delete out.ROLEGATE_BICEP;
  else out.ROLEGATE_BICEP = setting;
  return out;
}

/** The name rolegate gives a template compiled in memory from `x.bicep`: `x.bicep (compiled)`. */
const COMPILED_SUFFIX = ' (compiled)';

/**
 * Where a finding is shown: the Bicep line when the template was compiled from Bicep (the file in
 * the PR diff), else the JSON location; a template compiled in memory is no file, so without a
 * Bicep line the issue goes on the `.bicep` file and the message names the compiled line.
 */
function shownLocation(location) {
  if (location.bicep) return { loc: location.bicep, note: '' };
  const file = location.file || '';
  if (file.endsWith(COMPILED_SUFFIX)) {
    return {
      loc: { file: file.slice(0, -COMPILED_SUFFIX.length), line: 1, column: 1 },
      note: `(no Bicep line; in the compiled JSON (${file}) at line ${location.line}, column ${location.column}) `,
    };
  }
  return { loc: location, note: '' };
}

/** `##vso[task.logissue]` lines for the report's unsuppressed errors and warnings. */
function issueCommands(report, limit, cwd) {
  const findings = ((report && report.findings) || []).filter(
    (f) => !f.suppressed && (f.severity === 'error' || f.severity === 'warning'),
  );
  const lines = findings.slice(0, limit).map((f) => {
    const { loc, note } = shownLocation(f.location || {});
    const file = loc.file ? path.resolve(cwd || process.cwd(), loc.file) : undefined;
    return command(
      'task.logissue',
      {
        type: f.severity,
        sourcepath: file,
        linenumber: loc.line,
        columnnumber: loc.column,
        code: f.rule,
      },
      `${f.rule} ${f.name || ''}: ${note}${f.message || ''}`,
    );
  });
  if (findings.length > limit) {
    lines.push(
      command('task.logissue', { type: 'warning' }, `${findings.length - limit} more findings are in the rolegate summary`),
    );
  }
  return lines;
}

/** The task result for rolegate's exit code (and the report, for warnings under a pass). */
function completion(code, report) {
  if (code === 0) {
    const warnings = ((report && report.findings) || []).some((f) => f.severity === 'warning' && !f.suppressed);
    return warnings
      ? { result: 'SucceededWithIssues', message: 'rolegate: pass, with warnings' }
      : { result: 'Succeeded', message: 'rolegate: pass' };
  }
  if (code === 1) return { result: 'Failed', message: 'rolegate: the policy failed' };
  if (code === 2) return { result: 'Failed', message: 'rolegate: bad input or usage, nothing was judged (see the log)' };
  return { result: 'Failed', message: `rolegate did not finish (exit ${code === null ? 'by signal' : code})` };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (_) {
    return null;
  }
}

/** Runs the task; returns the completion it reported. `io.log` receives every output line. */
function run(env, io) {
  const log = io.log;
  const cwd = getInput(env, 'workingDirectory') || process.cwd();
  const outDir = path.join(env.AGENT_TEMPDIRECTORY || os.tmpdir(), 'rolegate');
  fs.mkdirSync(outDir, { recursive: true });
  const binary = resolveBinary(env, __dirname, process.platform, process.arch, fs.existsSync);
  const problem = inputProblem(env);
  if (problem) {
    const done = { result: 'Failed', message: `rolegate: ${problem}` };
    log(command('task.complete', { result: done.result }, done.message));
    return done;
  }
  const { args, files } = checkArgs(env, outDir);
  for (const f of [files.markdown, files.json]) fs.rmSync(f, { force: true });
  if (files.junit) fs.mkdirSync(path.dirname(path.resolve(cwd, files.junit)), { recursive: true });

  // The check needs the token only for a live check through a service connection: otherwise keep
  // it out of the child's environment. It reaches rolegate by env only, never in the log.
  log(`rolegate ${args.join(' ')}`);
  const checkToken = checkNeedsToken(env) ? accessToken(env) : '';
  const check = childProcess.spawnSync(binary, args, { cwd, env: bicepEnv(env, childEnv(env, checkToken)), stdio: 'inherit' });
  if (check.error) {
    const done = { result: 'Failed', message: `cannot run ${binary}: ${check.error.message}` };
    log(command('task.complete', { result: done.result }, done.message));
    return done;
  }
  const code = check.status;
  const report = readJson(files.json);

  for (const line of issueCommands(report, ISSUE_LIMIT, cwd)) log(line);
  if (fs.existsSync(files.markdown)) log(command('task.uploadsummary', {}, files.markdown));
  if (files.junit && fs.existsSync(path.resolve(cwd, files.junit))) {
    log(
      command('results.publish', { type: 'JUnit', resultFiles: path.resolve(cwd, files.junit), testRunTitle: 'rolegate' }, ''),
    );
  }

  if (getBool(env, 'comment') && (code === 0 || code === 1)) {
    publish(env, io, binary, cwd, files);
  }

  const done = completion(code, report);
  log(command('task.complete', { result: done.result }, done.message));
  return done;
}

/** Posts the PR thread and status through `rolegate publish azure-devops`; never fails the task. */
function publish(env, io, binary, cwd, files) {
  const log = io.log;
  if (!env.SYSTEM_PULLREQUEST_PULLREQUESTID) {
    log('rolegate: not a pull-request build, no PR comment (the report is in the summary)');
    return;
  }
  const token = accessToken(env);
  if (!token) {
    log(command('task.logissue', { type: 'warning' }, 'rolegate: no access token for the PR comment; map SYSTEM_ACCESSTOKEN: $(System.AccessToken)'));
    return;
  }
  const probe = childProcess.spawnSync(binary, ['publish', '--help'], { cwd, env: childEnv(env, ''), stdio: 'ignore' });
  if (probe.status !== 0) {
    log('rolegate: this rolegate build has no publish command yet, no PR comment (the report is in the summary)');
    return;
  }
  // The token reaches rolegate only through its environment, never on a command line or in the log.
  // The task prints its own logging commands and completes the task itself.
  const args = ['publish', 'azure-devops', '--markdown', files.markdown, '--json', files.json, '--no-logging-commands'];
  const key = getInput(env, 'commentKey');
  if (key) args.push('--comment-key', key);
  const posted = childProcess.spawnSync(binary, args, { cwd, env: childEnv(env, token), stdio: 'inherit' });
  // publish exits with the report's verdict (0 pass, 1 fail) and warns about what it could not
  // post; 2 or a signal means it could not run.
  if (posted.status !== 0 && posted.status !== 1) {
    log(
      command('task.logissue', { type: 'warning' }, 'rolegate: the PR comment could not be posted (does the build service have Contribute to pull requests?)'),
    );
  }
}

module.exports = {
  getInput,
  getList,
  escapeData,
  escapeProperty,
  command,
  platformDir,
  resolveBinary,
  checkArgs,
  inputProblem,
  checkNeedsToken,
  AUTH_METHODS,
  LIVE_ERRORS,
  accessToken,
  childEnv,
  bicepEnv,
  shownLocation,
  issueCommands,
  completion,
  run,
};

if (require.main === module) {
  const done = run(process.env, { log: (line) => console.log(line) });
  // The agent takes the result from task.complete; the exit code only matters when it was not seen.
  process.exitCode = done.result === 'Failed' ? 1 : 0;
}
