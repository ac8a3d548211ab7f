import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { adminToken, getState, httpsJson, resetEmulator, seedObjects, setPolicy, type Endpoints } from '../src/index';
import { validateGraphResponse } from '../../test/contract/graph-contract';
import { useEmulator } from './support';

const GRAPH = 'https://graph.microsoft.com';
const MAKER = 'maker@contoso.example';
const ADMIN = 'admin@contoso.example';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const USER_READ_ID = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d';

let ep: Endpoints;

interface GraphErrorBody {
  error: { code: string; message: string; details?: { code: string }[] };
}

async function graph<T = Record<string, unknown>>(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await httpsJson<T>(`${ep.graphEndpoint}/v1.0${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers }, ca: ep.caCertPath });
  const parsed = res.text ? res.body : undefined;
  const contract = validateGraphResponse(method, path, res.status, parsed);
  if (contract.covered) assert.ok(contract.valid, `${method} ${path} → ${res.status} breaks the Graph contract: ${contract.errors.join('; ')}`);
  return res;
}

function makerToken(scopes = ['Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'User.Read']) {
  return adminToken(ep, MAKER, scopes.map((s) => `${GRAPH}/${s}`));
}

function apiApp(name: string, scopeId = '8c3b6f0e-5a0d-4b56-9f1e-1f0a6f3e2d11') {
  return {
    displayName: name,
    identifierUris: [`api://${ep.tenantId}/${name.toLowerCase().replace(/\W+/g, '-')}`],
    api: {
      oauth2PermissionScopes: [
        { id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access the API', adminConsentDescription: 'Access the API as the user', userConsentDisplayName: 'Access the API', userConsentDescription: 'Access the API as you' },
      ],
    },
  };
}

useEmulator((e) => (ep = e));
beforeEach(() => resetEmulator(ep));

describe('Graph: identity and tenant', () => {
  it('serves /me and /organization to a token holding User.Read', async () => {
    const t = await makerToken(['User.Read']);
    const me = await graph<{ userPrincipalName: string; id: string }>(t, 'GET', '/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.userPrincipalName, MAKER);
    const org = await graph<{ value: { id: string; verifiedDomains: { name: string }[] }[] }>(t, 'GET', '/organization');
    assert.equal(org.status, 200);
    assert.equal(org.body.value[0]!.id, ep.tenantId);
    assert.ok(org.body.value[0]!.verifiedDomains.some((d) => d.name === 'contoso.example'));
  });

  it('refuses a request without a token, with a forged token and with a token for another audience', async () => {
    const none = await httpsJson<GraphErrorBody>(`${ep.graphEndpoint}/v1.0/me`, { ca: ep.caCertPath });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'InvalidAuthenticationToken');
    const t = await makerToken(['User.Read']);
    const forged = `${t.split('.').slice(0, 2).join('.')}.${Buffer.from('not a signature').toString('base64url')}`;
    const bad = await graph<GraphErrorBody>(forged, 'GET', '/me');
    assert.equal(bad.status, 401);
    const arm = await adminToken(ep, MAKER, ['https://management.azure.com/user_impersonation']);
    const wrongAud = await graph<GraphErrorBody>(arm, 'GET', '/me');
    assert.equal(wrongAud.status, 401);
    assert.match(wrongAud.body.error.message, /audience/i);
  });
});

describe('Graph: applications', () => {
  it('creates an application owned by the caller and finds it by $filter, $select, key and ownedObjects', async () => {
    const t = await makerToken();
    const created = await graph<{ id: string; appId: string; displayName: string }>(t, 'POST', '/applications', apiApp('Contoso Invoices API'));
    assert.equal(created.status, 201);
    const { id, appId } = created.body;
    const byFilter = await graph<{ value: { appId: string; displayName: string }[] }>(t, 'GET', `/applications?$filter=appId eq '${appId}'&$select=appId,displayName`);
    assert.deepEqual(byFilter.body.value, [{ appId, displayName: 'Contoso Invoices API' }]);
    const byUri = await graph<{ value: { id: string }[] }>(t, 'GET', `/applications?$filter=identifierUris/any(x:x eq 'api://${ep.tenantId}/contoso-invoices-api')`);
    assert.deepEqual(byUri.body.value.map((a) => a.id), [id]);
    const byKey = await graph<{ id: string }>(t, 'GET', `/applications(appId='${appId}')`);
    assert.equal(byKey.body.id, id);
    const owned = await graph<{ value: { id: string }[] }>(t, 'GET', '/me/ownedObjects/microsoft.graph.application');
    assert.deepEqual(owned.body.value.map((a) => a.id), [id]);
    const state = await getState(ep);
    assert.equal(state.applications.find((a) => a.id === id)!.owners.length, 1);
  });

  it('pages with $top and @odata.nextLink and counts with ConsistencyLevel: eventual only', async () => {
    const t = await makerToken();
    for (let i = 0; i < 5; i++) assert.equal((await graph(t, 'POST', '/applications', { displayName: `App ${i}` })).status, 201);
    const first = await graph<{ value: unknown[]; '@odata.nextLink': string; '@odata.count': number }>(t, 'GET', '/applications?$top=2&$count=true', undefined, { ConsistencyLevel: 'eventual' });
    assert.equal(first.body.value.length, 2);
    assert.equal(first.body['@odata.count'], 5);
    let next: string | undefined = first.body['@odata.nextLink'];
    let seen = 2;
    while (next) {
      const page: { status: number; body: { value: unknown[]; '@odata.nextLink'?: string } } = await httpsJson<{ value: unknown[]; '@odata.nextLink'?: string }>(next, { headers: { authorization: `Bearer ${t}`, ConsistencyLevel: 'eventual' }, ca: ep.caCertPath });
      assert.equal(page.status, 200);
      seen += page.body.value.length;
      next = page.body['@odata.nextLink'];
    }
    assert.equal(seen, 5);
    const noHeader = await graph<GraphErrorBody>(t, 'GET', '/applications?$count=true');
    assert.equal(noHeader.status, 400);
    assert.equal(noHeader.body.error.code, 'Request_BadRequest');
  });

  it('upserts by uniqueName: 201 with a body when created, 204 when updated, 404 without Prefer', async () => {
    const t = await makerToken();
    const missing = await graph<GraphErrorBody>(t, 'PATCH', "/applications(uniqueName='contoso-invoices')", { displayName: 'Contoso Invoices' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'Request_ResourceNotFound');
    const created = await graph<{ uniqueName: string; id: string }>(t, 'PATCH', "/applications(uniqueName='contoso-invoices')", { displayName: 'Contoso Invoices' }, { Prefer: 'create-if-missing' });
    assert.equal(created.status, 201);
    assert.equal(created.body.uniqueName, 'contoso-invoices');
    const updated = await graph(t, 'PATCH', "/applications(uniqueName='contoso-invoices')", { displayName: 'Contoso Invoices v2' }, { Prefer: 'create-if-missing' });
    assert.equal(updated.status, 204);
    assert.equal(updated.text, '');
    const represented = await graph<{ displayName: string; uniqueName: string }>(t, 'PATCH', "/applications(uniqueName='contoso-invoices')", { displayName: 'Contoso Invoices v3' }, { Prefer: 'create-if-missing, return=representation' });
    assert.equal(represented.status, 200);
    assert.equal(represented.body.displayName, 'Contoso Invoices v3');
    const state = await getState(ep);
    assert.equal(state.applications.filter((a) => a.uniqueName === 'contoso-invoices').length, 1);
  });

  it('refuses duplicate identifierUris, unverified domains, and non-default URIs when the policy forbids them', async () => {
    const t = await makerToken();
    assert.equal((await graph(t, 'POST', '/applications', apiApp('Dup'))).status, 201);
    const dup = await graph<GraphErrorBody>(t, 'POST', '/applications', apiApp('Dup'));
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error.details?.[0]?.code, 'ObjectConflict');
    const foreign = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'F', identifierUris: ['https://fabrikam.example/api'] });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.error.code, 'HostNameNotOnVerifiedDomain');
    await setPolicy(ep, { nonDefaultUriAddition: true });
    const app = await graph<{ id: string; appId: string }>(t, 'POST', '/applications', { displayName: 'Policy' });
    const tenantForm = await graph<GraphErrorBody>(t, 'PATCH', `/applications/${app.body.id}`, { identifierUris: [`api://${ep.tenantId}/policy`] });
    assert.equal(tenantForm.status, 400);
    const appIdForm = await graph(t, 'PATCH', `/applications/${app.body.id}`, { identifierUris: [`api://${app.body.appId}`, `api://${ep.tenantId}/${app.body.appId}`] });
    assert.equal(appIdForm.status, 204);
  });

  it('refuses changing an enabled scope until it is disabled (CannotDeleteOrUpdateEnabledEntitlement)', async () => {
    const t = await makerToken();
    const body = apiApp('Scopes');
    const app = await graph<{ id: string }>(t, 'POST', '/applications', body);
    const scope = body.api.oauth2PermissionScopes[0]!;
    const renamed = await graph<GraphErrorBody>(t, 'PATCH', `/applications/${app.body.id}`, { api: { oauth2PermissionScopes: [{ ...scope, value: 'access_as_user' }] } });
    assert.equal(renamed.status, 400);
    assert.equal(renamed.body.error.code, 'CannotDeleteOrUpdateEnabledEntitlement');
    const removed = await graph<GraphErrorBody>(t, 'PATCH', `/applications/${app.body.id}`, { api: { oauth2PermissionScopes: [] } });
    assert.equal(removed.body.error.code, 'CannotDeleteOrUpdateEnabledEntitlement');
    assert.equal((await graph(t, 'PATCH', `/applications/${app.body.id}`, { api: { oauth2PermissionScopes: [{ ...scope, isEnabled: false }] } })).status, 204);
    assert.equal((await graph(t, 'PATCH', `/applications/${app.body.id}`, { api: { oauth2PermissionScopes: [] } })).status, 204);
  });

  it('checks requiredResourceAccess against the tenant: unknown resource apps and scope ids are refused', async () => {
    const t = await makerToken();
    const ok = await graph(t, 'POST', '/applications', { displayName: 'Client', requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: USER_READ_ID, type: 'Scope' }] }] });
    assert.equal(ok.status, 201);
    const unknownApp = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'C2', requiredResourceAccess: [{ resourceAppId: '11111111-2222-3333-4444-555555555555', resourceAccess: [{ id: USER_READ_ID, type: 'Scope' }] }] });
    assert.equal(unknownApp.status, 400);
    assert.equal(unknownApp.body.error.code, 'Request_BadRequest');
    const unknownScope = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'C3', requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: '11111111-2222-3333-4444-555555555555', type: 'Scope' }] }] });
    assert.equal(unknownScope.status, 400);
  });

  it('adds and removes passwords under the tenant policy; the secret is shown once and never stored', async () => {
    const t = await makerToken();
    const app = await graph<{ id: string }>(t, 'POST', '/applications', { displayName: 'Secrets' });
    const added = await graph<{ secretText: string; keyId: string; hint: string }>(t, 'POST', `/applications/${app.body.id}/addPassword`, { passwordCredential: { displayName: 'connector' } });
    assert.equal(added.status, 200);
    assert.ok(added.body.secretText.length >= 16 && added.body.secretText.length <= 64);
    assert.equal(added.body.hint, added.body.secretText.slice(0, 3));
    const state = await getState(ep);
    assert.ok(!JSON.stringify(state).includes(added.body.secretText), 'the secret must not be kept');
    await setPolicy(ep, { maxSecretLifetimeDays: 180 });
    const tooLong = await graph<GraphErrorBody>(t, 'POST', `/applications/${app.body.id}/addPassword`, { passwordCredential: { displayName: 'long' } });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.code, 'CredentialInvalidLifetimeAsPerAppPolicy');
    const end = new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString();
    assert.equal((await graph(t, 'POST', `/applications/${app.body.id}/addPassword`, { passwordCredential: { displayName: 'short', endDateTime: end } })).status, 200);
    await setPolicy(ep, { secretsAllowed: false });
    const forbidden = await graph<GraphErrorBody>(t, 'POST', `/applications/${app.body.id}/addPassword`, { passwordCredential: { displayName: 'x', endDateTime: end } });
    assert.equal(forbidden.body.error.code, 'CredentialTypeNotAllowedAsPerAppPolicy');
    assert.equal((await graph(t, 'POST', `/applications/${app.body.id}/removePassword`, { keyId: added.body.keyId })).status, 204);
  });

  it('denies a token without Application.ReadWrite.All and a user the policy stops from registering apps', async () => {
    // A client consented for User.Read only: its tokens carry no Application.ReadWrite.All.
    const seeded = await seedObjects(ep, { applications: [{ displayName: 'Profile viewer', isFallbackPublicClient: true }] });
    const clientAppId = String(seeded.applications[0]!.appId);
    const sps = await seedObjects(ep, { servicePrincipals: [{ appId: clientAppId }] });
    const graphSp = (await getState(ep)).servicePrincipals.find((sp) => sp.appId === GRAPH_APP_ID)!;
    await seedObjects(ep, { oauth2PermissionGrants: [{ clientId: sps.servicePrincipals[0]!.id, consentType: 'AllPrincipals', resourceId: graphSp.id, scope: 'User.Read' }] });
    const readOnly = await adminToken(ep, MAKER, [`${GRAPH}/User.Read`], clientAppId);
    const denied = await graph<GraphErrorBody>(readOnly, 'POST', '/applications', { displayName: 'x' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
    await setPolicy(ep, { usersCanRegisterApps: false });
    const t = await makerToken();
    assert.equal((await graph(t, 'POST', '/applications', { displayName: 'x' })).status, 403);
    const admin = await adminToken(ep, ADMIN, [`${GRAPH}/Application.ReadWrite.All`]);
    assert.equal((await graph(admin, 'POST', '/applications', { displayName: 'x' })).status, 201);
  });

  it('lets only owners and admins change or delete an application', async () => {
    const seeded = await seedObjects(ep, { applications: [{ displayName: 'Someone else\'s' }], owner: ADMIN });
    const id = String(seeded.applications[0]!.id);
    const t = await makerToken();
    assert.equal((await graph(t, 'PATCH', `/applications/${id}`, { displayName: 'mine now' })).status, 403);
    assert.equal((await graph(t, 'DELETE', `/applications/${id}`)).status, 403);
    const admin = await adminToken(ep, ADMIN, [`${GRAPH}/Application.ReadWrite.All`]);
    assert.equal((await graph(admin, 'DELETE', `/applications/${id}`)).status, 204);
    assert.equal((await graph(admin, 'GET', `/applications/${id}`)).status, 404);
  });
});

describe('Graph: service principals and grants', () => {
  it('creates service principals, upserts by appId, and grants consent as the roles allow', async () => {
    const t = await makerToken();
    const api = await graph<{ appId: string }>(t, 'POST', '/applications', apiApp('Grant API'));
    const client = await graph<{ appId: string }>(t, 'POST', '/applications', { displayName: 'Grant client' });
    const apiSp = await graph<{ id: string; servicePrincipalNames: string[] }>(t, 'POST', '/servicePrincipals', { appId: api.body.appId });
    assert.equal(apiSp.status, 201);
    assert.ok(apiSp.body.servicePrincipalNames.includes(api.body.appId));
    const again = await graph<GraphErrorBody>(t, 'POST', '/servicePrincipals', { appId: api.body.appId });
    assert.equal(again.status, 409);
    const clientSp = await graph<{ id: string }>(t, 'PATCH', `/servicePrincipals(appId='${client.body.appId}')`, {}, { Prefer: 'create-if-missing' });
    assert.equal(clientSp.status, 201);
    assert.equal((await graph(t, 'PATCH', `/servicePrincipals(appId='${client.body.appId}')`, { tags: ['x'] }, { Prefer: 'create-if-missing' })).status, 204);
    const tenantWide = await graph<GraphErrorBody>(t, 'POST', '/oauth2PermissionGrants', { clientId: clientSp.body.id, consentType: 'AllPrincipals', resourceId: apiSp.body.id, scope: 'user_impersonation' });
    assert.equal(tenantWide.status, 403);
    assert.equal(tenantWide.body.error.code, 'Authorization_RequestDenied');
    const state = await getState(ep);
    const maker = state.users.find((u) => u.username === MAKER)!;
    const own = await graph<{ id: string }>(t, 'POST', '/oauth2PermissionGrants', { clientId: clientSp.body.id, consentType: 'Principal', principalId: maker.id, resourceId: apiSp.body.id, scope: 'user_impersonation' });
    assert.equal(own.status, 201);
    const badScope = await graph<GraphErrorBody>(t, 'PATCH', `/oauth2PermissionGrants/${own.body.id}`, { scope: 'no_such_scope' });
    assert.equal(badScope.status, 400);
    const admin = await adminToken(ep, ADMIN, [`${GRAPH}/DelegatedPermissionGrant.ReadWrite.All`]);
    const org = await graph(admin, 'POST', '/oauth2PermissionGrants', { clientId: clientSp.body.id, consentType: 'AllPrincipals', resourceId: apiSp.body.id, scope: 'user_impersonation' });
    assert.equal(org.status, 201);
    const listed = await graph<{ value: unknown[] }>(t, 'GET', `/oauth2PermissionGrants?$filter=clientId eq '${clientSp.body.id}' and resourceId eq '${apiSp.body.id}'`);
    assert.equal(listed.body.value.length, 2);
    assert.equal((await graph(t, 'DELETE', `/oauth2PermissionGrants/${own.body.id}`)).status, 204);
  });

  it('seeds the first-party service principals with their real scope ids', async () => {
    const t = await makerToken();
    const g = await graph<{ oauth2PermissionScopes: { id: string; value: string }[] }>(t, 'GET', `/servicePrincipals(appId='${GRAPH_APP_ID}')`);
    assert.equal(g.body.oauth2PermissionScopes.find((s) => s.value === 'User.Read')?.id, USER_READ_ID);
    const conn = await graph<{ value: { displayName: string }[] }>(t, 'GET', "/servicePrincipals?$filter=appId eq 'fe053c5f-3692-4f14-aef2-ee34fc081cae'");
    assert.equal(conn.body.value[0]?.displayName, 'Azure API Connections');
  });
});

describe('Graph: $batch', () => {
  it('runs up to 20 requests, honours dependsOn and answers 424 for failed dependencies', async () => {
    const t = await makerToken();
    const res = await graph<{ responses: { id: string; status: number; body?: { id?: string } }[] }>(t, 'POST', '/$batch', {
      requests: [
        { id: '1', method: 'POST', url: '/applications', headers: { 'Content-Type': 'application/json' }, body: { displayName: 'Batched' } },
        { id: '2', method: 'GET', url: '/me' },
        { id: '3', method: 'GET', url: '/applications/00000000-0000-0000-0000-000000000000' },
        { id: '4', method: 'GET', url: '/organization', dependsOn: ['3'] },
      ],
    });
    assert.equal(res.status, 200);
    const by = Object.fromEntries(res.body.responses.map((r) => [r.id, r]));
    assert.equal(by['1']!.status, 201);
    assert.equal(by['2']!.status, 200);
    assert.equal(by['3']!.status, 404);
    assert.equal(by['4']!.status, 424);
    const tooMany = await graph<GraphErrorBody>(t, 'POST', '/$batch', { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' })) });
    assert.equal(tooMany.status, 400);
  });
});

describe('Graph: bad input', () => {
  it('answers malformed JSON, wrong content types, unknown properties, bad keys, bad $filter and $top with Graph error bodies', async () => {
    const t = await makerToken();
    const malformed = await graph<GraphErrorBody>(t, 'POST', '/applications', '{"displayName": ', { 'content-type': 'application/json' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'BadRequest');
    const wrongType = await graph<GraphErrorBody>(t, 'POST', '/applications', 'displayName=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(wrongType.status, 415);
    assert.equal(wrongType.body.error.code, 'BadRequest');
    const unknown = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'x', colour: 'blue' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /colour/);
    const nested = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'x', api: { scopes: [] } });
    assert.equal(nested.status, 400);
    const typed = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'x', identifierUris: 'api://x' });
    assert.equal(typed.status, 400);
    const array = await graph<GraphErrorBody>(t, 'POST', '/applications', [{ displayName: 'x' }]);
    assert.equal(array.status, 400);
    const badId = await graph<GraphErrorBody>(t, 'GET', '/applications/not-a-guid');
    assert.equal(badId.status, 400);
    const badFilter = await graph<GraphErrorBody>(t, 'GET', "/applications?$filter=displayName eq 'unterminated");
    assert.equal(badFilter.status, 400);
    assert.equal(badFilter.body.error.code, 'BadRequest');
    const unsupported = await graph<GraphErrorBody>(t, 'GET', "/applications?$filter=notes eq 'x'");
    assert.equal(unsupported.body.error.code, 'Request_UnsupportedQuery');
    const badTop = await graph<GraphErrorBody>(t, 'GET', '/applications?$top=1000');
    assert.equal(badTop.status, 400);
    const badSelect = await graph<GraphErrorBody>(t, 'GET', '/applications?$select=nope');
    assert.equal(badSelect.status, 400);
    const big = await graph<GraphErrorBody>(t, 'POST', '/applications', { displayName: 'x', notes: 'x'.repeat(5 * 1024 * 1024) });
    assert.equal(big.status, 413);
    // Still alive.
    assert.equal((await graph(t, 'GET', '/me')).status, 200);
  });
});

describe('$search on directory objects (Microsoft Learn, "Use the $search query parameter")', () => {
  it('needs ConsistencyLevel: eventual; matches the starts of displayName tokens; AND / OR; refuses other properties and bad syntax', async () => {
    const token = await adminToken(ep, ADMIN, [`${GRAPH}/Application.ReadWrite.All`, `${GRAPH}/User.Read`]);
    for (const name of ['Contoso Invoices API', 'Contoso Orders connector', 'FabrikamPayrollApi']) {
      assert.equal((await graph(token, 'POST', '/applications', { displayName: name })).status, 201);
    }
    const search = (q: string, eventual = true) => graph<{ value: { displayName: string }[]; error?: { code: string } }>(token, 'GET', `/applications?$search=${encodeURIComponent(q)}&$count=true&$select=displayName`, undefined, eventual ? { ConsistencyLevel: 'eventual' } : {});
    const names = async (q: string) => (await search(q)).body.value.map((a) => a.displayName).sort();
    const without = await search('"displayName:API"', false);
    assert.equal(without.status, 400);
    assert.match(JSON.stringify(without.body), /ConsistencyLevel: eventual/);
    assert.deepEqual(await names('"displayName:API"'), ['Contoso Invoices API', 'FabrikamPayrollApi']);
    assert.deepEqual(await names('"displayName:inv"'), ['Contoso Invoices API']);
    assert.deepEqual(await names('"displayName:voices"'), [], 'tokens match from their start only');
    assert.deepEqual(await names('"displayName:contoso" AND "displayName:orders"'), ['Contoso Orders connector']);
    assert.deepEqual(await names('"displayName:payroll" OR "displayName:orders"'), ['Contoso Orders connector', 'FabrikamPayrollApi']);
    assert.equal((await search('"appId:123"')).status, 400);
    assert.equal((await search('displayName:API')).status, 400);
  });
});
