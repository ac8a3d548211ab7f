// Where a real tenant is stricter than a lenient emulator would be: Microsoft's first-party public clients and their
// pre-authorizations (AADSTS65002), `.default`, the v1 endpoints and v1 tokens, upserts that replace collections,
// admin consent without a reply URL (AADSTS500113), and Easy Auth's client-application restriction and issuer.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Signer } from '../src/jwt';
import type { Req } from '../src/http';
import { ARM_RESOURCE_GROUP, ARM_SUBSCRIPTION_ID, createArmHandler } from '../src/arm/index';
import { adminHeaders, adminToken, approveDevice, getState, httpsJson, resetEmulator, seedObjects, signInAsBrowser, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const GRAPH_CLI = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const AZURE_POWERSHELL = '1950a258-227b-4e31-a9cf-717495945fc2';
const VSCODE = 'aebc6443-996d-45c2-90f0-388ff96faa56';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const ARM_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
const POWER_PLATFORM_APP_ID = '475226c6-020e-4fb2-8a90-7a972cbfc1d4';
const GRAPH = 'https://graph.microsoft.com';
const MAKER = 'maker@contoso.example';
const ADMIN = 'admin@contoso.example';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PREAUTH_MESSAGE = /^AADSTS65002: Consent between first party application '([0-9a-f-]{36})' and first party resource '([0-9a-f-]{36})' must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API\. Trace ID: /;

let ep: Endpoints;

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

function post(path: string, body: Record<string, string>) {
  return httpsJson<Record<string, unknown>>(`${ep.loginEndpoint}/organizations${path}`, { method: 'POST', body: new URLSearchParams(body).toString(), headers: FORM, ca: ep.caCertPath });
}

/** A whole device-code sign-in on the v2 endpoints: request, the user approves, redeem. */
async function deviceCode(clientId: string, scope: string, user = MAKER) {
  const start = await post('/oauth2/v2.0/devicecode', { client_id: clientId, scope });
  assert.equal(start.status, 200, start.text);
  await approveDevice(ep, user);
  return post('/oauth2/v2.0/token', { client_id: clientId, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: String(start.body.device_code) });
}

function assertPreauthorizationRequired(reply: { status: number; body: Record<string, unknown> }, clientId: string, resourceAppId: string): void {
  assert.equal(reply.status, 400);
  assert.deepEqual(reply.body.error_codes, [65002]);
  const m = PREAUTH_MESSAGE.exec(String(reply.body.error_description));
  assert.ok(m, String(reply.body.error_description));
  assert.equal(m[1], clientId);
  assert.equal(m[2], resourceAppId);
}

useEmulator((e) => (ep = e));
beforeEach(() => resetEmulator(ep));

describe("Microsoft's first-party public clients", () => {
  it('exist in every tenant as service principals (no AADSTS700016 for Azure CLI, Azure PowerShell, VS Code, Graph CLI Tools); an unknown client still gets it', async () => {
    const state = await getState(ep);
    for (const appId of [AZURE_CLI, AZURE_POWERSHELL, VSCODE, GRAPH_CLI]) {
      assert.ok(state.servicePrincipals.some((sp) => sp.appId === appId), appId);
      const r = await post('/oauth2/v2.0/devicecode', { client_id: appId, scope: 'openid profile offline_access' });
      assert.equal(r.status, 200, `${appId}: ${r.text}`);
    }
    const unknown = await post('/oauth2/v2.0/devicecode', { client_id: '0badc0de-0000-4000-8000-000000000000', scope: 'openid' });
    assert.deepEqual(unknown.body.error_codes, [700016]);
  });

  it('Azure CLI gets Resource Manager and Power Platform through pre-authorization, without any consent grant', async () => {
    for (const scope of ['https://management.core.windows.net//.default', 'https://management.azure.com/user_impersonation', 'https://service.powerapps.com/.default']) {
      const r = await deviceCode(AZURE_CLI, `${scope} offline_access`);
      assert.equal(r.status, 200, `${scope}: ${r.text}`);
      const claims = claimsOf(String(r.body.access_token));
      assert.equal(claims.scp, 'user_impersonation', scope);
      assert.equal(claims.appid, AZURE_CLI);
    }
    const state = await getState(ep);
    const cliSp = state.servicePrincipals.find((sp) => sp.appId === AZURE_CLI)!;
    assert.equal(state.oauth2PermissionGrants.filter((g) => g.clientId === cliSp.id).length, 0, 'pre-authorization is not a consent grant');
  });

  it('Graph CLI Tools asking for Resource Manager or Power Platform gets AADSTS65002 (it is not pre-authorized; consent cannot fix it)', async () => {
    assertPreauthorizationRequired(await deviceCode(GRAPH_CLI, 'https://management.azure.com/user_impersonation', ADMIN), GRAPH_CLI, ARM_APP_ID);
    assertPreauthorizationRequired(await deviceCode(GRAPH_CLI, 'https://service.powerapps.com/.default', ADMIN), GRAPH_CLI, POWER_PLATFORM_APP_ID);
    // An administrator's consent changes nothing: there is no consent to give.
    const admin = await httpsJson<Record<string, unknown>>(`${ep.adminEndpoint}/token`, { method: 'POST', body: { user: ADMIN, clientId: GRAPH_CLI, scopes: ['https://management.azure.com/user_impersonation'] }, headers: adminHeaders(ep), ca: ep.caCertPath });
    assertPreauthorizationRequired(admin, GRAPH_CLI, ARM_APP_ID);
  });

  it('Azure PowerShell and VS Code asking for Graph scopes they are not pre-authorized for get AADSTS65002; VS Code gets User.Read', async () => {
    assertPreauthorizationRequired(await deviceCode(AZURE_POWERSHELL, `${GRAPH}/Application.Read.All`), AZURE_POWERSHELL, GRAPH_APP_ID);
    assertPreauthorizationRequired(await deviceCode(VSCODE, `${GRAPH}/Application.ReadWrite.All`), VSCODE, GRAPH_APP_ID);
    assertPreauthorizationRequired(await deviceCode(AZURE_CLI, `${GRAPH}/Application.ReadWrite.All`), AZURE_CLI, GRAPH_APP_ID);
    const ok = await deviceCode(VSCODE, `${GRAPH}/User.Read`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(claimsOf(String(ok.body.access_token)).scp, 'User.Read');
  });

  it('AADSTS65002 reaches the client of a browser sign-in after the user signed in (the redirect carries it)', async () => {
    const params = new URLSearchParams({ client_id: GRAPH_CLI, response_type: 'code', response_mode: 'query', redirect_uri: 'http://localhost:1/', scope: 'https://management.azure.com/user_impersonation openid', state: 's' });
    const r = await signInAsBrowser(`${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize?${params}`, { username: MAKER, ca: ep.caCertPath });
    assert.match(r.delivered?.params.error_description ?? '', PREAUTH_MESSAGE);
  });

  it('`.default` yields exactly what the client is pre-authorized for (Azure CLI on Graph) or consented for (Graph CLI Tools on Graph)', async () => {
    const cli = await deviceCode(AZURE_CLI, `${GRAPH}/.default`);
    assert.equal(cli.status, 200, cli.text);
    assert.deepEqual(String(claimsOf(String(cli.body.access_token)).scp).split(' ').sort(), ['AuditLog.Read.All', 'Directory.AccessAsUser.All', 'Group.ReadWrite.All', 'User.ReadWrite.All']);
    const tools = await deviceCode(GRAPH_CLI, `${GRAPH}/.default`);
    assert.equal(tools.status, 200, tools.text);
    assert.deepEqual(String(claimsOf(String(tools.body.access_token)).scp).split(' ').sort(), ['Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'User.Read']);
  });
});

describe('the v1 endpoints (resource=) and v1 tokens', () => {
  it('/oauth2/devicecode answers with verification_url; /oauth2/token redeems `code` with the v1 answer (resource, expires_on) and a v1 token', async () => {
    const start = await post('/oauth2/devicecode', { client_id: AZURE_CLI, resource: 'https://service.powerapps.com/' });
    assert.equal(start.status, 200, start.text);
    assert.ok(String(start.body.verification_url).endsWith('/devicelogin'));
    assert.equal(start.body.verification_uri, undefined);
    await approveDevice(ep, MAKER);
    const r = await post('/oauth2/token', { client_id: AZURE_CLI, grant_type: 'device_code', code: String(start.body.device_code), resource: 'https://service.powerapps.com/' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.resource, 'https://service.powerapps.com/');
    assert.match(String(r.body.expires_on), /^\d+$/);
    const claims = claimsOf(String(r.body.access_token));
    assert.equal(claims.iss, `https://sts.windows.net/${ep.tenantId}/`);
    assert.equal(claims.ver, '1.0');
    assert.equal(claims.scp, 'user_impersonation');
  });

  it('/oauth2/authorize with resource= signs in and /oauth2/token redeems the code; a refused resource gives AADSTS65002 there too', async () => {
    const params = new URLSearchParams({ client_id: AZURE_CLI, response_type: 'code', redirect_uri: 'http://localhost:1/', resource: 'https://management.core.windows.net/', state: 'v1' });
    const r = await signInAsBrowser(`${ep.loginEndpoint}/organizations/oauth2/authorize?${params}`, { username: MAKER, ca: ep.caCertPath });
    const code = r.delivered?.params.code;
    assert.ok(code, r.page);
    const t = await post('/oauth2/token', { client_id: AZURE_CLI, grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:1/', resource: 'https://management.core.windows.net/' });
    assert.equal(t.status, 200, t.text);
    assert.equal(claimsOf(String(t.body.access_token)).aud, 'https://management.azure.com');
    const refused = new URLSearchParams({ client_id: GRAPH_CLI, response_type: 'code', redirect_uri: 'http://localhost:1/', resource: 'https://management.core.windows.net/', state: 'v1' });
    const r2 = await signInAsBrowser(`${ep.loginEndpoint}/organizations/oauth2/authorize?${refused}`, { username: MAKER, ca: ep.caCertPath });
    assert.match(r2.delivered?.params.error_description ?? '', PREAUTH_MESSAGE);
  });

  it('an API app whose requestedAccessTokenVersion is null gets v1 tokens (iss sts.windows.net, aud as requested); 2 gets v2 tokens (aud = appId)', async () => {
    const seeded = await seedObjects(ep, {
      owner: ADMIN,
      applications: [
        { displayName: 'V1 API', identifierUris: ['api://v1-api'], api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [{ id: '11111111-1111-4111-8111-111111111111', value: 'access', type: 'User', isEnabled: true }], preAuthorizedApplications: [], knownClientApplications: [] } },
        { displayName: 'V2 API', identifierUris: ['api://v2-api'], api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ id: '22222222-2222-4222-8222-222222222222', value: 'access', type: 'User', isEnabled: true }], preAuthorizedApplications: [], knownClientApplications: [] } },
      ],
    });
    await seedObjects(ep, { servicePrincipals: seeded.applications.map((a) => ({ appId: a.appId })) });
    const v1 = claimsOf(await adminToken(ep, MAKER, ['api://v1-api/access'], GRAPH_CLI));
    assert.equal(v1.iss, `https://sts.windows.net/${ep.tenantId}/`);
    assert.equal(v1.aud, 'api://v1-api');
    const v2 = claimsOf(await adminToken(ep, MAKER, ['api://v2-api/access'], GRAPH_CLI));
    assert.equal(v2.iss, `${ep.loginEndpoint}/${ep.tenantId}/v2.0`);
    assert.equal(v2.aud, seeded.applications[1]!.appId);
  });
});

describe('upserts and collections', () => {
  const graph = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const token = await adminToken(ep, ADMIN, [`${GRAPH}/Application.ReadWrite.All`]);
    return httpsJson<Record<string, unknown>>(`${ep.graphEndpoint}/v1.0${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers }, ca: ep.caCertPath });
  };

  it('an upsert on an existing object is an update (204) whose collections replace the stored ones (tags, web.redirectUris, requiredResourceAccess)', async () => {
    const created = await graph('PATCH', "/applications(uniqueName='rt-upsert')", { displayName: 'Upsert', web: { redirectUris: ['https://a.example/cb', 'https://b.example/cb'] }, tags: ['theirs'] }, { prefer: 'create-if-missing' });
    assert.equal(created.status, 201);
    const again = await graph('PATCH', "/applications(uniqueName='rt-upsert')", { displayName: 'Upsert', web: { redirectUris: ['https://c.example/cb'] }, tags: ['mine'] }, { prefer: 'create-if-missing' });
    assert.equal(again.status, 204);
    const app = await graph('GET', `/applications/${String(created.body.id)}`);
    assert.deepEqual((app.body.web as { redirectUris: string[] }).redirectUris, ['https://c.example/cb']);
    assert.deepEqual(app.body.tags, ['mine']);
    const sp = await graph('PATCH', `/servicePrincipals(appId='${String(created.body.appId)}')`, { tags: ['HideApp'] }, { prefer: 'create-if-missing' });
    assert.equal(sp.status, 201);
    const sp2 = await graph('PATCH', `/servicePrincipals(appId='${String(created.body.appId)}')`, { tags: ['WindowsAzureActiveDirectoryIntegratedApp'] }, { prefer: 'create-if-missing' });
    assert.equal(sp2.status, 204);
    const read = await graph('GET', `/servicePrincipals(appId='${String(created.body.appId)}')`);
    assert.deepEqual(read.body.tags, ['WindowsAzureActiveDirectoryIntegratedApp'], 'the upsert dropped the HideApp tag');
  });
});

describe('admin consent', () => {
  it('/adminconsent for an app with no reply URL fails before sign-in with AADSTS500113; with one it signs the admin in', async () => {
    const seeded = await seedObjects(ep, { owner: ADMIN, applications: [{ displayName: 'No reply URL' }, { displayName: 'With reply URL', web: { redirectUris: ['https://contoso.example/consented'] } }] });
    const [bare, withReply] = seeded.applications as { appId: string }[];
    const url = (appId: string) => `${ep.loginEndpoint}/${ep.tenantId}/v2.0/adminconsent?client_id=${appId}&scope=${encodeURIComponent(`${GRAPH}/User.Read`)}`;
    const refused = await httpsJson<string>(url(bare!.appId), { ca: ep.caCertPath });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /AADSTS500113: No reply address is registered for the application\./);
    const r = await signInAsBrowser(url(withReply!.appId), { username: ADMIN, ca: ep.caCertPath });
    assert.equal(r.delivered?.url.split('?')[0], 'https://contoso.example/consented');
    assert.equal(r.delivered?.params.admin_consent, 'True');
  });
});

describe('Easy Auth on the emulated site', () => {
  const TENANT = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
  const V2 = `https://127.0.0.2:1/${TENANT}/v2.0`;
  const V1 = `https://sts.windows.net/${TENANT}/`;
  const API = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
  const CONNECTOR = '5eed0000-0000-4000-8000-00000000c0de';
  const signer = new Signer();
  const site = (validation: Record<string, unknown>, issuer = V2) =>
    createArmHandler({
      tenantId: TENANT,
      verify: (t) => signer.verify(t),
      validIssuers: () => [V2],
      userById: () => undefined,
      seed: {
        subscriptions: [{ subscriptionId: ARM_SUBSCRIPTION_ID, displayName: 'S' }],
        sites: [{
          subscriptionId: ARM_SUBSCRIPTION_ID, resourceGroup: ARM_RESOURCE_GROUP, name: 'api', kind: 'app',
          authV2: { platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' }, identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: API, openIdIssuer: issuer }, validation: { allowedAudiences: [`api://${API}`], ...validation } } } },
        }],
      },
    });
  const call = (arm: ReturnType<typeof site>, claims: Record<string, unknown>) => {
    const token = signer.sign({ aud: API, iss: V2, tid: TENANT, oid: 'u', exp: Math.floor(Date.now() / 1000) + 600, ...claims });
    const req: Req = { method: 'GET', path: '/api', query: new URLSearchParams(), headers: { authorization: `Bearer ${token}` }, body: '', origin: 'https://127.0.0.2:1' };
    return arm.serveSite('api', req).status;
  };

  it('the portal default (allowedApplications = the API app itself) refuses the connector app’s token with 403 until it is listed', () => {
    assert.equal(call(site({ defaultAuthorizationPolicy: { allowedApplications: [API] } }), { azp: CONNECTOR }), 403);
    assert.equal(call(site({ defaultAuthorizationPolicy: { allowedApplications: [API, CONNECTOR] } }), { azp: CONNECTOR }), 200);
    assert.equal(call(site({ jwtClaimChecks: { allowedClientApplications: [API] } }), { appid: CONNECTOR }), 403);
    assert.equal(call(site({ defaultAuthorizationPolicy: { allowedApplications: [] } }), { azp: CONNECTOR }), 200, 'an empty list restricts nothing');
  });

  it('accepts only tokens of the configured issuer: a v1 token (sts.windows.net) is refused by a v2 issuer and accepted by the v1 one', () => {
    assert.equal(call(site({}), { azp: CONNECTOR, iss: V1 }), 401);
    assert.equal(call(site({}, V1), { appid: CONNECTOR, iss: V1 }), 200);
  });
});
