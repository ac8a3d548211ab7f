// `entra-connector rotate` on a VM (or an AKS pod) signed in as its managed identity through the metadata endpoint
// (IMDS). MSAL Node reaches IMDS at 169.254.169.254 unless AZURE_POD_IDENTITY_AUTHORITY_HOST names another host; the
// emulated tenant serves IMDS on its own plain-HTTP port. Its own file: MSAL picks a managed-identity source once
// per process, so the App Service tests (rotate.emulator.test.ts) and these cannot share one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { httpsJson, resetEmulator, type Endpoints } from '../../../emulator/src';
import { runCli, type CliIo } from '../../../src/cli/run';
import { scanRunForSecrets } from '../../reliability/scan.mjs';
import { ACCOUNTS, addOwner, addPassword, apiProperties, createApp, createVmIdentity, grantOwnedBy, passwords } from '../../support/workload';
import { useTempDir, useTenant } from '../../support/tenant';

let ep: Endpoints;
let work: string;
let outside: string;
const outputs: { name: string; text: string }[] = [];

useTenant(
  {
    temp: 'entra-rotate-imds-',
    emulator: { seed: { accounts: ACCOUNTS } },
    beforeStop: async () => {
      const { hits, summary } = await scanRunForSecrets({ emulator: ep, dirs: [work], texts: outputs });
      assert.deepEqual(hits, [], summary);
    },
  },
  (t) => {
    ({ ep, work } = t);
    // MSAL's managed-identity sources read the process environment themselves, not the CLI's env.
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = ep.imdsEndpoint;
  },
);
useTempDir('entra-rotate-imds-handover-', (d) => (outside = d));
after(() => {
  delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
});
beforeEach(async () => resetEmulator(ep));

const cloud = () => ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint];

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { ...env, AZURE_POD_IDENTITY_AUTHORITY_HOST: ep.imdsEndpoint } };
  const code = await runCli(args, io);
  outputs.push({ name: `rotate-imds ${args[0]} stdout`, text: stdout }, { name: `rotate-imds ${args[0]} stderr`, text: stderr });
  return { code, stdout, stderr };
}

/** A connector app (one secret from setup, one added by hand) in its own folder. */
async function connector(name: string): Promise<{ id: string; appId: string; toolKey: string; manualKey: string; dir: string }> {
  const app = await createApp(ep, name);
  const tool = await addPassword(ep, app.id, 'Entra Connector setup 1');
  const manual = await addPassword(ep, app.id, 'Added by hand');
  const dir = mkdtempSync(join(work, 'c-'));
  writeFileSync(join(dir, 'apiProperties.json'), apiProperties(app.appId));
  return { id: app.id, appId: app.appId, toolKey: tool.keyId, manualKey: manual.keyId, dir };
}

async function works(appId: string, secret: string): Promise<boolean> {
  const res = await httpsJson(`${ep.loginEndpoint}/${ep.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope: `${ep.graphEndpoint}/.default` }).toString(),
    ca: ep.caCertPath,
  });
  return res.status === 200;
}

describe('entra-connector rotate with a VM managed identity (IMDS)', () => {
  it('the system-assigned identity with exactly OwnedBy rotates the connector app it owns and is refused, permission named, on another', async () => {
    const owned = await connector('Contoso Invoices connector');
    const other = await connector('Fabrikam connector');
    const vm = await createVmIdentity(ep, 'system');
    await grantOwnedBy(ep, vm.servicePrincipal.id);
    await addOwner(ep, owned.id, vm.servicePrincipal.id);

    const file = join(mkdtempSync(join(outside, 'h-')), 'new-secret');
    const r = await cli(['rotate', owned.dir, '--secret-file', file, '--json', '--auth', 'managed-identity', '--tenant', ep.tenantId, ...cloud()], {});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { ok: boolean; verified: boolean; added: { keyId: string }; removed: { keyId: string }[]; kept: { keyId: string }[] };
    assert.equal(out.verified, true);
    assert.deepEqual(out.removed.map((s) => s.keyId), [owned.toolKey]);
    assert.deepEqual(out.kept.map((s) => s.keyId), [owned.manualKey]);
    assert.match(r.stderr, new RegExp(`managed identity ${vm.servicePrincipal.appId}`));
    assert.ok(await works(owned.appId, readFileSync(file, 'utf8').trim()), 'the handed-over secret gets a token');
    assert.deepEqual((await passwords(ep, owned.id)).map((p) => p.keyId).sort(), [out.added.keyId, owned.manualKey].sort());

    const before = await passwords(ep, other.id);
    const refused = await cli(['rotate', other.dir, '--secret-file', join(outside, 'never'), '--auth', 'managed-identity', '--tenant', ep.tenantId, ...cloud()], {});
    assert.equal(refused.code, 1, refused.stderr + refused.stdout);
    assert.match(refused.stderr, /Application\.ReadWrite\.OwnedBy/);
    assert.match(refused.stderr, new RegExp(other.appId));
    assert.deepEqual(await passwords(ep, other.id), before, 'nothing changed on the app it does not own');
  });

  it('a user-assigned identity is chosen by AZURE_CLIENT_ID; one the VM does not have fails at sign-in with IMDS\'s reason and the next step', async () => {
    const owned = await connector('Contoso Orders connector');
    const vm = await createVmIdentity(ep, 'user');
    await grantOwnedBy(ep, vm.servicePrincipal.id);
    await addOwner(ep, owned.id, vm.servicePrincipal.id);
    const file = join(mkdtempSync(join(outside, 'h-')), 'new-secret');
    const r = await cli(['rotate', owned.dir, '--secret-file', file, '--auth', 'managed-identity', '--tenant', ep.tenantId, ...cloud()], { AZURE_CLIENT_ID: vm.servicePrincipal.appId });
    assert.equal(r.code, 0, r.stderr + r.stdout);

    const before = await passwords(ep, owned.id);
    const wrong = '0e4c5a1e-7b1d-4a49-9a5e-3f0c2d6b9a11';
    const refused = await cli(['rotate', owned.dir, '--secret-file', join(outside, 'never'), '--auth', 'managed-identity', '--tenant', ep.tenantId, ...cloud()], { AZURE_CLIENT_ID: wrong });
    assert.equal(refused.code, 1, refused.stderr + refused.stdout);
    assert.match(refused.stderr, /Identity not found/);
    assert.match(refused.stderr, new RegExp(wrong));
    assert.match(refused.stderr, /user-assigned/);
    assert.deepEqual(await passwords(ep, owned.id), before);
  });
});
