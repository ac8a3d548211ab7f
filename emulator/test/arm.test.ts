// The emulated Azure Resource Manager: tokens, RBAC, error shape, config semantics (PATCH merges, PUT replaces).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Signer } from '../src/jwt';
import type { Req } from '../src/http';
import { ARM_RESOURCE_GROUP, ARM_SUBSCRIPTION_ID, createArmHandler, DEFAULT_ARM_SEED, type ArmHandler } from '../src/arm/index';
import { adminToken, getState, httpsJson, resetEmulator, seedObjects, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const TENANT = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
const ISSUER = `https://127.0.0.2:1/${TENANT}/v2.0`;
const USERS = [
  { id: 'u-admin', username: 'admin@contoso.example' },
  { id: 'u-maker', username: 'maker@contoso.example' },
];
const SITE = `/subscriptions/${ARM_SUBSCRIPTION_ID}/resourceGroups/${ARM_RESOURCE_GROUP}/providers/Microsoft.Web/sites/contoso-invoices`;

function tokenFor(signer: Signer, oid: string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signer.sign({ aud: 'https://management.azure.com', iss: ISSUER, tid: TENANT, oid, scp: 'user_impersonation', exp: now + 600, iat: now, ...claims });
}

function req(method: string, path: string, token: string | undefined, body?: unknown, apiVersion: string | null = '2022-03-01'): Req {
  const query = new URLSearchParams();
  if (apiVersion) query.set('api-version', apiVersion);
  return { method, path, query, headers: token ? { authorization: `Bearer ${token}` } : {}, body: body === undefined ? '' : JSON.stringify(body), origin: 'https://127.0.0.2:1' };
}

describe('emulated ARM handler (in process)', () => {
  const signer = new Signer();
  let arm: ArmHandler;
  const admin = () => tokenFor(signer, 'u-admin');
  const maker = () => tokenFor(signer, 'u-maker');
  beforeEach(() => {
    arm = createArmHandler({ tenantId: TENANT, verify: (t) => signer.verify(t), validIssuers: () => [ISSUER], userById: (id) => USERS.find((u) => u.id === id) });
  });

  it('refuses a request without a token, with a token for another audience, tenant or signer, and an expired one', () => {
    const cases: [string | undefined, number, string][] = [
      [undefined, 401, 'AuthenticationFailed'],
      [tokenFor(signer, 'u-admin', { aud: 'https://graph.microsoft.com' }), 401, 'InvalidAuthenticationTokenAudience'],
      [tokenFor(signer, 'u-admin', { tid: 'other', iss: 'https://127.0.0.2:1/other/v2.0' }), 401, 'InvalidAuthenticationTokenTenant'],
      [tokenFor(new Signer(), 'u-admin'), 401, 'InvalidAuthenticationToken'],
      [tokenFor(signer, 'u-admin', { exp: Math.floor(Date.now() / 1000) - 5 }), 401, 'ExpiredAuthenticationToken'],
      [tokenFor(signer, 'u-admin', { scp: 'User.Read' }), 401, 'InvalidAuthenticationToken'],
    ];
    for (const [token, status, code] of cases) {
      const r = arm.handle(req('GET', '/subscriptions', token));
      assert.equal(r.status, status, code);
      assert.equal((r.body as { error: { code: string } }).error.code, code);
      assert.equal(typeof (r.body as { error: { message: string } }).error.message, 'string');
    }
  });

  it('requires api-version', () => {
    const r = arm.handle(req('GET', '/subscriptions', admin(), undefined, null));
    assert.equal(r.status, 400);
    assert.equal((r.body as { error: { code: string } }).error.code, 'MissingApiVersionParameter');
  });

  it('lists the seeded subscription and its web app and function app', () => {
    const subs = arm.handle(req('GET', '/subscriptions', maker())).body as { value: { subscriptionId: string }[] };
    assert.deepEqual(subs.value.map((s) => s.subscriptionId), [ARM_SUBSCRIPTION_ID]);
    const sites = arm.handle(req('GET', `/subscriptions/${ARM_SUBSCRIPTION_ID}/providers/Microsoft.Web/sites`, admin())).body as { value: { kind: string; properties: { defaultHostName: string } }[] };
    assert.deepEqual(sites.value.map((s) => s.kind).sort(), ['app', 'functionapp,linux']);
    assert.ok(sites.value.some((s) => s.properties.defaultHostName === 'contoso-invoices.azurewebsites.net'));
  });

  it('pages lists with nextLink', () => {
    arm = createArmHandler({ tenantId: TENANT, verify: (t) => signer.verify(t), validIssuers: () => [ISSUER], userById: (id) => USERS.find((u) => u.id === id), seed: { ...DEFAULT_ARM_SEED, pageSize: 1 } });
    const first = arm.handle(req('GET', `/subscriptions/${ARM_SUBSCRIPTION_ID}/providers/Microsoft.Web/sites`, admin())).body as { value: unknown[]; nextLink?: string };
    assert.equal(first.value.length, 1);
    assert.match(first.nextLink ?? '', /\$skiptoken=1/);
  });

  it('a reader may read but gets 403 AuthorizationFailed naming the action and scope on a write', () => {
    assert.equal(arm.handle(req('GET', `${SITE}/config/web`, maker())).status, 200);
    const r = arm.handle(req('PATCH', `${SITE}/config/web`, maker(), { properties: { cors: { allowedOrigins: ['https://a.example'] } } }));
    assert.equal(r.status, 403);
    const e = (r.body as { error: { code: string; message: string } }).error;
    assert.equal(e.code, 'AuthorizationFailed');
    assert.match(e.message, /maker@contoso\.example/);
    assert.match(e.message, /Microsoft\.Web\/sites\/config\/write/);
    assert.ok(e.message.includes(`${SITE}/config/web`));
    const web = arm.handle(req('GET', `${SITE}/config/web`, admin())).body as { properties: { cors: { allowedOrigins: string[] } } };
    assert.deepEqual(web.properties.cors.allowedOrigins, ['https://invoices.contoso.example']);
  });

  it('PATCH config/web merges top-level properties; it refuses credentials with "*"', () => {
    const r = arm.handle(req('PATCH', `${SITE}/config/web`, admin(), { properties: { cors: { allowedOrigins: ['https://a.example'], supportCredentials: false } } }));
    assert.equal(r.status, 200);
    const p = (r.body as { properties: Record<string, unknown> }).properties;
    assert.equal(p.alwaysOn, true);
    assert.equal(p.linuxFxVersion, 'NODE|20-lts');
    const bad = arm.handle(req('PATCH', `${SITE}/config/web`, admin(), { properties: { cors: { allowedOrigins: ['*'], supportCredentials: true } } }));
    assert.equal(bad.status, 400);
  });

  it('PUT authsettingsV2 replaces the whole settings (what is left out is gone)', () => {
    const r = arm.handle(req('PUT', `${SITE}/config/authsettingsV2`, admin(), { properties: { platform: { enabled: true } } }));
    assert.equal(r.status, 200);
    const got = arm.handle(req('GET', `${SITE}/config/authsettingsV2`, admin())).body as { properties: Record<string, unknown> };
    assert.deepEqual(got.properties, { platform: { enabled: true } });
    const invalid = arm.handle(req('PUT', `${SITE}/config/authsettingsV2`, admin(), { properties: { globalValidation: { unauthenticatedClientAction: 'Nope' } } }));
    assert.equal(invalid.status, 400);
  });

  it('unknown site and subscription answer ARM 404 codes; paths are case-insensitive', () => {
    const r = arm.handle(req('GET', SITE.replace('contoso-invoices', 'nope'), admin()));
    assert.equal((r.body as { error: { code: string } }).error.code, 'ResourceNotFound');
    const s = arm.handle(req('GET', '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Web/sites', admin()));
    assert.equal((s.body as { error: { code: string } }).error.code, 'SubscriptionNotFound');
    assert.equal(arm.handle(req('GET', SITE.toUpperCase().replace('SUBSCRIPTIONS', 'subscriptions'), admin())).status, 200);
  });
});

describe('emulated ARM through the emulator server', () => {
  let ep: Endpoints;
  useEmulator((e) => (ep = e));

  it('serves ARM under armEndpoint to a token for the ARM scope, and reset restores the seed', async () => {
    await resetEmulator(ep);
    const state = await getState(ep);
    const cli = state.servicePrincipals.find((s) => s.appId === '14d82eec-204b-4c2f-b7e8-296a70dab67e')!;
    const armSp = state.servicePrincipals.find((s) => s.appId === '797f4846-ba00-4fd7-ba43-dac1f8f63013')!;
    await seedObjects(ep, { oauth2PermissionGrants: [{ clientId: cli.id, resourceId: armSp.id, consentType: 'AllPrincipals', scope: 'user_impersonation' }] });
    const token = await adminToken(ep, 'admin@contoso.example', [`${ep.armEndpoint}/user_impersonation`]);
    const url = `${ep.armEndpoint}${SITE}/config/web?api-version=2022-03-01`;
    const patched = await httpsJson(url, { method: 'PATCH', headers: { authorization: `Bearer ${token}` }, body: { properties: { cors: { allowedOrigins: [] } } }, ca: ep.caCertPath });
    assert.equal(patched.status, 200);
    const graphToken = await adminToken(ep, 'admin@contoso.example', ['https://graph.microsoft.com/User.Read']);
    const wrong = await httpsJson<{ error: { code: string } }>(url, { headers: { authorization: `Bearer ${graphToken}` }, ca: ep.caCertPath });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'InvalidAuthenticationTokenAudience');
    await resetEmulator(ep);
    const arm = ((await getState(ep)) as unknown as { arm: { sites: { name: string; web: { cors: { allowedOrigins: string[] } } }[] } }).arm;
    assert.deepEqual(arm.sites.find((s) => s.name === 'contoso-invoices')!.web.cors.allowedOrigins, ['https://invoices.contoso.example']);
  });
});
