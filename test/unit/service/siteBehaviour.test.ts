// What the computed settings do to the site: the emulated App Service (platform CORS + Easy Auth v2, read from the
// same config the ARM calls write) refuses unauthenticated calls with 401 and lets Power Platform's origins in —
// before the change it did neither.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Signer } from '../../../emulator/src/jwt';
import type { Req } from '../../../emulator/src/http';
import { ARM_RESOURCE_GROUP, ARM_SUBSCRIPTION_ID, createArmHandler, originAllowed, type ArmHandler } from '../../../emulator/src/arm';
import { planCors, readCors } from '../../../src/service/cors';
import { planEasyAuth, tenantIssuer } from '../../../src/service/easyAuth';

const TENANT = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
const LOGIN = 'https://127.0.0.2:1';
const ISSUER = tenantIssuer(LOGIN, TENANT);
const API_APP_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const API_URI = `api://${TENANT}/contoso-invoices`;
const SITE = `/subscriptions/${ARM_SUBSCRIPTION_ID}/resourceGroups/${ARM_RESOURCE_GROUP}/providers/Microsoft.Web/sites/contoso-invoices`;
const USERS = [{ id: 'u-admin', username: 'admin@contoso.example' }];

function request(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Req {
  const query = new URLSearchParams({ 'api-version': '2022-03-01' });
  return { method, path, query, headers, body: body === undefined ? '' : JSON.stringify(body), origin: LOGIN };
}

describe('the emulated site after securing it', () => {
  const signer = new Signer();
  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims: Record<string, unknown>) => signer.sign({ iss: ISSUER, tid: TENANT, oid: 'u-admin', preferred_username: 'admin@contoso.example', exp: now() + 600, ...claims });
  const armToken = token({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
  let arm: ArmHandler;
  const call = (method: string, path: string, headers: Record<string, string> = {}) => arm.serveSite('contoso-invoices', request(method, path, headers));
  const preflight = (origin: string) => call('OPTIONS', '/api/invoices', { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' });

  beforeEach(() => {
    arm = createArmHandler({ tenantId: TENANT, verify: (t) => signer.verify(t), validIssuers: () => [ISSUER], userById: (id) => USERS.find((u) => u.id === id) });
  });

  async function secure(): Promise<void> {
    const bearer = { authorization: `Bearer ${armToken}` };
    const auth = arm.handle(request('GET', `${SITE}/config/authsettingsV2`, bearer)).body as { properties: Record<string, unknown> };
    const plan = planEasyAuth(auth.properties, { clientId: API_APP_ID, issuer: ISSUER, audiences: [API_URI, API_APP_ID] });
    assert.equal(arm.handle(request('PUT', `${SITE}/config/authsettingsV2`, bearer, { properties: plan.after })).status, 200);
    const web = arm.handle(request('GET', `${SITE}/config/web`, bearer)).body as { properties: Record<string, unknown> };
    const cors = planCors(readCors(web.properties));
    assert.equal(arm.handle(request('PATCH', `${SITE}/config/web`, bearer, { properties: { cors: cors.after } })).status, 200);
  }

  it('before: anonymous calls pass and Power Platform origins are not allowed', () => {
    assert.equal(call('GET', '/api/invoices').status, 200);
    assert.equal(preflight('https://make.powerapps.com').headers?.['access-control-allow-origin'], undefined);
  });

  it('after: unauthenticated → 401, a token for the API → 200, a token for another audience or issuer → 401; excluded paths stay open', async () => {
    await secure();
    const anonymous = call('GET', '/api/invoices');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers?.['www-authenticate'] ?? '', /^Bearer /);
    for (const aud of [API_APP_ID, API_URI]) {
      const ok = call('GET', '/api/invoices', { authorization: `Bearer ${token({ aud })}` });
      assert.equal(ok.status, 200, `aud ${aud}`);
      assert.equal((ok.body as { user: string }).user, 'admin@contoso.example');
    }
    assert.equal(call('GET', '/api/invoices', { authorization: `Bearer ${token({ aud: 'https://graph.microsoft.com' })}` }).status, 401);
    assert.equal(call('GET', '/api/invoices', { authorization: `Bearer ${token({ aud: API_APP_ID, iss: 'https://sts.windows.net/other/' })}` }).status, 401);
    assert.equal(call('GET', '/api/invoices', { authorization: `Bearer ${token({ aud: API_APP_ID, exp: now() - 1 })}` }).status, 401);
    assert.equal(call('GET', '/health').status, 200);
  });

  it('after: the test consoles and API Management hosts pass CORS, the site’s own origin still does, others do not', async () => {
    await secure();
    for (const origin of ['https://make.powerapps.com', 'https://make.powerautomate.com', 'https://europe-002.azure-apim.net', 'https://invoices.contoso.example']) {
      const r = preflight(origin);
      assert.equal(r.headers?.['access-control-allow-origin'], origin, origin);
    }
    for (const origin of ['https://evil.example', 'https://azure-apim.net.evil.example', 'http://make.powerapps.com']) {
      assert.equal(preflight(origin).headers?.['access-control-allow-origin'], undefined, origin);
    }
    // A browser call from the test console carrying the user's token: answered, with the CORS header.
    const r = call('GET', '/api/invoices', { origin: 'https://make.powerautomate.com', authorization: `Bearer ${token({ aud: API_URI })}` });
    assert.equal(r.status, 200);
    assert.equal(r.headers?.['access-control-allow-origin'], 'https://make.powerautomate.com');
  });

  it('a site whose Easy Auth admits only listed client apps (the portal default): the connector app’s token gets 403 before and 200 after; the preview lists the change', async () => {
    const CONNECTOR = '5eed0000-0000-4000-8000-00000000c0de';
    const bearer = { authorization: `Bearer ${armToken}` };
    const current = arm.handle(request('GET', `${SITE}/config/authsettingsV2`, bearer)).body as { properties: Record<string, unknown> };
    // Configured in the portal: the provider admits only the API app itself.
    const portal = planEasyAuth(current.properties, { clientId: API_APP_ID, issuer: ISSUER, audiences: [API_URI, API_APP_ID] }).after;
    const aad = (portal.identityProviders as { azureActiveDirectory: { validation: Record<string, unknown> } }).azureActiveDirectory;
    aad.validation.defaultAuthorizationPolicy = { allowedApplications: [API_APP_ID] };
    aad.validation.jwtClaimChecks = { allowedClientApplications: [API_APP_ID] };
    assert.equal(arm.handle(request('PUT', `${SITE}/config/authsettingsV2`, bearer, { properties: portal })).status, 200);
    const connectorToken = { authorization: `Bearer ${token({ aud: API_URI, azp: CONNECTOR, appid: CONNECTOR })}` };
    assert.equal(call('GET', '/api/invoices', connectorToken).status, 403, 'before: refused');
    const plan = planEasyAuth(portal, { clientId: API_APP_ID, issuer: ISSUER, audiences: [API_URI, API_APP_ID], clientApplications: [CONNECTOR] });
    assert.deepEqual(plan.changes.map((c) => [c.path, c.after]), [
      ['identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedApplications', [API_APP_ID, CONNECTOR]],
      ['identityProviders.azureActiveDirectory.validation.jwtClaimChecks.allowedClientApplications', [API_APP_ID, CONNECTOR]],
    ]);
    assert.equal(arm.handle(request('PUT', `${SITE}/config/authsettingsV2`, bearer, { properties: plan.after })).status, 200);
    assert.equal(call('GET', '/api/invoices', connectorToken).status, 200, 'after: admitted');
    // An empty list restricts nothing and is left empty.
    assert.deepEqual(planEasyAuth(plan.after, { clientId: API_APP_ID, issuer: ISSUER, audiences: [API_URI, API_APP_ID], clientApplications: [CONNECTOR] }).changes, []);
  });

  it('an API app with v1 tokens: the site is secured with the v1 issuer and the v1 token passes (the v2 issuer would refuse it)', async () => {
    const V1 = tenantIssuer(LOGIN, TENANT, 1);
    assert.equal(V1, `https://sts.windows.net/${TENANT}/`);
    const bearer = { authorization: `Bearer ${armToken}` };
    const current = arm.handle(request('GET', `${SITE}/config/authsettingsV2`, bearer)).body as { properties: Record<string, unknown> };
    const v1Token = { authorization: `Bearer ${token({ aud: API_URI, iss: V1 })}` };
    const wrong = planEasyAuth(current.properties, { clientId: API_APP_ID, issuer: ISSUER, audiences: [API_URI, API_APP_ID] });
    assert.equal(arm.handle(request('PUT', `${SITE}/config/authsettingsV2`, bearer, { properties: wrong.after })).status, 200);
    assert.equal(call('GET', '/api/invoices', v1Token).status, 401);
    const right = planEasyAuth(wrong.after, { clientId: API_APP_ID, issuer: V1, audiences: [API_URI, API_APP_ID] });
    assert.equal(arm.handle(request('PUT', `${SITE}/config/authsettingsV2`, bearer, { properties: right.after })).status, 200);
    assert.equal(call('GET', '/api/invoices', v1Token).status, 200);
  });

  it('wildcard-subdomain matching', () => {
    assert.ok(originAllowed('https://a.b.azure-apim.net', ['https://*.azure-apim.net']));
    assert.ok(!originAllowed('https://azure-apim.net', ['https://*.azure-apim.net']));
    assert.ok(!originAllowed('https://x.azure-apim.net:8443', ['https://*.azure-apim.net']));
    assert.ok(originAllowed('https://anything.example', ['*']));
  });
});
