// The registrations tree inside the real extension host, against the emulated tenant seeded with connectors in
// three states (healthy, missing redirect URI, secret expiring in 5 days) plus one without consent: the items the
// views show, each action's change in the tenant (admin GET /state) and in the tree, the Graph round trips of a
// refresh (the emulator's request log), the stale state when Graph throttles, and signing out.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { THREE_STATES, treeSeed, type SeedConnector } from '../../../emulator/src/seeds/connectors';
import { admin, ADMIN, answering, approvingDeviceCodes, children, descendants as below, emulator, graphQuiet, signedIn, until, type Endpoints, type Shown } from '../extensionHost';

interface Recorded {
  service: string;
  method: string;
  path: string;
  batch?: number;
}
interface TenantState {
  servicePrincipals: { id: string; appId: string }[];
  applications: { id: string; appId: string; displayName: string; web?: { redirectUris?: string[] }; passwordCredentials?: { keyId: string; hint?: string; endDateTime?: string }[] }[];
  oauth2PermissionGrants: { clientId: string; resourceId: string; consentType: string; scope: string }[];
  requests: Recorded[];
}

const state = (ep: Endpoints) => admin<TenantState>(ep, 'GET', '/state');

describe('Registrations tree (issue 7)', function () {
  this.timeout(120_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  const seed = treeSeed([...THREE_STATES, { name: 'Needs Consent', consented: false }], { owner: ADMIN, index: 700 });
  const byName = (name: string) => seed.connectors.find((c) => c.name === name) as SeedConnector;

  const connectorNode = async (name: string) => {
    const found = (await children(api.connectors)).find((s) => s.label === name);
    assert.ok(found, `the Connectors view lists ${name}`);
    return found;
  };
  const descendants = async (name: string): Promise<Shown[]> => below(api.connectors, await connectorNode(name));

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    // More apps owned by the signed-in user than one page of the App registrations view.
    await admin(ep, 'POST', '/seed', { owner: ADMIN, applications: Array.from({ length: 60 }, (_, i) => ({ displayName: `Bulk app ${String(i + 1).padStart(3, '0')}` })) });
    const root = vscode.workspace.workspaceFolders![0]!.uri;
    for (const c of seed.connectors) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, c.name, 'apiProperties.json'), new TextEncoder().encode(c.apiProperties));
    }
    await api.connectors.refresh();
  });

  it('shows each connector with its state: labels, descriptions, icons, contextValues', async () => {
    const rows = await until('the seeded connectors', async () => {
      const shown = await children(api.connectors);
      return seed.connectors.every((c) => shown.some((s) => s.label === c.name)) ? shown : undefined;
    });
    const pick = (name: string) => {
      const s = rows.find((r) => r.label === name)!;
      return [s.description, s.icon, s.color, s.contextValue];
    };
    assert.deepEqual(pick('Healthy Invoices'), ['healthy', 'pass', 'testing.iconPassed', 'connector.entra.ok']);
    assert.deepEqual(pick('Missing Redirect'), ['redirect URI not registered', 'error', 'list.errorForeground', 'connector.entra.error']);
    assert.deepEqual(pick('Expiring Secret'), ['secret expires in 5 days', 'warning', 'list.warningForeground', 'connector.entra.warning']);
    assert.deepEqual(pick('Needs Consent'), ['no consent', 'warning', 'list.warningForeground', 'connector.entra.warning']);
    assert.deepEqual(pick('Contoso Invoices'), ['not secured', 'shield', undefined, 'connector.noAuth']);
    assert.ok(!rows.some((r) => r.label.startsWith('Sign in')), 'signed in: no sign-in item');
  });

  it("a connector's children: apps, redirect URIs, consent, secrets, identifier URIs, pre-authorized clients and its deployment", async () => {
    const c = byName('Healthy Invoices');
    const top = await children(api.connectors, (await connectorNode(c.name)).node);
    assert.deepEqual(top.map((s) => [s.label, s.contextValue]), [
      ['Healthy Invoices connector', 'app.connector'],
      ['Healthy Invoices API', 'app.api'],
      ['Redirect URIs', 'group.redirectUris'],
      ['Permissions and consent', 'group.scopes'],
      ['Client secrets', 'group.secrets'],
      ['Identifier URIs', 'group.identifierUris'],
      ['Pre-authorized clients', 'group.preAuthorized'],
      // Not deployed from this folder yet (no settings.json with a connector ID): the node offers Deploy.
      ['Power Platform', 'deployment.none'],
    ]);
    assert.equal(top[0]!.description, `connector app · ${c.clientId}`);
    const all = await descendants(c.name);
    const find = (cv: string) => all.filter((s) => s.contextValue === cv).map((s) => [s.label, s.description, s.icon]);
    assert.deepEqual(find('redirectUri.registered'), [[c.redirectUrl, 'registered', 'pass']]);
    assert.deepEqual(find('scope.tenant'), [['user_impersonation', 'Healthy Invoices API · consented tenant-wide', 'pass']]);
    assert.equal(find('secret.fine').length, 1);
    assert.match(String(find('secret.fine')[0]![1]), /^expires in 180 days \(\d{4}-\d\d-\d\d\)$/, 'not held on this machine');
    assert.deepEqual(find('identifierUri'), [[c.identifierUri, 'identifier URI', 'symbol-key']]);
    assert.deepEqual(find('preAuthorized'), [['Azure API Connections', 'user_impersonation', 'verified']]);
  });

  it('a refresh of the Connectors view costs at most 2 Graph round trips', async () => {
    // Refreshes the views started by themselves (the folders written in before(), an earlier suite's writes) end first.
    await graphQuiet(ep);
    await admin(ep, 'DELETE', '/requests');
    await api.connectors.refresh();
    const graph = (await state(ep)).requests.filter((r) => r.service === 'graph' && r.batch === undefined);
    assert.ok(graph.length >= 1 && graph.length <= 2, `round trips: ${graph.map((r) => `${r.method} ${r.path}`).join(', ')}`);
    // Expanding nodes fetches nothing.
    await graphQuiet(ep);
    await admin(ep, 'DELETE', '/requests');
    await descendants('Missing Redirect');
    const fetched = (await state(ep)).requests.filter((r) => r.service === 'graph');
    assert.equal(fetched.length, 0, `expanding fetched: ${fetched.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  });

  it('registers a missing redirect URI: the tenant has it and the tree shows it at once', async () => {
    const c = byName('Missing Redirect');
    const missing = (await descendants(c.name)).find((s) => s.contextValue === 'redirectUri.missing');
    assert.ok(missing, 'a missing redirect URI item');
    assert.equal(missing.label, c.redirectUrl);
    await answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.registerRedirectUri', missing.node));
    const app = (await state(ep)).applications.find((a) => a.appId === c.clientId)!;
    assert.deepEqual(app.web?.redirectUris, [c.redirectUrl]);
    const after = await connectorNode(c.name);
    assert.equal(after.description, 'healthy');
    assert.equal(after.icon, 'pass');
  });

  it('grants tenant-wide consent after a confirmation', async () => {
    const c = byName('Needs Consent');
    const scope = (await descendants(c.name)).find((s) => s.contextValue === 'scope.none');
    assert.ok(scope, 'a scope without consent');
    const { asked } = await answering({ showWarningMessage: () => 'Grant Consent' }, () =>
      answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.grantConsent', scope.node)),
    );
    assert.equal(asked.length, 1, 'asked once for confirmation');
    const grants = (await state(ep)).oauth2PermissionGrants.filter((g) => g.clientId === c.connectorSpId && g.resourceId === c.apiSpId);
    assert.deepEqual(grants.map((g) => [g.consentType, g.scope]), [['AllPrincipals', 'user_impersonation']]);
    assert.equal((await connectorNode(c.name)).description, 'healthy');
    assert.ok((await descendants(c.name)).some((s) => s.contextValue === 'scope.tenant'));
  });

  it('rotates a secret: adds one, keeps its value in SecretStorage, and removes only the old secrets the user picks (preselected: the ones this tool added)', async () => {
    const c = byName('Expiring Secret');
    // Another tool's secret on the same app: offered, never preselected.
    const token = await api.auth.getAccessToken([`${ep.graphEndpoint.replace(/\/$/, '')}/Application.ReadWrite.All`]);
    const added = await fetch(`${ep.graphEndpoint.replace(/\/$/, '')}/v1.0/applications/${c.connectorAppId}/addPassword`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ passwordCredential: { displayName: 'CI pipeline' } }),
    });
    assert.equal(added.status, 200);
    await api.connectors.refresh();
    const app = (await descendants(c.name)).find((s) => s.contextValue === 'app.connector')!;
    const win = vscode.window as unknown as Record<string, unknown>;
    const original = win.showQuickPick;
    let offered: { label: string; description?: string; detail?: string; picked?: boolean }[] = [];
    let options: vscode.QuickPickOptions | undefined;
    win.showQuickPick = (items: readonly { label: string; picked?: boolean; days?: number }[], o?: vscode.QuickPickOptions) => {
      // First the new secret's lifetime: the recommended one (first).
      if (items.some((i) => i.days !== undefined)) return Promise.resolve(items[0]);
      offered = [...items];
      options = o;
      return Promise.resolve(items.filter((i) => i.picked));
    };
    try {
      await answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.rotateSecret', app.node));
    } finally {
      win.showQuickPick = original;
    }
    assert.equal(options?.canPickMany, true, 'a multi-select list');
    assert.match(String(options?.placeHolder), /deployed connector/);
    assert.deepEqual(offered.map((i) => [i.label, i.picked]).sort(), [['CI pipeline', false], ['Entra Connector', true]]);
    assert.match(String(offered.find((i) => i.label === 'Entra Connector')?.description), /^sEd… · expires \d{4}-\d\d-\d\d$/);
    const creds = (await state(ep)).applications.find((a) => a.appId === c.clientId)!.passwordCredentials ?? [];
    assert.equal(creds.length, 2, 'the picked old secret was removed, the new one added, the unpicked one kept');
    assert.ok(!creds.some((x) => x.keyId === c.secretKeyId));
    assert.ok(creds.some((x) => (x as { displayName?: string }).displayName === 'CI pipeline'));
    const fresh = creds.find((x) => (x as { displayName?: string }).displayName !== 'CI pipeline')!;
    assert.ok(Date.parse(fresh.endDateTime!) - Date.now() > 170 * 86_400_000);
    const secrets = (await descendants(c.name)).filter((s) => s.contextValue?.startsWith('secret.'));
    assert.equal(secrets.length, 2);
    assert.equal(secrets.filter((s) => /^expires in 1[78]\d days .* · on this machine$/.test(s.description)).length, 1);
  });

  it('from the command palette: Rotate Secret picks the connector app, and Esc on the list keeps every old secret', async () => {
    const c = byName('Healthy Invoices');
    const win = vscode.window as unknown as Record<string, unknown>;
    const original = win.showQuickPick;
    let offered: string[] = [];
    let lists = 0;
    win.showQuickPick = (items: readonly { label: string; days?: number }[], o?: vscode.QuickPickOptions) => {
      // The new secret's lifetime: the recommended one (first).
      if (items.some((i) => i.days !== undefined)) return Promise.resolve(items[0]);
      if (o?.canPickMany) {
        lists++;
        return Promise.resolve(undefined);
      }
      offered = items.map((i) => i.label);
      return Promise.resolve(items.find((i) => i.label === `${c.name} connector`));
    };
    try {
      await answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.rotateSecret'));
    } finally {
      win.showQuickPick = original;
    }
    assert.equal(lists, 1, 'the old secrets were offered once');
    assert.ok(offered.includes(`${c.name} connector`) && !offered.includes(`${c.name} API`), `connector apps offered: ${offered.join(', ')}`);
    const creds = (await state(ep)).applications.find((a) => a.appId === c.clientId)!.passwordCredentials ?? [];
    assert.equal(creds.length, 2, 'the old secret is kept, the new one added');
    const secrets = (await descendants(c.name)).filter((s) => s.contextValue?.startsWith('secret.'));
    assert.equal(secrets.length, 2);
    assert.equal(secrets.filter((s) => s.description.endsWith('· on this machine')).length, 1, 'only the new one is held here');
  });

  it('copies the client ID and the identifier URI', async () => {
    const c = byName('Healthy Invoices');
    const all = await descendants(c.name);
    const copied = async (command: string, contextValue: string) => {
      await vscode.env.clipboard.writeText('-');
      await vscode.commands.executeCommand(command, all.find((s) => s.contextValue === contextValue)!.node);
      return vscode.env.clipboard.readText();
    };
    const written = [
      await copied('entraConnector.tree.copyClientId', 'app.connector'),
      await copied('entraConnector.tree.copyObjectId', 'app.api'),
      await copied('entraConnector.tree.copyIdentifierUri', 'identifierUri'),
    ];
    assert.deepEqual(written, [c.clientId, c.apiObjectId, c.identifierUri]);
  });

  it('"Open in Entra Admin Center" for a custom cloud (no known admin center) says so and gives the client ID', async () => {
    const c = byName('Healthy Invoices');
    const app = (await descendants(c.name)).find((s) => s.contextValue === 'app.connector')!;
    const { asked } = await answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.openInPortal', app.node));
    assert.equal(asked.length, 1);
    assert.match(String(asked[0]!.args[0]), new RegExp(`\\(Custom\\) has no known Microsoft Entra admin center.*${c.clientId}`));
  });

  it('shows the last known state marked stale when Graph throttles, never an empty tree', async () => {
    await api.connectors.appRegistrations!.refresh();
    await admin(ep, 'PUT', '/faults', { rules: [{ match: { service: 'graph' }, fault: 'throttle', retryAfter: 0 }] });
    try {
      await api.connectors.refresh();
      const rows = await children(api.connectors);
      assert.equal(rows[0]!.label, 'Showing the last known state');
      const healthy = rows.find((r) => r.label === 'Healthy Invoices')!;
      assert.equal(healthy.description, 'healthy (stale)');
      assert.equal(rows.find((r) => r.label === 'Missing Redirect')!.description, 'healthy (stale)');
      assert.ok((await descendants('Healthy Invoices')).length > 5, 'the children are still there');
      // The App registrations view too keeps what it showed.
      const owned = api.connectors.appRegistrations!;
      await owned.refresh();
      const ownedRows = await children(owned);
      assert.equal(ownedRows[0]!.label, 'Showing the last known state');
      const apps = ownedRows.filter((r) => r.contextValue === 'ownedApp');
      assert.ok(apps.length > 0 && apps.every((r) => r.description.endsWith('(stale)')), 'owned apps shown, marked stale');
    } finally {
      await admin(ep, 'PUT', '/faults', {});
    }
    await api.connectors.refresh();
    assert.equal((await connectorNode('Healthy Invoices')).description, 'healthy');
  });

  it('App registrations: first page after 1 request, load more, search', async () => {
    const owned = api.connectors.appRegistrations;
    assert.ok(owned, 'the App registrations view is attached');
    await admin(ep, 'DELETE', '/requests');
    await owned.refresh();
    const graph = (await state(ep)).requests.filter((r) => r.service === 'graph');
    assert.deepEqual(graph.map((r) => `${r.method} ${r.path}`), ['GET /v1.0/me/ownedObjects/microsoft.graph.application']);
    let rows = await children(owned);
    assert.equal(rows.filter((r) => r.contextValue === 'ownedApp').length, 50);
    const more = rows.at(-1)!;
    assert.equal(more.label, 'Load more…');
    await vscode.commands.executeCommand('entraConnector.appRegistrations.loadMore');
    rows = await children(owned);
    const apps = rows.filter((r) => r.contextValue === 'ownedApp');
    assert.ok(apps.length >= 60 + seed.objects.applications.length, `all owned apps after loading more (${apps.length})`);
    assert.equal(new Set(apps.map((a) => a.label)).size, apps.length, 'no app twice');

    await owned.setSearch('Healthy Invoices');
    rows = await children(owned);
    assert.equal(rows[0]!.label, 'Search: "Healthy Invoices" — 2 found');
    assert.deepEqual(rows.filter((r) => r.contextValue === 'ownedApp').map((r) => r.label).sort(), ['Healthy Invoices API', 'Healthy Invoices connector']);
    const api1 = rows.find((r) => r.label === 'Healthy Invoices API')!;
    assert.deepEqual((await children(owned, api1.node)).map((s) => [s.label, s.contextValue]), [[byName('Healthy Invoices').identifierUri, 'identifierUri']]);
    await owned.setSearch(undefined);
  });

  it('deletes an app registration after its name is typed, and both views follow', async () => {
    const c = byName('Needs Consent');
    const app = (await descendants(c.name)).find((s) => s.contextValue === 'app.connector')!;
    // A wrong name does nothing.
    await answering({ showInputBox: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.deleteApp', app.node));
    assert.ok((await state(ep)).applications.some((a) => a.appId === c.clientId));
    const { asked } = await answering({ showInputBox: () => `${c.name} connector` }, () =>
      answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.deleteApp', app.node)),
    );
    const options = asked[0]!.args[0] as vscode.InputBoxOptions;
    assert.equal(options.validateInput?.('Needs') !== undefined, true, 'the box refuses another name');
    assert.equal(options.validateInput?.(`${c.name} connector`), undefined);
    assert.ok(!(await state(ep)).applications.some((a) => a.appId === c.clientId), 'deleted in the tenant');
    const after = await connectorNode(c.name);
    assert.deepEqual([after.description, after.icon], ['connector app not found', 'error']);
    assert.ok(!api.connectors.appRegistrations!.apps().some((a) => a.appId === c.clientId));
  });

  it('saving apiProperties.json refreshes the view by itself', async () => {
    const c = byName('Healthy Invoices');
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, c.name, 'apiProperties.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editTo = async (from: string, to: string) => {
      const edit = new vscode.WorkspaceEdit();
      const start = doc.getText().indexOf(from);
      assert.ok(start >= 0);
      edit.replace(uri, new vscode.Range(doc.positionAt(start), doc.positionAt(start + from.length)), to);
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(await doc.save());
    };
    const other = '0ddba11c-0000-4000-8000-000000000000';
    await editTo(c.clientId, other);
    await until('the view to show the unknown client ID', async () => ((await connectorNode(c.name)).description === 'connector app not found' ? true : undefined));
    await editTo(other, c.clientId);
    await until('the view to show the connector healthy again', async () => ((await connectorNode(c.name)).description === 'healthy' ? true : undefined));
  });

  it('a declined permission: the view says so and offers to allow it, then reads once it is granted', async () => {
    // The administrator's tenant-wide consent for the sign-in client is narrowed to User.Read, and the user signs in
    // again, so that reading app registrations needs a consent the user then declines.
    const CLI = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
    const tenant = await state(ep);
    const cliSp = tenant.servicePrincipals.find((sp) => sp.appId === CLI)!;
    const grant = tenant.oauth2PermissionGrants.find((g) => g.clientId === cliSp.id && g.consentType === 'AllPrincipals')! as { id?: string; scope: string };
    const token = (await admin<{ access_token: string }>(ep, 'POST', '/token', { user: ADMIN, clientId: CLI, scopes: ['https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All'] })).access_token;
    const patchGrant = async (scope: string) => {
      const r = await fetch(`${ep.graphEndpoint}/v1.0/oauth2PermissionGrants/${grant.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope }) });
      assert.ok(r.ok, `PATCH grant: ${r.status}`);
    };
    await patchGrant('User.Read');
    const service = await api.auth.service();
    try {
      await service.signOut();
      // Signing in refreshes the view by itself, which asks for the permission: the user declines.
      const first = await answering({ showInformationMessage: () => undefined }, async () => {
        await approvingDeviceCodes(ep, service.signIn('deviceCode'));
        await until('the view to offer allowing it', async () => ((await children(api.connectors))[0]?.label === 'Allow reading the app registrations…' ? true : undefined));
      });
      // (Other parts of the extension, such as the online diagnostics, may ask too: every prompt is for that permission.)
      const consentPrompts = first.asked.filter((ask) => (ask.args[1] as { modal?: boolean } | undefined)?.modal === true);
      assert.ok(consentPrompts.length >= 1, 'asked for the permission');
      for (const ask of consentPrompts) assert.match(String(ask.args[0]), /Application\.ReadWrite\.All/);
      const rows = await children(api.connectors);
      assert.equal(rows[0]!.label, 'Allow reading the app registrations…');
      assert.equal(rows.find((r) => r.label === 'Healthy Invoices')!.description, 'app registrations unavailable');
      assert.equal(rows.find((r) => r.label === 'Contoso Invoices')!.description, 'not secured');
    } finally {
      await patchGrant(grant.scope);
    }
    // Once the administrator consented again, the refresh button reads them without a prompt.
    const after = await answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.refresh'));
    assert.equal(after.asked.length, 0);
    assert.equal((await connectorNode('Healthy Invoices')).description, 'healthy');
  });

  it('signed out: the App registrations view is empty (its welcome offers sign-in), the Connectors view offers sign-in', async () => {
    const service = await api.auth.service();
    await service.signOut();
    await api.connectors.refresh();
    await api.connectors.appRegistrations!.refresh();
    assert.deepEqual(await api.connectors.appRegistrations!.getChildren(), []);
    const rows = await children(api.connectors);
    assert.equal(rows[0]!.label, 'Sign in to check the app registrations…');
    assert.equal(rows.find((r) => r.label === 'Healthy Invoices')!.description, 'sign in to check');
  });
});
