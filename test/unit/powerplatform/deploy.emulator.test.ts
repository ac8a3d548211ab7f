// The vscode-free deployment modules against the emulated Power Platform: environment choice, swagger validation,
// icon upload, create vs update (no second connector), the secret only in the create/update request bodies, the
// redirect URL read back, the move from the shared legacy URL registered before the old one is removed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { adminToken, adminTokenSource, getState, httpsJson, resetEmulator, type Endpoints } from '../../../emulator/src';
import { diskConnectorFiles } from '../../../src/cli/deploy';
import { createGraphClient } from '../../../src/graph/client';
import { Directory, type Application } from '../../../src/graph/operations';
import { AZURE_CLI_CLIENT_ID, POWER_APPS_SCOPE, PowerPlatformClient, PowerPlatformFailure } from '../../../src/powerplatform/client';
import { deployConnector, objectIdOf, updateDeployedSecret } from '../../../src/powerplatform/deploy';
import { registerRedirectUrl } from '../../../src/powerplatform/redirect';
import { testConnection } from '../../../src/powerplatform/testConnection';
import { useTenant } from '../../support/tenant';

const ADMIN = 'admin@contoso.example';
const MAKER = 'maker@contoso.example';
const SAMPLE_SWAGGER = readFileSync(join(__dirname, '../../fixtures/workspaces/sample/Contoso Invoices/apiDefinition.swagger.json'), 'utf8');

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-pp-' }, (t) => ({ ep, work } = t));
beforeEach(async () => resetEmulator(ep));

interface Sent {
  method: string;
  url: string;
  body: string;
}

function client(user = ADMIN, sent: Sent[] = []): PowerPlatformClient {
  const recording: typeof fetch = async (input, init) => {
    const body = init?.body;
    sent.push({ method: init?.method ?? 'GET', url: String(input), body: typeof body === 'string' ? body : '' });
    return fetch(input, init);
  };
  return new PowerPlatformClient({
    powerAppsEndpoint: ep.powerAppsEndpoint,
    flowEndpoint: ep.flowEndpoint,
    powerAppsToken: () => adminToken(ep, user, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID),
    fetch: recording,
  });
}

async function connectorApp(): Promise<{ app: Application; secret: string; directory: Directory }> {
  const directory = new Directory(createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: adminTokenSource(ep, ADMIN) }));
  const { value: app } = await directory.upsertApplication(`pp-test-${Date.now()}`, { displayName: 'Invoices connector' });
  const pw = await directory.addPassword(app.id, 'test', new Date(Date.now() + 86_400_000).toISOString());
  return { app, secret: pw.secretText!, directory };
}

function folder(clientId: string, o: { redirectMode?: string | null; icon?: boolean } = {}): string {
  const dir = mkdtempSync(join(work, 'c-'));
  const oauth: Record<string, unknown> = {
    identityProvider: 'aad',
    clientId,
    scopes: [],
    ...(o.redirectMode === null ? {} : { redirectMode: o.redirectMode ?? 'GlobalPerConnector' }),
    properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: 'api://contoso.example/invoices' },
    customParameters: { loginUri: { value: ep.loginEndpoint }, tenantId: { value: 'common' }, resourceUri: { value: 'api://contoso.example/invoices' } },
  };
  writeFileSync(join(dir, 'apiProperties.json'), `${JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: oauth } }, publisher: 'Contoso' } }, null, 2)}\n`);
  writeFileSync(join(dir, 'apiDefinition.swagger.json'), SAMPLE_SWAGGER);
  if (o.icon) writeFileSync(join(dir, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]));
  return dir;
}

async function oid(user = ADMIN): Promise<string> {
  return objectIdOf(await adminToken(ep, user, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID));
}

describe('deployConnector (emulated Power Platform)', () => {
  it('creates in the default environment with the icon uploaded, remembers it in settings.json, and a second run updates the same connector', async () => {
    const { app, secret } = await connectorApp();
    const dir = folder(app.appId, { icon: true });
    const sent: Sent[] = [];
    const first = await deployConnector({ dir, files: diskConnectorFiles, client: client(ADMIN, sent), objectId: await oid(), secret });
    assert.equal(first.created, true);
    assert.equal(first.environment, `Default-${ep.tenantId}`);
    assert.match(first.redirectUrl ?? '', /\/consent\/redirect\/contoso-20invoices-5f/);
    const state = await getState(ep);
    assert.equal(state.powerPlatform.blobs.length, 1);
    const created = sent.find((s) => s.method === 'POST' && /\/apis\?/.test(s.url))!;
    assert.match(JSON.parse(created.body).properties.iconUri, /\/blob\/.+\/icon\.png\?/);
    // The secret travels in the create body only: not in a URL, not in any other request.
    for (const s of sent) {
      assert.ok(!s.url.includes(secret));
      if (s !== created) assert.ok(!s.body.includes(secret), `${s.method} ${s.url} carried the secret`);
    }
    assert.equal(JSON.parse(created.body).properties.connectionParameters.token.oAuthSettings.clientSecret, secret);
    const settingsText = readFileSync(join(dir, 'settings.json'), 'utf8');
    assert.ok(!settingsText.includes(secret));
    assert.equal(JSON.parse(settingsText).connectorId, first.connectorId);
    assert.equal(JSON.parse(settingsText).icon, 'icon.png');

    const second = await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid() });
    assert.equal(second.created, false);
    assert.equal(second.connectorId, first.connectorId);
    assert.equal(second.secretSent, false);
    assert.equal((await getState(ep)).powerPlatform.connectors.length, 1);
    assert.equal((await getState(ep)).powerPlatform.connectors[0]!.hasSecret, true);
  });

  it('without settings.json finds the connector deployed before from this folder instead of creating a second one', async () => {
    const { app, secret } = await connectorApp();
    const dir = folder(app.appId);
    const first = await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid(), secret });
    rmSync(join(dir, 'settings.json'));
    const again = await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid() });
    assert.equal(again.connectorId, first.connectorId);
    assert.equal(again.created, false);
    assert.equal((await getState(ep)).powerPlatform.connectors.length, 1);
  });

  it('refuses to create without a secret, a broken swagger, and an environment the maker cannot use — each with the cause and a next step', async () => {
    const { app, secret } = await connectorApp();
    const dir = folder(app.appId);
    await assert.rejects(deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid() }), (e: PowerPlatformFailure) => e.code === 'SecretRequired' && /never in a file/.test(e.message) && !!e.next);
    writeFileSync(join(dir, 'apiDefinition.swagger.json'), JSON.stringify({ swagger: '2.0', info: { title: 'X' }, paths: {} }));
    await assert.rejects(deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid(), secret }), (e: PowerPlatformFailure) => e.code === 'InvalidSwagger' && /'host' is required/.test(e.message));
    writeFileSync(join(dir, 'apiDefinition.swagger.json'), SAMPLE_SWAGGER);
    await assert.rejects(
      deployConnector({ dir, files: diskConnectorFiles, client: client(MAKER), objectId: await oid(MAKER), secret, environment: 'Contoso Production' }),
      (e: PowerPlatformFailure) => e.code === 'EnvironmentNotAvailable' && /Contoso \(default\)/.test(e.message),
    );
    assert.equal((await getState(ep)).powerPlatform.connectors.length, 0);
  });

  it('updateDeployedSecret sends the new secret to the recorded connector (for rotation)', async () => {
    const { app, secret, directory } = await connectorApp();
    const dir = folder(app.appId);
    await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid(), secret });
    const before = (await getState(ep)).powerPlatform.connectors[0]!.secretSha256;
    const next = await directory.addPassword(app.id, 'rotated', new Date(Date.now() + 86_400_000).toISOString());
    const r = await updateDeployedSecret({ dir, files: diskConnectorFiles, client: client(), objectId: await oid(), secret: next.secretText! });
    assert.equal(r.created, false);
    assert.equal(r.secretSent, true);
    assert.notEqual((await getState(ep)).powerPlatform.connectors[0]!.secretSha256, before);
  });

  it('a connector moved from the shared legacy redirect URL to its own gets the new URL registered before the old one is removed', async () => {
    const { app, secret, directory } = await connectorApp();
    const dir = folder(app.appId, { redirectMode: null });
    const legacy = await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid(), secret });
    assert.match(legacy.redirectUrl ?? '', /\/consent\/redirect$/);
    await registerRedirectUrl(directory, app.appId, legacy.redirectUrl!);
    await directory.updateApplication(app.id, { web: { redirectUris: ['https://other.example/callback', legacy.redirectUrl!] } });
    const props = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8'));
    props.properties.connectionParameters.token.oAuthSettings.redirectMode = 'GlobalPerConnector';
    writeFileSync(join(dir, 'apiProperties.json'), JSON.stringify(props, null, 2));
    const moved = await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid() });
    assert.equal(moved.previousRedirectUrl, legacy.redirectUrl);
    assert.notEqual(moved.redirectUrl, legacy.redirectUrl);
    const writes: string[][] = [];
    const spy = Object.create(directory) as Directory;
    spy.updateApplication = async (id, body) => {
      writes.push([...(body.web?.redirectUris ?? [])]);
      return directory.updateApplication(id, body);
    };
    const reg = await registerRedirectUrl(spy, app.appId, moved.redirectUrl!, { previous: legacy.redirectUrl!, removePrevious: true });
    assert.equal(reg.removed, legacy.redirectUrl);
    assert.deepEqual(writes, [
      ['https://other.example/callback', legacy.redirectUrl!, moved.redirectUrl!],
      ['https://other.example/callback', moved.redirectUrl!],
    ]);
  });

  it('takes the redirect URL from the create’s answer; reads the connector back when an answer lacks it, or when the body sent a redirectUrl of its own', async () => {
    const { app, secret } = await connectorApp();
    const readsOf = (sent: Sent[], id: string) => sent.filter((x) => x.method === 'GET' && new URL(x.url).pathname.endsWith(`/apis/${id}`)).length;
    const sent: Sent[] = [];
    const first = await deployConnector({ dir: folder(app.appId), files: diskConnectorFiles, client: client(ADMIN, sent), objectId: await oid(), secret });
    assert.ok(first.redirectUrl?.endsWith(`/redirect/${first.connectorId.slice('shared_'.length)}`), first.redirectUrl);
    assert.equal(readsOf(sent, first.connectorId), 0, 'the answer had it: no read back');

    // An answer without the URL (a platform that answers with less than the saved connector): read back.
    const stripped: Sent[] = [];
    const withoutUrl: typeof fetch = async (input, init) => {
      stripped.push({ method: init?.method ?? 'GET', url: String(input), body: '' });
      const r = await fetch(input, init);
      if (!/^(POST|PATCH)$/.test(init?.method ?? '') || !/\/apis(\/[^/?]+)?\?/.test(String(input))) return r;
      const body = (await r.json()) as { properties: { connectionParameters: { token: { oAuthSettings: Record<string, unknown> } } } };
      delete body.properties.connectionParameters.token.oAuthSettings.redirectUrl;
      return new Response(JSON.stringify(body), { status: r.status, headers: { 'content-type': 'application/json' } });
    };
    const c = new PowerPlatformClient({ powerAppsEndpoint: ep.powerAppsEndpoint, flowEndpoint: ep.flowEndpoint, powerAppsToken: () => adminToken(ep, ADMIN, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID), fetch: withoutUrl });
    const second = await deployConnector({ dir: folder(app.appId), files: diskConnectorFiles, client: c, objectId: await oid(), secret });
    assert.equal(readsOf(stripped, second.connectorId), 1, 'read back once');
    assert.ok(second.redirectUrl?.endsWith(`/redirect/${second.connectorId.slice('shared_'.length)}`), second.redirectUrl);

    // apiProperties.json still holding a redirectUrl: the answer might only echo it, so the connector is read back.
    const dir = folder(app.appId);
    const props = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8'));
    props.properties.connectionParameters.token.oAuthSettings.redirectUrl = 'https://global.consent.azure-apim.net/redirect';
    writeFileSync(join(dir, 'apiProperties.json'), JSON.stringify(props, null, 2));
    const echoed: Sent[] = [];
    const third = await deployConnector({ dir, files: diskConnectorFiles, client: client(ADMIN, echoed), objectId: await oid(), secret });
    assert.equal(readsOf(echoed, third.connectorId), 1, 'read back once');
    assert.ok(third.redirectUrl?.endsWith(`/redirect/${third.connectorId.slice('shared_'.length)}`), third.redirectUrl);
  });

  it('a connection test the user cancels while the sign-in is pending stops waiting: no more status reads, the result says cancelled', async () => {
    const { app, secret } = await connectorApp();
    const dir = folder(app.appId);
    const deployed = await deployConnector({ dir, files: diskConnectorFiles, client: client(), objectId: await oid(), secret });
    const sent: Sent[] = [];
    const controller = new AbortController();
    const result = await testConnection({
      client: client(ADMIN, sent),
      environment: deployed.environment,
      connectorId: deployed.connectorId,
      swagger: JSON.parse(SAMPLE_SWAGGER) as Record<string, unknown>,
      returnUrl: 'http://localhost:9/',
      // The user never signs in; they cancel once the link is shown.
      openConsent: () => controller.abort(),
      pollMs: 20,
      timeoutMs: 60_000,
      signal: controller.signal,
      sleep: (ms) => new Promise((resolve) => {
        const t = setTimeout(resolve, controller.signal.aborted ? 0 : ms);
        controller.signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
      }),
    });
    assert.equal(result.ok, false);
    assert.equal(result.cancelled, true);
    assert.match(result.failure?.next ?? '', /Test Connection again/);
    const statusReads = sent.filter((x) => x.method === 'GET' && /\/connections\/[^/?]+\?/.test(x.url)).length;
    assert.equal(statusReads, 0, 'no status read after the cancel');
  });

  it('the Power Apps API refuses a token for another audience; the client turns it into a failure with a next step', async () => {
    const graphOnly = new PowerPlatformClient({ powerAppsEndpoint: ep.powerAppsEndpoint, flowEndpoint: ep.flowEndpoint, powerAppsToken: () => adminToken(ep, ADMIN, ['https://graph.microsoft.com/User.Read']) });
    await assert.rejects(graphOnly.listEnvironments(), (e: PowerPlatformFailure) => e.status === 401 && /audience/.test(e.message) && /Sign in again/.test(e.next));
    const envs = await client(MAKER).listEnvironments();
    assert.deepEqual(envs.map((e) => e.isDefault), [true]);
    const all = await client(ADMIN).listEnvironments();
    assert.deepEqual(all.map((e) => e.isDefault), [true, false]);
    const blob = await httpsJson(`${ep.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis?api-version=2016-11-01`, { ca: ep.caCertPath });
    assert.equal(blob.status, 401);
  });
});
