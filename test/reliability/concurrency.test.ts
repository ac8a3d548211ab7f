// Two processes at once: `entra-connector setup` twice for the same connector (two terminals, or a window and the
// CLI, each with its own state) must not create two sets of apps; and a CLI killed mid-setup (SIGKILL) resumes from
// its state file without duplicates. Real child processes, real device-code sign-in against the emulated tenant.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { approveDevice, clearRequests, getState, resetEmulator, setFaults, startEmulator, type Endpoints, type RunningEmulator } from '../../emulator/src';
import { ADMIN, connectorCopy, counts } from './support';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'src/cli/main.ts');
const children = new Set<ChildProcess>();

let emu: RunningEmulator;
let ep: Endpoints;
let work: string;

before(async () => {
  emu = await startEmulator({ port: 0, deviceCodeIntervalSeconds: 1 });
  ep = emu.endpoints;
  work = mkdtempSync(join(tmpdir(), 'entra-concurrency-'));
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(async () => {
  await resetEmulator(ep);
  await clearRequests(ep);
});

interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

function startCli(dir: string, stateFile: string): CliRun {
  const args = ['--import', 'tsx', CLI, 'setup', dir, '--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint, '--tenant', ep.tenantId, '--state', stateFile, '--json', '--auth', 'device', '--secret-file', `${stateFile}.secret`];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: ep.caCertPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => {
    stderr += d;
    const m = /enter the code (\S+)/.exec(String(d));
    if (m) void approveDevice(ep, ADMIN, { userCode: m[1] });
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

describe('setup from two processes', () => {
  it('two CLIs setting up the same connector at once create one set of apps, service principals and grant', async () => {
    const dir = connectorCopy(work);
    // One connector, one state file (as the default --state is per folder): the two first runs share one setup identity.
    const a = startCli(dir, join(work, 'shared.json'));
    const b = startCli(dir, join(work, 'shared.json'));
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, ra.stderr + ra.stdout);
    assert.equal(rb.code, 0, rb.stderr + rb.stdout);
    const oa = JSON.parse(ra.stdout);
    const ob = JSON.parse(rb.stdout);
    assert.equal(oa.connectorApp.appId, ob.connectorApp.appId);
    const c = await counts(ep);
    // Each process keeps the secret it added (a value cannot be shared between processes); everything else is one.
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants }, { apps: 2, sps: 2, grants: 1 });
    assert.ok(c.passwords <= 2);
    const props = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8'));
    assert.equal(props.properties.connectionParameters.token.oAuthSettings.clientId, oa.connectorApp.appId);
  });

  it('a CLI killed in the middle of the setup resumes from its state file without duplicates', async () => {
    const dir = connectorCopy(work);
    const stateFile = join(work, 'killed.json');
    // Slow Graph down so there is a "middle" to kill in.
    await setFaults(ep, { latencyMs: 150 });
    const first = startCli(dir, stateFile);
    const deadline = Date.now() + 90_000;
    let writes = 0;
    while (writes < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      writes = (await getState(ep)).requests.filter((r) => r.service === 'graph' && r.method !== 'GET').length;
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL', `the CLI finished before it could be killed: ${killed.stderr}`);
    const mid = await counts(ep);
    assert.ok(mid.apps >= 1 && mid.grants === 0, `killed mid-way (apps ${mid.apps}, grants ${mid.grants})`);

    await setFaults(ep, {});
    const second = await startCli(dir, stateFile).done;
    assert.equal(second.code, 0, second.stderr);
    const c = await counts(ep);
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
    const out = JSON.parse(second.stdout);
    const props = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8'));
    assert.equal(props.properties.connectionParameters.token.oAuthSettings.clientId, out.connectorApp.appId);
  });
});
