// The emulated Power Platform: the Power Apps / Flow resource providers (environments, connectors, swagger
// validation, icon storage), and the connection chain as the platform runs it — consent link → the tenant's
// authorize endpoint with the connector app's client ID, redirect URL and resource → code redeemed with the deployed
// secret → the connector runtime calls the site through Easy Auth — with each misconfiguration failing as it does
// for real (AADSTS50011, 7000215, 500011, the consent prompt, 401 at Easy Auth, 403 for a client not allowed).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { ARM_RESOURCE_GROUP, ARM_SUBSCRIPTION_ID } from '../src/arm/index';
import { AZURE_CLI_CLIENT_ID } from '../src/directory';
import { escapeConnectorName } from '../src/powerplatform/index';
import { adminToken, getState, httpsJson, resetEmulator, signInAsBrowser, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const ADMIN = 'admin@contoso.example';
const MAKER = 'maker@contoso.example';
const V = 'api-version=2016-11-01';
const SITE = `/subscriptions/${ARM_SUBSCRIPTION_ID}/resourceGroups/${ARM_RESOURCE_GROUP}/providers/Microsoft.Web/sites/contoso-invoices`;
const RETURN_URL = 'http://127.0.0.1:9/connection-done';

let ep: Endpoints;

useEmulator((e) => (ep = e));
beforeEach(async () => resetEmulator(ep));

const SWAGGER = {
  swagger: '2.0',
  info: { title: 'Contoso Invoices', description: 'Invoices.', version: '1.0' },
  host: 'contoso-invoices.azurewebsites.net',
  basePath: '/api',
  schemes: ['https'],
  paths: { '/invoices': { get: { operationId: 'ListInvoices', summary: 'List invoices', responses: { '200': { description: 'ok' } } } } },
};

async function call<T = Record<string, unknown>>(method: string, url: string, token: string, body?: unknown) {
  return httpsJson<T>(url, { method, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { body } : {}), ca: ep.caCertPath });
}

const ppToken = (user = MAKER) => adminToken(ep, user, ['https://service.powerapps.com/.default'], AZURE_CLI_CLIENT_ID);
const hubToken = (user = MAKER) => adminToken(ep, user, ['https://apihub.azure.com/.default'], AZURE_CLI_CLIENT_ID);
const defaultEnv = () => `Default-${ep.tenantId}`;
const apis = (env = defaultEnv()) => `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis?${V}&$filter=${encodeURIComponent(`environment eq '${env}'`)}`;
const api = (name: string, rest = '', env = defaultEnv()) => `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis/${name}${rest}?${V}&$filter=${encodeURIComponent(`environment eq '${env}'`)}`;

interface Tenant {
  apiAppId: string;
  identifierUri: string;
  connectorAppId: string;
  connectorObjectId: string;
  secret: string;
  grantId: string;
}

/** The apps the guided setup makes, made directly through Graph: API app + scope, connector app + secret, a tenant-wide grant; Easy Auth on the site. */
async function tenant(): Promise<Tenant> {
  const g = await adminToken(ep, ADMIN, ['https://graph.microsoft.com/Application.ReadWrite.All', 'https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All']);
  const graph = (m: string, p: string, b?: unknown) => call(m, `${ep.graphEndpoint}/v1.0${p}`, g, b);
  const scopeId = randomUUID();
  const identifierUri = `api://contoso.example/invoices-${scopeId.slice(0, 8)}`;
  const apiApp = (await graph('POST', '/applications', {
    displayName: 'Invoices API',
    identifierUris: [identifierUri],
    api: { oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access the API', userConsentDisplayName: 'Access', userConsentDescription: 'Access the API' }] },
  })).body as { id: string; appId: string };
  const apiSp = (await graph('POST', '/servicePrincipals', { appId: apiApp.appId })).body as { id: string };
  const conn = (await graph('POST', '/applications', {
    displayName: 'Invoices connector',
    requiredResourceAccess: [{ resourceAppId: apiApp.appId, resourceAccess: [{ id: scopeId, type: 'Scope' }] }],
  })).body as { id: string; appId: string };
  const pw = (await graph('POST', `/applications/${conn.id}/addPassword`, { passwordCredential: { displayName: 'connector' } })).body as { secretText: string };
  const connSp = (await graph('POST', '/servicePrincipals', { appId: conn.appId })).body as { id: string };
  const grant = (await graph('POST', '/oauth2PermissionGrants', { clientId: connSp.id, consentType: 'AllPrincipals', resourceId: apiSp.id, scope: 'user_impersonation' })).body as { id: string };
  assert.ok(apiApp.appId && conn.appId && pw.secretText && grant.id);
  await easyAuth({ clientId: apiApp.appId, audiences: [identifierUri, apiApp.appId] });
  return { apiAppId: apiApp.appId, identifierUri, connectorAppId: conn.appId, connectorObjectId: conn.id, secret: pw.secretText, grantId: grant.id };
}

async function easyAuth(o: { clientId: string; audiences: string[]; allowedApplications?: string[] }): Promise<void> {
  const arm = await adminToken(ep, ADMIN, ['https://management.azure.com/user_impersonation']);
  const r = await call('PUT', `${ep.armEndpoint}${SITE}/config/authsettingsV2?api-version=2022-03-01`, arm, {
    properties: {
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          // The API app asks for no token version: its tokens are v1, from the v1 issuer.
          registration: { clientId: o.clientId, openIdIssuer: `https://sts.windows.net/${ep.tenantId}/` },
          validation: { allowedAudiences: o.audiences, ...(o.allowedApplications ? { defaultAuthorizationPolicy: { allowedApplications: o.allowedApplications } } : {}) },
        },
      },
    },
  });
  assert.equal(r.status, 200, r.text);
}

async function graphPatch(objectId: string, body: unknown): Promise<void> {
  const g = await adminToken(ep, ADMIN, ['https://graph.microsoft.com/Application.ReadWrite.All']);
  const r = await call('PATCH', `${ep.graphEndpoint}/v1.0/applications/${objectId}`, g, body);
  assert.equal(r.status, 204, r.text);
}

function connectorBody(t: Tenant, o: { secret?: string; resourceUri?: string; redirectMode?: string; env?: string } = {}) {
  return {
    properties: {
      displayName: SWAGGER.info.title,
      description: SWAGGER.info.description,
      openApiDefinition: SWAGGER,
      backendService: { serviceUrl: 'https://contoso-invoices.azurewebsites.net/api' },
      environment: { name: o.env ?? defaultEnv() },
      connectionParameters: {
        token: {
          type: 'oauthSetting',
          oAuthSettings: {
            identityProvider: 'aad',
            clientId: t.connectorAppId,
            ...(o.secret !== undefined ? { clientSecret: o.secret } : {}),
            scopes: [],
            ...(o.redirectMode === '' ? {} : { redirectMode: o.redirectMode ?? 'GlobalPerConnector' }),
            properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: o.resourceUri ?? t.identifierUri, IsOnbehalfofLoginSupported: true },
            customParameters: { loginUri: { value: ep.loginEndpoint }, tenantId: { value: 'common' }, resourceUri: { value: o.resourceUri ?? t.identifierUri }, enableOnbehalfOfLogin: { value: 'false' } },
          },
        },
      },
    },
  };
}

interface Deployed {
  name: string;
  redirectUrl: string;
  runtimeUrl: string;
}

async function deploy(t: Tenant, o: { secret?: string; resourceUri?: string; register?: boolean } = {}): Promise<Deployed> {
  const pp = await ppToken();
  const r = await call<{ name: string }>('POST', apis(), pp, connectorBody(t, { secret: o.secret ?? t.secret, ...(o.resourceUri ? { resourceUri: o.resourceUri } : {}) }));
  assert.equal(r.status, 201, r.text);
  const got = await call<{ properties: { connectionParameters: { token: { oAuthSettings: { redirectUrl: string; clientSecret?: string } } }; primaryRuntimeUrl: string } }>('GET', api(r.body.name), pp);
  assert.equal(got.status, 200, got.text);
  const redirectUrl = got.body.properties.connectionParameters.token.oAuthSettings.redirectUrl;
  if (o.register ?? true) await graphPatch(t.connectorObjectId, { web: { redirectUris: [redirectUrl] } });
  return { name: r.body.name, redirectUrl, runtimeUrl: got.body.properties.primaryRuntimeUrl };
}

/** Creates a connection as the maker, runs its consent link in the browser; returns what the browser saw and the connection's status. */
async function connect(d: Deployed, o: { accept?: boolean } = {}) {
  const pp = await ppToken();
  const connName = randomUUID().replace(/-/g, '');
  const created = await call<{ properties: { statuses: { status: string; error?: { code: string } }[] } }>('PUT', api(d.name, `/connections/${connName}`), pp, { properties: { environment: { name: defaultEnv() }, connectionParameters: {} } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.properties.statuses[0]!.error?.code, 'Unauthenticated');
  const link = await call<{ consentLink: string }>('POST', api(d.name, `/connections/${connName}/getConsentLink`), pp, { redirectUrl: RETURN_URL });
  assert.equal(link.status, 200, link.text);
  const first = await httpsJson(link.body.consentLink, { ca: ep.caCertPath });
  const authorize = new URL(String(first.headers.location));
  const browser = await signInAsBrowser(link.body.consentLink, { username: MAKER, accept: o.accept ?? true, ca: ep.caCertPath });
  const status = await call<{ properties: { statuses: { status: string; error?: { message: string } }[] } }>('GET', api(d.name, `/connections/${connName}`), pp);
  return { connName, browser, authorize, status: status.body.properties.statuses[0]! };
}

async function throughConnector(d: Deployed, connName: string) {
  return call<unknown>('GET', `${d.runtimeUrl}/${connName}/invoices`, await hubToken());
}

describe('emulated Power Platform: resource providers', () => {
  it('lists environments, the default first for everyone; the maker sees only the default and gets 403 on the named one', async () => {
    const admin = await call<{ value: { name: string; properties: { isDefault: boolean } }[] }>('GET', `${ep.flowEndpoint}/providers/Microsoft.ProcessSimple/environments?${V}`, await ppToken(ADMIN));
    assert.equal(admin.status, 200);
    assert.equal(admin.body.value.length, 2);
    assert.equal(admin.body.value[0]!.name, defaultEnv());
    assert.equal(admin.body.value[0]!.properties.isDefault, true);
    const named = admin.body.value[1]!.name;
    const maker = await call<{ value: { name: string }[] }>('GET', `${ep.flowEndpoint}/providers/Microsoft.ProcessSimple/environments?${V}`, await ppToken());
    assert.deepEqual(maker.body.value.map((e) => e.name), [defaultEnv()]);
    const denied = await call<{ error: { code: string; message: string } }>('GET', apis(named), await ppToken());
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'EnvironmentAccessDenied');
    assert.match(denied.body.error.message, /does not have permission to access the environment/);
  });

  it('accepts only Power Apps tokens, requires the api-version and the environment filter', async () => {
    const graphToken = await adminToken(ep, MAKER, ['https://graph.microsoft.com/User.Read']);
    const wrong = await call<{ error: { code: string } }>('GET', apis(), graphToken);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'InvalidAuthenticationTokenAudience');
    const none = await httpsJson<{ error: { code: string } }>(apis(), { ca: ep.caCertPath });
    assert.equal(none.status, 401);
    const pp = await ppToken();
    const noVersion = await call<{ error: { code: string } }>('GET', `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis`, pp);
    assert.equal(noVersion.body.error.code, 'MissingApiVersionParameter');
    const noFilter = await call<{ error: { code: string } }>('GET', `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis?${V}`, pp);
    assert.equal(noFilter.status, 400);
  });

  it('validateApiSwagger passes a good swagger and names each problem of a broken one', async () => {
    const pp = await ppToken();
    const me = JSON.parse(Buffer.from(pp.split('.')[1]!, 'base64url').toString()) as { oid: string };
    const url = `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/objectIds/${me.oid}/validateApiSwagger?${V}`;
    const ok = await call('POST', url, pp, SWAGGER);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '');
    const broken = await call<{ error: { message: string } }>('POST', url, pp, { swagger: '2.0', info: { title: '' }, paths: { '/x': { get: { responses: {} } } } });
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /Error : 'info\.title' is required\./);
    assert.match(broken.body.error.message, /Error : 'host' is required\./);
    assert.match(broken.body.error.message, /Error : Operation 'GET \/x' has no operationId\./);
    const other = await call('POST', url.replace(me.oid, randomUUID()), pp, SWAGGER);
    assert.equal(other.status, 403);
  });

  it('generateResourceStorage gives a container SAS; a blob PUT needs x-ms-blob-type and the signature; the blob reads back', async () => {
    const pp = await ppToken();
    const me = JSON.parse(Buffer.from(pp.split('.')[1]!, 'base64url').toString()) as { oid: string };
    const r = await call<{ sharedAccessSignature: string }>('POST', `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/objectIds/${me.oid}/generateResourceStorage?${V}`, pp, { environment: { name: defaultEnv() } });
    assert.equal(r.status, 200, r.text);
    const sas = new URL(r.body.sharedAccessSignature);
    const blobUrl = `${sas.origin}${sas.pathname}/icon.png${sas.search}`;
    const noType = await httpsJson(blobUrl, { method: 'PUT', body: 'PNG', headers: { 'content-type': 'image/png' }, ca: ep.caCertPath });
    assert.equal(noType.status, 400);
    const badSig = await httpsJson(blobUrl.replace(/sig=[^&]+/, 'sig=forged'), { method: 'PUT', body: 'PNG', headers: { 'content-type': 'image/png', 'x-ms-blob-type': 'BlockBlob' }, ca: ep.caCertPath });
    assert.equal(badSig.status, 403);
    const put = await httpsJson(blobUrl, { method: 'PUT', body: 'PNG', headers: { 'content-type': 'image/png', 'x-ms-blob-type': 'BlockBlob' }, ca: ep.caCertPath });
    assert.equal(put.status, 201);
    const back = await httpsJson(blobUrl, { ca: ep.caCertPath });
    assert.equal(back.text, 'PNG');
  });

  it('creates a connector with a per-connector redirect URL, never returns the secret, lists it per environment; an update without a secret keeps the deployed one', async () => {
    const t = await tenant();
    const pp = await ppToken();
    const noSecret = await call<{ error: { code: string } }>('POST', apis(), pp, connectorBody(t));
    assert.equal(noSecret.status, 400);
    const d = await deploy(t, { register: false });
    assert.match(d.name, new RegExp(`^shared_${escapeConnectorName('Contoso Invoices')}-5f[0-9a-f]{18}-[0-9a-f]{16}$`));
    assert.equal(d.redirectUrl, `${new URL(ep.powerAppsEndpoint).origin}/consent/redirect/${d.name.slice('shared_'.length)}`);
    const got = await call('GET', api(d.name), pp);
    assert.ok(!got.text.includes(t.secret), 'the secret is never returned');
    const list = await call<{ value: { name: string }[] }>('GET', apis(), pp);
    assert.deepEqual(list.body.value.map((c) => c.name), [d.name]);
    const digest = (await getState(ep)).powerPlatform.connectors[0]!.secretSha256;
    const patched = await call('PATCH', api(d.name), pp, connectorBody(t));
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await getState(ep)).powerPlatform.connectors[0]!.secretSha256, digest);
    const legacy = await call<{ properties: { connectionParameters: { token: { oAuthSettings: { redirectUrl: string } } } } }>('POST', apis(), pp, connectorBody(t, { secret: t.secret, redirectMode: '' }));
    assert.equal(legacy.body.properties.connectionParameters.token.oAuthSettings.redirectUrl, `${new URL(ep.powerAppsEndpoint).origin}/consent/redirect`);
  });
});

describe('emulated Power Platform: the connection chain', () => {
  it('consent link → authorize with the connector app, its redirect URL and the resource → code redeemed with the deployed secret → the runtime calls the site through Easy Auth (200)', async () => {
    const t = await tenant();
    const d = await deploy(t);
    const c = await connect(d);
    assert.equal(c.status.status, 'Connected', JSON.stringify(c.status));
    assert.equal(c.browser.delivered?.url.split('?')[0], RETURN_URL);
    assert.ok(c.browser.delivered?.params.code);
    const authorize = c.authorize;
    assert.equal(authorize.pathname, '/common/oauth2/authorize');
    assert.equal(authorize.searchParams.get('client_id'), t.connectorAppId);
    assert.equal(authorize.searchParams.get('redirect_uri'), d.redirectUrl);
    assert.equal(authorize.searchParams.get('resource'), t.identifierUri);
    const r = await throughConnector(d, c.connName);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { site: 'contoso-invoices', path: '/api/invoices', user: MAKER });
    const other = await call('GET', `${d.runtimeUrl}/${c.connName}/invoices`, await hubToken(ADMIN));
    assert.equal(other.status, 403, 'a connection is its owner’s');
    const wrongAud = await call('GET', `${d.runtimeUrl}/${c.connName}/invoices`, await ppToken());
    assert.equal(wrongAud.status, 401);
  });

  it('an unregistered redirect URL stops at the sign-in page with AADSTS50011; the connection stays unauthenticated', async () => {
    const t = await tenant();
    const d = await deploy(t, { register: false });
    const c = await connect(d);
    assert.match(c.browser.page ?? '', /AADSTS50011/);
    assert.ok((c.browser.page ?? '').includes(d.redirectUrl));
    assert.equal(c.status.status, 'Error');
  });

  it('a wrong deployed secret fails the code redemption with AADSTS7000215', async () => {
    const t = await tenant();
    const d = await deploy(t, { secret: 'not-the-secret-value' });
    const c = await connect(d);
    assert.equal(c.status.status, 'Error');
    assert.match(c.status.error?.message ?? '', /AADSTS7000215/);
    assert.match(c.browser.delivered?.params.error_description ?? '', /AADSTS7000215/);
    const r = await throughConnector(d, c.connName);
    assert.equal(r.status, 401);
  });

  it('an unknown resource fails at authorize with AADSTS500011', async () => {
    const t = await tenant();
    const d = await deploy(t, { resourceUri: 'api://contoso.example/no-such-api' });
    const c = await connect(d);
    assert.equal(c.status.status, 'Error');
    assert.match(c.status.error?.message ?? '', /AADSTS500011/);
  });

  it('missing consent shows the consent prompt; declining leaves the connection failed (AADSTS65004)', async () => {
    const t = await tenant();
    const g = await adminToken(ep, ADMIN, ['https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All']);
    assert.equal((await call('DELETE', `${ep.graphEndpoint}/v1.0/oauth2PermissionGrants/${t.grantId}`, g)).status, 204);
    const d = await deploy(t);
    const c = await connect(d, { accept: false });
    assert.equal(c.status.status, 'Error');
    assert.match(c.status.error?.message ?? '', /AADSTS65004/);
  });

  it('a token for another audience gets 401 at Easy Auth; a client not in allowedApplications gets 403', async () => {
    const t = await tenant();
    const d = await deploy(t);
    const c = await connect(d);
    assert.equal(c.status.status, 'Connected');
    await easyAuth({ clientId: randomUUID(), audiences: ['api://contoso.example/something-else'] });
    assert.equal((await throughConnector(d, c.connName)).status, 401);
    await easyAuth({ clientId: t.apiAppId, audiences: [t.identifierUri, t.apiAppId], allowedApplications: [randomUUID()] });
    assert.equal((await throughConnector(d, c.connName)).status, 403);
    await easyAuth({ clientId: t.apiAppId, audiences: [t.identifierUri, t.apiAppId], allowedApplications: [t.connectorAppId] });
    assert.equal((await throughConnector(d, c.connName)).status, 200);
  });
});
