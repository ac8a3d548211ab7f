// `entra-connector secure-service --auth …` from a pipeline, against the emulated tenant: a service principal signs in
// app-only (no person, no device code), Resource Manager lets it write the site's config because Azure RBAC gives
// it Website Contributor, and Graph lets it read the API app with Application.Read.All. As a mere Reader, ARM
// refuses the write with AuthorizationFailed and the command names the role to ask for, having changed nothing.
import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { adminHeaders, httpsJson, resetEmulator, seedObjects, type Endpoints } from '../../../emulator/src';
import { runSecureService } from '../../../src/cli/secureService';
import { getPath } from '../../../src/service/easyAuth';
import { scanRunForSecrets } from '../../reliability/scan.mjs';
import { armSites, SUBSCRIPTION } from '../../support/emulatedArm';
import { useTenant } from '../../support/tenant';
import { ACCOUNTS, addPassword, createApp, grantOwnedBy } from '../../support/workload';

const SAMPLE = join(import.meta.dirname, '../../fixtures/workspaces/sample/Contoso Invoices');
const API_APP_ID = '6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c';
/** Microsoft Graph's Application.Read.All application permission (permissions reference). */
const APPLICATION_READ_ALL = '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30';

let ep: Endpoints;
let work: string;
const outputs: { name: string; text: string }[] = [];

useTenant(
  {
    temp: 'entra-secure-service-pipeline-',
    emulator: { seed: { accounts: ACCOUNTS } },
    beforeStop: async () => {
      const { hits, summary } = await scanRunForSecrets({ emulator: ep, dirs: [work], texts: outputs });
      assert.deepEqual(hits, [], summary);
    },
  },
  (t) => ({ ep, work } = t),
);
beforeEach(async () => resetEmulator(ep));

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const cloud = ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint];
  const code = await runSecureService([...args, ...cloud], { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env });
  outputs.push({ name: 'secure-service stdout', text: out }, { name: 'secure-service stderr', text: err });
  return { code, out, err };
}

/** The sample connector (its swagger host is the seeded site) whose resource URL names the seeded API app. */
async function connector(): Promise<string> {
  await seedObjects(ep, { applications: [{ appId: API_APP_ID, displayName: 'Contoso Invoices API', identifierUris: [`api://${ep.tenantId}/contoso-invoices`] }] });
  const dir = join(mkdtempSync(join(work, 'c-')), 'Contoso Invoices');
  await cp(SAMPLE, dir, { recursive: true });
  const resource = `api://${ep.tenantId}/contoso-invoices`;
  await writeFile(
    join(dir, 'apiProperties.json'),
    `${JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { identityProvider: 'aad', clientId: '[[DUMMY]]', scopes: [], redirectMode: 'GlobalPerConnector', properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: resource }, customParameters: { resourceUri: { value: resource } } } } } } }, null, 2)}\n`,
  );
  return dir;
}

/** The pipeline's app registration with a secret and Graph Application.Read.All; `role` on the subscription if given. */
async function pipeline(role?: string): Promise<NodeJS.ProcessEnv> {
  const app = await createApp(ep, 'Contoso deploy pipeline');
  await grantOwnedBy(ep, app.spId, APPLICATION_READ_ALL);
  if (role) {
    const r = await httpsJson(`${ep.adminEndpoint}/arm/roleAssignment`, { method: 'PUT', body: { principal: app.spId, subscriptionId: SUBSCRIPTION, role }, headers: adminHeaders(ep), ca: ep.caCertPath });
    assert.equal(r.status, 204, r.text);
  }
  const { secretText } = await addPassword(ep, app.id, 'pipeline credential');
  return { GITHUB_ACTIONS: 'true', AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: app.appId, AZURE_CLIENT_SECRET: secretText };
}

describe('entra-connector secure-service with a workload identity (app-only)', () => {
  it('a service principal with Website Contributor secures the site app-only, with no device code; a second run changes nothing', async () => {
    const dir = await connector();
    const env = await pipeline('Website Contributor');
    const first = await cli([dir, '--auth', 'secret'], env);
    assert.equal(first.code, 0, first.err + first.out);
    assert.match(first.err, /Signed in as app .* \(secret\).*app-only/);
    assert.doesNotMatch(first.err, /enter the code/);
    assert.match(first.out, /Done: authentication and CORS updated on contoso-invoices/);
    const site = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!;
    assert.equal(getPath(site.authV2, 'identityProviders.azureActiveDirectory.registration.clientId'), API_APP_ID);
    assert.equal(getPath(site.authV2, 'globalValidation.unauthenticatedClientAction'), 'Return401');
    const again = await cli([dir], env);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /Nothing to change on contoso-invoices/);
  });

  it('as a Reader ARM refuses the config write (AuthorizationFailed, the client named by its app ID); the command names the role and writes nothing', async () => {
    const dir = await connector();
    const env = await pipeline('Reader');
    const before = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!;
    const r = await cli([dir, '--auth', 'secret'], env);
    assert.equal(r.code, 1, r.err + r.out);
    assert.match(r.err, /Microsoft\.Web\/sites\/config\/write/);
    assert.match(r.err, /Website Contributor/);
    assert.match(r.err, new RegExp(String(env.AZURE_CLIENT_ID)), "ARM names a service principal by its application ID");
    assert.deepEqual((await armSites(ep)).find((s) => s.name === 'contoso-invoices'), before);
  });

  it('with no Azure role at all it says the role is missing (ARM lists no subscription), not that the site is', async () => {
    const dir = await connector();
    const r = await cli([dir, '--auth', 'secret'], await pipeline());
    assert.equal(r.code, 1, r.err + r.out);
    assert.match(r.err, /no Azure role on any subscription/);
    assert.match(r.err, /Website Contributor/);
  });
});
