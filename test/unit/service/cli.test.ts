// `entra-connector secure-service` end to end against the emulated tenant: device-code sign-in, the site found from
// the swagger host, the API app looked up from the connector's resource URL, files edited, a second run a no-op,
// and a reader told which role to ask for.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { approveDevice, getState, seedObjects, startEmulator, type Endpoints, type RunningEmulator } from '../../../emulator/src';
import { runSecureService } from '../../../src/cli/secureService';
import { POWER_PLATFORM_ORIGINS } from '../../../src/service/cors';
import { getPath } from '../../../src/service/easyAuth';
import { armSites, resetWithArmConsent, WEB_APP_ID } from '../../support/emulatedArm';

const SAMPLE = join(import.meta.dirname, '../../fixtures/workspaces/sample/Contoso Invoices');
const API_APP_ID = '6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: {} as NodeJS.ProcessEnv },
    out: () => out,
    err: () => err,
  };
}

/** Runs the command, approving its device-code sign-in as `user` when the code is shown. */
async function run(ep: Endpoints, user: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  let done = false;
  const approver = (async () => {
    while (!done) {
      // Every device code shown: one per client (Azure CLI for Resource Manager, Graph CLI Tools for Graph).
      if (c.err().includes('enter the code')) await approveDevice(ep, user);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const cloud = ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint, '--tenant', ep.tenantId];
  const code = await runSecureService([...args, ...cloud], c.io);
  done = true;
  await approver;
  return { code, out: c.out(), err: c.err() };
}

describe('entra-connector secure-service (emulated tenant)', () => {
  let emu: RunningEmulator;
  let ep: Endpoints;
  let dir: string;
  let functions: string;
  let root: string;
  before(async () => {
    emu = await startEmulator({ port: 0 });
    ep = emu.endpoints;
  });
  after(() => emu.stop());
  beforeEach(async () => {
    await resetWithArmConsent(ep);
    await seedObjects(ep, { applications: [{ appId: API_APP_ID, displayName: 'Contoso Invoices API', identifierUris: [`api://${ep.tenantId}/contoso-invoices`] }] });
    root = await mkdtemp(join(tmpdir(), 'secure-service-'));
    dir = join(root, 'Contoso Invoices');
    await cp(SAMPLE, dir, { recursive: true });
    await writeFile(
      join(dir, 'apiProperties.json'),
      JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { identityProvider: 'aad', clientId: '[[DUMMY]]', scopes: [], redirectMode: 'GlobalPerConnector', properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: `api://${ep.tenantId}/contoso-invoices` }, customParameters: { resourceUri: { value: `api://${ep.tenantId}/contoso-invoices` } } } } } } }, null, 2) + '\n',
    );
    functions = join(root, 'func');
    await cp(SAMPLE, functions, { recursive: true });
    await writeFile(join(functions, 'local.settings.json'), '{\n  "IsEncrypted": false,\n  "Values": { "FUNCTIONS_WORKER_RUNTIME": "node" }\n}\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('finds the site from the swagger host, secures it, edits the files; a second run changes nothing', async () => {
    const first = await run(ep, 'admin@contoso.example', [dir, '--origin-policy', '--functions-project', functions]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /globalValidation\.unauthenticatedClientAction: "RedirectToLoginPage" → "Return401"/);
    assert.match(first.out, /Done: authentication and CORS updated on contoso-invoices/);
    const site = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!;
    assert.equal(getPath(site.authV2, 'identityProviders.azureActiveDirectory.registration.clientId'), API_APP_ID);
    assert.deepEqual(getPath(site.authV2, 'identityProviders.azureActiveDirectory.validation.allowedAudiences'), [`api://${ep.tenantId}/contoso-invoices`, API_APP_ID]);
    assert.deepEqual(getPath(site.web, 'cors.allowedOrigins'), ['https://invoices.contoso.example', ...POWER_PLATFORM_ORIGINS]);
    const props = JSON.parse(await readFile(join(dir, 'apiProperties.json'), 'utf8')) as { properties: { policyTemplateInstances: { parameters: Record<string, string> }[] } };
    assert.equal(props.properties.policyTemplateInstances[0]!.parameters['x-ms-apimTemplateParameter.value'], 'https://make.powerautomate.com');
    const local = JSON.parse(await readFile(join(functions, 'local.settings.json'), 'utf8')) as { Values: Record<string, string>; Host: { CORS: string } };
    assert.equal(local.Host.CORS, POWER_PLATFORM_ORIGINS.join(','));
    assert.deepEqual(local.Values, { FUNCTIONS_WORKER_RUNTIME: 'node' });
    assert.ok(!first.out.includes('eyJ') && !first.err.includes('eyJ'), 'no token in the output');
    // Resource Manager through the Azure CLI client (pre-authorized; Graph CLI Tools would get AADSTS65002), Graph
    // through Graph CLI Tools, the second sign-in saying which client and why.
    assert.match(first.err, /Signing in to Azure Resource Manager with Microsoft Azure CLI\./);
    assert.match(first.err, /Microsoft Graph Command Line Tools signs in to Microsoft Graph: .* Sign in as admin@contoso\.example once more:/);

    const filesBefore = [await readFile(join(dir, 'apiProperties.json'), 'utf8'), await readFile(join(functions, 'local.settings.json'), 'utf8')];
    const second = await run(ep, 'admin@contoso.example', [dir, '--site', WEB_APP_ID, '--json', '--origin-policy', '--functions-project', functions]);
    assert.equal(second.code, 0, second.err);
    const json = JSON.parse(second.out) as { applied: { easyAuth: boolean; cors: boolean }; easyAuth: { changes: unknown[] }; cors: { added: unknown[] } };
    assert.deepEqual(json.applied, { easyAuth: false, cors: false });
    assert.deepEqual([json.easyAuth.changes, json.cors.added], [[], []]);
    assert.deepEqual([await readFile(join(dir, 'apiProperties.json'), 'utf8'), await readFile(join(functions, 'local.settings.json'), 'utf8')], filesBefore);
    const writes = (await getState(ep)).requests.filter((r) => r.service === 'arm' && r.method !== 'GET');
    assert.equal(writes.length, 2, 'one PUT and one PATCH in all, from the first run');
  });

  it('a site already signing users in with another app is not switched without --replace-provider', async () => {
    assert.equal((await run(ep, 'admin@contoso.example', [dir, '--site', WEB_APP_ID, '--auth-only'])).code, 0);
    const OTHER = '7b7b7b7b-0000-4000-8000-000000000007';
    await seedObjects(ep, { applications: [{ appId: OTHER, displayName: 'Other API', identifierUris: [`api://${ep.tenantId}/other`] }] });
    const props = join(dir, 'apiProperties.json');
    await writeFile(props, (await readFile(props, 'utf8')).replaceAll(`api://${ep.tenantId}/contoso-invoices`, `api://${ep.tenantId}/other`));
    const refused = await run(ep, 'admin@contoso.example', [dir, '--site', WEB_APP_ID, '--auth-only']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /already signs users in with another app or issuer; nothing was changed/);
    assert.match(refused.err, /--replace-provider/);
    const clientId = async () => getPath((await armSites(ep)).find((x) => x.name === 'contoso-invoices')!.authV2, 'identityProviders.azureActiveDirectory.registration.clientId');
    assert.equal(await clientId(), API_APP_ID);
    assert.equal((await run(ep, 'admin@contoso.example', [dir, '--site', WEB_APP_ID, '--auth-only', '--replace-provider'])).code, 0);
    assert.equal(await clientId(), OTHER);
  });

  it('a reader is told the role to ask for; exit code 1 and nothing written', async () => {
    const before = await armSites(ep);
    const r = await run(ep, 'maker@contoso.example', [dir, '--site', WEB_APP_ID, '--cors-only']);
    assert.equal(r.code, 1);
    assert.match(r.err, /not allowed to perform Microsoft\.Web\/sites\/config\/write/);
    assert.match(r.err, /Next: Ask an owner of the subscription to give you the "Website Contributor" role/);
    assert.deepEqual(await armSites(ep), before);
  });

  it('usage errors exit 2 and --dry-run writes nothing', async () => {
    const c = capture();
    assert.equal(await runSecureService([dir, '--cors-only', '--auth-only'], c.io), 2);
    assert.equal(await runSecureService([dir, '--origin', 'not an origin'], capture().io), 2);
    const before = await armSites(ep);
    const r = await run(ep, 'admin@contoso.example', [dir, '--site', 'https://contoso-invoices.azurewebsites.net/api', '--dry-run', '--api-app-id', API_APP_ID, '--api-uri', 'api://x']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Dry run: nothing was written/);
    assert.deepEqual(await armSites(ep), before);
  });
});
