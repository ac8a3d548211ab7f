/** The online rules against a hand-written in-memory directory (the Graph-backed one is wired later). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeOnline, MICROSOFT_GRAPH_APP_ID, SHARED_REDIRECT_URL, type DirectoryLookup, type LookupApplication, type LookupGrant, type LookupServicePrincipal } from '../../../src/connector/online';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const API = '99999999-8888-7777-6666-555555555555';
const SCOPE_ID = 'aaaaaaaa-0000-4000-8000-000000000001';
const PER_CONNECTOR = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5fabc';
const now = new Date('2026-06-01T00:00:00Z');
const clean = readFileSync(join(__dirname, '..', '..', 'fixtures', 'rules', 'clean.json'), 'utf8');
// The clean fixture is GlobalPerConnector without redirectUrl; give it the URL read back from Power Platform.
const withUrl = clean.replace('"redirectMode": "GlobalPerConnector",', `"redirectMode": "GlobalPerConnector",\n                    "redirectUrl": "${PER_CONNECTOR}",`);

class MemoryDirectory implements DirectoryLookup {
  apps: LookupApplication[] = [];
  sps: LookupServicePrincipal[] = [];
  grants: LookupGrant[] = [];
  calls: string[] = [];
  async getApplicationByAppId(appId: string) {
    this.calls.push(`app ${appId}`);
    return this.apps.find((a) => a.appId === appId);
  }
  async findApplicationsByIdentifierUri(uri: string) {
    this.calls.push(`uri ${uri}`);
    return this.apps.filter((a) => a.identifierUris?.includes(uri));
  }
  async getServicePrincipalByAppId(appId: string) {
    return this.sps.find((s) => s.appId === appId);
  }
  async listGrants(clientSpId: string, resourceSpId: string) {
    return this.grants.filter((g) => g.clientId === clientSpId && g.resourceId === resourceSpId);
  }
  async findServicePrincipalsByName(name: string) {
    this.calls.push(`spn ${name}`);
    return this.sps.filter((s) => (s as LookupServicePrincipal & { servicePrincipalNames?: string[] }).servicePrincipalNames?.includes(name));
  }
}

/** A tenant where the connector is set up right. Each test breaks one thing. */
function healthy(): MemoryDirectory {
  const d = new MemoryDirectory();
  d.apps.push(
    {
      id: 'obj-client', appId: CLIENT, displayName: 'Contoso Invoices connector', signInAudience: 'AzureADMultipleOrgs',
      web: { redirectUris: [PER_CONNECTOR] },
      requiredResourceAccess: [{ resourceAppId: API, resourceAccess: [{ id: SCOPE_ID, type: 'Scope' }] }],
      passwordCredentials: [{ keyId: 'k1', endDateTime: '2027-01-01T00:00:00Z' }],
    },
    { id: 'obj-api', appId: API, displayName: 'Contoso Invoices API', identifierUris: ['api://contoso-invoices'] },
  );
  d.sps.push(
    { id: 'sp-client', appId: CLIENT, displayName: 'Contoso Invoices connector' },
    { id: 'sp-api', appId: API, displayName: 'Contoso Invoices API', oauth2PermissionScopes: [{ id: SCOPE_ID, value: 'user_impersonation' }] },
  );
  d.grants.push({ id: 'g1', clientId: 'sp-client', resourceId: 'sp-api', consentType: 'AllPrincipals', scope: 'user_impersonation' });
  return d;
}

const codes = async (text: string, d: DirectoryLookup, at = now) => (await analyzeOnline(text, d, { now: at })).map((x) => x.code);

test('a correctly set-up tenant gives no online diagnostic', async () => {
  assert.deepEqual(await codes(withUrl, healthy()), []);
});

test('client-app-not-found (AADSTS700016) stops the other checks of that sign-in', async () => {
  const d = healthy();
  d.apps = d.apps.filter((a) => a.appId !== CLIENT);
  const ds = await analyzeOnline(withUrl, d, { now });
  assert.deepEqual(ds.map((x) => x.code), ['client-app-not-found']);
  assert.equal(withUrl.slice(ds[0].offset, ds[0].offset + ds[0].length), `"${CLIENT}"`);
  assert.match(ds[0].message, /AADSTS700016/);
});

test('placeholder client IDs are not looked up', async () => {
  const d = healthy();
  assert.deepEqual(await codes(withUrl.replace(CLIENT, '[[DUMMY]]'), d), []);
  assert.ok(!d.calls.some((c) => c.startsWith('app ')));
});

test('resource-not-found (AADSTS500011): no app with the identifier URI, or a GUID without service principal', async () => {
  const d = healthy();
  d.apps[1].identifierUris = ['api://other'];
  assert.deepEqual(await codes(withUrl, d), ['resource-not-found']);
  const byGuid = withUrl.replace('"value": "api://contoso-invoices"', `"value": "${API}"`).replace('"AzureActiveDirectoryResourceId": "api://contoso-invoices"', `"AzureActiveDirectoryResourceId": "${API}"`);
  assert.deepEqual(await codes(byGuid, healthy()), [], 'the appId form resolves too');
  const noSp = healthy();
  noSp.sps = noSp.sps.filter((s) => s.appId !== API);
  const ds = await analyzeOnline(byGuid, noSp, { now });
  assert.deepEqual(ds.map((x) => [x.code, x.severity]), [['resource-not-found', 'error']]);
});

test('permission-missing (AADSTS650057): the client app requests nothing on the resource', async () => {
  const d = healthy();
  d.apps[0].requiredResourceAccess = [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }] }];
  assert.deepEqual(await codes(withUrl, d), ['permission-missing']);
});

test('consent-missing (AADSTS65001): no tenant-wide grant, a grant without the scope, or no client service principal', async () => {
  const none = healthy();
  none.grants = [];
  const [noConsent] = await analyzeOnline(withUrl, none, { now });
  assert.equal(noConsent.code, 'consent-missing');
  assert.deepEqual(noConsent.fixes[0].directory, { kind: 'grant-consent', clientAppId: CLIENT, resourceAppId: API, scopes: ['user_impersonation'] });
  const perUser = healthy();
  perUser.grants = [{ id: 'g', clientId: 'sp-client', resourceId: 'sp-api', consentType: 'Principal', scope: 'user_impersonation' }];
  assert.deepEqual(await codes(withUrl, perUser), ['consent-missing']);
  const otherScope = healthy();
  otherScope.grants[0].scope = 'read';
  const ds = await analyzeOnline(withUrl, otherScope, { now });
  assert.deepEqual(ds.map((x) => x.code), ['consent-missing']);
  assert.match(ds[0].message, /for user_impersonation/);
  const noSp = healthy();
  noSp.sps = noSp.sps.filter((s) => s.appId !== CLIENT);
  assert.deepEqual(await codes(withUrl, noSp), ['consent-missing']);
});

test('redirect-uri-not-registered (AADSTS50011): the file\'s redirectUrl, or the shared URL when redirectMode is Global', async () => {
  const d = healthy();
  d.apps[0].web = { redirectUris: [SHARED_REDIRECT_URL] };
  const [missing] = await analyzeOnline(withUrl, d, { now });
  assert.equal(missing.code, 'redirect-uri-not-registered');
  assert.deepEqual(missing.fixes[0].directory, { kind: 'add-redirect-uri', appId: CLIENT, redirectUri: PER_CONNECTOR }, 'the repair names the app and the URI');
  assert.equal(missing.fixes[0].unattended, false);
  const global = clean.replace('"redirectMode": "GlobalPerConnector"', '"redirectMode": "Global"');
  assert.deepEqual(await codes(global, d), [], 'shared URL registered');
  assert.deepEqual(await codes(global, healthy()), ['redirect-uri-not-registered'], 'only the per-connector URL registered');
  assert.deepEqual(await codes(clean, healthy()), [], 'GlobalPerConnector without the URL in the file: nothing to compare');
});

test('tenant-common-single-tenant (AADSTS50194)', async () => {
  const d = healthy();
  d.apps[0].signInAudience = 'AzureADMyOrg';
  assert.deepEqual(await codes(withUrl, d), ['tenant-common-single-tenant']);
  const ownTenant = withUrl.replace('"value": "common"', '"value": "72f988bf-86f1-41af-91ab-2d7cd011db47"');
  assert.deepEqual(await codes(ownTenant, d), []);
});

test('secret-expiring and secret-expired from the newest password credential', async () => {
  const d = healthy();
  d.apps[0].passwordCredentials = [{ keyId: 'old', endDateTime: '2026-01-01T00:00:00Z' }, { keyId: 'new', endDateTime: '2026-06-11T00:00:00Z' }];
  const expiring = await analyzeOnline(withUrl, d, { now });
  assert.deepEqual(expiring.map((x) => [x.code, x.severity]), [['secret-expiring', 'warning']]);
  assert.match(expiring[0].message, /in 10 days/);
  assert.deepEqual(await codes(withUrl, d, new Date('2026-07-01T00:00:00Z')), ['secret-expired']);
  assert.deepEqual(await codes(withUrl, d, new Date('2026-04-01T00:00:00Z')), []);
});

test('invalid JSON gives no online diagnostics and no directory call', async () => {
  const d = healthy();
  assert.deepEqual(await codes('{ "properties": ', d), []);
  assert.deepEqual(d.calls, []);
});

/** Applies a fix's edits to the text (last first, so earlier offsets stay valid). */
function applyFix(text: string, edits: readonly { offset: number; length: number; content: string }[]): string {
  return [...edits].sort((a, b) => b.offset - a.offset).reduce((t, e) => t.slice(0, e.offset) + e.content + t.slice(e.offset + e.length), text);
}

test('resource-not-found: when resourceUri is unknown but AzureActiveDirectoryResourceId is in the directory, the fix sets resourceUri to the known one', async () => {
  const text = withUrl.replace(/("resourceUri":\s*\{\s*"value":\s*)"api:\/\/contoso-invoices"/, '$1"api://contoso-typo"');
  const [d] = await analyzeOnline(text, healthy(), { now });
  assert.equal(d.code, 'resource-not-found');
  assert.deepEqual(d.fixes.map((f) => [f.title, f.isPreferred]), [['Set resourceUri to "api://contoso-invoices" (the AzureActiveDirectoryResourceId, found in this directory)', true]]);
  const fixed = applyFix(text, d.fixes[0].edits);
  assert.match(fixed, /"resourceUri":\s*\{\s*"value":\s*"api:\/\/contoso-invoices"/);
  assert.deepEqual(await codes(fixed, healthy()), []);
});

test('client-app-not-found offers the connector apps the signed-in user owns (those with a Power Platform redirect URI)', async () => {
  const d = healthy();
  d.apps = d.apps.filter((a) => a.appId !== CLIENT);
  const other = { id: 'obj-2', appId: '22222222-2222-4222-8222-222222222222', displayName: 'Orders connector', web: { redirectUris: ['https://global.consent.azure-apim.net/redirect/orders-5f1'] } };
  const notConnector = { id: 'obj-3', appId: '33333333-3333-4333-8333-333333333333', displayName: 'A web app', web: { redirectUris: ['https://contoso.example/signin'] } };
  const owned = [other, notConnector];
  const lookup: DirectoryLookup = Object.assign(d, { ownedApplications: async () => owned });
  const [diag] = await analyzeOnline(withUrl, lookup, { now });
  assert.equal(diag.code, 'client-app-not-found');
  assert.deepEqual(diag.fixes.map((f) => f.title), ['Use the client ID of "Orders connector" (22222222-2222-4222-8222-222222222222), a connector app you own']);
  assert.match(diag.message, /Connector apps you own here: "Orders connector"/);
  assert.ok(applyFix(withUrl, diag.fixes[0].edits).includes('"clientId": "22222222-2222-4222-8222-222222222222"'));
});
