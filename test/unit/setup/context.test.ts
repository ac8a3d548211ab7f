import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext, identifierUriFor, stableGuid, uniqueNamesFor, type SetupChoices } from '../../../src/setup/context';
import { adminConsentLink, resetStep, tokenSettingsFor } from '../../../src/setup/engine';
import { applyChoices } from '../../../src/wizard/model';
import { findRedirectUrl } from '../../../src/setup/redirect';
import { MemoryStateStore } from '../../../src/setup/stateFile';
import { summarize, undoPlan } from '../../../src/setup/summary';

const CHOICES: SetupChoices = {
  api: { kind: 'new', displayName: 'Invoices API', identifierUri: { kind: 'tenant' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' },
  connector: { kind: 'new', displayName: 'Invoices connector' },
  consent: 'admin',
  secretDays: 180,
  obo: false,
};
const TENANT = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
const CLOUD = { name: 'AzureCloud', loginEndpoint: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' };

function ctx(over: Partial<SetupChoices> = {}) {
  return createContext({ connectorDir: '/ws/Contoso Invoices', tenantId: TENANT, cloud: CLOUD, choices: { ...CHOICES, ...over } });
}

describe('setup context', () => {
  it('derives uniqueNames from folder, tenant and the setup\'s random identity: runs of one setup converge, another setup of a same-named folder does not', () => {
    const id = 'b7c2d1e0-0000-4000-8000-000000000001';
    assert.deepEqual(uniqueNamesFor('Contoso Invoices', TENANT, id), uniqueNamesFor('contoso invoices ', TENANT.toUpperCase(), id));
    assert.notDeepEqual(uniqueNamesFor('Contoso Invoices', TENANT, id), uniqueNamesFor('Other', TENANT, id));
    assert.match(ctx().uniqueNames.api, /^entra-connector-[0-9a-f]{20}-api$/);
    const a = ctx();
    const b = ctx();
    assert.notEqual(a.runId, b.runId);
    assert.notEqual(a.uniqueNames.api, b.uniqueNames.api, 'two setups of folders named alike get different apps');
    assert.deepEqual(createContext({ connectorDir: '/other/Contoso Invoices', tenantId: TENANT, cloud: CLOUD, choices: CHOICES, runId: a.runId }).uniqueNames, a.uniqueNames);
  });

  it('makes GUID-shaped, deterministic scope ids', () => {
    assert.match(stableGuid('a', 'b'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(stableGuid('a', 'b'), stableGuid('a', 'b'));
    assert.notEqual(stableGuid('a', 'b'), stableGuid('a', 'c'));
  });

  it('forms Application ID URIs per choice', () => {
    assert.equal(identifierUriFor({ kind: 'tenant' }, TENANT, 'Contoso Invoices API'), `api://${TENANT}/contoso-invoices-api`);
    assert.equal(identifierUriFor({ kind: 'appId' }, TENANT, 'x'), undefined);
    assert.equal(identifierUriFor({ kind: 'appId' }, TENANT, 'x', 'abc'), 'api://abc');
    assert.equal(identifierUriFor({ kind: 'custom', uri: 'https://contoso.example/api' }, TENANT, 'x'), 'https://contoso.example/api');
  });

  it('uses the tenant id for single-tenant connector apps and common for multi-tenant ones', () => {
    const c = ctx();
    c.objects.apiApp = { id: 'o', appId: 'a', created: true, scopeIds: ['s'], scopeValues: ['user_impersonation'], resourceUri: 'api://x' };
    c.objects.connectorApp = { id: 'c', appId: 'ca', created: true, signInAudience: 'AzureADMyOrg' };
    assert.equal(tokenSettingsFor(c).tenantId, TENANT);
    c.objects.connectorApp = { id: 'c', appId: 'ca', created: true, signInAudience: 'AzureADMultipleOrgs' };
    assert.equal(tokenSettingsFor(c).tenantId, 'common');
    // No reply URL on the connector app yet: /adminconsent would fail with AADSTS500113, so the link is the admin
    // center's page of the app, which needs none.
    assert.equal(new URL(adminConsentLink(c)).origin, 'https://entra.microsoft.com');
    c.objects.redirectUri = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f1234';
    const link = new URL(adminConsentLink(c));
    assert.equal(link.origin + link.pathname, `https://login.microsoftonline.com/${TENANT}/v2.0/adminconsent`);
    assert.equal(link.searchParams.get('scope'), 'api://x/user_impersonation');
    assert.equal(link.searchParams.get('redirect_uri'), c.objects.redirectUri);
  });

  it('takes later-step answers on resume without a reset, and starts the consent step again when consent changed', () => {
    const c = ctx();
    c.objects.adminConsentUrl = 'https://login.microsoftonline.com/x';
    c.steps.consent = { state: 'done' };
    assert.deepEqual(applyChoices(c, { ...CHOICES, redirectUrl: 'https://r.example/x' }), []);
    assert.equal(c.choices.redirectUrl, 'https://r.example/x');
    assert.equal(c.objects.adminConsentUrl, 'https://login.microsoftonline.com/x');
    assert.deepEqual(applyChoices(c, { ...c.choices, consent: 'user' }), ['consent']);
    assert.equal(c.choices.consent, 'user');
    assert.equal(c.objects.adminConsentUrl, undefined);
    assert.equal(c.steps.consent.state, 'pending');
  });

  it('Back resets the step and everything after it', () => {
    const c = ctx();
    c.objects = { connectorApp: { id: 'c', appId: 'ca', created: true }, password: { keyId: 'k', endDateTime: 'x', displayName: 'd', created: true } };
    c.steps.connector = { state: 'done' };
    c.steps.secret = { state: 'done' };
    resetStep(c, 'connector');
    assert.equal(c.objects.connectorApp, undefined);
    assert.equal(c.objects.password, undefined);
    assert.equal(c.steps.secret.state, 'pending');
  });

  it('summarizes created vs found and plans an undo of only what was created', () => {
    const c = ctx();
    c.objects = {
      apiApp: { id: 'o', appId: 'a', created: false, scopeIds: [], scopeValues: [], resourceUri: 'api://x' },
      apiSp: { id: 'sp', created: false },
      connectorApp: { id: 'c', appId: 'ca', created: true },
      grant: { id: 'g', created: true, consentType: 'AllPrincipals', scope: 'user_impersonation' },
    };
    const s = summarize(c);
    assert.deepEqual(s.created, ['connectorApp', 'grant']);
    assert.deepEqual(s.found, ['apiApp', 'apiServicePrincipal']);
    assert.deepEqual(undoPlan(c), ['the delegated grant g', 'the connector app ca']);
  });

  it('the state store refuses anything secret-like', async () => {
    const c = ctx() as unknown as Record<string, unknown>;
    await assert.rejects(new MemoryStateStore().save({ ...c, objects: { password: { secretText: 'abc~123' } } } as never), /secret-like/);
  });
});

describe('finding the redirect URL in what the user pastes', () => {
  const url = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f0123456789abcdef-0123456789abcdef';
  it('from the URL, an AADSTS50011 message, or a downloaded apiProperties.json', () => {
    assert.equal(findRedirectUrl(` ${url} `), url);
    assert.equal(findRedirectUrl(`AADSTS50011: The redirect URI '${url}' specified in the request does not match the redirect URIs configured for the application 'x'.`), url);
    assert.equal(findRedirectUrl(JSON.stringify({ properties: { connectionParameters: { token: { oAuthSettings: { redirectUrl: url } } } } })), url);
  });
  it('not the legacy shared URL, not http, not nothing', () => {
    assert.equal(findRedirectUrl('https://global.consent.azure-apim.net/redirect'), undefined);
    assert.equal(findRedirectUrl('http://example.com/redirect/x'), undefined);
    assert.equal(findRedirectUrl('no url here'), undefined);
  });
});
