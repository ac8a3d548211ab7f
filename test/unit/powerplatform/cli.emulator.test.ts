// `entra-connector setup --deploy` then `test-connection`, against the emulated tenant and Power Platform: one command
// from nothing to a deployed connector whose redirect URL is registered (nothing pending), a connection signed in to
// in the browser, a GET through the connector → 200; idempotent on a second run (no second connector, no second
// secret); the secret in no file and no output; and each seeded misconfiguration explained like a pasted AADSTS.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminToken, clearRequests, criticalPath, getIssued, getState, httpsJson, resetEmulator, setFaults, type Endpoints, type RecordedRequest } from '../../../emulator/src';
import { cloudArgs, filesUnder, runCliAgainst, SAMPLE } from '../../support/cli';
import { ADMIN, useTenant } from '../../support/tenant';

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-deploy-', emulator: { deviceCodeIntervalSeconds: 1 } }, (t) => ({ ep, work } = t));

/** Runs the CLI; approves every device code as `user`, and signs in to every connection link in the "browser". */
const cli = (args: string[], user = ADMIN, browser: { accept?: boolean } = {}) => runCliAgainst(ep, args, { user, ...browser });
const cloud = () => cloudArgs(ep, { powerPlatform: true });

async function graph(method: string, path: string, body?: unknown) {
  const token = await adminToken(ep, ADMIN, ['https://graph.microsoft.com/Application.ReadWrite.All', 'https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All']);
  return httpsJson<Record<string, unknown>>(`${ep.graphEndpoint}/v1.0${path}`, { method, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { body } : {}), ca: ep.caCertPath });
}

/** A fresh copy of the sample connector in its own workspace folder, its swagger titled `name` (its own connector). */
function sampleCopy(name: string): { ws: string; dir: string } {
  const ws = mkdtempSync(join(work, 'ws-'));
  const dir = join(ws, name);
  cpSync(SAMPLE, dir, { recursive: true });
  const swaggerPath = join(dir, 'apiDefinition.swagger.json');
  writeFileSync(swaggerPath, readFileSync(swaggerPath, 'utf8').replace('"title": "Contoso Invoices"', `"title": "${name}"`));
  return { ws, dir };
}

/** A fresh copy of the sample connector, set up, secured and deployed; returns its folder and the deploy JSON. */
async function deployedConnector(name: string): Promise<{ dir: string; out: { connectorApp: { appId: string }; deployment: { connectorId: string; redirectUrl: string } } }> {
  const { ws, dir } = sampleCopy(name);
  const r = await cli(['setup', dir, ...cloud(), '--state', join(ws, 'state.json'), '--deploy', '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  // The emulated tenant has one site: each test's connector takes it over from the previous one, on purpose.
  const secured = await cli(['secure-service', dir, ...cloud(), '--auth-only', '--replace-provider']);
  assert.equal(secured.code, 0, secured.stderr + secured.stdout);
  return { dir, out: JSON.parse(r.stdout) };
}

/**
 * The product's requests of a run (as the bench counts them): Graph, Resource Manager and Power Platform, not the
 * sign-in's (token, device code) and not the user's browser at the consent host.
 */
const productTrips = (log: readonly RecordedRequest[]) =>
  log.filter((r) => r.batch === undefined && (r.service === 'graph' || r.service === 'arm' || (r.service === 'powerplatform' && !r.path.startsWith('/consent/'))));

describe('entra-connector setup --deploy, deploy and test-connection (emulated Power Platform)', () => {
  it('from nothing to a working connection (setup --deploy, then test-connection) in ≤ 10 sequential round trips at 400 ms latency', async () => {
    const { ws, dir } = sampleCopy('Contoso Chain');
    const chain = (log: readonly RecordedRequest[]) => productTrips(log).map((r) => `${r.method} ${r.path.split('?')[0]}`).join(', ');
    // Latency on every request makes the count about the order of the product's requests, not about this machine:
    // requests sent together overlap unless the test process stalls for longer than the latency (400 ms).
    await clearRequests(ep);
    await setFaults(ep, { latencyMs: 400 });
    let setup: Awaited<ReturnType<typeof cli>>;
    let test: Awaited<ReturnType<typeof cli>>;
    let setupLog: RecordedRequest[];
    let testLog: RecordedRequest[];
    try {
      setup = await cli(['setup', dir, ...cloud(), '--state', join(ws, 'state.json'), '--deploy', '--json']);
      setupLog = (await getState(ep)).requests;
      // The emulated tenant has one site: secured for this connector's API app, outside the count.
      await setFaults(ep, {});
      const secured = await cli(['secure-service', dir, ...cloud(), '--auth-only', '--replace-provider']);
      assert.equal(secured.code, 0, secured.stderr + secured.stdout);
      await clearRequests(ep);
      await setFaults(ep, { latencyMs: 400 });
      test = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '60']);
      testLog = (await getState(ep)).requests;
    } finally {
      await setFaults(ep, {});
    }
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    assert.deepEqual(JSON.parse(setup.stdout).pending, [], 'nothing left pending');
    assert.equal(test.code, 0, test.stderr + test.stdout);
    assert.equal(JSON.parse(test.stdout).status, 200);
    // The two commands run one after the other: their chains add up. The dependency minimum is 8 (BENCHMARKS.md); beyond
    // it: the unique-name check before the first write, and the redirect URL's PATCH ending `setup` before
    // `test-connection` can create the connection. 18–19 before the deployment's lookups ran beside the setup.
    const setupTrips = criticalPath(productTrips(setupLog));
    const testTrips = criticalPath(productTrips(testLog));
    assert.ok(setupTrips + testTrips <= 10, `${setupTrips} + ${testTrips} sequential round trips > 10.\nsetup: ${chain(setupLog)}\ntest-connection: ${chain(testLog)}`);
  });

  it('one command from nothing to a working connection (setup --deploy --test-connection) in ≤ 9 sequential round trips at 400 ms latency; the consent link is asked for only after the redirect URL and the grant are in place', async () => {
    // A fresh tenant: its one API site is not yet secured for another connector's API app (the tests above take it over).
    await resetEmulator(ep);
    const { ws, dir } = sampleCopy('Contoso One');
    await clearRequests(ep);
    await setFaults(ep, { latencyMs: 400 });
    let r: Awaited<ReturnType<typeof cli>>;
    let log: RecordedRequest[];
    try {
      r = await cli(['setup', dir, ...cloud(), '--state', join(ws, 'state.json'), '--deploy', '--test-connection', '--timeout', '60', '--json']);
      log = (await getState(ep)).requests;
    } finally {
      await setFaults(ep, {});
    }
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.pending, [], 'nothing left pending');
    assert.equal(out.connection.ok, true, JSON.stringify(out.connection));
    assert.equal(out.connection.status, 200);
    assert.equal(out.connection.operation.path, '/invoices');
    assert.equal(out.connection.connectorId, out.deployment.connectorId);
    assert.equal(out.connection.environment, out.deployment.environment);
    assert.match(out.connection.connection, /^[0-9a-f]{32}$/);
    assert.match(r.stderr, /Sign in to the connection: open https:\/\/\S+\/consent\/login\?data=/);

    // The consent link is asked for only once the redirect URL's PATCH and the grant have ended.
    const at = (re: RegExp, method: string) => log.filter((x) => x.method === method && re.test(x.path.split('?')[0]!));
    const consent = at(/\/connections\/[0-9a-f]{32}\/getConsentLink$/, 'POST');
    const redirect = at(/^\/v1\.0\/applications\/[0-9a-f-]{36}$/, 'PATCH');
    const grant = at(/^\/v1\.0\/oauth2PermissionGrants$/, 'POST');
    assert.equal(consent.length, 1);
    assert.ok(redirect.length >= 1 && grant.length >= 1, 'the redirect URL registered and the grant made');
    for (const w of [...redirect, ...grant]) assert.ok(w.end <= consent[0]!.start, `${w.method} ${w.path} ended after getConsentLink started`);
    // The minimum is 8 (BENCHMARKS.md); the one round trip beyond it: the unique-name check before the first write.
    const trips = criticalPath(productTrips(log));
    assert.ok(trips <= 9, `${trips} sequential round trips > 9: ${productTrips(log).map((x) => `${x.method} ${x.path.split('?')[0]}`).join(', ')}`);
    // The connection was created beside the redirect URL's registration, not after the setup.
    const put = at(/\/connections\/[0-9a-f]{32}$/, 'PUT');
    assert.equal(put.length, 1);
    assert.ok(put[0]!.start < Math.max(...redirect.map((w) => w.end)), 'the connection was created only after the setup ended');
  });

  it('setup --deploy --test-connection whose setup fails after the deploy step shows no consent link, deletes the connection it created early and says so', async () => {
    const { ws, dir } = sampleCopy('Contoso Halfway');
    const before = await getState(ep);
    await clearRequests(ep);
    // The redirect URL's registration on the connector app (the write after the connector is created) is refused.
    await setFaults(ep, { rules: [{ match: { method: 'PATCH', path: '^/v1.0/applications/[0-9a-f-]{36}$', service: 'graph' }, fault: 'expireToken' }] });
    let r: Awaited<ReturnType<typeof cli>>;
    let log: RecordedRequest[];
    try {
      r = await cli(['setup', dir, ...cloud(), '--state', join(ws, 'state.json'), '--deploy', '--test-connection', '--timeout', '30']);
      log = (await getState(ep)).requests;
    } finally {
      await setFaults(ep, {});
    }
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /Failed: deploy: /);
    assert.doesNotMatch(r.stderr + r.stdout, /Sign in to the connection|consent\/login/, 'no consent link shown');
    assert.deepEqual(r.browser, [], 'nobody was sent to sign in');
    assert.equal(log.filter((x) => /getConsentLink/.test(x.path)).length, 0, 'no consent link asked for');
    const after = await getState(ep);
    const connector = after.powerPlatform.connectors.find((c) => !before.powerPlatform.connectors.some((b) => b.name === c.name));
    assert.ok(connector, 'the deploy step created the connector before the setup failed');
    // The connection was created early (beside the failed registration), then deleted.
    const put = log.filter((x) => x.method === 'PUT' && /\/connections\/[0-9a-f]{32}$/.test(x.path.split('?')[0]!));
    assert.equal(put.length, 1, 'the connection was created as soon as the connector existed');
    const name = put[0]!.path.split('?')[0]!.split('/').pop()!;
    assert.ok(log.some((x) => x.method === 'DELETE' && x.path.split('?')[0]!.endsWith(`/connections/${name}`) && x.status === 200), 'the connection was deleted');
    assert.deepEqual(after.powerPlatform.connections.filter((c) => c.connector === connector.name), [], 'no connection left behind');
    assert.match(r.stdout, new RegExp(`The connection test did not run: the setup did not finish; the connection ${name} created for the test was deleted\\.\nNext: `));
  });

  it("setup --deploy --test-connection in text: the setup's lines, then the sign-in link once the deploy step is done, then \"Connection works\"; a setup left pending (--consent link) shows no link and deletes its connection", async () => {
    // A fresh tenant: its one API site is not yet secured for another connector's API app (the tests above take it over).
    await resetEmulator(ep);
    const { dir } = sampleCopy('Contoso Text');
    const r = await cli(['setup', dir, ...cloud(), '--state', join(dir, '..', 'state.json'), '--deploy', '--test-connection', '--timeout', '60']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^Connector app \(client ID\): [0-9a-f-]{36}\n[\s\S]*\nCreated connector shared_\S+ in [\s\S]*\nConnection works: GET \/invoices through the connector → 200\n\{/);
    const linkAt = r.stderr.indexOf('Sign in to the connection: open ');
    assert.ok(linkAt > r.stderr.search(/^done +deploy: /m) && r.stderr.search(/^done +deploy: /m) >= 0, 'the sign-in link came after the deploy step (and its redirect URL) was done');
    assert.equal(r.browser.length, 1);

    // Admin consent left to an administrator: the setup ends pending, so nobody is sent to sign in.
    const before = (await getState(ep)).powerPlatform.connections.length;
    const pending = sampleCopy('Contoso Pending').dir;
    const p = await cli(['setup', pending, ...cloud(), '--state', join(pending, '..', 'state.json'), '--deploy', '--test-connection', '--consent', 'link', '--json']);
    assert.equal(p.code, 1, p.stderr + p.stdout);
    const out = JSON.parse(p.stdout);
    assert.ok(out.pending.some((x: { step: string }) => x.step === 'consent'), JSON.stringify(out.pending));
    assert.equal(out.deployment.created, true, 'the connector was deployed');
    assert.doesNotMatch(p.stderr, /Sign in to the connection/);
    assert.deepEqual(p.browser, []);
    assert.equal(out.connection.ok, false);
    assert.equal(out.connection.deleted, true);
    assert.match(out.connection.failure.message, new RegExp(`^The connection test did not run: the setup did not finish; the connection ${out.connection.connection} created for the test was deleted\\.$`));
    assert.equal((await getState(ep)).powerPlatform.connections.length, before, 'no connection left behind');
  });

  it('one command from nothing to a deployed connector with its redirect URL registered; test-connection → 200; a second run creates nothing', async () => {
    const before = await getState(ep);
    const { ws, dir } = sampleCopy('Contoso Invoices');
    const stateFile = join(ws, 'state.json');
    const r = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--deploy', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.pending, [], 'nothing left pending');
    assert.match(out.deployment.connectorId, /^shared_contoso-20invoices-5f[0-9a-f]+-[0-9a-f]+$/);
    assert.equal(out.deployment.environment, `Default-${ep.tenantId}`);
    assert.equal(out.deployment.created, true);
    assert.equal(out.deployment.secretSent, true);
    assert.equal(out.deployment.redirectRegistered, true);
    const afterFirst = await getState(ep);
    assert.equal(afterFirst.powerPlatform.connectors.length, before.powerPlatform.connectors.length + 1);
    const app = afterFirst.applications.find((a) => a.appId === out.connectorApp.appId)!;
    assert.deepEqual((app.web as { redirectUris: string[] }).redirectUris, [out.deployment.redirectUrl]);
    assert.ok(out.deployment.redirectUrl.endsWith(`/redirect/${out.deployment.connectorId.slice('shared_'.length)}`));
    const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'));
    assert.deepEqual(settings, { connectorId: out.deployment.connectorId, environment: out.deployment.environment, apiProperties: 'apiProperties.json', apiDefinition: 'apiDefinition.swagger.json' });

    const secured = await cli(['secure-service', dir, ...cloud(), '--auth-only', '--replace-provider']);
    assert.equal(secured.code, 0, secured.stderr);
    const t = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '30']);
    assert.equal(t.code, 0, t.stderr + t.stdout);
    assert.match(t.stderr, /Sign in to the connection: open https:\/\/\S+\/consent\/login\?data=/);
    const result = JSON.parse(t.stdout);
    assert.equal(result.ok, true);
    assert.equal(result.status, 200);
    assert.equal(result.operation.path, '/invoices');
    assert.match(result.firstBytes, /"path":"\/api\/invoices","user":"admin@contoso.example"/, "the call passed Easy Auth as the signed-in user");
    assert.equal(result.connectorId, out.deployment.connectorId);

    // Again: the same connector updated (the deployed secret kept), no new app, secret or connector.
    const digest = afterFirst.powerPlatform.connectors.find((c) => c.name === out.deployment.connectorId)!.secretSha256;
    const again = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--deploy', '--json']);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    const out2 = JSON.parse(again.stdout);
    assert.equal(out2.deployment.connectorId, out.deployment.connectorId);
    assert.equal(out2.deployment.created, false);
    assert.equal(out2.deployment.secretSent, false);
    const afterSecond = await getState(ep);
    assert.equal(afterSecond.powerPlatform.connectors.length, afterFirst.powerPlatform.connectors.length);
    assert.equal(afterSecond.applications.length, afterFirst.applications.length);
    const app2 = afterSecond.applications.find((a) => a.appId === out.connectorApp.appId)!;
    assert.equal((app2.passwordCredentials as unknown[]).length, 1, 'no second secret');
    assert.equal(afterSecond.powerPlatform.connectors.find((c) => c.name === out.deployment.connectorId)!.secretSha256, digest);

    // The secret (and every token) is in no file of the workspace and in no output.
    const issued = await getIssued(ep);
    const outputs = [r, again, t, secured].map((x) => x.stdout + x.stderr).join('\n');
    for (const secret of issued.secrets) {
      assert.ok(!outputs.includes(secret), 'a secret in the output');
      for (const f of filesUnder(ws)) assert.ok(!readFileSync(f, 'utf8').includes(secret), `a secret in ${f}`);
    }
    for (const token of issued.tokens) assert.ok(!outputs.includes(token), 'a token in the output');
  });

  it('deploy alone updates the recorded connector; --environment with an environment the maker may not use fails with the cause', async () => {
    const { dir, out } = await deployedConnector('Contoso Deploy');
    const r = await cli(['deploy', dir, ...cloud(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.equal(res.connectorId, out.deployment.connectorId);
    assert.equal(res.created, false);
    assert.equal(res.redirectUrl, out.deployment.redirectUrl);
    const denied = await cli(['deploy', dir, ...cloud(), '--environment', 'Contoso Production'], 'maker@contoso.example');
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /not one you can deploy to/);
    assert.match(denied.stderr, /Next: /);
  });

  it('rotate --update-connector: the deployed connector gets the new secret before the old one is removed, and a connection works before and after; an app-only sign-in is refused before anything changes', async () => {
    const { dir, out } = await deployedConnector('Contoso Rotate');
    const connectionWorks = async () => {
      const t = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '30']);
      assert.equal(t.code, 0, t.stderr + t.stdout);
      assert.equal(JSON.parse(t.stdout).status, 200);
    };
    await connectionWorks();
    const passwords = async () => ((await getState(ep)).applications.find((a) => a.appId === out.connectorApp.appId)!.passwordCredentials as { keyId: string }[]).map((c) => c.keyId);
    const before = await passwords();
    assert.equal(before.length, 1);

    const appOnly = await runCliAgainst(ep, ['rotate', dir, ...cloud(), '--update-connector', '--auth', 'secret'], {
      user: false,
      env: { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: out.connectorApp.appId, AZURE_CLIENT_SECRET: 'not-a-real-secret-value-000000000' },
    });
    assert.equal(appOnly.code, 1);
    assert.match(appOnly.stderr, /does not accept app-only tokens/);
    assert.match(appOnly.stderr, /Next: /);
    assert.deepEqual(await passwords(), before, 'an app-only run changed nothing');

    const r = await cli(['rotate', dir, ...cloud(), '--update-connector', '--auth', 'device', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout);
    assert.equal(result.ok, true);
    assert.ok(result.handedOver.some((h: string) => h.includes(out.deployment.connectorId)), 'the deployed connector got the new secret');
    assert.ok(!r.stdout.includes('"secret"'), 'no secret in the output');
    const after = await passwords();
    assert.equal(after.length, 1, 'only the replaced secret was removed');
    assert.notEqual(after[0], before[0]);
    await connectionWorks();
  });

  it('each seeded misconfiguration: check --online names the cause before anyone tries, and test-connection fails with the real error, explained', async () => {
    const { dir, out } = await deployedConnector('Contoso Broken');
    const state = await getState(ep);
    const appObject = state.applications.find((a) => a.appId === out.connectorApp.appId)!;
    const checkCodes = async (): Promise<string[]> => {
      const c = await cli(['check', dir, '--online', ...cloud(), '--json']);
      return (JSON.parse(c.stdout) as { files: { diagnostics: { code: string }[] }[] }).files[0]!.diagnostics.map((d) => d.code);
    };
    assert.deepEqual((await checkCodes()).filter((c) => ['redirect-uri-not-registered', 'resource-not-found', 'consent-missing'].includes(c)), [], 'a healthy deployment has none');

    // The redirect URL removed from the connector app: predicted from the deployed connector's URL, then AADSTS50011.
    assert.equal((await graph('PATCH', `/applications/${appObject.id}`, { web: { redirectUris: [] } })).status, 204);
    assert.ok((await checkCodes()).includes('redirect-uri-not-registered'));
    const unregistered = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '5']);
    assert.equal(unregistered.code, 1);
    assert.match(unregistered.browser[0]?.page ?? '', /AADSTS50011/);
    assert.equal(JSON.parse(unregistered.stdout).failure.code, 'AADSTS50011');
    assert.equal((await cli(['deploy', dir, ...cloud()])).code, 0, 'deploy registers it again');

    // An unknown resource in apiProperties.json: resource-not-found, then AADSTS500011.
    const propsPath = join(dir, 'apiProperties.json');
    const good = readFileSync(propsPath, 'utf8');
    const resource = JSON.parse(good).properties.connectionParameters.token.oAuthSettings.customParameters.resourceUri.value as string;
    writeFileSync(propsPath, good.split(resource).join('api://contoso.example/no-such-api'));
    assert.ok((await checkCodes()).includes('resource-not-found'));
    assert.equal((await cli(['deploy', dir, ...cloud()])).code, 0);
    const unknown = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '20']);
    assert.equal(unknown.code, 1);
    assert.equal(JSON.parse(unknown.stdout).failure.code, 'AADSTS500011');
    writeFileSync(propsPath, good);
    assert.equal((await cli(['deploy', dir, ...cloud()])).code, 0);

    // Consent withdrawn: consent-missing; the user meets the consent prompt and declining fails the connection.
    const connectorSp = state.servicePrincipals.find((sp) => sp.appId === out.connectorApp.appId)!;
    for (const g of state.oauth2PermissionGrants.filter((x) => x.clientId === connectorSp.id)) assert.equal((await graph('DELETE', `/oauth2PermissionGrants/${g.id}`)).status, 204);
    assert.ok((await checkCodes()).includes('consent-missing'));
    const declined = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '20'], ADMIN, { accept: false });
    assert.equal(declined.code, 1);
    assert.equal(JSON.parse(declined.stdout).failure.code, 'AADSTS65004');

    // A wrong secret deployed (the secret's ID pasted instead of its value) → AADSTS7000215, explained. No check can
    // predict this one: the deployed secret cannot be read back from Power Platform.
    const pp = await adminToken(ep, ADMIN, ['https://service.powerapps.com/.default'], '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
    const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'));
    const url = `${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis/${settings.connectorId}?api-version=2016-11-01&$filter=${encodeURIComponent(`environment eq '${settings.environment}'`)}`;
    const connector = await httpsJson<{ properties: { connectionParameters: { token: { oAuthSettings: Record<string, unknown> } } } }>(url, { headers: { authorization: `Bearer ${pp}` }, ca: ep.caCertPath });
    const withSecret = structuredClone(connector.body.properties);
    withSecret.connectionParameters.token.oAuthSettings.clientSecret = (appObject.passwordCredentials as { keyId: string }[])[0]!.keyId;
    assert.equal((await httpsJson(url, { method: 'PATCH', headers: { authorization: `Bearer ${pp}` }, body: { properties: withSecret }, ca: ep.caCertPath })).status, 200);
    const wrongSecret = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '20']);
    assert.equal(wrongSecret.code, 1, wrongSecret.stdout);
    const ws = JSON.parse(wrongSecret.stdout);
    assert.equal(ws.failure.code, 'AADSTS7000215');
    assert.match(ws.failure.cause, /secret/i);
  });
  it("the API site's authentication: check --online --service predicts the 401 (audience) and the 403 (client app) a connection then gets", async () => {
    const { dir } = await deployedConnector('Contoso Site');
    const serviceCodes = async (): Promise<string[]> => {
      const c = await cli(['check', dir, '--online', '--service', ...cloud(), '--json']);
      return (JSON.parse(c.stdout) as { files: { diagnostics: { code: string }[] }[] }).files[0]!.diagnostics.map((d) => d.code).filter((code) => code.startsWith('service-'));
    };
    const connection = async () => {
      const t = await cli(['test-connection', dir, ...cloud(), '--json', '--timeout', '30']);
      return { code: t.code, status: (JSON.parse(t.stdout) as { status?: number }).status };
    };
    assert.deepEqual(await serviceCodes(), [], 'secured by secure-service: nothing predicted');
    assert.deepEqual(await connection(), { code: 0, status: 200 });

    // The site's Easy Auth changed behind the connector's back, through ARM as the portal would.
    const arm = await adminToken(ep, ADMIN, [`${ep.armEndpoint}/user_impersonation`], '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
    const siteId = String((await getState(ep)).arm.sites[0]!.id);
    const authUrl = `${ep.armEndpoint}${siteId}/config/authsettingsV2?api-version=2022-03-01`;
    type Aad = { registration: { clientId: string }; validation: { allowedAudiences?: string[]; defaultAuthorizationPolicy?: { allowedApplications: string[] } } };
    const change = async (edit: (aad: Aad) => void) => {
      const current = await httpsJson<{ properties: { identityProviders: { azureActiveDirectory: Aad } } }>(authUrl, { headers: { authorization: `Bearer ${arm}` }, ca: ep.caCertPath });
      const properties = structuredClone(current.body.properties);
      edit(properties.identityProviders.azureActiveDirectory);
      assert.equal((await httpsJson(authUrl, { method: 'PUT', headers: { authorization: `Bearer ${arm}` }, body: { properties }, ca: ep.caCertPath })).status, 200);
    };

    // Another app's audience only: predicted service-audience, then the API answers 401.
    await change((aad) => {
      aad.validation.allowedAudiences = ['api://someone-else'];
      aad.registration.clientId = '00000000-0000-4000-8000-00000000beef';
    });
    assert.deepEqual(await serviceCodes(), ['service-audience']);
    assert.deepEqual(await connection(), { code: 1, status: 401 });

    // Secured again; then only the API app itself admitted as a client: predicted service-client-not-allowed, then 403.
    assert.equal((await cli(['secure-service', dir, ...cloud(), '--auth-only', '--replace-provider'])).code, 0);
    await change((aad) => (aad.validation.defaultAuthorizationPolicy = { allowedApplications: [aad.registration.clientId] }));
    assert.deepEqual(await serviceCodes(), ['service-client-not-allowed']);
    assert.deepEqual(await connection(), { code: 1, status: 403 });

    // secure-service adds the connector app to the list: nothing predicted, and the connection works again.
    assert.equal((await cli(['secure-service', dir, ...cloud(), '--auth-only', '--replace-provider'])).code, 0);
    assert.deepEqual(await serviceCodes(), []);
    assert.deepEqual(await connection(), { code: 0, status: 200 });
  });
});
