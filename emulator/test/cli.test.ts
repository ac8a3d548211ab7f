// `npm run emulator` prints exactly one JSON line when ready and serves what it printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../src/cli-args';
import { httpsJson } from '../src/index';

const ROOT = resolve(__dirname, '..', '..');

function run(args: string[]): Promise<{ line: string; extra: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/src/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // Never leave an emulator behind, even if this test process is torn down mid-test.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolveRun, reject) => {
    // A cold tsx start on a busy 2-core machine can take a while.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within 60 s; stderr: ${err}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${err}`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolveRun({
          line: out.slice(0, nl),
          extra: out.slice(nl + 1),
          stop: () =>
            new Promise((done) => {
              const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
              child.on('exit', (code) => {
                clearTimeout(force);
                done(code);
              });
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

describe('npm run emulator', () => {
  it('prints one JSON line with the endpoints and accounts, applies --latency-ms and --faults, and stops on SIGTERM', async () => {
    const faults = JSON.stringify({ rules: [{ match: { path: '^/v1.0/organization$' }, fault: 'unavailable', times: 1 }] });
    const proc = await run(['--port', '0', '--latency-ms', '5', '--faults', faults]);
    try {
      const ep = JSON.parse(proc.line) as Record<string, unknown> & { accounts: { username: string; roles: string[] }[] };
      for (const k of ['loginEndpoint', 'graphEndpoint', 'armEndpoint', 'adminEndpoint', 'tenantId', 'caCertPath']) assert.equal(typeof ep[k], 'string', k);
      assert.match(String(ep.loginEndpoint), /^https:\/\/127\.0\.0\.2:\d+$/);
      assert.ok(ep.accounts.some((a) => a.roles.includes('Application Administrator')));
      assert.ok(ep.accounts.some((a) => a.roles.length === 0));
      const ca = String(ep.caCertPath);
      const cfg = await httpsJson<{ issuer: string }>(`${String(ep.loginEndpoint)}/${String(ep.tenantId)}/v2.0/.well-known/openid-configuration`, { ca });
      assert.equal(cfg.body.issuer, `${String(ep.loginEndpoint)}/${String(ep.tenantId)}/v2.0`);
      assert.match(String(ep.adminToken), /^[A-Za-z0-9_-]{40,}$/, 'a random admin token in the ready line');
      assert.equal((await httpsJson(`${String(ep.adminEndpoint)}/state`, { ca })).status, 401, 'the admin API refuses a call without the token');
      assert.equal((await httpsJson(`${String(ep.adminEndpoint)}/token`, { method: 'POST', body: { user: 'admin@contoso.example', scopes: ['x'] }, headers: { authorization: 'Bearer wrong' }, ca })).status, 401, 'and one with another token');
      const state = await httpsJson<{ faults: { latencyMs: number; rules: unknown[] } }>(`${String(ep.adminEndpoint)}/state`, { ca, headers: { authorization: `Bearer ${String(ep.adminToken)}` } });
      assert.equal(state.body.faults.latencyMs, 5);
      assert.equal(state.body.faults.rules.length, 1);
      assert.equal(proc.extra, '', 'nothing else on stdout');
    } finally {
      assert.equal(await proc.stop(), 0);
    }
  });

  it('parses its arguments and refuses bad ones with a usage message', () => {
    assert.deepEqual(parseArgs(['--port', '4443', '--latency-ms=20', '--faults', '{"replicationLagMs":5}', '--seed', '{"extraApps":3}', '--host', '127.0.0.3']), {
      port: 4443, latencyMs: 20, faults: { replicationLagMs: 5 }, seed: { extraApps: 3 }, host: '127.0.0.3',
    });
    assert.throws(() => parseArgs(['--faults', '[1']), (e: Error) => e instanceof UsageError && /must be a JSON object/.test(e.message));
    assert.throws(() => parseArgs(['--port', '-1']), /non-negative integer/);
    assert.throws(() => parseArgs(['--latency-ms']), /needs a value/);
    assert.throws(() => parseArgs(['--nonsense']), /unknown argument/);
  });
});
