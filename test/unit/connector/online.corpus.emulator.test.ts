// The online rules over every Entra connector of the corpus, against an emulated tenant that holds a connector app and
// the service principals Entra resolves resources through: another organization's multi-tenant API
// (api.naisjen.onmicrosoft.com, its app registered in its own tenant) and Microsoft's Key Vault and Outlook. A resource
// a service principal answers to is not "not found", whether or not an app registration of this tenant declares it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seedObjects, type Endpoints } from '../../../emulator/src';
import { analyzeOnline } from '../../../src/connector/online';
import { directoryFor, useTenant } from '../../support/tenant';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'connectors', 'corpus');
const ADMIN = 'admin@contoso.example';
const MICROSOFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const FOREIGN_TENANT = '0f0f0f0f-1111-4222-8333-444455556666';
const FOREIGN_API = 'https://api.naisjen.onmicrosoft.com/c102aec3-57c1-4dd0-923f-7f08180d5329';
const RESOLVABLE = [FOREIGN_API, 'https://vault.azure.net', 'https://outlook.office.com', 'https://graph.microsoft.com', 'https://management.core.windows.net'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n === 'apiProperties.json' ? [p] : [];
  });
}

let ep: Endpoints;

useTenant({}, (t) => ({ ep } = t));

describe('online rules over the whole corpus', () => {
  it('report no resource-not-found for a resource a service principal answers to (a foreign multi-tenant API, Key Vault, Outlook, Graph, ARM)', async () => {
    const seeded = await seedObjects(ep, { owner: ADMIN, applications: [{ displayName: 'Corpus connector', signInAudience: 'AzureADMultipleOrgs' }] });
    const connectorAppId = String(seeded.applications[0]?.appId);
    await seedObjects(ep, {
      servicePrincipals: [
        { appId: 'c102aec3-57c1-4dd0-923f-7f08180d5329', displayName: 'Naisjen API', appOwnerOrganizationId: FOREIGN_TENANT, servicePrincipalNames: ['c102aec3-57c1-4dd0-923f-7f08180d5329', FOREIGN_API] },
        { appId: 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093', displayName: 'Azure Key Vault', appOwnerOrganizationId: MICROSOFT_TENANT, servicePrincipalNames: ['cfa8b339-82a2-471a-a3c9-0fc0be7a4093', 'https://vault.azure.net'] },
        { appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online', appOwnerOrganizationId: MICROSOFT_TENANT, servicePrincipalNames: ['00000002-0000-0ff1-ce00-000000000000', 'https://outlook.office.com/'] },
      ],
    });
    const directory = directoryFor(ep, { user: ADMIN, retry: { maxRetries: 1, maxDelayMs: 10 }, sleep: async () => {}, replication: { attempts: 2, delayMs: 0 } });
    const entra = files(CORPUS).map((f) => ({ f, text: readFileSync(f, 'utf8') })).filter((x) => /"identityProvider"\s*:\s*"aad"/.test(x.text));
    assert.ok(entra.length >= 50, `only ${entra.length} Entra connectors in the corpus`);
    const notFound: string[] = [];
    let checked = 0;
    for (const { f, text } of entra) {
      // Each connector's client ID points at the seeded connector app, so the rules get to its resource.
      const ours = text.replace(/("clientId"\s*:\s*)"[^"]*"/g, `$1"${connectorAppId}"`);
      const ds = await analyzeOnline(ours, directory, { now: new Date() });
      checked++;
      for (const d of ds) if (d.code === 'resource-not-found') notFound.push(`${f.slice(CORPUS.length)}: ${d.message}`);
    }
    assert.ok(checked >= 50);
    for (const resource of RESOLVABLE) {
      const host = new URL(resource).host;
      const wrong = notFound.filter((m) => m.toLowerCase().includes(host));
      assert.deepEqual(wrong, [], `${resource} was reported not found`);
    }
    // The rule still fires where nothing answers to the resource.
    assert.ok(notFound.some((m) => m.includes('emigoapps.onmicrosoft.com')), notFound.join('\n'));
  });
});
