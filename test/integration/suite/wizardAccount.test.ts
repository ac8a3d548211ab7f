// The open wizard follows the account (issue 17, items 4 and 8): its consent page proposes what the signed-in
// account may do, from its directory roles, and says why; switching to another account or signing out while it is
// open changes its header, its proposal and its page.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WizardViewState } from '../../../src/protocol';
import { admin, ADMIN, emulator, signedIn, until } from '../../support/extensionHost';

const MAKER = 'maker@contoso.example';

interface PanelHandle {
  readonly panel: vscode.WebviewPanel;
  readonly controller: { whenReady(): Promise<void>; view(): Promise<WizardViewState> };
}

describe('The open wizard follows the account (issue 17)', function () {
  this.timeout(180_000);
  const ep = emulator();
  let handle: PanelHandle | undefined;
  const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'wizard-account-tests', 'Account Connector');

  before(async () => {
    await signedIn(ep, ADMIN);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder(), 'apiProperties.json'), new TextEncoder().encode('{\n  "properties": {}\n}\n'));
  });

  after(async () => {
    handle?.panel.dispose();
    await signedIn(ep, ADMIN);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), '..'), { recursive: true, useTrash: false });
  });

  it('proposes consent from the directory roles with the reason, and follows a switch to a maker and a sign-out', async () => {
    handle = (await vscode.commands.executeCommand('entraConnector.secureConnector', folder())) as PanelHandle;
    assert.ok(handle?.controller);
    await handle.controller.whenReady();
    let view = await handle.controller.view();
    assert.equal(view.account?.username, ADMIN);
    assert.equal(view.answers.consent.consent, 'admin');
    assert.match(view.consentHint ?? '', /Application Administrator, a role that may consent for the whole organization/);

    // Another account signs in while the wizard is open.
    const service = await (await signedIn(ep, ADMIN)).auth.service();
    const signingIn = service.signIn('deviceCode');
    await until('the maker to approve the device code', async () => ((await admin<{ approved?: number }>(ep, 'POST', '/device/approve', { user: MAKER })).approved ?? 0) > 0);
    await signingIn;
    view = await until('the wizard to show the maker', async () => {
      const v = await handle!.controller.view();
      return v.account?.username === MAKER ? v : undefined;
    });
    assert.ok(view.consentHint, 'a reason is given');
    assert.equal(view.answers.consent.consent, 'user', 'a maker is proposed consent for their own account');
    assert.match(view.consentHint ?? '', /may consent for the whole organization \(Application Administrator, Cloud Application Administrator or Global Administrator can\)/);
    assert.match(view.consentHint ?? '', /For my account only/);

    // Signing out sends the wizard to its sign-in page.
    for (let i = 0; i < 5 && (await service.getActiveAccount()) !== undefined; i++) await service.signOut();
    view = await until('the wizard to leave the signed-in pages', async () => {
      const v = await handle!.controller.view();
      return v.account === undefined ? v : undefined;
    });
    assert.equal(view.page, 'signIn');
  });
});
