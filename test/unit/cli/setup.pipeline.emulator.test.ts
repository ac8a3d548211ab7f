// `entra-connector setup` in a pipeline: with nothing configured it names the variables instead of waiting for a
// device code; `--auth device` still lets a person sign in there; a secret it prints is masked for GitHub Actions.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { approveDevice, type Endpoints } from '../../../emulator/src';
import { runCli } from '../../../src/cli/run';
import { useTenant } from '../../support/tenant';

const SAMPLE = join(__dirname, '../../fixtures/workspaces/sample/Contoso Invoices');
const ADMIN = 'admin@contoso.example';

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-setup-pipeline-', emulator: { deviceCodeIntervalSeconds: 1 } }, (t) => ({ ep, work } = t));

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const approvals: Promise<unknown>[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        const m = /enter the code (\S+)/.exec(t);
        if (m) approvals.push(approveDevice(ep, ADMIN, { userCode: m[1] }));
        return true;
      },
    },
    env,
  });
  await Promise.all(approvals);
  return { code, stdout, stderr };
}

const cloud = () => ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint, '--tenant', ep.tenantId];

describe('entra-connector setup in a pipeline', () => {
  it('with nothing configured in GitHub Actions it names the variables and never shows a device code', async () => {
    const dir = join(mkdtempSync(join(work, 'ws-')), 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const r = await cli(['setup', dir, ...cloud(), '--state', join(work, 'none.json')], { GITHUB_ACTIONS: 'true' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /AZURE_CLIENT_ID/);
    assert.doesNotMatch(r.stderr, /enter the code/);
  });

  it('--auth device signs a person in; --print-secret in GitHub Actions writes ::add-mask:: with the value before printing it', async () => {
    const dir = join(mkdtempSync(join(work, 'ws-')), 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const r = await cli(['setup', dir, ...cloud(), '--auth', 'device', '--state', join(work, 'state.json'), '--print-secret'], { GITHUB_ACTIONS: 'true' });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const secret = /Client secret \(shown once, store it now\): (\S+)/.exec(r.stdout)?.[1];
    assert.ok(secret);
    const lines = r.stdout.split('\n');
    const mask = lines.indexOf(`::add-mask::${secret}`);
    const shown = lines.findIndex((l) => l.includes(`: ${secret}`));
    assert.ok(mask >= 0 && mask < shown, 'the mask comes first');
  });
});
