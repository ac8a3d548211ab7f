// Securing the service against the emulated Azure Resource Manager: what changes, what must not, idempotence,
// RBAC, throttling, and settings changed between preview and apply.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { clearRequests, getState, setFaults, startEmulator, type Endpoints, type RunningEmulator } from '../../../emulator/src';
import { armScope, WEB_API_VERSION } from '../../../src/service/arm';
import { POWER_PLATFORM_ORIGINS } from '../../../src/service/cors';
import { EASY_AUTH_FIELDS, getPath, tenantIssuer, type EasyAuthTarget } from '../../../src/service/easyAuth';
import type { ArmError } from '../../../src/service/errors';
import { asUserFailure } from '../../../src/errors';
import { applySecureService, describePlan, hasChanges, planSecureService } from '../../../src/service/secure';
import { secureServiceStep, siteSecurer } from '../../../src/service/setupStep';
import { getSite, listSites, listSubscriptions, parseSiteId, resolveSite } from '../../../src/service/sites';
import { armClientFor, armSites, FUNCTION_APP_ID, resetWithArmConsent, SUBSCRIPTION, WEB_APP_ID } from '../../support/emulatedArm';
import { UserFailure } from '../../../src/errors';

const API_APP_ID = '3f1d6a52-7c1b-4c55-9a43-1a2b3c4d5e6f';
const ADMIN = 'admin@contoso.example';
const MAKER = 'maker@contoso.example';

/** `obj` without the dotted paths given (for "nothing else changed" comparisons). */
function without(obj: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(obj);
  for (const path of paths) {
    const keys = path.split('.');
    let cur: Record<string, unknown> | undefined = copy;
    for (const k of keys.slice(0, -1)) cur = cur?.[k] as Record<string, unknown> | undefined;
    if (cur) delete cur[keys[keys.length - 1]!];
  }
  return prune(copy) as Record<string, unknown>;
}

/** Drops empty objects (left behind on both sides by `without`), recursively. */
function prune(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = prune(x);
    if (p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out;
}

describe('secure the service (emulated ARM)', () => {
  let emu: RunningEmulator;
  let ep: Endpoints;
  let target: EasyAuthTarget;
  before(async () => {
    emu = await startEmulator({ port: 0 });
    ep = emu.endpoints;
    target = { clientId: API_APP_ID, issuer: tenantIssuer(ep.loginEndpoint, ep.tenantId), audiences: [`api://${ep.tenantId}/contoso-invoices`, API_APP_ID] };
  });
  after(() => emu.stop());
  beforeEach(() => resetWithArmConsent(ep));

  it('asks for exactly the ARM user_impersonation scope of the configured cloud', async () => {
    const { client, scopesAsked } = armClientFor(ep, ADMIN);
    await listSubscriptions(client);
    assert.deepEqual(scopesAsked, [[`${ep.armEndpoint}/user_impersonation`]]);
    assert.equal(armScope('https://management.azure.com/'), 'https://management.azure.com/user_impersonation');
  });

  it('lists subscriptions and their web and function apps; finds a site by resource ID, swagger host or URL', async () => {
    const { client } = armClientFor(ep, MAKER);
    const subs = await listSubscriptions(client);
    assert.deepEqual(subs.map((s) => s.subscriptionId), [SUBSCRIPTION]);
    const sites = await listSites(client, SUBSCRIPTION);
    assert.deepEqual(sites.map((s) => s.id).sort(), [WEB_APP_ID, FUNCTION_APP_ID].sort());
    assert.equal((await resolveSite(client, FUNCTION_APP_ID)).kind, 'functionapp,linux');
    assert.equal((await resolveSite(client, 'contoso-invoices.azurewebsites.net')).id, WEB_APP_ID);
    assert.equal((await resolveSite(client, 'https://contoso-invoices.azurewebsites.net/api/invoices')).id, WEB_APP_ID);
    await assert.rejects(resolveSite(client, 'https://elsewhere.example.com'), (e: unknown) => e instanceof UserFailure && e.error.code === 'SiteNotFound');
    assert.deepEqual(parseSiteId(`https://portal.azure.com/#@contoso.example/resource${WEB_APP_ID}/overview`), { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-contoso-invoices', name: 'contoso-invoices' });
  });

  it('changes only the Easy Auth fields and adds origins: unrelated settings and existing origins are untouched', async () => {
    const beforeAll = await armSites(ep);
    const beforeState = beforeAll.find((s) => s.name === 'contoso-invoices')!;
    const { client } = armClientFor(ep, ADMIN);
    const site = await getSite(client, parseSiteId(WEB_APP_ID)!);
    const plan = await planSecureService(client, site, { target });
    assert.ok(hasChanges(plan));
    assert.deepEqual(plan.easyAuth!.changes.map((c) => c.path), [...EASY_AUTH_FIELDS]);
    assert.deepEqual(plan.cors!.added, [...POWER_PLATFORM_ORIGINS]);
    const result = await applySecureService(client, plan);
    assert.ok(result.easyAuthChanged && result.corsChanged);

    const afterState = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!;
    // Easy Auth: the listed fields have the wanted values…
    const a = afterState.authV2;
    assert.equal(getPath(a, 'platform.enabled'), true);
    assert.equal(getPath(a, 'globalValidation.requireAuthentication'), true);
    assert.equal(getPath(a, 'globalValidation.unauthenticatedClientAction'), 'Return401');
    assert.equal(getPath(a, 'identityProviders.azureActiveDirectory.enabled'), true);
    assert.equal(getPath(a, 'identityProviders.azureActiveDirectory.registration.clientId'), API_APP_ID);
    assert.equal(getPath(a, 'identityProviders.azureActiveDirectory.registration.openIdIssuer'), `${ep.loginEndpoint}/${ep.tenantId}/v2.0`);
    assert.deepEqual(getPath(a, 'identityProviders.azureActiveDirectory.validation.allowedAudiences'), target.audiences);
    // …and everything else (excluded paths, token store, other providers, http settings) is exactly as before.
    assert.deepEqual(without(a, EASY_AUTH_FIELDS), without(beforeState.authV2, EASY_AUTH_FIELDS));
    assert.deepEqual(getPath(a, 'globalValidation.excludedPaths'), ['/health']);
    // CORS: existing origins first and kept, the new ones appended; no other site setting moved.
    assert.deepEqual(getPath(afterState.web, 'cors.allowedOrigins'), ['https://invoices.contoso.example', ...POWER_PLATFORM_ORIGINS]);
    assert.equal(getPath(afterState.web, 'cors.supportCredentials'), false);
    assert.deepEqual(without(afterState.web, ['cors']), without(beforeState.web, ['cors']));
    // The function app was not touched.
    const func = (s: { name: string }) => s.name === 'contoso-invoices-func';
    assert.deepEqual((await armSites(ep)).find(func), beforeAll.find(func));
  });

  it('running it twice changes nothing: the second plan is empty and sends no write', async () => {
    const { client } = armClientFor(ep, ADMIN);
    const site = await getSite(client, parseSiteId(WEB_APP_ID)!);
    await applySecureService(client, await planSecureService(client, site, { target }));
    const once = await armSites(ep);
    await clearRequests(ep);
    const again = await planSecureService(client, site, { target });
    assert.equal(hasChanges(again), false);
    const result = await applySecureService(client, again);
    assert.equal(result.easyAuthChanged || result.corsChanged, false);
    assert.deepEqual(await armSites(ep), once);
    const writes = (await getState(ep)).requests.filter((r) => r.service === 'arm' && r.method !== 'GET');
    assert.deepEqual(writes, []);
  });

  it('a reader gets AuthorizationFailed with the role to ask for, and nothing is written', async () => {
    const beforeSites = await armSites(ep);
    const { client } = armClientFor(ep, MAKER);
    const site = await getSite(client, parseSiteId(WEB_APP_ID)!);
    const plan = await planSecureService(client, site, { target });
    await assert.rejects(applySecureService(client, plan), (e: unknown) => {
      assert.ok(e instanceof UserFailure);
      assert.equal(e.error.code, 'AuthorizationFailed');
      assert.equal(e.error.status, 403);
      assert.equal((e.error as ArmError).role, 'Website Contributor');
      assert.equal((e.error as ArmError).action, 'Microsoft.Web/sites/config/write');
      assert.match(e.error.message, /maker@contoso\.example/);
      assert.match(e.error.next, /"Website Contributor" role/);
      assert.ok(e.error.next.includes(WEB_APP_ID));
      assert.ok(e.error.requestId);
      return true;
    });
    assert.deepEqual(await armSites(ep), beforeSites);
  });

  it('a 429 on the write is retried after Retry-After and the change lands once', async () => {
    await setFaults(ep, { rules: [{ match: { service: 'arm', method: 'PATCH' }, fault: 'throttle', times: 1, retryAfter: 0 }, { match: { service: 'arm', method: 'PUT' }, fault: 'unavailable', times: 1, retryAfter: 0 }] });
    const { client } = armClientFor(ep, ADMIN);
    const site = await getSite(client, parseSiteId(WEB_APP_ID)!);
    const result = await applySecureService(client, await planSecureService(client, site, { target, auth: true, cors: true }));
    assert.ok(result.corsChanged && result.easyAuthChanged);
    const arm = (await getState(ep)).requests.filter((r) => r.service === 'arm' && r.method !== 'GET');
    assert.deepEqual(arm.map((r) => `${r.method} ${r.status}`), ['PUT 503', 'PUT 200', 'PATCH 429', 'PATCH 200']);
    const web = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!.web;
    assert.deepEqual(getPath(web, 'cors.allowedOrigins'), ['https://invoices.contoso.example', ...POWER_PLATFORM_ORIGINS]);
  });

  it('--cors-only and --auth-only touch one config each', async () => {
    const { client } = armClientFor(ep, ADMIN);
    const site = await getSite(client, parseSiteId(FUNCTION_APP_ID)!);
    const corsOnly = await planSecureService(client, site, { auth: false });
    assert.equal(corsOnly.easyAuth, undefined);
    assert.deepEqual(corsOnly.cors!.before.allowedOrigins, ['https://portal.azure.com']);
    await applySecureService(client, corsOnly);
    const authOnly = await planSecureService(client, site, { cors: false, target });
    assert.equal(authOnly.cors, undefined);
    assert.ok(authOnly.easyAuth!.changes.length > 0);
  });

  it('refuses to write when the settings changed after the preview', async () => {
    const { client } = armClientFor(ep, ADMIN);
    const site = await getSite(client, parseSiteId(WEB_APP_ID)!);
    const plan = await planSecureService(client, site, { target, auth: false });
    await client.patch(`${WEB_APP_ID}/config/web`, WEB_API_VERSION, { properties: { cors: { allowedOrigins: ['https://someone-else.example'], supportCredentials: false } } });
    await assert.rejects(applySecureService(client, plan), (e: unknown) => e instanceof UserFailure && e.error.code === 'ChangedSincePreview');
    const web = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!.web;
    assert.deepEqual(getPath(web, 'cors.allowedOrigins'), ['https://someone-else.example']);
  });

  it('a token for another audience is refused by ARM and reported as such', async () => {
    const { ArmClient } = await import('../../../src/service/arm');
    const { adminToken } = await import('../../../emulator/src');
    const client = new ArmClient({ armEndpoint: ep.armEndpoint, getAccessToken: () => adminToken(ep, ADMIN, ['https://graph.microsoft.com/User.Read']), retry: { baseDelayMs: 1 } });
    await assert.rejects(listSubscriptions(client), (e: unknown) => e instanceof UserFailure && e.error.code === 'InvalidAuthenticationTokenAudience' && /cloud/.test(e.error.next));
  });

  it('the checklist step secures the site for the registered API app and is "already set" the second time', async () => {
    const { client } = armClientFor(ep, ADMIN);
    const input = { siteId: WEB_APP_ID, apiAppId: API_APP_ID, identifierUris: [`api://${ep.tenantId}/contoso-invoices`], loginEndpoint: ep.loginEndpoint, tenantId: ep.tenantId };
    const first = await secureServiceStep(client, input);
    assert.equal(first.changed, true);
    assert.match(first.detail, /contoso-invoices: authentication set \(7 fields\); CORS now allows https:\/\/\*\.azure-apim\.net/);
    const second = await secureServiceStep(client, input);
    assert.equal(second.changed, false);
    assert.equal(second.detail, 'contoso-invoices: authentication already set; CORS already allows Power Platform.');
    await assert.rejects(secureServiceStep(client, { ...input, siteId: 'contoso-invoices' }), (e: unknown) => e instanceof UserFailure && e.error.code === 'SiteNotFound');
  });

  it('the engine adapter hands an ARM 403 to the checklist as it is, with the role to ask for', async () => {
    const { client } = armClientFor(ep, MAKER);
    const securer = siteSecurer(client, WEB_APP_ID, { auth: false });
    await assert.rejects(securer.secure({ apiAppId: API_APP_ID, identifierUris: [], loginEndpoint: ep.loginEndpoint, tenantId: ep.tenantId }), (e: unknown) => {
      assert.ok(e instanceof UserFailure);
      assert.equal(e.error.code, 'AuthorizationFailed');
      assert.match(e.error.next, /Website Contributor/);
      return true;
    });
    const admin = siteSecurer(armClientFor(ep, ADMIN).client, WEB_APP_ID);
    assert.match(String(await admin.secure({ apiAppId: API_APP_ID, identifierUris: [], loginEndpoint: ep.loginEndpoint, tenantId: ep.tenantId })), /^contoso-invoices: authentication set/);
  });

  it('a site whose Easy Auth already names another app is never switched silently: refused without a preview, pending when declined, switched only after a yes', async () => {
    const { client } = armClientFor(ep, ADMIN);
    const input = { apiAppId: API_APP_ID, identifierUris: [], loginEndpoint: ep.loginEndpoint, tenantId: ep.tenantId };
    await siteSecurer(client, WEB_APP_ID).secure(input);
    const clientId = async () => getPath((await client.get<{ properties: unknown }>(`${WEB_APP_ID}/config/authsettingsV2`, WEB_API_VERSION)).properties, 'identityProviders.azureActiveDirectory.registration.clientId');
    assert.equal(await clientId(), API_APP_ID);
    const OTHER = '9a9a9a9a-0000-4000-8000-000000000009';
    const other = { ...input, apiAppId: OTHER };

    await assert.rejects(siteSecurer(client, WEB_APP_ID).secure(other), (e: unknown) => asUserFailure(e)?.code === 'SiteUsesAnotherApp' && asUserFailure(e)!.message.includes(API_APP_ID));
    assert.equal(await clientId(), API_APP_ID, 'not switched without a preview');

    const shown: string[][] = [];
    const declined = await siteSecurer(client, WEB_APP_ID, { confirm: async (plan) => (shown.push(describePlan(plan)), false) }).secure(other);
    assert.ok(typeof declined !== 'string' && /not applied/.test(declined.pending));
    assert.equal(await clientId(), API_APP_ID, 'not switched when declined');
    const preview = shown[0]!.join('\n');
    assert.match(preview, new RegExp(`identityProviders\\.azureActiveDirectory\\.registration\\.clientId: "${API_APP_ID}" → "${OTHER}"`));
    assert.match(preview, /Note: The site's Microsoft provider used the app/);

    assert.match(String(await siteSecurer(client, WEB_APP_ID, { confirm: async () => true }).secure(other)), /authentication set/);
    assert.equal(await clientId(), OTHER);
  });
});
