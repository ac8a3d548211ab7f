// The prediction `check --online --service` makes (src/service/predict.ts) against what the emulated App Service
// answers: for each Easy Auth configuration, the connector's token (as Entra issues it for the connector's resource)
// is sent to the site, and the predicted failure is exactly the status the site gives — none when it answers 200.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Signer } from '../../../emulator/src/jwt';
import type { Req } from '../../../emulator/src/http';
import { ARM_RESOURCE_GROUP, ARM_SUBSCRIPTION_ID, createArmHandler, type ArmHandler } from '../../../emulator/src/arm';
import { planEasyAuth, tenantIssuer } from '../../../src/service/easyAuth';
import { connectorToken, predictServiceCall } from '../../../src/service/predict';

const TENANT = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
const LOGIN = 'https://127.0.0.2:1';
const API_APP_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const CONNECTOR_APP_ID = '1a2b3c4d-0000-4000-8000-00000000c0de';
const API_URI = `api://${TENANT}/contoso-invoices`;
const SITE = `/subscriptions/${ARM_SUBSCRIPTION_ID}/resourceGroups/${ARM_RESOURCE_GROUP}/providers/Microsoft.Web/sites/contoso-invoices`;
const USERS = [{ id: 'u-admin', username: 'admin@contoso.example' }];

/** The part of authsettingsV2 the cases change (secure-service has set each of these). */
interface Settings {
  platform: { enabled: boolean };
  globalValidation: { unauthenticatedClientAction?: string };
  identityProviders: {
    azureActiveDirectory: {
      registration: { clientId?: string; openIdIssuer?: string };
      validation: { allowedAudiences?: string[]; defaultAuthorizationPolicy?: { allowedApplications: string[] }; jwtClaimChecks?: { allowedClientApplications: string[] } };
    };
  };
}

function request(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Req {
  return { method, path, query: new URLSearchParams({ 'api-version': '2022-03-01' }), headers, body: body === undefined ? '' : JSON.stringify(body), origin: LOGIN };
}

describe('check --online --service predicts what the site answers the connector', () => {
  const signer = new Signer();
  const now = () => Math.floor(Date.now() / 1000);
  const v2 = tenantIssuer(LOGIN, TENANT, 2);
  const v1 = tenantIssuer(LOGIN, TENANT, 1);
  const armToken = signer.sign({ iss: v2, tid: TENANT, oid: 'u-admin', aud: 'https://management.azure.com', scp: 'user_impersonation', exp: now() + 600 });
  const bearer = { authorization: `Bearer ${armToken}` };
  let arm: ArmHandler;

  beforeEach(() => {
    arm = createArmHandler({ tenantId: TENANT, verify: (t) => signer.verify(t), validIssuers: () => [v1, v2], userById: (id) => USERS.find((u) => u.id === id) });
  });

  /** The site's settings: secured for the API (as secure-service does), then changed by `edit`. */
  function configure(edit: (p: Settings) => void): Record<string, unknown> {
    const current = (arm.handle(request('GET', `${SITE}/config/authsettingsV2`, bearer)).body as { properties: Record<string, unknown> }).properties;
    const after = planEasyAuth(current, { clientId: API_APP_ID, issuer: v2, audiences: [API_URI, API_APP_ID] }).after as unknown as Settings;
    edit(after);
    assert.equal(arm.handle(request('PUT', `${SITE}/config/authsettingsV2`, bearer, { properties: after })).status, 200);
    return (arm.handle(request('GET', `${SITE}/config/authsettingsV2`, bearer)).body as { properties: Record<string, unknown> }).properties;
  }

  const aad = (p: Settings) => p.identityProviders.azureActiveDirectory;
  const cases: { name: string; tokenVersion: 1 | 2; edit: (p: Settings) => void; expect: number; codes: string[] }[] = [
    { name: 'secured for the API, v2 token', tokenVersion: 2, edit: () => {}, expect: 200, codes: [] },
    { name: 'secured for the API, v1 token for its URI (issuer v2 on the site)', tokenVersion: 1, edit: () => {}, expect: 401, codes: ['service-issuer'] },
    { name: 'v1 issuer on the site, v1 token', tokenVersion: 1, edit: (p) => (aad(p).registration.openIdIssuer = v1), expect: 200, codes: [] },
    { name: 'another app’s audience only', tokenVersion: 2, edit: (p) => ((aad(p).validation.allowedAudiences = ['api://someone-else']), (aad(p).registration.clientId = '00000000-0000-4000-8000-00000000beef')), expect: 401, codes: ['service-audience'] },
    { name: 'v1 token for the URI, the site allows only the appId', tokenVersion: 1, edit: (p) => ((aad(p).registration.openIdIssuer = v1), (aad(p).validation.allowedAudiences = [])), expect: 401, codes: ['service-audience'] },
    { name: 'only the API app itself admitted as a client', tokenVersion: 2, edit: (p) => (aad(p).validation.defaultAuthorizationPolicy = { allowedApplications: [API_APP_ID] }), expect: 403, codes: ['service-client-not-allowed'] },
    { name: 'the connector app admitted by jwtClaimChecks', tokenVersion: 2, edit: (p) => (aad(p).validation.jwtClaimChecks = { allowedClientApplications: [CONNECTOR_APP_ID.toUpperCase()] }), expect: 200, codes: [] },
    { name: 'Easy Auth off', tokenVersion: 2, edit: (p) => (p.platform.enabled = false), expect: 200, codes: [] },
    { name: 'anonymous allowed, wrong audience', tokenVersion: 2, edit: (p) => ((p.globalValidation.unauthenticatedClientAction = 'AllowAnonymous'), (aad(p).validation.allowedAudiences = ['api://x']), (aad(p).registration.clientId = '00000000-0000-4000-8000-00000000beef')), expect: 200, codes: [] },
  ];

  for (const c of cases) {
    it(`${c.name}: the site answers ${c.expect}, and the prediction says so`, () => {
      const settings = configure(c.edit);
      const expected = connectorToken({ resource: API_URI, apiAppId: API_APP_ID, tokenVersion: c.tokenVersion, loginEndpoint: LOGIN, tenantId: TENANT, connectorClientId: CONNECTOR_APP_ID });
      const claims = { aud: expected.aud, iss: expected.iss, tid: TENANT, oid: 'u-admin', preferred_username: 'admin@contoso.example', exp: now() + 600, ...(c.tokenVersion === 1 ? { appid: expected.clientId } : { azp: expected.clientId }) };
      const answer = arm.serveSite('contoso-invoices', request('GET', '/api/invoices', { authorization: `Bearer ${signer.sign(claims)}` }));
      assert.equal(answer.status, c.expect, 'the emulated site');
      const predicted = predictServiceCall(settings, expected, 'contoso-invoices');
      assert.deepEqual(predicted.map((p) => p.code), c.codes);
      for (const p of predicted) {
        assert.equal(p.status, answer.status);
        assert.match(p.message, /contoso-invoices/);
        assert.match(p.message, /secure-service/);
      }
    });
  }
});
