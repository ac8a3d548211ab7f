// A new token is not an account change: the sign-in's cache is written at every token (a refreshed one, another
// scope), and the extension's listeners — the directory checks of open apiProperties.json files, the views, the
// wizard — re-read the directory only when the account, its tenant's name or the settings change.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { treeSeed } from '../../../emulator/src/seeds/connectors';
import { admin, ADMIN, emulator, signedIn, until } from '../extensionHost';

interface Recorded {
  service: string;
  method: string;
  path: string;
}

describe('Sign-in events: a new token re-reads nothing', function () {
  this.timeout(120_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  const seed = treeSeed([{ name: 'Token Events', redirectRegistered: false }], { owner: ADMIN, index: 1870 });
  const c = seed.connectors[0]!;
  const root = () => vscode.workspace.workspaceFolders![0]!.uri;
  const file = () => vscode.Uri.joinPath(root(), 'auth-events-tests', c.name, 'apiProperties.json');
  const graphRequests = async () => (await admin<{ requests: Recorded[] }>(ep, 'GET', '/state')).requests.filter((r) => r.service === 'graph');

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    await vscode.workspace.fs.writeFile(file(), new TextEncoder().encode(c.apiProperties));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'auth-events-tests'), { recursive: true, useTrash: false });
  });

  it('a refreshed token does not re-run the open file’s directory checks', async () => {
    const document = await vscode.workspace.openTextDocument(file());
    await vscode.window.showTextDocument(document);
    await until('the directory checks of the open file', () =>
      vscode.languages.getDiagnostics(document.uri).some((d) => (typeof d.code === 'object' ? d.code.value : d.code) === 'redirect-uri-not-registered') ? true : undefined,
    );
    // Let the views' own reads after the sign-in settle, then count from zero.
    await new Promise((r) => setTimeout(r, 1500));
    await admin(ep, 'DELETE', '/requests');
    await api.auth.getAccessToken(['User.Read'], { forceRefresh: true });
    await new Promise((r) => setTimeout(r, 2500));
    const after = await graphRequests();
    assert.deepEqual(after.map((r) => `${r.method} ${r.path}`), [], 'no Graph request after a new token');
  });
});
