import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readConnectorAuth, SHARED_REDIRECT_URL, type ConnectorAuth } from '../../../src/registrations/connectorAuth';
import { computeHealth, lookupsFor, secretState, type AppRecord, type DirectorySnapshot } from '../../../src/registrations/health';

const NOW = new Date('2026-06-01T00:00:00Z');
const CLIENT = '11111111-1111-4111-8111-111111111111';
const API = '22222222-2222-4222-8222-222222222222';
const SCOPE_ID = '33333333-3333-4333-8333-333333333333';
const URL_PER_CONNECTOR = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5fabc';

function properties(oauth: Record<string, unknown> | undefined): string {
  const connectionParameters = oauth ? { token: { type: 'oauthSetting', oAuthSettings: oauth } } : {};
  return JSON.stringify({ properties: { connectionParameters, publisher: 'Contoso' } }, null, 2);
}

const entra = (extra: Record<string, unknown> = {}) =>
  properties({
    identityProvider: 'aad',
    clientId: CLIENT,
    scopes: [],
    redirectMode: 'GlobalPerConnector',
    redirectUrl: URL_PER_CONNECTOR,
    properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: 'api://contoso-invoices' },
    customParameters: { loginUri: { value: 'https://login.microsoftonline.com' }, tenantId: { value: 'common' }, resourceUri: { value: 'api://contoso-invoices' } },
    ...extra,
  });

const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000).toISOString();

function connectorApp(over: Partial<AppRecord> = {}): AppRecord {
  return {
    id: 'obj-client',
    appId: CLIENT,
    displayName: 'Contoso Invoices connector',
    web: { redirectUris: [URL_PER_CONNECTOR] },
    requiredResourceAccess: [{ resourceAppId: API, resourceAccess: [{ id: SCOPE_ID, type: 'Scope' }] }],
    passwordCredentials: [{ keyId: 'k1', displayName: 'first', endDateTime: days(120), hint: 'abc' }],
    ...over,
  };
}

const apiApp: AppRecord = {
  id: 'obj-api',
  appId: API,
  displayName: 'Contoso Invoices API',
  identifierUris: ['api://contoso-invoices'],
  api: {
    oauth2PermissionScopes: [{ id: SCOPE_ID, value: 'user_impersonation', isEnabled: true }],
    preAuthorizedApplications: [{ appId: 'fe053c5f-3692-4f14-aef2-ee34fc081cae', delegatedPermissionIds: [SCOPE_ID] }],
  },
};

function directory(over: Partial<DirectorySnapshot> = {}, app: AppRecord = connectorApp()): DirectorySnapshot {
  return {
    applications: [app, apiApp],
    servicePrincipals: [
      { id: 'sp-client', appId: CLIENT, displayName: app.displayName },
      { id: 'sp-api', appId: API, displayName: apiApp.displayName, servicePrincipalNames: ['api://contoso-invoices', API] },
    ],
    grants: [{ id: 'g1', clientId: 'sp-client', resourceId: 'sp-api', consentType: 'AllPrincipals', scope: 'user_impersonation' }],
    ...over,
  };
}

const health = (auth: ConnectorAuth, dir: DirectorySnapshot, secretsHere = new Map<string, string | undefined>([[CLIENT, 'abc']])) =>
  computeHealth({ name: 'Contoso Invoices', auth, directory: dir, secretsHere, now: NOW });

describe('readConnectorAuth', () => {
  it('reads client ID, resource and the per-connector redirect URL', () => {
    const auth = readConnectorAuth(entra());
    assert.deepEqual(auth, { kind: 'entra', identityProvider: 'aad', clientId: CLIENT, resourceUri: 'api://contoso-invoices', redirectMode: 'GlobalPerConnector', redirectUrl: URL_PER_CONNECTOR });
  });
  it('treats placeholders as missing and the Global mode as the shared URL', () => {
    const auth = readConnectorAuth(entra({ clientId: '[[DUMMY]]', redirectMode: undefined, redirectUrl: undefined }));
    assert.equal(auth.kind, 'entra');
    if (auth.kind !== 'entra') return;
    assert.equal(auth.clientId, undefined);
    assert.equal(auth.redirectMode, 'Global');
    assert.equal(auth.redirectUrl, SHARED_REDIRECT_URL);
  });
  it('knows a connector with no OAuth, another provider, or an unreadable file', () => {
    assert.equal(readConnectorAuth(properties(undefined)).kind, 'none');
    assert.equal(readConnectorAuth(undefined).kind, 'none');
    assert.deepEqual(readConnectorAuth(properties({ identityProvider: 'oauth2', clientId: 'x' })), { kind: 'other', identityProvider: 'oauth2' });
    assert.equal(readConnectorAuth('{ "properties": ').kind, 'invalid');
  });
  it('reads casing variants real authors write (oauthSettings, ResourceUri)', () => {
    const text = JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oauthSettings: { identityProvider: 'aad', clientId: CLIENT, customParameters: { ResourceUri: { value: API } } } } } } });
    const auth = readConnectorAuth(text);
    assert.equal(auth.kind === 'entra' && auth.resourceUri, API);
  });
});

describe('computeHealth', () => {
  const auth = readConnectorAuth(entra());

  it('a healthy connector: no warnings, tenant-wide consent, secret held here, identifier URI and pre-authorized client', () => {
    const h = health(auth, directory());
    assert.equal(h.status, 'ok');
    assert.equal(h.worst, undefined);
    assert.equal(h.connectorApp?.id, 'obj-client');
    assert.equal(h.apiApp?.appId, API);
    assert.deepEqual(h.redirectUris, [{ uri: URL_PER_CONNECTOR, state: 'registered' }]);
    assert.deepEqual(h.scopes, [{ value: 'user_impersonation', resourceName: 'Contoso Invoices API', requested: true, consent: 'tenant', userGrants: 0 }]);
    assert.equal(h.secrets.length, 1);
    assert.equal(h.secrets[0]!.state, 'fine');
    assert.equal(h.secrets[0]!.daysLeft, 120);
    assert.equal(h.secrets[0]!.heldHere, true);
    assert.deepEqual(h.identifierUris, ['api://contoso-invoices']);
    assert.deepEqual(h.preAuthorizedClients, [{ appId: 'fe053c5f-3692-4f14-aef2-ee34fc081cae', name: 'Azure API Connections', scopes: ['user_impersonation'] }]);
  });

  it('a missing redirect URI is an error that names the URI; other registered URIs are listed', () => {
    const h = health(auth, directory({}, connectorApp({ web: { redirectUris: ['https://example.test/cb'] } })));
    assert.equal(h.status, 'error');
    assert.equal(h.worst?.code, 'redirect-uri-missing');
    assert.match(h.worst!.detail, /contoso-20invoices-5fabc.*AADSTS50011/);
    assert.deepEqual(h.redirectUris, [
      { uri: URL_PER_CONNECTOR, state: 'missing' },
      { uri: 'https://example.test/cb', state: 'other' },
    ]);
  });

  it('a known per-connector URL (from the setup) is expected too', () => {
    const h = health(readConnectorAuth(entra({ redirectUrl: undefined })), directory(), );
    assert.deepEqual(h.redirectUris, [{ uri: URL_PER_CONNECTOR, state: 'other' }]);
    const withKnown = computeHealth({ name: 'x', auth: readConnectorAuth(entra({ redirectUrl: undefined })), directory: directory(), secretsHere: new Map(), now: NOW, knownRedirectUrls: [URL_PER_CONNECTOR] });
    assert.deepEqual(withKnown.redirectUris, [{ uri: URL_PER_CONNECTOR, state: 'registered' }]);
  });

  it('a secret expiring in 5 days is a warning with the day count; at 30 days it is fine', () => {
    const h = health(auth, directory({}, connectorApp({ passwordCredentials: [{ keyId: 'k', endDateTime: days(5.5), hint: 'abc' }] })));
    assert.equal(h.status, 'warning');
    assert.equal(h.worst?.code, 'secret-expiring');
    assert.equal(h.worst?.summary, 'secret expires in 5 days');
    assert.equal(h.secrets[0]!.state, 'expiring');
    assert.equal(secretState(days(30), NOW).state, 'fine');
    assert.equal(secretState(days(29.9), NOW).state, 'expiring');
    assert.equal(secretState(days(-1), NOW).state, 'expired');
    assert.equal(secretState(undefined, NOW).state, 'fine');
  });

  it('only expired secrets is an error; an expired one beside a fine one is not', () => {
    const expired = health(auth, directory({}, connectorApp({ passwordCredentials: [{ keyId: 'k', endDateTime: days(-3), hint: 'abc' }] })));
    assert.equal(expired.worst?.code, 'secret-expired');
    const mixed = health(auth, directory({}, connectorApp({ passwordCredentials: [{ keyId: 'old', endDateTime: days(-3) }, { keyId: 'new', endDateTime: days(200), hint: 'abc' }] })));
    assert.equal(mixed.status, 'ok');
    assert.deepEqual(mixed.secrets.map((s) => [s.keyId, s.state]), [['new', 'fine'], ['old', 'expired']]);
    const none = health(auth, directory({}, connectorApp({ passwordCredentials: [] })));
    assert.equal(none.worst?.code, 'no-secret');
  });

  it('a secret is held here only when SecretStorage has one for the client ID whose hint matches', () => {
    const dir = directory({}, connectorApp({ passwordCredentials: [{ keyId: 'a', endDateTime: days(90), hint: 'abc' }, { keyId: 'b', endDateTime: days(100), hint: 'xyz' }] }));
    const h = health(auth, dir);
    assert.deepEqual(h.secrets.map((s) => [s.keyId, s.heldHere]), [['b', false], ['a', true]]);
    const nothing = health(auth, dir, new Map());
    assert.ok(nothing.secrets.every((s) => !s.heldHere));
    assert.equal(nothing.problems.find((p) => p.code === 'secret-not-here')?.severity, 'info');
  });

  it('consent: tenant-wide, per user (counted), none', () => {
    const perUser = health(auth, directory({ grants: [
      { id: 'u1', clientId: 'sp-client', resourceId: 'sp-api', consentType: 'Principal', principalId: 'user1', scope: 'user_impersonation' },
      { id: 'u2', clientId: 'sp-client', resourceId: 'sp-api', consentType: 'Principal', principalId: 'user2', scope: 'openid user_impersonation' },
    ] }));
    assert.equal(perUser.scopes.find((s) => s.value === 'user_impersonation')?.consent, 'user');
    assert.equal(perUser.scopes.find((s) => s.value === 'user_impersonation')?.userGrants, 2);
    assert.equal(perUser.worst?.code, 'consent-per-user');
    const none = health(auth, directory({ grants: [] }));
    assert.equal(none.scopes[0]!.consent, 'none');
    assert.equal(none.worst?.code, 'consent-missing');
    assert.equal(none.status, 'warning');
  });

  it('the worst problem wins: an unknown client ID beats everything else', () => {
    const h = health(readConnectorAuth(entra({ clientId: '99999999-9999-4999-8999-999999999999' })), directory({ grants: [] }));
    assert.equal(h.worst?.code, 'connector-app-not-found');
    assert.equal(h.status, 'error');
  });

  it('a resource nobody answers to, a missing API permission and a missing service principal', () => {
    const lost = health(readConnectorAuth(entra({ customParameters: { resourceUri: { value: 'api://nowhere' } }, properties: {} })), directory());
    assert.ok(lost.problems.some((p) => p.code === 'resource-not-found'));
    const notRequested = health(auth, directory({}, connectorApp({ requiredResourceAccess: [] })));
    assert.ok(notRequested.problems.some((p) => p.code === 'scope-not-requested' && p.severity === 'error'));
    const noSp = health(auth, { ...directory(), servicePrincipals: [{ id: 'sp-api', appId: API }] });
    assert.ok(noSp.problems.some((p) => p.code === 'connector-sp-missing'));
  });

  it('a first-party resource (Microsoft Graph) is found through its service principal', () => {
    const graph = '00000003-0000-0000-c000-000000000000';
    const a = readConnectorAuth(entra({ customParameters: { resourceUri: { value: 'https://graph.microsoft.com/' } }, properties: {} }));
    const app = connectorApp({ requiredResourceAccess: [{ resourceAppId: graph, resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }] }] });
    const h = health(a, {
      applications: [app],
      servicePrincipals: [
        { id: 'sp-client', appId: CLIENT },
        { id: 'sp-graph', appId: graph, displayName: 'Microsoft Graph', servicePrincipalNames: ['https://graph.microsoft.com'], oauth2PermissionScopes: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', value: 'User.Read' }] },
      ],
      grants: [{ id: 'g', clientId: 'sp-client', resourceId: 'sp-graph', consentType: 'AllPrincipals', scope: 'User.Read' }],
    });
    assert.equal(h.resource?.name, 'Microsoft Graph');
    assert.equal(h.apiApp, undefined);
    assert.deepEqual(h.scopes.map((s) => [s.value, s.consent]), [['User.Read', 'tenant']]);
    assert.equal(h.status, 'ok');
  });

  it('a connector without auth offers to be secured', () => {
    const h = health(readConnectorAuth(properties(undefined)), directory());
    assert.equal(h.status, 'noAuth');
    assert.equal(h.worst?.code, 'no-auth');
  });

  it('lookupsFor collects client IDs and GUID resources as app IDs, other resources as URIs, once each', () => {
    const other = readConnectorAuth(entra({ clientId: CLIENT.toUpperCase(), customParameters: { resourceUri: { value: API } } }));
    assert.deepEqual(lookupsFor([auth, other, { kind: 'none' }]), { appIds: [CLIENT, API], resourceUris: ['api://contoso-invoices'] });
  });
});

describe('worstOf (issue 17, item 8)', () => {
  it('names missing consent before an unknown redirect URI (same severity): the tree flags the consent as such', async () => {
    const { worstOf } = await import('../../../src/registrations/health');
    const redirect = { severity: 'warning' as const, code: 'redirect-uri-unknown', summary: 'no redirect URI', detail: '' };
    const consent = { severity: 'warning' as const, code: 'consent-missing', summary: 'no consent', detail: '' };
    assert.equal(worstOf([redirect, consent])?.summary, 'no consent');
    assert.equal(worstOf([consent, redirect])?.summary, 'no consent');
    assert.equal(worstOf([redirect, { ...consent, severity: 'info' as const }])?.summary, 'no redirect URI');
  });
});
