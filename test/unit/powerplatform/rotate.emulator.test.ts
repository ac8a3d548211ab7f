// Rotation that keeps the connector working: the rotation engine (src/setup/rotate.ts) with the deploy engine's
// updateDeployedSecret as its deployed-connector handover. A real connection is tested before the rotation, after
// the new secret was added (old one deployed), after the connector was updated (new one deployed, old one still
// there) and after the rotation removed the replaced secret: a GET through the connector → 200 every time, and only
// the replaced secret is gone.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminToken, adminTokenSource, approveDevice, getState, signInAsBrowser, type Endpoints } from '../../../emulator/src';
import { trySecret } from '../../../src/auth/workload';
import { resolveCloud } from '../../../src/cloud/clouds';
import { diskConnectorFiles } from '../../../src/cli/deploy';
import { runCli } from '../../../src/cli/run';
import { createGraphClient } from '../../../src/graph/client';
import { Directory } from '../../../src/graph/operations';
import { AZURE_CLI_CLIENT_ID, POWER_APPS_SCOPE, PowerPlatformClient } from '../../../src/powerplatform/client';
import { objectIdOf, updateDeployedSecret } from '../../../src/powerplatform/deploy';
import { rotateSecret } from '../../../src/setup/rotate';
import { useTenant } from '../../support/tenant';

const SAMPLE = join(__dirname, '../../fixtures/workspaces/sample/Contoso Invoices');
const ADMIN = 'admin@contoso.example';

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-rotate-pp-', emulator: { deviceCodeIntervalSeconds: 1 } }, (t) => ({ ep, work } = t));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const pending: Promise<unknown>[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        const device = /enter the code (\S+)/.exec(t);
        if (device) pending.push(approveDevice(ep, ADMIN, { userCode: device[1] }));
        const link = /Sign in to the connection: open (\S+)/.exec(t);
        if (link) pending.push(signInAsBrowser(link[1]!, { username: ADMIN, ca: ep.caCertPath }));
        return true;
      },
    },
    env: {},
  });
  await Promise.all(pending);
  return { code, stdout, stderr };
}

const cloudArgs = () => ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint, '--powerapps-url', ep.powerAppsEndpoint, '--flow-url', ep.flowEndpoint, '--tenant', ep.tenantId];

describe('rotation through the deployed connector (emulated Power Platform)', () => {
  it('the connection works before, between and after each step of rotate, and only the replaced secret is removed', async () => {
    const dir = join(mkdtempSync(join(work, 'ws-')), 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    assert.equal((await cli(['setup', dir, ...cloudArgs(), '--state', join(dir, '..', 'state.json'), '--deploy', '--json'])).code, 0);
    assert.equal((await cli(['secure-service', dir, ...cloudArgs(), '--auth-only'])).code, 0);
    const works = async (when: string) => {
      const r = await cli(['test-connection', dir, ...cloudArgs(), '--json', '--timeout', '20']);
      assert.equal(r.code, 0, `${when}: ${r.stdout}${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).status, 200, when);
    };
    await works('before the rotation');

    const state = await getState(ep);
    const connectorAppId = state.powerPlatform.connectors.length === 1 ? (state.applications.find((a) => (a.displayName as string).endsWith('connector'))!.appId as string) : assert.fail('one connector');
    const oldKeys = (state.applications.find((a) => a.appId === connectorAppId)!.passwordCredentials as { keyId: string }[]).map((c) => c.keyId);
    assert.equal(oldKeys.length, 1);

    const directory = new Directory(createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: adminTokenSource(ep, ADMIN) }));
    const client = new PowerPlatformClient({ powerAppsEndpoint: ep.powerAppsEndpoint, flowEndpoint: ep.flowEndpoint, powerAppsToken: () => adminToken(ep, ADMIN, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID) });
    const objectId = objectIdOf(await adminToken(ep, ADMIN, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID));
    const cloud = resolveCloud('Custom', { loginEndpoint: ep.loginEndpoint, graphEndpoint: ep.graphEndpoint, armEndpoint: ep.armEndpoint });
    const result = await rotateSecret(
      { appId: connectorAppId, days: 30 },
      {
        directory,
        handovers: [],
        updateDeployedSecret: async (secret) => {
          await works('after the new secret was added (the old one still deployed)');
          const r = await updateDeployedSecret({ dir, files: diskConnectorFiles, client, objectId, secret: secret.value });
          assert.equal(r.secretSent, true);
          await works('after the connector got the new secret (the old one not yet removed)');
          return `the deployed connector ${r.connectorId} was updated`;
        },
        verify: async (appId, secret) => {
          const problem = await trySecret(cloud, ep.tenantId, appId, secret);
          return problem && { message: problem.message, next: problem.next };
        },
        verifyAttempts: 3,
        sleep: async () => undefined,
      },
    );
    assert.equal(result.ok, true, JSON.stringify(result));
    const keys = ((await getState(ep)).applications.find((a) => a.appId === connectorAppId)!.passwordCredentials as { keyId: string }[]).map((c) => c.keyId);
    assert.equal(keys.length, 1, 'one secret left');
    assert.ok(!keys.includes(oldKeys[0]!), 'the replaced secret is removed');
    await works('after the rotation');
  });
});
