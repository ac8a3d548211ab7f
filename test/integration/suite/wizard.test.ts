// The guided setup inside the real extension host against the emulated tenant: the command opens the wizard panel,
// its host logic is driven with the messages the webview sends, the whole setup runs, apiProperties.json is written
// through a WorkspaceEdit, the client secret is in SecretStorage (copied to the clipboard on request) and in no
// file; closing the panel mid-way and opening it again resumes on the same page with the same answers.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { armScope } from '../../../src/service/arm';
import type { WebviewMessage, WizardViewState } from '../../../src/protocol';
import { activated, ADMIN, admin, emulator } from '../extensionHost';

/** The shape of the panel the command returns (the extension's own WizardPanel instance). */
interface PanelHandle {
  readonly panel: vscode.WebviewPanel;
  readonly controller: {
    receive(raw: unknown): Promise<boolean>;
    idle(): Promise<void>;
    whenReady(): Promise<void>;
    view(): Promise<WizardViewState>;
    readonly currentPage: string;
  };
}

async function open(folder: vscode.Uri): Promise<PanelHandle> {
  const handle = (await vscode.commands.executeCommand('entraConnector.secureConnector', folder)) as PanelHandle | undefined;
  assert.ok(handle?.controller, 'the command returns the wizard panel with its controller');
  await handle.controller.whenReady();
  return handle;
}

async function send(handle: PanelHandle, ...messages: WebviewMessage[]): Promise<void> {
  for (const m of messages) assert.equal(await handle.controller.receive(JSON.parse(JSON.stringify(m))), true, `accepted: ${m.type}`);
}

async function filesUnder(dir: vscode.Uri): Promise<vscode.Uri[]> {
  const out: vscode.Uri[] = [];
  for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
    const child = vscode.Uri.joinPath(dir, name);
    if (type === vscode.FileType.Directory) out.push(...(await filesUnder(child)));
    else out.push(child);
  }
  return out;
}

describe('The guided setup in the extension host', function () {
  this.timeout(120_000);
  const endpoints = emulator();
  let api: ExtensionTestApi;
  let folder: vscode.Uri;
  let handle: PanelHandle | undefined;

  before(async () => {
    api = await activated();
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(root, 'a workspace folder');
    folder = vscode.Uri.joinPath(root, 'Contoso Invoices');
    // The diff preview asks in a modal dialog, which nothing clicks here (the E2E test does).
    await vscode.workspace.getConfiguration('entraConnector').update('setup.previewChanges', false, vscode.ConfigurationTarget.Global);
    await admin(endpoints, 'POST', '/reset');
    const service = await api.auth.service();
    if ((await service.getActiveAccount())?.username !== ADMIN) {
      const signingIn = service.signIn('deviceCode');
      let approved = 0;
      for (let i = 0; i < 100 && approved === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        approved = (await admin<{ approved?: number }>(endpoints, 'POST', '/device/approve', { user: ADMIN })).approved ?? 0;
      }
      assert.equal((await signingIn).username, ADMIN);
    }
  });

  after(async () => {
    handle?.panel.dispose();
    await vscode.workspace.getConfiguration('entraConnector').update('setup.previewChanges', undefined, vscode.ConfigurationTarget.Global);
    await (await api.auth.service()).signOut().catch(() => undefined);
  });

  it('resumes on the same page with the same answers after the panel is closed mid-way', async () => {
    handle = await open(folder);
    let view = await handle.controller.view();
    assert.equal(view.page, 'api');
    assert.equal(view.account?.username, ADMIN);
    assert.equal(view.connectorName, 'Contoso Invoices');
    await send(
      handle,
      { type: 'answer', page: 'api', value: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' } },
      { type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'Contoso Invoices client' } },
    );
    handle.panel.dispose();

    handle = await open(folder);
    view = await handle.controller.view();
    assert.equal(view.page, 'consent');
    assert.deepEqual(view.answers.connector, { kind: 'new', displayName: 'Contoso Invoices client' });
  });

  it('runs the whole setup: apiProperties.json written, the secret only in SecretStorage', async () => {
    assert.ok(handle);
    await send(
      handle,
      { type: 'answer', page: 'consent', value: { consent: 'admin', obo: false } },
      { type: 'answer', page: 'secret', value: { secretDays: 180 } },
      { type: 'answer', page: 'redirect', value: { redirectUrl: '' } },
      { type: 'run' },
    );
    assert.equal(await handle.controller.receive({ type: 'run' }), false, 'a second run while running is ignored');
    await handle.controller.idle();
    const view = await handle.controller.view();
    const states = Object.fromEntries(view.steps.map((s) => [s.id, s.state]));
    assert.deepEqual(states, { api: 'done', connector: 'done', consent: 'done', secret: 'done', properties: 'done', redirect: 'pending', deploy: 'skipped', site: 'skipped' }, JSON.stringify(view.steps));
    assert.equal(view.summary?.secretStored, true);

    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'apiProperties.json')));
    const oa = JSON.parse(text).properties.connectionParameters.token.oAuthSettings;
    assert.equal(oa.identityProvider, 'aad');
    assert.equal(oa.customParameters.tenantId.value, endpoints.tenantId);
    const state = await admin<{ applications: { appId: string; uniqueName?: string; displayName: string; passwordCredentials?: { hint: string }[] }[] }>(endpoints, 'GET', '/state');
    const connectorApp = state.applications.find((a) => a.appId === oa.clientId);
    assert.equal(connectorApp?.displayName, 'Contoso Invoices client');
    assert.equal(state.applications.filter((a) => String(a.uniqueName ?? '').startsWith('entra-connector-')).length, 2);

    // "Copy secret": the host copies from SecretStorage; it is the password Graph made (same hint).
    await vscode.env.clipboard.writeText('');
    await send(handle, { type: 'copySecret' });
    const secret = await vscode.env.clipboard.readText();
    assert.ok(secret.length >= 16, 'the secret is on the clipboard');
    assert.equal(connectorApp?.passwordCredentials?.length, 1);
    assert.ok(secret.startsWith(connectorApp?.passwordCredentials?.[0]?.hint ?? '#'), 'the stored secret is the one Graph returned');
    assert.ok(!JSON.stringify(await handle.controller.view()).includes(secret), 'not in the view state');
    const root = vscode.workspace.workspaceFolders?.[0]?.uri as vscode.Uri;
    for (const f of await filesUnder(root)) {
      const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(f));
      assert.ok(!content.includes(secret), `no secret in ${f.fsPath}`);
    }
    await vscode.env.clipboard.writeText('');
  });

  it('step 7 shows the field-by-field Easy Auth/CORS preview and asks first; a site already signing in with another app is not switched when the user declines', async () => {
    assert.ok(handle);
    // The ARM permission, approved by device code (the wizard would otherwise ask in a modal nothing clicks here).
    const service = await api.auth.serviceFor('arm');
    const signingIn = service.signIn('deviceCode', { scopes: [armScope(api.auth.settings().cloud.armEndpoint)] });
    let approved = 0;
    for (let i = 0; i < 100 && approved === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      approved = (await admin<{ approved?: number }>(endpoints, 'POST', '/device/approve', { user: ADMIN })).approved ?? 0;
    }
    await signingIn;
    type Site = { id: string; name: string; authV2: Record<string, unknown> };
    const site = async () => (await admin<{ arm: { sites: Site[] } }>(endpoints, 'GET', '/state')).arm.sites.find((x) => x.name === 'contoso-invoices') as Site;
    const siteId = (await site()).id;
    // Someone already set the site up for another app.
    const OTHER = '5d5d5d5d-0000-4000-8000-00000000005d';
    const armEndpoint = api.auth.settings().cloud.armEndpoint.replace(/\/$/, '');
    const token = await api.auth.getAccessToken([armScope(armEndpoint)]);
    const put = await fetch(`${armEndpoint}${siteId}/config/authsettingsV2?api-version=2022-03-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' }, identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: OTHER, openIdIssuer: `${api.auth.settings().cloud.loginEndpoint}/${endpoints.tenantId}/v2.0` }, validation: { allowedAudiences: [OTHER] } } } } }),
    });
    assert.ok(put.ok, `seed the site: HTTP ${put.status}`);
    const before = JSON.stringify((await site()).authV2);

    const win = vscode.window as unknown as Record<string, unknown>;
    const original = win.showInformationMessage;
    const originalPick = win.showQuickPick;
    const shown: { message: string; detail: string }[] = [];
    let answer: string | undefined;
    win.showInformationMessage = (message: string, options?: { detail?: string }, ...items: string[]) => {
      shown.push({ message, detail: options?.detail ?? '' });
      return Promise.resolve(items.includes(answer ?? '') ? answer : undefined);
    };
    try {
      await send(handle, { type: 'goTo', page: 'site' }, { type: 'answer', page: 'site', value: { kind: 'site', siteId } }, { type: 'run' });
      await handle.controller.idle();
      let view = await handle.controller.view();
      assert.equal(view.steps.find((x) => x.id === 'site')?.state, 'pending', JSON.stringify(view.steps));
      const preview = shown.find((x) => x.message === 'Secure contoso-invoices?');
      assert.ok(preview, `the preview of Secure the Service was shown: ${JSON.stringify(shown)}`);
      assert.match(preview.detail, new RegExp(`registration\\.clientId: "${OTHER}" → "`));
      assert.match(preview.detail, /Note: The site's Microsoft provider used the app/);
      assert.equal(JSON.stringify((await site()).authV2), before, 'declined: not switched');

      // "Show Before/After": the change opens in a read-only diff (no Untitled document), and the question waits in a
      // quick pick beside it instead of a modal over it; answered, the diff closes.
      answer = 'Show Before/After';
      const TITLE = 'contoso-invoices: before ↔ after';
      const tabLabels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
      const asked: { title?: string; ignoreFocusOut?: boolean; labels: string[]; diffOpen: boolean; untitled: number }[] = [];
      win.showQuickPick = async (items: Thenable<vscode.QuickPickItem[]> | vscode.QuickPickItem[], options?: vscode.QuickPickOptions) => {
        const list = await items;
        let diffOpen = false;
        for (let i = 0; i < 100 && !diffOpen; i++) {
          diffOpen = tabLabels().some((l) => l.startsWith(TITLE));
          if (!diffOpen) await new Promise((r) => setTimeout(r, 100));
        }
        asked.push({ title: options?.title, ignoreFocusOut: options?.ignoreFocusOut, labels: list.map((i) => i.label), diffOpen, untitled: vscode.workspace.textDocuments.filter((d) => d.isUntitled).length });
        return list.find((i) => i.label === 'Apply');
      };
      await send(handle, { type: 'run' });
      await handle.controller.idle();
      view = await handle.controller.view();
      assert.equal(view.steps.find((x) => x.id === 'site')?.state, 'done', JSON.stringify(view.steps));
      assert.notEqual(JSON.stringify((await site()).authV2), before, 'applied after the yes');
      assert.equal(asked.length, 1, JSON.stringify(asked));
      assert.equal(asked[0]?.title, 'Secure contoso-invoices?');
      assert.equal(asked[0]?.ignoreFocusOut, true, 'the question stays while the diff is read');
      assert.equal(asked[0]?.diffOpen, true, 'the before/after diff is open while the question waits');
      assert.equal(asked[0]?.untitled, 0, 'no Untitled document');
      assert.ok(asked[0]?.labels.some((l) => /registration\.clientId/.test(l)), 'the change field by field beside the choices');
      for (let i = 0; i < 100 && tabLabels().some((l) => l.startsWith(TITLE)); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(!tabLabels().some((l) => l.startsWith(TITLE)), 'the diff closed once answered');
      assert.equal(vscode.workspace.textDocuments.filter((d) => d.isUntitled).length, 0, 'nothing asks "Save?"');
    } finally {
      win.showInformationMessage = original;
      win.showQuickPick = originalPick;
      await (await api.auth.serviceFor('arm')).signOut().catch(() => undefined);
    }
  });

  it('offers the setup from a CodeLens on apiProperties.json', async () => {
    const uri = vscode.Uri.joinPath(folder, 'apiProperties.json');
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const ours = lenses.filter((l) => l.command?.command === 'entraConnector.secureConnector');
    assert.equal(ours.length, 1, 'one setup CodeLens');
    // The file now signs in with aad (written by the previous test): the lens opens the setup.
    assert.equal(ours[0]?.command?.title, 'Open setup');
    assert.equal((ours[0]?.command?.arguments?.[0] as vscode.Uri).fsPath, folder.fsPath);
  });
});
