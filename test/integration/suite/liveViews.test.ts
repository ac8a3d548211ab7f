// The README's promise "each change shows as soon as Graph accepts it", for every writer that is not the tree's own
// action on the Connectors view: the explainer, the quick fixes, a tree action seen from the App registrations view,
// and the CLI running in this workspace (its state file). No test here calls a view's refresh.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { treeSeed, type SeedConnector } from '../../../emulator/src/seeds/connectors';
import { cliStateDirectory } from '../../../src/setup/stateFile';
import { admin, ADMIN, answering, children, emulator, signedIn, until } from '../../support/extensionHost';

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);

describe('Live views: every write the product makes shows in both views (issue 17, item 4)', function () {
  this.timeout(180_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  const seed = treeSeed([{ name: 'Explained Redirect', redirectRegistered: false }, { name: 'Fixed Consent', consented: false }, { name: 'Tree Redirect', redirectRegistered: false }], { owner: ADMIN, index: 1750 });
  const byName = (name: string) => seed.connectors.find((c) => c.name === name) as SeedConnector;
  const root = () => vscode.workspace.workspaceFolders![0]!.uri;
  const fileOf = (c: SeedConnector) => vscode.Uri.joinPath(root(), 'live-tests', c.name, 'apiProperties.json');
  const described = async (name: string) => (await children(api.connectors)).find((s) => s.label === name)?.description;
  const ownedChildren = async (displayName: string) => {
    const app = (await children(api.connectors.appRegistrations!)).find((s) => s.label === displayName);
    return app ? children(api.connectors.appRegistrations!, app.node) : undefined;
  };

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    for (const c of seed.connectors) await vscode.workspace.fs.writeFile(fileOf(c), new TextEncoder().encode(c.apiProperties));
    await api.connectors.refresh();
    await until('the seeded connectors in the view', async () => ((await described('Explained Redirect')) === 'redirect URI not registered' ? true : undefined));
  });

  after(async () => {
    await api.connectors.appRegistrations!.setSearch(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'live-tests'), { recursive: true, useTrash: false });
  });

  it("the explainer's Register Redirect URI: the connector turns healthy in the Connectors view", async () => {
    const c = byName('Explained Redirect');
    await answering(
      { showWarningMessage: (_m, _o, ...buttons) => (buttons as string[]).find((b) => b === 'Register Redirect URI on the App' || b === 'Add Redirect URI'), showInformationMessage: () => undefined },
      async () => {
        await vscode.commands.executeCommand('entraConnector.explainSignInError', `AADSTS50011: The redirect URI '${c.redirectUrl}' specified in the request does not match the redirect URIs configured for the application '${c.clientId}'.`);
        await until('the tenant to have the redirect URI', async () => {
          const apps = (await admin<{ applications: { appId: string; web?: { redirectUris?: string[] } }[] }>(ep, 'GET', '/state')).applications;
          return apps.find((a) => a.appId === c.clientId)?.web?.redirectUris?.includes(c.redirectUrl);
        });
      },
    );
    await until('the Connectors view to show it healthy', async () => ((await described(c.name)) === 'healthy' ? true : undefined), 10_000);
  });

  it("a quick fix's repair in the tenant (Grant tenant-wide consent): the connector turns healthy", async () => {
    const c = byName('Fixed Consent');
    assert.equal(await described(c.name), 'no consent');
    const document = await vscode.workspace.openTextDocument(fileOf(c));
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('entraConnector.checkOnline');
    const diagnostic = await until('consent-missing', () => vscode.languages.getDiagnostics(document.uri).find((d) => codeOf(d) === 'consent-missing'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const grant = actions.find((a) => a.title.startsWith('Grant tenant-wide consent'));
    assert.ok(grant?.command);
    await answering({ showWarningMessage: () => 'Grant Consent' }, () => vscode.commands.executeCommand(grant.command!.command, ...(grant.command!.arguments ?? [])));
    await until('the Connectors view to show it healthy', async () => ((await described(c.name)) === 'healthy' ? true : undefined), 10_000);
  });

  it("a tree action (Register Redirect URI): the App registrations view shows the app's new redirect URI", async () => {
    const c = byName('Tree Redirect');
    // A search keeps the app on the view's first page, however many apps other tests gave the account.
    await api.connectors.appRegistrations!.setSearch(c.name);
    assert.ok(!((await ownedChildren(`${c.name} connector`)) ?? []).some((s) => s.label === c.redirectUrl));
    const connector = (await children(api.connectors)).find((s) => s.label === c.name)!;
    const redirects = (await children(api.connectors, connector.node)).find((s) => s.label === 'Redirect URIs')!;
    const missing = (await children(api.connectors, redirects.node)).find((s) => s.contextValue === 'redirectUri.missing')!;
    await answering({ showInformationMessage: () => undefined }, () => vscode.commands.executeCommand('entraConnector.tree.registerRedirectUri', missing.node));
    await until('the App registrations view to list the redirect URI', async () => (((await ownedChildren(`${c.name} connector`)) ?? []).some((s) => s.label === c.redirectUrl) ? true : undefined), 10_000);
  });

  it('the CLI in this workspace (its state file changes): the App registrations view lists the app it created', async () => {
    // What `entra-connector setup` does: a write to the tenant, then its state file.
    // Past the settling re-read of the earlier tests' writes: only the state file can refresh the view now.
    await new Promise((r) => setTimeout(r, 6000));
    await api.connectors.appRegistrations!.setSearch('Made by the CLI');
    assert.ok(!(await children(api.connectors.appRegistrations!)).some((s) => s.label === 'Made by the CLI connector'));
    await admin(ep, 'POST', '/seed', { owner: ADMIN, applications: [{ displayName: 'Made by the CLI connector' }] });
    const dir = cliStateDirectory(process.env);
    const file = path.join(dir, `setup-integration-${process.pid}.json`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(file, JSON.stringify({ version: 0 }));
      await until('the App registrations view to list the new app', async () => ((await children(api.connectors.appRegistrations!)).some((s) => s.label === 'Made by the CLI connector') ? true : undefined), 15_000);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
