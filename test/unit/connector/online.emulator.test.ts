// The online rules over the real Graph-backed Directory (src/graph/operations.ts) against the emulated tenant:
// `Directory` satisfies `DirectoryLookup` as is, and each broken piece of a connector's setup shows up as its rule.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminTokenSource, startEmulator, type Endpoints, type RunningEmulator } from '../../../emulator/src';
import { createGraphClient } from '../../../src/graph/client';
import { Directory } from '../../../src/graph/operations';
import { analyzeOnline, type DirectoryLookup } from '../../../src/connector/online';

const ADMIN = 'admin@contoso.example';
const PER_CONNECTOR = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5fabc';
const clean = readFileSync(join(__dirname, '..', '..', 'fixtures', 'rules', 'clean.json'), 'utf8');

let emu: RunningEmulator;
let ep: Endpoints;
let directory: Directory;

function apiProperties(clientId: string, resource: string): string {
  return clean
    .replace('11111111-2222-3333-4444-555555555555', clientId)
    .replace(/api:\/\/contoso-invoices/g, resource)
    .replace('"redirectMode": "GlobalPerConnector",', `"redirectMode": "GlobalPerConnector",\n                    "redirectUrl": "${PER_CONNECTOR}",`);
}

before(async () => {
  emu = await startEmulator({ port: 0 });
  ep = emu.endpoints;
  directory = new Directory(
    createGraphClient({
      graphEndpoint: ep.graphEndpoint,
      getAccessToken: adminTokenSource(ep, ADMIN),
      retry: { maxRetries: 1, maxDelayMs: 10 },
    }),
    { sleep: async () => {}, replication: { attempts: 3, delayMs: 0 } },
  );
});

after(async () => {
  await emu?.stop();
});

describe('online rules against the emulated tenant', () => {
  const lookup = (): DirectoryLookup => directory;
  const now = new Date();
  let clientAppId = '';
  let resource = '';

  it('a connector set up completely gives no online diagnostic', async () => {
    const scopeId = randomUUID();
    const api = (await directory.upsertApplication(`online-rules-api-${randomUUID()}`, {
      displayName: 'Online rules API',
      signInAudience: 'AzureADMyOrg',
      api: { oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] },
    })).value;
    resource = `api://${api.appId}`;
    await directory.updateApplication(api.id, { identifierUris: [resource] });
    const apiSp = (await directory.ensureServicePrincipal(api.appId)).value;
    const client = (await directory.upsertApplication(`online-rules-connector-${randomUUID()}`, {
      displayName: 'Online rules connector',
      signInAudience: 'AzureADMultipleOrgs',
      web: { redirectUris: [PER_CONNECTOR] },
      requiredResourceAccess: [{ resourceAppId: api.appId, resourceAccess: [{ id: scopeId, type: 'Scope' }] }],
    })).value;
    clientAppId = client.appId;
    await directory.addPassword(client.id, 'connector', new Date(Date.now() + 180 * 86_400_000).toISOString());
    const clientSp = (await directory.ensureServicePrincipal(client.appId)).value;
    await directory.createGrant({ clientId: clientSp.id, resourceId: apiSp.id, consentType: 'AllPrincipals', scope: 'user_impersonation' });
    assert.deepEqual(await analyzeOnline(apiProperties(clientAppId, resource), lookup(), { now }), []);
  });

  it('a client ID the tenant does not have is client-app-not-found', async () => {
    const ds = await analyzeOnline(apiProperties(randomUUID(), resource), lookup(), { now });
    assert.deepEqual(ds.map((d) => d.code), ['client-app-not-found']);
  });

  it('a resource no app declares is resource-not-found', async () => {
    const ds = await analyzeOnline(apiProperties(clientAppId, `api://${randomUUID()}`), lookup(), { now });
    assert.deepEqual(ds.map((d) => d.code), ['resource-not-found']);
  });

  it('the shared redirect URL is not on the app: redirect-uri-not-registered', async () => {
    const text = apiProperties(clientAppId, resource).replace(PER_CONNECTOR, 'https://global.consent.azure-apim.net/redirect');
    const ds = await analyzeOnline(text, lookup(), { now });
    assert.deepEqual(ds.map((d) => d.code), ['redirect-uri-not-registered']);
  });

  it('the secret expiring within 30 days: secret-expiring', async () => {
    const ds = await analyzeOnline(apiProperties(clientAppId, resource), lookup(), { now: new Date(Date.now() + 170 * 86_400_000) });
    assert.deepEqual(ds.map((d) => d.code), ['secret-expiring']);
  });
});
