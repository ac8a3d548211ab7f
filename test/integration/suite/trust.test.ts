// Trust boundaries inside the real extension host (issue 14): a workspace's settings cannot choose where tokens go,
// the first sign-in to a custom cloud names its host, other extensions reach nothing sensitive through the API or
// the tree's commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { productionApi, type ExtensionTestApi } from '../../../src/extension';
import { activated, answering, emulator, EXTENSION_ID, until } from '../extensionHost';

const HOST_SETTINGS = ['entraConnector.cloud', 'entraConnector.customCloud', 'entraConnector.signIn.clientId', 'entraConnector.signIn.tenant', 'entraConnector.setup.previewChanges'];

/** Every object reachable from `root` through own properties (enumerable or not), getters not run, prototypes followed. */
function reachable(root: unknown): unknown[] {
  const seen = new Set<unknown>();
  const queue: unknown[] = [root];
  while (queue.length > 0 && seen.size < 50_000) {
    const value = queue.shift();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) queue.push(descriptor.value);
    }
    queue.push(Object.getPrototypeOf(value));
  }
  return [...seen];
}

describe('Trust boundaries (issue 14)', function () {
  this.timeout(60_000);
  const ep = emulator();
  let api: ExtensionTestApi;

  before(async () => {
    api = await activated();
  });

  describe('a workspace cannot choose where tokens go', () => {
    const settingsFile = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, '.vscode', 'settings.json');
    after(async () => {
      await vscode.workspace.fs.delete(settingsFile(), { useTrash: false }).then(undefined, () => undefined);
    });

    it('the cloud, custom cloud, client, tenant and preview settings are application-scoped in package.json', () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
      const properties = (ext.packageJSON as { contributes: { configuration: { properties: Record<string, { scope?: string }> } } }).contributes.configuration.properties;
      for (const key of HOST_SETTINGS) assert.equal(properties[key]?.scope, 'application', `${key} is application-scoped`);
    });

    it("a cloned repository's .vscode/settings.json pointing the login at another host is ignored; the user's settings stay in force", async () => {
      const before = api.auth.settings();
      assert.equal(before.cloud.loginEndpoint, ep.loginEndpoint.replace(/\/$/, ''), "the runner's user settings point at the emulated tenant");
      const hostile = {
        'entraConnector.cloud': 'Custom',
        'entraConnector.customCloud': { loginEndpoint: 'https://login.attacker.example', graphEndpoint: 'https://graph.attacker.example', armEndpoint: 'https://arm.attacker.example' },
        'entraConnector.signIn.clientId': '11111111-2222-3333-4444-555555555555',
        'entraConnector.signIn.tenant': 'attacker.example',
        'entraConnector.setup.previewChanges': false,
        // A window-scoped setting that does apply: proves VS Code has read the file.
        'editor.rulers': [73],
      };
      await vscode.workspace.fs.writeFile(settingsFile(), new TextEncoder().encode(JSON.stringify(hostile, null, 2)));
      await until('VS Code to read the workspace settings', () => JSON.stringify(vscode.workspace.getConfiguration('editor').get('rulers')) === '[73]');
      const after = api.auth.settings();
      assert.equal(after.cloud.loginEndpoint, before.cloud.loginEndpoint);
      assert.equal(after.cloud.graphEndpoint, before.cloud.graphEndpoint);
      assert.equal(after.clientId, before.clientId);
      assert.equal(after.tenant, before.tenant);
    });

    it('the first sign-in to a custom cloud names its login host in a modal and stops when the user says no; a yes is remembered', async () => {
      const host = new URL(ep.loginEndpoint).host;
      const declined = await answering({ showWarningMessage: () => undefined, showQuickPick: () => undefined }, () => vscode.commands.executeCommand('entraConnector.signIn'));
      const modal = declined.asked.find(({ prompt, args }) => prompt === 'showWarningMessage' && String(args[0]).includes(host));
      assert.ok(modal, `a warning naming ${host} was shown`);
      assert.equal((modal.args[1] as { modal?: boolean }).modal, true, 'it is modal');
      assert.ok(!declined.asked.some(({ prompt }) => prompt === 'showQuickPick'), 'declining stops before any sign-in flow starts');

      const accepted = await answering({ showWarningMessage: (_message, _options, label) => label, showQuickPick: () => undefined }, () => vscode.commands.executeCommand('entraConnector.signIn'));
      assert.ok(accepted.asked.some(({ prompt, args }) => prompt === 'showWarningMessage' && String(args[0]).includes(host)));
      const again = await answering({ showWarningMessage: () => undefined, showQuickPick: () => undefined }, () => vscode.commands.executeCommand('entraConnector.signIn'));
      assert.ok(!again.asked.some(({ prompt, args }) => prompt === 'showWarningMessage' && String(args[0]).includes(host)), 'asked once per host');
    });
  });

  describe("other extensions reach nothing sensitive", () => {
    it('the production API object reaches no SecretStorage, no sign-in, no token getter and no tree provider', async () => {
      const production = productionApi();
      const everything = reachable(production);
      assert.ok(!everything.includes(api.auth), 'the sign-in is not reachable');
      assert.ok(!everything.includes(api.connectors), 'the Connectors view is not reachable');
      for (const value of everything) {
        if (typeof value === 'function') assert.doesNotMatch(value.name, /getAccessToken|service|secrets|storedAccounts/i, `function ${value.name} is reachable`);
        if (value && typeof value === 'object') {
          const keys = Reflect.ownKeys(value).map(String);
          assert.ok(!keys.includes('secrets') && !keys.includes('auth') && !keys.includes('session') && !keys.includes('getAccessToken'), `an object with ${keys.join(', ')} is reachable`);
        }
      }
      assert.ok(Object.isFrozen(production));
    });

    it("the tree provider's sign-in and SecretStorage are ECMAScript-private (not readable as properties)", () => {
      const loose = api.connectors as unknown as Record<string, unknown>;
      assert.equal(loose.session, undefined);
      assert.equal(loose.secrets, undefined);
      const everything = reachable(api.connectors);
      assert.ok(!everything.includes(api.auth), 'the sign-in is not reachable from the provider');
    });

    it("the wizard's webview may load only the folders of its script and stylesheet, nothing else of the extension", async () => {
      const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'Contoso Invoices');
      const handle = (await vscode.commands.executeCommand('entraConnector.secureConnector', folder)) as { panel: vscode.WebviewPanel } | undefined;
      assert.ok(handle?.panel);
      try {
        const roots = (handle.panel.webview.options.localResourceRoots ?? []).map((u) => u.path.split('/').slice(-2).join('/'));
        assert.deepEqual(roots, ['dist/webview', 'media/webview']);
      } finally {
        handle.panel.dispose();
      }
    });

    it("a tree command run with a forged node acts on the views' own nodes only (the forged app ID is never copied)", async () => {
      await vscode.env.clipboard.writeText('unchanged');
      const forged = { kind: 'ownedApp', app: { id: 'forged-object-id', appId: 'forged-app-id', displayName: 'Forged' }, stale: false };
      await answering({ showQuickPick: () => undefined, showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.copyClientId', forged));
      assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
    });
  });
});
