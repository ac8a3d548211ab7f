// The setup engine against the emulated tenant: exactly the objects it should create, idempotent reruns, faults at
// every step, consent fallbacks, undo, and the number of sequential Graph round trips.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import {
  clearRequests,
  getState,
  httpsJson,
  resetEmulator,
  seedObjects,
  setFaults,
  setPolicy,
  signInAsBrowser,
  type Endpoints,
  type FaultRule,
} from '../../../emulator/src';
import { ContractRecorder, validateGraphRequest } from '../../contract/graph-contract';
import { AZURE_API_CONNECTIONS_APP_ID, MICROSOFT_GRAPH_APP_ID } from '../../../src/graph/operations';
import type { SetupChoices, SetupContext } from '../../../src/setup/context';
import { adminConsentLink, resetStep, runSetup, type RunResult, type SetupServices, type UnmarkedApp } from '../../../src/setup/engine';
import { summarize, undoPlan, undoSetup } from '../../../src/setup/summary';
import { applyChoices } from '../../../src/wizard/model';
import { connectorCopy as sampleCopy, filesUnder } from '../../support/cli';
import { counts as directoryCounts, harness as engineHost, newContext as setupContext } from '../../support/engine';
import { ADMIN, MAKER, useTenant } from '../../support/tenant';


let ep: Endpoints;
let work: string;
const contract = new ContractRecorder();

useTenant({ temp: 'entra-setup-', emulator: { onGraphExchange: contract.hook } }, (t) => ({ ep, work } = t));

beforeEach(async () => {
  await resetEmulator(ep);
  await clearRequests(ep);
});

const connectorCopy = () => sampleCopy(work);
const harness = (user: string) => engineHost(ep, { user });
const newContext = (dir: string, over: Partial<SetupChoices> = {}, runId?: string) => setupContext(ep, dir, over, runId);
const counts = () => directoryCounts(ep);

function readProps(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8')).properties.connectionParameters.token.oAuthSettings;
}

function assertPropertiesMatch(dir: string, ctx: SetupContext) {
  const oa = readProps(dir);
  assert.equal(oa.identityProvider, 'aad');
  assert.equal(oa.clientId, ctx.objects.connectorApp?.appId);
  assert.equal(oa.redirectMode, 'GlobalPerConnector');
  assert.equal(oa.customParameters.resourceUri.value, ctx.objects.apiApp?.resourceUri);
  assert.equal(oa.properties.AzureActiveDirectoryResourceId, ctx.objects.apiApp?.resourceUri);
  assert.equal(oa.customParameters.tenantId.value, ep.tenantId, 'single-tenant apps need the tenant id, not common');
  assert.equal(oa.customParameters.loginUri.value, ep.loginEndpoint);
}

function was(state: Awaited<ReturnType<typeof getState>>, appId: string): string {
  return String(state.servicePrincipals.find((sp) => sp.appId === appId)?.id);
}

/** The connector app of an on-behalf-of setup: its own Application ID URI and scope, Azure API Connections pre-authorized. */
function assertOboOnConnector(state: Awaited<ReturnType<typeof getState>>, ctx: SetupContext): void {
  type App = { identifierUris: string[]; requiredResourceAccess: { resourceAppId: string }[]; api: { oauth2PermissionScopes: { id: string; value: string }[]; preAuthorizedApplications: { appId: string; delegatedPermissionIds: string[] }[] } };
  const connector = state.applications.find((a) => a.appId === ctx.objects.connectorApp?.appId) as unknown as App;
  assert.deepEqual(connector.identifierUris, [`api://${ctx.objects.connectorApp?.appId}`]);
  const scope = connector.api.oauth2PermissionScopes.find((s) => s.value === 'user_impersonation');
  assert.ok(scope, 'the connector app exposes a scope');
  assert.deepEqual(connector.api.preAuthorizedApplications, [{ appId: AZURE_API_CONNECTIONS_APP_ID, delegatedPermissionIds: [scope.id] }]);
  assert.deepEqual(connector.requiredResourceAccess.map((r) => r.resourceAppId), [ctx.objects.apiApp?.appId], 'it keeps its permission to the API');
}

/** Runs until done or N attempts (a resumed run after a failure is the user's "Retry"). */
async function runToEnd(ctx: SetupContext, services: ReturnType<typeof harness>['services'], attempts = 3): Promise<RunResult> {
  let result = await runSetup(ctx, services);
  for (let i = 1; i < attempts && !result.ok; i++) result = await runSetup(ctx, services);
  return result;
}

describe('setup engine against the emulated tenant', () => {
  it('a fresh setup creates exactly 2 apps, 2 service principals, 1 grant and 1 password in ≤ 5 sequential round trips', async () => {
    // Network latency makes the measure about the engine's ordering, not about the in-process emulator's CPU: requests
    // sent together overlap unless the test process stalls for longer than the latency (400 ms; it does under heavy load).
    await setFaults(ep, { latencyMs: 400 });
    const dir = connectorCopy();
    const h = harness(ADMIN);
    const ctx = newContext(dir);
    const result = await runSetup(ctx, h.services);
    await setFaults(ep, {});
    assert.deepEqual(result.failures, []);
    assert.equal(result.ok, true);
    const c = await counts();
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
    const grant = c.state.oauth2PermissionGrants[c.state.oauth2PermissionGrants.length - 1];
    assert.equal(grant?.consentType, 'AllPrincipals');
    assert.equal(grant?.scope, 'user_impersonation');
    const s = summarize(ctx);
    assert.deepEqual([...s.created].sort(), ['apiApp', 'apiServicePrincipal', 'connectorApp', 'connectorServicePrincipal', 'grant', 'password'].sort());
    assert.deepEqual(s.pending.map((p) => p.step), ['redirect']);
    assert.equal(ctx.objects.apiApp?.identifierUri, `api://${ep.tenantId}/contoso-invoices-api`);
    assertPropertiesMatch(dir, ctx);
    const requests = (await getState(ep)).requests.filter((r) => r.service === 'graph');
    const critical = (await getState(ep)).criticalPath;
    assert.ok(critical <= 5, `critical path ${critical} > 5: ${requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
    // The secret went only to the secret sink: not in the state, not in any file of the workspace.
    const secret = h.secrets.get(ctx.objects.connectorApp?.appId ?? '');
    assert.ok(secret && secret.length >= 16);
    assert.ok(!JSON.stringify(await h.state.load()).includes(secret));
    for (const f of filesUnder(join(dir, '..'))) assert.ok(!readFileSync(f, 'utf8').includes(secret), `secret in ${f}`);
  });

  it('running it again changes nothing: no write request, same objects, byte-identical files', async () => {
    const dir = connectorCopy();
    const h = harness(ADMIN);
    const ctx = newContext(dir);
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const first = await counts();
    const props = readFileSync(join(dir, 'apiProperties.json'), 'utf8');
    const swagger = readFileSync(join(dir, 'apiDefinition.swagger.json'), 'utf8');
    await clearRequests(ep);
    const resumed = (await h.state.load()) as SetupContext;
    const again = await runSetup(resumed, h.services);
    assert.equal(again.ok, true);
    // Only reads: GETs, and the $batch of GETs that checks the recorded objects still exist.
    const writes = (await getState(ep)).requests.filter((r) => r.service === 'graph' && r.method !== 'GET' && r.path !== '/v1.0/$batch');
    assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), []);
    const second = await counts();
    assert.deepEqual([second.apps, second.sps, second.grants, second.passwords], [first.apps, first.sps, first.grants, first.passwords]);
    assert.equal(readFileSync(join(dir, 'apiProperties.json'), 'utf8'), props);
    assert.equal(readFileSync(join(dir, 'apiDefinition.swagger.json'), 'utf8'), swagger);
  });

  const STEPS: [string, string][] = [
    ['API app upsert', '^/v1\\.0/applications\\(uniqueName=.*-api'],
    ['connector app upsert', '^/v1\\.0/applications\\(uniqueName=.*-client'],
    ['service principal create', '^/v1\\.0/servicePrincipals$'],
    ['addPassword', '/addPassword$'],
    ['grant', '^/v1\\.0/oauth2PermissionGrants$'],
  ];
  const KINDS: FaultRule['fault'][] = ['throttle', 'unavailable', 'resetAfterCommit', 'expireToken'];
  for (const [stepName, path] of STEPS) {
    for (const fault of KINDS) {
      it(`a ${fault} fault at the ${stepName} still ends with exactly one of each and a correct apiProperties.json`, async () => {
        await setFaults(ep, { rules: [{ match: { service: 'graph', method: 'WRITE', path }, fault, times: 1, retryAfter: 0 }] });
        const dir = connectorCopy();
        const h = harness(ADMIN);
        const ctx = newContext(dir);
        const result = await runToEnd(ctx, h.services);
        assert.deepEqual(result.failures, []);
        const faulted = (await getState(ep)).requests.filter((r) => r.fault);
        assert.equal(faulted.length, 1, `the ${fault} fault was not injected`);
        const c = await counts();
        assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
        assertPropertiesMatch(dir, ctx);
        // The stored secret belongs to the one password that exists.
        assert.ok(h.secrets.get(ctx.objects.connectorApp?.appId ?? ''));
        const pw = c.state.applications.flatMap((a) => (a.passwordCredentials as { keyId: string }[] | undefined) ?? []);
        assert.equal(pw[0]?.keyId, ctx.objects.password?.keyId);
      });
    }
  }

  for (const fault of KINDS) {
    it(`a ${fault} fault at the api://{appId} patch of the API app or the on-behalf-of patch of the connector app still converges`, async () => {
      await setFaults(ep, { rules: [{ match: { service: 'graph', method: 'PATCH', path: '^/v1\\.0/applications/[0-9a-f-]+$' }, fault, times: 1, retryAfter: 0 }] });
      const h = harness(ADMIN);
      const dir = connectorCopy();
      const ctx = newContext(dir, {
        api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: { kind: 'appId' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' },
        obo: true,
      });
      const result = await runToEnd(ctx, h.services);
      assert.deepEqual(result.failures, []);
      assert.equal((await getState(ep)).requests.filter((r) => r.fault).length, 1, `the ${fault} fault was not injected`);
      const c = await counts();
      assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
      const api = c.state.applications.find((a) => a.appId === ctx.objects.apiApp?.appId) as unknown as { identifierUris: string[]; api: { preAuthorizedApplications: { appId: string }[] } };
      assert.deepEqual(api.identifierUris, [`api://${ctx.objects.apiApp?.appId}`]);
      assertOboOnConnector(c.state, ctx);
      assert.equal(readProps(dir).customParameters.resourceUri.value, `api://${ctx.objects.apiApp?.appId}`);
    });
  }

  it('replication lag on every new object still ends with exactly one of each', async () => {
    await setFaults(ep, { replicationLagMs: 400 });
    const dir = connectorCopy();
    const h = harness(ADMIN);
    const ctx = newContext(dir);
    const result = await runToEnd(ctx, h.services);
    assert.deepEqual(result.failures, []);
    await setFaults(ep, {});
    const c = await counts();
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
    assertPropertiesMatch(dir, ctx);
  });

  it('a user who may not grant tenant-wide consent ends with the admin-consent link and no grant', async () => {
    const dir = connectorCopy();
    const h = harness(MAKER);
    const ctx = newContext(dir);
    const result = await runSetup(ctx, h.services);
    assert.equal(result.ok, true);
    const c = await counts();
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 0, passwords: 1 });
    assert.equal(ctx.steps.consent.state, 'pending');
    const link = new URL(ctx.objects.adminConsentUrl ?? '');
    assert.equal(link.pathname.endsWith(`/${ep.tenantId}/v2.0/adminconsent`), true);
    assert.equal(link.searchParams.get('client_id'), ctx.objects.connectorApp?.appId);
    assert.equal(link.searchParams.get('scope'), `${ctx.objects.apiApp?.resourceUri}/user_impersonation`);
    assertPropertiesMatch(dir, ctx);
  });

  it('the admin-consent path works before any reply URL exists (admin center page) and ends, once the redirect URL is registered, in an /adminconsent link the tenant accepts', async () => {
    const h = harness(MAKER);
    const ctx = newContext(connectorCopy());
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    // No reply URL on the connector app yet: /adminconsent would fail with AADSTS500113.
    const bare = new URL(ctx.objects.adminConsentUrl ?? '');
    const refused = await httpsJson<string>(bare.toString(), { ca: ep.caCertPath });
    assert.match(refused.text, /AADSTS500113/, 'the emulated tenant refuses /adminconsent without a reply URL');
    // In a cloud with an admin center, the link is its API-permissions page instead.
    const publicCtx = { ...ctx, cloud: { name: 'AzureCloud', loginEndpoint: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' } } as SetupContext;
    assert.equal(adminConsentLink(publicCtx), `https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/${ctx.objects.connectorApp?.appId}`);
    // The user registers the connector's redirect URL; the link now names it and an administrator can use it.
    const url = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f0123456789abcdef-0123456789abcdef';
    Object.assign(ctx, { choices: { ...ctx.choices, redirectUrl: url } });
    delete ctx.objects.adminConsentUrl;
    delete ctx.objects.grant;
    await runSetup(ctx, h.services);
    const link = new URL(adminConsentLink(ctx));
    assert.equal(link.searchParams.get('redirect_uri'), url);
    const admin = await signInAsBrowser(link.toString(), { username: ADMIN, ca: ep.caCertPath });
    assert.equal(admin.delivered?.params.admin_consent, 'True', admin.page);
    const state = await getState(ep);
    const connectorSp = state.servicePrincipals.find((sp) => sp.appId === ctx.objects.connectorApp?.appId);
    assert.ok(state.oauth2PermissionGrants.some((g) => g.clientId === connectorSp?.id && g.consentType === 'AllPrincipals' && String(g.scope).includes('user_impersonation')));
  });

  it('a user who may not register apps gets the cause and the next step, and nothing is created', async () => {
    await setPolicy(ep, { usersCanRegisterApps: false });
    const h = harness(MAKER);
    const dir = connectorCopy();
    const before = readFileSync(join(dir, 'apiProperties.json'), 'utf8');
    const ctx = newContext(dir);
    const result = await runSetup(ctx, h.services);
    assert.equal(result.ok, false);
    assert.deepEqual(result.failures.map((f) => [f.step, f.error.code, f.error.status]), [['api', 'Authorization_RequestDenied', 403]]);
    assert.match(result.failures[0]?.error.message ?? '', /lacks the directory role/);
    assert.match(result.failures[0]?.error.next ?? '', /Application Developer|Application Administrator/);
    assert.ok(result.failures[0]?.error.requestId);
    assert.equal(ctx.steps.connector.state, 'pending');
    const c = await counts();
    assert.deepEqual([c.apps, c.sps, c.grants, c.passwords], [0, 0, 0, 0]);
    assert.equal(readFileSync(join(dir, 'apiProperties.json'), 'utf8'), before);
  });

  it('consent "user" grants for the signed-in user only', async () => {
    const h = harness(MAKER);
    const ctx = newContext(connectorCopy(), { consent: 'user' });
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const c = await counts();
    assert.equal(c.grants, 1);
    const grant = c.state.oauth2PermissionGrants.find((g) => g.id === ctx.objects.grant?.id);
    assert.equal(grant?.consentType, 'Principal');
    assert.equal(grant?.principalId, c.state.users.find((u) => u.username === MAKER)?.id);
  });

  it('api://{appId} when the tenant policy demands it; on-behalf-of gives the connector app its own URI and scope with Azure API Connections pre-authorized, and leaves the API app alone', async () => {
    await setPolicy(ep, { nonDefaultUriAddition: true });
    const h = harness(ADMIN);
    const dir = connectorCopy();
    const ctx = newContext(dir, {
      api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: { kind: 'appId' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' },
      obo: true,
    });
    const result = await runSetup(ctx, h.services);
    assert.deepEqual(result.failures, []);
    const state = await getState(ep);
    const api = state.applications.find((a) => a.appId === ctx.objects.apiApp?.appId) as unknown as { identifierUris: string[]; api: { preAuthorizedApplications: { appId: string; delegatedPermissionIds: string[] }[] } };
    assert.deepEqual(api.identifierUris, [`api://${ctx.objects.apiApp?.appId}`]);
    assert.deepEqual(api.api.preAuthorizedApplications, [], 'on-behalf-of does not change the API app');
    assertOboOnConnector(state, ctx);
    assert.match(ctx.steps.connector.detail ?? '', /On-behalf-of: the connector app exposes api:\/\/.+\/user_impersonation with Azure API Connections pre-authorized/);
    const oa = readProps(dir);
    assert.equal(oa.customParameters.resourceUri.value, `api://${ctx.objects.apiApp?.appId}`);
    assert.equal(oa.customParameters.enableOnbehalfOfLogin.value, 'true');
    assert.equal(oa.properties.IsOnbehalfofLoginSupported, true);
  });

  it('an existing Microsoft service (Microsoft Graph): only the connector app and its service principal are created', async () => {
    const h = harness(ADMIN);
    const dir = connectorCopy();
    const ctx = newContext(dir, { api: { kind: 'microsoft', appId: MICROSOFT_GRAPH_APP_ID, resourceUri: 'https://graph.microsoft.com', scopes: ['User.Read'] } });
    const result = await runSetup(ctx, h.services);
    assert.deepEqual(result.failures, []);
    assert.deepEqual([...summarize(ctx).created].sort(), ['connectorApp', 'connectorServicePrincipal', 'grant', 'password']);
    const oa = readProps(dir);
    assert.equal(oa.customParameters.resourceUri.value, 'https://graph.microsoft.com');
    assert.deepEqual(oa.scopes, ['User.Read']);
  });

  it('registers the redirect URL once given, then nothing is pending', async () => {
    const h = harness(ADMIN);
    const ctx = newContext(connectorCopy());
    await runSetup(ctx, h.services);
    assert.equal(ctx.steps.redirect.state, 'pending');
    const url = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f0123456789abcdef-0123456789abcdef';
    Object.assign(ctx, { choices: { ...ctx.choices, redirectUrl: url } });
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    assert.equal(ctx.steps.redirect.state, 'done');
    const app = (await getState(ep)).applications.find((a) => a.appId === ctx.objects.connectorApp?.appId) as unknown as { web: { redirectUris: string[] } };
    assert.deepEqual(app.web.redirectUris, [url]);
    assert.deepEqual(summarize(ctx).pending, []);
  });

  it('a secret lifetime beyond the tenant policy fails that step with the cause and next step; a shorter one resumes', async () => {
    await setPolicy(ep, { maxSecretLifetimeDays: 90 });
    const h = harness(ADMIN);
    const dir = connectorCopy();
    const ctx = newContext(dir);
    const first = await runSetup(ctx, h.services);
    assert.equal(first.ok, false);
    assert.deepEqual(first.failures.map((f) => [f.step, f.error.code]), [['secret', 'CredentialInvalidLifetimeAsPerAppPolicy']]);
    assert.match(first.failures[0]?.error.next ?? '', /--secret-days/);
    assert.equal(ctx.steps.consent.state, 'done');
    assert.equal(ctx.steps.properties.state, 'done');
    assert.deepEqual(applyChoices(ctx, { ...ctx.choices, secretDays: 60 }), ['secret']);
    const second = await runSetup(ctx, h.services);
    assert.deepEqual(second.failures, []);
    const c = await counts();
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
    const days = (Date.parse(ctx.objects.password?.endDateTime ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 59 && days <= 60, `secret lifetime ${days} days`);
  });

  it('another secret lifetime after a completed run: a new secret with it is stored first, then the one the setup added before is removed; nobody else\'s secret is touched', async () => {
    const h = harness(ADMIN);
    const ctx = newContext(connectorCopy());
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const app = ctx.objects.connectorApp as NonNullable<SetupContext['objects']['connectorApp']>;
    const old = ctx.objects.password as NonNullable<SetupContext['objects']['password']>;
    // Someone adds a secret of their own to the app: it is not the setup's to remove.
    const theirs = await h.directory.addPassword(app.id, 'Ops key', new Date(Date.now() + 30 * 86_400_000).toISOString());
    const oldValue = h.secrets.get(app.appId);
    const order: string[] = [];
    const store = h.services.secrets.store;
    const removePassword = h.directory.removePassword.bind(h.directory);
    h.directory.removePassword = async (id, keyId) => {
      order.push(`remove ${keyId}`);
      return removePassword(id, keyId);
    };
    const services = { ...h.services, secrets: { store: async (clientId: string, value: string) => (order.push('store'), store(clientId, value)) } };
    assert.deepEqual(applyChoices(ctx, { ...ctx.choices, secretDays: 90 }), ['secret']);
    assert.equal(ctx.steps.secret.state, 'pending');
    const again = await runSetup(ctx, services);
    assert.deepEqual(again.failures, []);
    assert.equal(ctx.steps.secret.state, 'done');
    assert.match(ctx.steps.secret.detail ?? '', new RegExp(`Removed the secret it replaces \\(key ${old.keyId}`));
    const now = ctx.objects.password as NonNullable<SetupContext['objects']['password']>;
    assert.notEqual(now.keyId, old.keyId);
    const days = (Date.parse(now.endDateTime) - Date.now()) / 86_400_000;
    assert.ok(days > 89 && days <= 90, `the new secret's lifetime is ${days} days`);
    assert.deepEqual(order, ['store', `remove ${old.keyId}`], 'stored before the old one is removed');
    assert.notEqual(h.secrets.get(app.appId), oldValue, 'secret storage holds the new value');
    const keys = ((await getState(ep)).applications.find((a) => a.id === app.id)?.passwordCredentials as { keyId: string }[]).map((p) => p.keyId).sort();
    assert.deepEqual(keys, [now.keyId, theirs.keyId].sort(), 'the new secret and the one someone else added');
    assert.equal(ctx.objects.replacedPasswords, undefined);
    // The same lifetime again: nothing is replaced.
    assert.deepEqual(applyChoices(ctx, { ...ctx.choices }), []);
    assert.equal((await runSetup(ctx, services)).ok, true);
    assert.equal(ctx.objects.password?.keyId, now.keyId);
  });

  it('another consent answer after a completed run: the new grant is made first, then the grant the setup made before is deleted; Undo removes what is left', async () => {
    const h = harness(ADMIN);
    const ctx = newContext(connectorCopy());
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const tenantWide = ctx.objects.grant as NonNullable<SetupContext['objects']['grant']>;
    assert.equal(tenantWide.consentType, 'AllPrincipals');
    const order: string[] = [];
    const createGrant = h.directory.createGrant.bind(h.directory);
    const deleteGrant = h.directory.deleteGrant.bind(h.directory);
    h.directory.createGrant = async (g) => (order.push(`create ${g.consentType}`), createGrant(g));
    h.directory.deleteGrant = async (id) => (order.push(`delete ${id}`), deleteGrant(id));
    assert.deepEqual(applyChoices(ctx, { ...ctx.choices, consent: 'user' }).slice(0, 1), ['consent']);
    const again = await runSetup(ctx, h.services);
    assert.deepEqual(again.failures, []);
    assert.deepEqual(order, ['create Principal', `delete ${tenantWide.id}`], 'the new grant before the old one goes');
    const grants = (await getState(ep)).oauth2PermissionGrants.filter((g) => g.clientId === ctx.objects.connectorSp?.id);
    assert.deepEqual(grants.map((g) => g.consentType), ['Principal'], 'no tenant-wide grant is left behind');
    assert.equal(ctx.objects.replacedGrants, undefined);
    assert.equal(ctx.objects.grant?.created, true);
    // Undo removes the setup's grant too.
    assert.ok(undoPlan(ctx).some((line) => line.includes(ctx.objects.grant!.id)));
  });

  it('objects deleted since the last run (service principal with its grant, the secret) are made again, once', async () => {
    const h = harness(ADMIN);
    const ctx = newContext(connectorCopy());
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const oldSp = ctx.objects.connectorSp?.id as string;
    const oldKey = ctx.objects.password?.keyId as string;
    await h.directory.deleteServicePrincipal(oldSp);
    await h.directory.removePassword(ctx.objects.connectorApp?.id as string, oldKey);
    h.secrets.clear();
    const again = await runSetup(ctx, h.services);
    assert.deepEqual(again.failures, []);
    assert.notEqual(ctx.objects.connectorSp?.id, oldSp);
    assert.notEqual(ctx.objects.password?.keyId, oldKey);
    assert.ok(h.secrets.get(ctx.objects.connectorApp?.appId ?? ''));
    const c = await counts();
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 });
  });

  it('two setups of the same connector (one stored setup identity) at the same time converge on the same apps, service principals and grant', async () => {
    const dir = connectorCopy();
    const a = harness(ADMIN);
    const b = harness(ADMIN);
    const runId = randomUUID();
    const [ra, rb] = await Promise.all([runToEnd(newContext(dir, {}, runId), a.services), runToEnd(newContext(dir, {}, runId), b.services)]);
    assert.deepEqual([...ra.failures, ...rb.failures], []);
    assert.equal(ra.ctx.objects.apiApp?.appId, rb.ctx.objects.apiApp?.appId);
    assert.equal(ra.ctx.objects.connectorApp?.appId, rb.ctx.objects.connectorApp?.appId);
    assert.equal(ra.ctx.objects.grant?.id, rb.ctx.objects.grant?.id);
    const c = await counts();
    // Each run keeps its own secret (a value cannot be shared across processes), everything else is one.
    assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 2 });
  });

  it('two connector folders with the same name (two teams) get two sets of apps, and undoing one leaves the other', async () => {
    const first = harness(ADMIN);
    const second = harness(ADMIN);
    const a = newContext(connectorCopy());
    // The same App ID URI cannot belong to two apps: the second team's API takes the api://{appId} form.
    const b = newContext(connectorCopy(), { api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: { kind: 'appId' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' } });
    assert.equal((await runSetup(a, first.services)).ok, true);
    assert.deepEqual((await runSetup(b, second.services)).failures, []);
    assert.notEqual(a.objects.apiApp?.appId, b.objects.apiApp?.appId);
    assert.notEqual(a.objects.connectorApp?.appId, b.objects.connectorApp?.appId);
    assert.deepEqual([b.objects.apiApp?.created, b.objects.connectorApp?.created], [true, true]);
    const c = await counts();
    assert.deepEqual([c.apps, c.sps], [4, 4]);
    const tagged = c.state.applications.filter((app) => (app.tags as string[] | undefined)?.includes(`EntraConnectorSetup:${a.runId}`));
    assert.deepEqual(tagged.map((app) => app.appId).sort(), [a.objects.apiApp?.appId, a.objects.connectorApp?.appId].sort(), "the setup's marker is on exactly its two apps");
    await undoSetup(b, second.directory, (x) => second.state.save(x));
    const left = (await getState(ep)).applications.map((app) => app.appId);
    assert.ok(left.includes(a.objects.apiApp!.appId) && left.includes(a.objects.connectorApp!.appId), "the other team's apps stay");
  });

  it('an app with the setup\'s uniqueName but without its marker is never modified or deleted: the step stops, or the user adopts it read-only', async () => {
    const dir = connectorCopy();
    const ctx = newContext(dir);
    const scopeId = '5e0f1a52-7d0e-4c6a-9f1e-2a5b8c9d0e22';
    await seedObjects(ep, {
      owner: MAKER,
      applications: [{ displayName: 'Someone else’s API', uniqueName: ctx.uniqueNames.api, identifierUris: ['api://someone-else'], api: { oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] } }],
    });
    const theirs = () => getState(ep).then((s) => JSON.stringify(s.applications.find((app) => app.uniqueName === ctx.uniqueNames.api)));
    const before = await theirs();
    await clearRequests(ep);

    const h = harness(ADMIN);
    const refused = await runSetup(ctx, h.services);
    assert.equal(refused.ok, false);
    assert.equal(refused.failures[0]?.error.code, 'AppNotMadeBySetup');
    assert.match(refused.failures[0]!.error.message, /Someone else’s API.*maker@contoso\.example/);
    assert.equal(await theirs(), before, 'not modified');
    const writes = (await getState(ep)).requests.filter((r) => r.service === 'graph' && r.method !== 'GET');
    assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [], 'nothing was written at all');

    const asked: unknown[] = [];
    const adopting = { ...h.services, adoptExisting: async (app: unknown) => (asked.push(app), true) };
    const adopted = await runToEnd(ctx, adopting);
    assert.deepEqual(adopted.failures, []);
    const shown = asked[0] as { role: string; displayName: string; appId: string; owners: string[] };
    assert.deepEqual([shown.role, shown.displayName, shown.owners], ['api', 'Someone else’s API', [MAKER]]);
    assert.equal(ctx.objects.apiApp?.created, false, 'adopted, not created');
    assert.equal(ctx.objects.apiApp?.appId, shown.appId);
    assert.equal(await theirs(), before, 'adopted read-only: still not modified');
    await undoSetup(ctx, h.directory, (x) => h.state.save(x));
    assert.equal(await theirs(), before, 'undo never deletes it');
  });

  it('an existing connector app the user chose is shown (name, owners, appId) before the setup changes it; a no leaves it untouched', async () => {
    const seeded = await seedObjects(ep, { owner: MAKER, applications: [{ displayName: 'Team connector' }] });
    const existing = seeded.applications[0] as { id: string; appId: string };
    const app = () => getState(ep).then((s) => JSON.stringify(s.applications.find((a) => a.id === existing.id)));
    const before = await app();
    const h = harness(ADMIN);
    const asked: { reason: string; displayName: string; appId: string; owners: readonly string[] }[] = [];
    const ctx = newContext(connectorCopy(), { connector: { kind: 'existing', appId: existing.appId } });
    const declined = await runSetup(ctx, { ...h.services, adoptExisting: async (a: UnmarkedApp) => (asked.push(a), false) } as SetupServices);
    assert.equal(declined.failures.find((f) => f.step === 'connector')?.error.code, 'ExistingAppNotConfirmed');
    assert.deepEqual(asked.map((a) => [a.reason, a.displayName, a.appId, a.owners]), [['chosen', 'Team connector', existing.appId, [MAKER]]]);
    assert.equal(await app(), before, 'not changed');
    const accepted = await runToEnd(ctx, { ...h.services, adoptExisting: async () => true } as typeof h.services);
    assert.deepEqual(accepted.failures, []);
    assert.equal(ctx.objects.connectorApp?.created, false);
    assert.notEqual(await app(), before, 'changed after the yes (permission and secret)');
  });

  it('an existing API app (found by its identifier URI) is used, never changed or removed', async () => {
    const scopeId = '3b4f1a52-7d0e-4c6a-9f1e-2a5b8c9d0e11';
    const seeded = await seedObjects(ep, {
      owner: ADMIN,
      applications: [{ displayName: 'Payroll API', identifierUris: ['api://payroll.contoso.example'], signInAudience: 'AzureADMyOrg', api: { oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] } }],
    });
    const apiAppId = String(seeded.applications[0]?.appId);
    await seedObjects(ep, { owner: ADMIN, servicePrincipals: [{ appId: apiAppId }] });
    const h = harness(ADMIN);
    const found = await h.directory.findApplications('api://payroll.contoso.example');
    assert.deepEqual(found.map((a) => a.appId), [apiAppId]);
    const before = JSON.stringify((await getState(ep)).applications.find((a) => a.appId === apiAppId));
    const dir = connectorCopy();
    const ctx = newContext(dir, { api: { kind: 'existing', appId: apiAppId } });
    const result = await runSetup(ctx, h.services);
    assert.deepEqual(result.failures, []);
    assert.deepEqual([...summarize(ctx).found].sort(), ['apiApp', 'apiServicePrincipal']);
    assert.equal(readProps(dir).customParameters.resourceUri.value, 'api://payroll.contoso.example');
    await undoSetup(ctx, h.directory, (c) => h.state.save(c));
    const state = await getState(ep);
    assert.equal(JSON.stringify(state.applications.find((a) => a.appId === apiAppId)), before);
    assert.ok(state.servicePrincipals.some((sp) => sp.appId === apiAppId));
  });

  it('a re-run that makes the apps again (Back to the first page) keeps the redirect URIs, identifier URIs, scopes and permissions someone added meanwhile', async () => {
    const h = harness(ADMIN);
    const dir = connectorCopy();
    const url = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f0123456789abcdef-0123456789abcdef';
    const first = newContext(dir, { redirectUrl: url });
    assert.equal((await runSetup(first, h.services)).ok, true);
    const apiId = String(first.objects.apiApp?.id);
    const connectorId = String(first.objects.connectorApp?.id);
    // Someone else edits both apps in the portal.
    const theirs = 'https://contoso.example/their-callback';
    const theirScope = { id: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', value: 'reports.read', type: 'User' as const, isEnabled: true, adminConsentDisplayName: 'Read reports', adminConsentDescription: 'Read reports' };
    const api = await h.directory.getApplicationByAppId(String(first.objects.apiApp?.appId));
    await h.directory.updateApplication(apiId, { identifierUris: [...(api?.identifierUris ?? []), 'api://contoso.example/reports'], api: { ...(api?.api ?? {}), oauth2PermissionScopes: [...(api?.api?.oauth2PermissionScopes ?? []), theirScope] } });
    const graphAccess = { resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }] };
    const connector = await h.directory.getApplicationByAppId(String(first.objects.connectorApp?.appId));
    await h.directory.updateApplication(connectorId, { web: { redirectUris: [url, theirs] }, requiredResourceAccess: [...(connector?.requiredResourceAccess ?? []), graphAccess] });
    // The user went Back to the first page: the setup finds its apps by uniqueName (and its tag) and runs every step again.
    resetStep(first, 'api');
    const second = first;
    const result = await runSetup(second, h.services);
    assert.deepEqual(result.failures, []);
    assert.equal(second.objects.apiApp?.appId, first.objects.apiApp?.appId);
    const state = await getState(ep);
    const apiAfter = state.applications.find((a) => a.id === apiId) as unknown as { identifierUris: string[]; api: { oauth2PermissionScopes: { value: string }[] } };
    assert.deepEqual(apiAfter.identifierUris, [`api://${ep.tenantId}/contoso-invoices-api`, 'api://contoso.example/reports']);
    assert.deepEqual(apiAfter.api.oauth2PermissionScopes.map((x) => x.value), ['user_impersonation', 'reports.read']);
    const connectorAfter = state.applications.find((a) => a.id === connectorId) as unknown as { web: { redirectUris: string[] }; requiredResourceAccess: { resourceAppId: string }[] };
    assert.deepEqual(connectorAfter.web.redirectUris, [url, theirs]);
    assert.deepEqual(connectorAfter.requiredResourceAccess.map((r) => r.resourceAppId), [String(first.objects.apiApp?.appId), MICROSOFT_GRAPH_APP_ID]);
  });

  it('a changed API name after a completed run renames the API app: its enabled scope is disabled in one PATCH, then updated in the next, nothing else dropped', async () => {
    const h = harness(ADMIN);
    const dir = connectorCopy();
    const ctx = newContext(dir);
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const apiId = String(ctx.objects.apiApp?.id);
    const scopeId = String(ctx.objects.apiApp?.scopeIds[0]);
    const grantBefore = (await getState(ep)).oauth2PermissionGrants.map((g) => g.scope);
    await clearRequests(ep);
    const service = { ...(ctx.choices.api as Extract<SetupChoices['api'], { kind: 'new' }>), displayName: 'Contoso Billing API' };
    assert.ok(applyChoices(ctx, { ...ctx.choices, api: service }).includes('api'));
    const result = await runSetup(ctx, h.services);
    assert.deepEqual(result.failures, []);
    assert.equal(result.ok, true);
    const state = await getState(ep);
    type Scope = { id: string; value: string; isEnabled: boolean; adminConsentDisplayName: string; userConsentDisplayName: string };
    const api = state.applications.find((a) => a.id === apiId) as unknown as { displayName: string; identifierUris: string[]; api: { oauth2PermissionScopes: Scope[] } };
    assert.equal(api.displayName, 'Contoso Billing API');
    // Same scope (same id, so the grant and the connector's permission still point at it), enabled, with the new name.
    assert.deepEqual(api.api.oauth2PermissionScopes.map((x) => [x.id, x.value, x.isEnabled, x.adminConsentDisplayName, x.userConsentDisplayName]), [[scopeId, 'user_impersonation', true, 'Access Contoso Billing API', 'Access Contoso Billing API']]);
    assert.deepEqual(ctx.objects.apiApp?.scopeIds, [scopeId]);
    assert.deepEqual(state.oauth2PermissionGrants.map((g) => g.scope), grantBefore);
    // The two-step change: a PATCH that only disables the scope, then the PATCH that changes it.
    const patches = state.requests.filter((r) => r.service === 'graph' && r.method === 'PATCH' && r.path === `/v1.0/applications/${apiId}`);
    assert.equal(patches.length, 2, patches.map((r) => `${r.method} ${r.path} ${r.status}`).join(', '));
    assert.ok(patches.every((r) => r.status === 204));
    const again = await runSetup(ctx, h.services);
    assert.equal(again.ok, true);
  });

  it('a rename that stopped after disabling the scope is finished by the next run; scope texts someone edited are left as they are', async () => {
    const h = harness(ADMIN);
    const ctx = newContext(connectorCopy());
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const apiId = String(ctx.objects.apiApp?.id);
    const appId = String(ctx.objects.apiApp?.appId);
    type Scope = { id: string; isEnabled: boolean; adminConsentDisplayName: string };
    const scopesNow = async () => ((await getState(ep)).applications.find((a) => a.id === apiId) as unknown as { api: { oauth2PermissionScopes: Scope[] } }).api.oauth2PermissionScopes;
    // The first PATCH of a rename went through, the second never did: the scope is left disabled.
    const read = await h.directory.getApplicationByAppId(appId);
    await h.directory.updateApplication(apiId, { api: { ...(read?.api ?? {}), oauth2PermissionScopes: (read?.api?.oauth2PermissionScopes ?? []).map((x) => ({ ...x, isEnabled: false })) } });
    const renamed = { ...(ctx.choices.api as Extract<SetupChoices['api'], { kind: 'new' }>), displayName: 'Contoso Billing API' };
    applyChoices(ctx, { ...ctx.choices, api: renamed });
    assert.deepEqual((await runSetup(ctx, h.services)).failures, []);
    assert.deepEqual((await scopesNow()).map((x) => [x.isEnabled, x.adminConsentDisplayName]), [[true, 'Access Contoso Billing API']]);

    // Someone rewrote the consent texts in the portal (disable, edit, enable): a later rename keeps their words.
    const mine = (await h.directory.getApplicationByAppId(appId))!;
    const theirs = (mine.api?.oauth2PermissionScopes ?? []).map((x) => ({ ...x, adminConsentDisplayName: 'Read and write invoices' }));
    await h.directory.updateApplication(apiId, { api: { ...(mine.api ?? {}), oauth2PermissionScopes: (mine.api?.oauth2PermissionScopes ?? []).map((x) => ({ ...x, isEnabled: false })) } });
    await h.directory.updateApplication(apiId, { api: { ...(mine.api ?? {}), oauth2PermissionScopes: theirs } });
    applyChoices(ctx, { ...ctx.choices, api: { ...renamed, displayName: 'Contoso Ledger API' } });
    assert.deepEqual((await runSetup(ctx, h.services)).failures, []);
    assert.deepEqual((await scopesNow()).map((x) => [x.isEnabled, x.adminConsentDisplayName]), [[true, 'Read and write invoices']]);
    assert.equal((await getState(ep)).applications.find((a) => a.id === apiId)?.displayName, 'Contoso Ledger API');
  });

  it('going Back and running again (the connector step reset) keeps a redirect URI someone added', async () => {
    const h = harness(ADMIN);
    const ctx = newContext(connectorCopy());
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const theirs = 'https://contoso.example/added-by-someone';
    await h.directory.updateApplication(String(ctx.objects.connectorApp?.id), { web: { redirectUris: [theirs] } });
    resetStep(ctx, 'connector');
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    const app = (await getState(ep)).applications.find((a) => a.appId === ctx.objects.connectorApp?.appId) as unknown as { web: { redirectUris: string[] } };
    assert.deepEqual(app.web.redirectUris, [theirs]);
  });

  it('service principals that exist are read, never written: foreign tags on the API app’s and Microsoft Graph’s service principals stay', async () => {
    const seeded = await seedObjects(ep, {
      owner: ADMIN,
      applications: [{ displayName: 'Vendor API', identifierUris: ['api://vendor.contoso.example'], tags: ['vendor-app'], api: { oauth2PermissionScopes: [{ id: '3b4f1a52-7d0e-4c6a-9f1e-2a5b8c9d0e12', value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] } }],
    });
    const apiAppId = String(seeded.applications[0]?.appId);
    await seedObjects(ep, { owner: ADMIN, servicePrincipals: [{ appId: apiAppId, tags: ['HideApp', 'WindowsAzureActiveDirectoryIntegratedApp', 'vendor'] }] });
    const h = harness(ADMIN);
    const graphSp = await h.directory.getServicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID);
    await h.directory.client.api(`/servicePrincipals/${graphSp?.id}`).patch({ tags: ['microsoft-first-party'] });
    await clearRequests(ep);
    const before = await getState(ep);
    for (const service of [{ kind: 'existing' as const, appId: apiAppId }, { kind: 'microsoft' as const, appId: MICROSOFT_GRAPH_APP_ID, resourceUri: 'https://graph.microsoft.com', scopes: ['User.Read'] }]) {
      const ctx = newContext(connectorCopy(), { api: service });
      assert.deepEqual((await runSetup(ctx, h.services)).failures, []);
    }
    const after = await getState(ep);
    for (const appId of [apiAppId, MICROSOFT_GRAPH_APP_ID]) {
      const was = before.servicePrincipals.find((sp) => sp.appId === appId);
      const now = after.servicePrincipals.find((sp) => sp.appId === appId);
      assert.deepEqual(now?.tags, was?.tags, appId);
    }
    assert.deepEqual(after.applications.find((a) => a.appId === apiAppId)?.tags, ['vendor-app']);
    const writesToTheirs = after.requests.filter((r) => r.service === 'graph' && r.method !== 'GET' && [was(before, apiAppId), was(before, MICROSOFT_GRAPH_APP_ID)].some((id) => r.path.includes(id)));
    assert.deepEqual(writesToTheirs.map((r) => `${r.method} ${r.path}`), []);
  });

  it('every request body the engine sent validates against the Graph v1.0 contract', () => {
    const sent = contract.exchanges.filter((ex) => ex.requestBody !== undefined && ex.method !== 'GET');
    assert.ok(sent.length > 50, `only ${sent.length} request bodies recorded`);
    const checked = sent.map((ex) => ({ ex, r: validateGraphRequest(ex.method, ex.path, ex.requestBody) }));
    const covered = checked.filter((c) => c.r.covered);
    assert.ok(covered.length >= sent.length * 0.9, `contract covers ${covered.length} of ${sent.length}`);
    const invalid = covered.filter((c) => !c.r.valid).map((c) => `${c.ex.method} ${c.ex.path}: ${c.r.errors.join('; ')}`);
    assert.deepEqual(invalid, []);
  });

  it('undo removes exactly what the setup created and never an object that existed before', async () => {
    const h = harness(ADMIN);
    const baseline = await getState(ep);
    const ctx = newContext(connectorCopy(), { api: { kind: 'microsoft', appId: MICROSOFT_GRAPH_APP_ID, resourceUri: 'https://graph.microsoft.com', scopes: ['User.Read'] } });
    assert.equal((await runSetup(ctx, h.services)).ok, true);
    await undoSetup(ctx, h.directory, (c) => h.state.save(c));
    const afterUndo = await getState(ep);
    assert.deepEqual(afterUndo.applications.map((a) => a.id).sort(), baseline.applications.map((a) => a.id).sort());
    assert.deepEqual(afterUndo.servicePrincipals.map((a) => a.id).sort(), baseline.servicePrincipals.map((a) => a.id).sort());
    assert.deepEqual(afterUndo.oauth2PermissionGrants.map((a) => a.id).sort(), baseline.oauth2PermissionGrants.map((a) => a.id).sort());
    assert.deepEqual(ctx.objects, {});
  });
});
