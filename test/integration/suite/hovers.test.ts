// Hovers on apiProperties.json inside the real extension host, signed in to the emulated tenant (device code approved
// through the admin API): the clientId, resourceUri and AzureActiveDirectoryResourceId values show the app's display
// name and appId from the tenant; a client ID the tenant does not have says so; text elsewhere gets no hover.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { admin, ADMIN, emulator, signedIn, until } from '../extensionHost';

// out/test/integration/suite → the checkout's test/fixtures/rules
const CLEAN = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'rules', 'clean.json');

/** The markdown of every hover VS Code shows a few characters into `needle`'s first occurrence after `skip`. */
async function hoverText(document: vscode.TextDocument, needle: string, skip = ''): Promise<string> {
  const found = document.getText().indexOf(skip + needle);
  assert.ok(found >= 0, `${skip + needle} is in the file`);
  const at = found + skip.length;
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, document.positionAt(at + 3))) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

describe('apiProperties.json hovers (signed in, emulated tenant)', function () {
  this.timeout(90_000);
  const ep = emulator();
  const connectorAppId = randomUUID();
  const apiAppId = randomUUID();
  const resource = `api://hover-${apiAppId}`;
  const unknownClient = randomUUID();
  let folder: vscode.Uri;
  let document: vscode.TextDocument;

  before(async () => {
    await signedIn(ep);
    await admin(ep, 'POST', '/seed', {
      owner: ADMIN,
      applications: [
        { id: randomUUID(), appId: apiAppId, displayName: 'Hover Invoices API', identifierUris: [resource] },
        { id: randomUUID(), appId: connectorAppId, displayName: 'Hover Invoices connector' },
      ],
      servicePrincipals: [],
      oauth2PermissionGrants: [],
    });
    const root = vscode.workspace.workspaceFolders![0]!.uri;
    folder = vscode.Uri.joinPath(root, `hover-tests-${Date.now()}`);
    const text = fs.readFileSync(CLEAN, 'utf8').replace('11111111-2222-3333-4444-555555555555', connectorAppId).replace(/api:\/\/contoso-invoices/g, resource);
    const uri = vscode.Uri.joinPath(folder, 'apiProperties.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (folder) await vscode.workspace.fs.delete(folder, { recursive: true, useTrash: false });
  });

  it('clientId shows the connector app’s display name and appId from the tenant', async () => {
    // Reading app registrations needs a token the user already has (the online check on open fetches it); a hover
    // never asks for one itself, so wait until the answer is the app.
    const text = await until('the hover to name the app', async () => {
      const t = await hoverText(document, connectorAppId);
      return t.includes('Hover Invoices connector') ? t : undefined;
    });
    assert.match(text, new RegExp(connectorAppId));
    assert.match(text, /Connector app/);
    // The emulated tenant is a Custom cloud, which has no known admin center: no link to a wrong place.
    assert.doesNotMatch(text, /entra\.microsoft/);
  });

  it('resourceUri and AzureActiveDirectoryResourceId show the API app found by its Application ID URI', async () => {
    const onResourceUri = await hoverText(document, resource, '"value": "');
    assert.match(onResourceUri, /Hover Invoices API/);
    assert.match(onResourceUri, /Resource app/);
    assert.match(onResourceUri, new RegExp(apiAppId));
    const onProperty = await hoverText(document, resource, '"AzureActiveDirectoryResourceId": "');
    assert.match(onProperty, /Hover Invoices API/);
  });

  it('a client ID the tenant does not have says so; other values get no app hover', async () => {
    const edit = new vscode.WorkspaceEdit();
    const at = document.getText().indexOf(connectorAppId);
    edit.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + connectorAppId.length)), unknownClient);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const text = await hoverText(document, unknownClient);
    assert.match(text.replace(/\\/g, ''), new RegExp(`No app registration with this client ID in tenant [0-9a-f-]{36}`));
    const elsewhere = await hoverText(document, '#007ee5');
    assert.doesNotMatch(elsewhere, /Hover Invoices|app registration|Sign in to see the app/);
  });
});
