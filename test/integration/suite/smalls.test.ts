// Issue 17's small things, in the real extension host: the CodeLens keeps its title while the JSON is briefly
// invalid, the folder picker names each folder once.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answering, EXTENSION_ID, until } from '../extensionHost';

const ENTRA = JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { identityProvider: 'aad', clientId: '[[DUMMY]]', scopes: [], redirectMode: 'GlobalPerConnector', properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: 'api://contoso.example/lens', IsOnbehalfofLoginSupported: true }, customParameters: { loginUri: { value: 'https://login.microsoftonline.com' }, tenantId: { value: 'common' }, resourceUri: { value: 'api://contoso.example/lens' }, enableOnbehalfOfLogin: { value: 'false' } } } } } } }, null, 2);

describe('Small things a user notices (issue 17)', function () {
  this.timeout(120_000);
  const root = () => vscode.workspace.workspaceFolders![0]!.uri;
  const lensFile = () => vscode.Uri.joinPath(root(), 'smalls-tests', 'Lens', 'apiProperties.json');

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await vscode.workspace.fs.writeFile(lensFile(), new TextEncoder().encode(`${ENTRA}\n`));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'smalls-tests'), { recursive: true, useTrash: false });
  });

  it('the CodeLens keeps "Open setup" while the JSON is briefly invalid (typing), instead of flipping to "Secure with Entra ID…"', async () => {
    const document = await vscode.workspace.openTextDocument(lensFile());
    await vscode.window.showTextDocument(document);
    const titles = async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? []).map((l) => l.command?.title);
    assert.deepEqual(await until('the CodeLens', async () => ((await titles()).length ? titles() : undefined)), ['Open setup', 'Deploy to Power Platform…']);
    // Half-typed: a property name without its value.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.positionAt(document.getText().indexOf('"scopes"')), '"clientSecret": ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.deepEqual(await titles(), ['Open setup', 'Deploy to Power Platform…']);
    const restore = new vscode.WorkspaceEdit();
    restore.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), `${ENTRA}\n`);
    assert.ok(await vscode.workspace.applyEdit(restore));
    await document.save();
  });

  it('the connector folder picker names each folder once (the name, and where it is only when that adds something)', async () => {
    const { asked } = await answering({ showQuickPick: () => undefined }, () => vscode.commands.executeCommand('entraConnector.secureConnector'));
    const picker = asked.find((a) => a.prompt === 'showQuickPick');
    assert.ok(picker, 'the picker was shown (the workspace has several connectors)');
    const items = picker.args[0] as vscode.QuickPickItem[];
    const contoso = items.find((i) => i.label === 'Contoso Invoices');
    const lens = items.find((i) => i.label === 'Lens');
    assert.ok(contoso && lens, `items: ${items.map((i) => `${i.label} | ${i.description ?? ''}`).join('; ')}`);
    assert.equal(contoso.description, undefined, 'a folder at the workspace root: its name alone');
    assert.equal(lens.description, 'smalls-tests');
    for (const i of items) assert.ok(!(i.description ?? '').split('/').includes(i.label), `"${i.label}" is not repeated in "${i.description}"`);
  });
});
