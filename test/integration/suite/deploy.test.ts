// "Deploy Connector to Power Platform…" inside the real extension host against the emulated tenant and Power
// Platform: Power Platform signed in to through the Azure CLI client (device code approved through the emulator), the
// connector deployed before from this folder is found (no second one), settings.json written through a WorkspaceEdit
// and saved (no secret), the redirect URL read back and registered on the connector app, and the Connectors view
// shows the deployment. Then the tree's Rotate Secret on that deployed connector: the deployed connector gets the new
// secret before the secret it replaces is removed.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';

const EXTENSION_ID = 'entra-connector.entra-connector';
const ADMIN = 'admin@contoso.example';
const CONNECTOR_APP_ID = '0c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

interface EmulatorEndpoints {
  adminToken: string;
  adminEndpoint: string;
  powerAppsEndpoint: string;
  graphEndpoint: string;
  loginEndpoint: string;
  tenantId: string;
}

function emulator(): EmulatorEndpoints {
  const line = process.env.ENTRA_EMULATOR;
  assert.ok(line, 'ENTRA_EMULATOR must be set by the integration runner');
  return JSON.parse(line) as EmulatorEndpoints;
}

async function call<T>(url: string, method: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  assert.ok(response.ok, `${method} ${url}: HTTP ${response.status} ${await response.clone().text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function approveDeviceCodes(endpoints: EmulatorEndpoints, pending: Promise<unknown>): Promise<void> {
  let done = false;
  void pending.finally(() => (done = true));
  for (let i = 0; i < 150 && !done; i++) {
    await new Promise((r) => setTimeout(r, 100));
    await call(`${endpoints.adminEndpoint}/device/approve`, 'POST', { user: ADMIN }, endpoints.adminToken);
  }
  await pending;
}

describe('Deploy Connector to Power Platform in the extension host', function () {
  this.timeout(120_000);
  const endpoints = emulator();
  let api: ExtensionTestApi;
  let connector: vscode.Uri;
  let originalProperties: Uint8Array;

  before(async () => {
    const ext = vscode.extensions.getExtension<ExtensionTestApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    const [properties] = await vscode.workspace.findFiles('**/Contoso Invoices/apiProperties.json');
    assert.ok(properties);
    connector = vscode.Uri.joinPath(properties, '..');
    originalProperties = await vscode.workspace.fs.readFile(properties);
    await call(`${endpoints.adminEndpoint}/seed`, 'POST', { owner: ADMIN, applications: [{ appId: CONNECTOR_APP_ID, displayName: 'Contoso Invoices connector' }] }, endpoints.adminToken);
    const resource = `api://${endpoints.tenantId}/contoso-invoices`;
    const oauth = {
      identityProvider: 'aad',
      clientId: CONNECTOR_APP_ID,
      scopes: [],
      redirectMode: 'GlobalPerConnector',
      properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: resource, IsOnbehalfofLoginSupported: true },
      customParameters: { loginUri: { value: endpoints.loginEndpoint }, tenantId: { value: 'common' }, resourceUri: { value: resource }, enableOnbehalfOfLogin: { value: 'false' } },
    };
    await vscode.workspace.fs.writeFile(properties, new TextEncoder().encode(`${JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: oauth } }, publisher: 'Contoso', stackOwner: 'Contoso' } }, null, 2)}\n`));
    // Deployed once before from this folder (by paconn, say): the command must update it, not make a second one.
    const pp = (await call<{ access_token: string }>(`${endpoints.adminEndpoint}/token`, 'POST', { user: ADMIN, clientId: AZURE_CLI, scopes: ['https://service.powerapps.com/.default'] }, endpoints.adminToken)).access_token;
    const swagger = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(connector, 'apiDefinition.swagger.json')))) as { info: { title: string } };
    const env = `Default-${endpoints.tenantId}`;
    await call(`${endpoints.powerAppsEndpoint}/providers/Microsoft.PowerApps/apis?api-version=2016-11-01&$filter=${encodeURIComponent(`environment eq '${env}'`)}`, 'POST', {
      properties: { displayName: swagger.info.title, openApiDefinition: swagger, backendService: { serviceUrl: 'https://contoso-invoices.azurewebsites.net/api' }, environment: { name: env }, connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { ...oauth, clientSecret: 'deployed-by-paconn' } } } },
    }, pp);
    // The directory sign-in (to register the redirect URL) and the Power Platform one, both by device code.
    const service = await api.auth.service();
    await approveDeviceCodes(endpoints, service.signIn('deviceCode', { scopes: ['Application.ReadWrite.All'] }));
    await approveDeviceCodes(endpoints, api.powerPlatform.signIn('deviceCode'));
  });

  after(async () => {
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(connector, 'apiProperties.json'), originalProperties);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(connector, 'settings.json')).then(undefined, () => undefined);
    await (await api.auth.service()).signOut();
  });

  it('updates the connector deployed before, writes settings.json without a secret, registers the redirect URL and shows the deployment', async () => {
    const result = await vscode.commands.executeCommand<{ connectorId: string; environment: string; created: boolean; redirectUrl?: string; registered: boolean; secretSent: boolean } | undefined>(
      'entraConnector.deployConnector',
      { folder: connector, environment: `Default-${endpoints.tenantId}` },
    );
    assert.ok(result, 'the command deployed');
    assert.equal(result.created, false, 'the connector deployed before is updated, not duplicated');
    assert.equal(result.secretSent, false, 'no secret in SecretStorage: the deployed one is kept');
    assert.ok(result.redirectUrl && result.registered);
    const state = await call<{ powerPlatform: { connectors: { name: string; secretSha256?: string }[] }; applications: { appId: string; web?: { redirectUris?: string[] } }[] }>(`${endpoints.adminEndpoint}/state`, 'GET', undefined, endpoints.adminToken);
    assert.equal(state.powerPlatform.connectors.filter((c) => c.name === result.connectorId).length, 1);
    assert.ok(state.applications.find((a) => a.appId === CONNECTOR_APP_ID)?.web?.redirectUris?.includes(result.redirectUrl));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(connector, 'settings.json'));
    assert.equal(doc.isDirty, false, 'settings.json was saved');
    assert.deepEqual(JSON.parse(doc.getText()), { connectorId: result.connectorId, environment: result.environment, apiProperties: 'apiProperties.json', apiDefinition: 'apiDefinition.swagger.json' });
    assert.ok(!doc.getText().includes('deployed-by-paconn'));

    let found: vscode.TreeItem | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      const roots = await api.connectors.getChildren();
      const node = roots.find((n) => n.kind === 'connector' && n.entry.name === 'Contoso Invoices');
      const children = node ? await api.connectors.getChildren(node) : [];
      const deployment = children.find((n) => n.kind === 'deployment');
      const item = deployment ? await api.connectors.getTreeItem(deployment) : undefined;
      if (item && item.contextValue !== 'deployment.none') found = item;
      else await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(found, 'the Connectors view shows the deployment');
    assert.match(String(found.description), /Contoso \(default\)/);
  });

  it('offers "Rotate and update the deployed connector" first; the deployed connector gets the new secret, and only then the replaced secret is removed (another tool’s stays)', async () => {
    // Deployed from this folder (by the test above, or here when this test runs alone).
    let settingsText = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(connector, 'settings.json')).then((b) => new TextDecoder().decode(b), () => undefined);
    if (!settingsText) {
      assert.ok(await vscode.commands.executeCommand('entraConnector.deployConnector', { folder: connector, environment: `Default-${endpoints.tenantId}` }), 'deployed');
      settingsText = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(connector, 'settings.json')));
    }
    const { connectorId } = JSON.parse(settingsText) as { connectorId: string };
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    type State = { applications: { id: string; appId: string; passwordCredentials?: { keyId: string; displayName?: string }[] }[]; powerPlatform: { connectors: { name: string; secretSha256?: string }[] }; requests: { seq: number; service: string; method: string; path: string }[] };
    const state = () => call<State>(`${endpoints.adminEndpoint}/state`, 'GET', undefined, endpoints.adminToken);
    const app = (await state()).applications.find((a) => a.appId === CONNECTOR_APP_ID);
    assert.ok(app);
    // The secret the setup made before (named like this tool's) is the one replaced; another tool's is kept.
    const graph = endpoints.graphEndpoint.replace(/\/$/, '');
    const token = await api.auth.getAccessToken([`${graph}/Application.ReadWrite.All`]);
    const addPassword = (displayName: string) => call<{ keyId: string; secretText: string }>(`${graph}/v1.0/applications/${app.id}/addPassword`, 'POST', { passwordCredential: { displayName } }, token);
    // A secret signs in only through the app's service principal (the setup makes one; the seed above did not).
    await call(`${graph}/v1.0/servicePrincipals`, 'POST', { appId: CONNECTOR_APP_ID }, token);
    const replaced = await addPassword('Entra Connector');
    const other = await addPassword('CI pipeline');
    const deployedBefore = (await state()).powerPlatform.connectors.find((c) => c.name === connectorId)?.secretSha256;

    await api.connectors.refresh();
    const roots = await api.connectors.getChildren();
    const node = roots.find((n) => n.kind === 'connector' && n.entry.name === 'Contoso Invoices');
    assert.ok(node);
    const appNode = (await api.connectors.getChildren(node)).find((n) => n.kind === 'app' && n.role === 'connector');
    assert.ok(appNode, 'the connector app node');
    const win = vscode.window as unknown as Record<string, unknown>;
    const originalPick = win.showQuickPick;
    const originalInfo = win.showInformationMessage;
    const originalError = win.showErrorMessage;
    let offered: { label: string; description?: string }[] = [];
    const info: string[] = [];
    const errors: string[] = [];
    win.showQuickPick = (items: readonly { label: string; description?: string; days?: number; deployed?: boolean }[]) => {
      if (items.some((i) => i.deployed !== undefined)) offered = [...items];
      // The proposals as they are: the first choice (the safe one; the recommended lifetime).
      return Promise.resolve(items[0]);
    };
    win.showInformationMessage = (message: string) => (info.push(message), Promise.resolve(undefined));
    win.showErrorMessage = (message: string) => (errors.push(message), Promise.resolve(undefined));
    try {
      await vscode.commands.executeCommand('entraConnector.tree.rotateSecret', appNode);
    } finally {
      win.showQuickPick = originalPick;
      win.showInformationMessage = originalInfo;
      win.showErrorMessage = originalError;
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(offered.map((o) => [o.label, o.description]), [['Rotate and update the deployed connector', 'recommended'], ['Only add a new secret', '']]);

    const after = await state();
    const creds = after.applications.find((a) => a.appId === CONNECTOR_APP_ID)?.passwordCredentials ?? [];
    assert.ok(!creds.some((c) => c.keyId === replaced.keyId), 'the replaced secret is removed');
    assert.ok(creds.some((c) => c.keyId === other.keyId), 'another tool’s secret is kept');
    const added = creds.filter((c) => c.keyId !== other.keyId);
    assert.equal(added.length, 1, 'one new secret');
    assert.match(added[0]!.displayName ?? '', /^Entra Connector rotate /);
    // The deployed connector holds the new secret: a value the tenant issued, neither the old one nor the other.
    const deployedSha = after.powerPlatform.connectors.find((c) => c.name === connectorId)?.secretSha256;
    const issued = (await call<{ secrets: string[] }>(`${endpoints.adminEndpoint}/issued`, 'GET', undefined, endpoints.adminToken)).secrets;
    assert.ok(deployedSha && deployedSha !== deployedBefore, 'the deployed secret changed');
    assert.ok(issued.some((v) => sha(v) === deployedSha) && deployedSha !== sha(replaced.secretText) && deployedSha !== sha(other.secretText), 'the deployed connector holds the new secret');
    // The order: the connector's update went out before the replaced secret was removed.
    const update = after.requests.filter((r) => r.service === 'powerplatform' && r.method === 'PATCH' && r.path.endsWith(`/apis/${connectorId}`)).map((r) => r.seq).pop();
    const removal = after.requests.filter((r) => r.service === 'graph' && r.method === 'POST' && r.path.endsWith(`/applications/${app.id}/removePassword`)).map((r) => r.seq).pop();
    assert.ok(update !== undefined && removal !== undefined && update < removal, `the connector was updated (request #${update}) before the old secret was removed (#${removal})`);
    assert.ok(info.some((m) => m.includes(`the connector ${connectorId} deployed in`) && m.includes('1 replaced secret(s) were removed')), info.join(' | '));
  });
});
