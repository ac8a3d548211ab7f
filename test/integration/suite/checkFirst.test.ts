// Issue 17 inside the real extension host against the emulated tenant: the quick fixes and the sign-in error
// explainer check the tenant before they act or advise, and never overwrite what the user already has.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { treeSeed, type SeedConnector } from '../../../emulator/src/seeds/connectors';
import { admin, ADMIN, answering, children, descendants, emulator, signedIn, until, type Shown } from '../../support/extensionHost';

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);
// The seeded connector apps' secret has the hint "sEd" (its first three characters, as Graph reports them).
const VALID = 'sEd8Q~abcdefghijklmnopqrstuvwxyz0123456789';
const JUNK = 'zzz8Q~not-the-apps-secret-at-all-0123456789';

function withSecret(text: string, secret: string): string {
  return text.replace('"scopes": []', `"clientSecret": ${JSON.stringify(secret)},\n            "scopes": []`);
}

describe('Trust: quick fixes and the explainer check before they act (issue 17)', function () {
  this.timeout(180_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  const seed = treeSeed([{ name: 'Stored Secret' }, { name: 'Junk Secret' }, { name: 'Wrong Resource' }, { name: 'Needs Grant', consented: false }, { name: 'Rotate Me' }], { owner: ADMIN, index: 1700 });
  const byName = (name: string) => seed.connectors.find((c) => c.name === name) as SeedConnector;
  const root = () => vscode.workspace.workspaceFolders![0]!.uri;
  const fileOf = (c: SeedConnector) => vscode.Uri.joinPath(root(), 'trust-tests', c.name, 'apiProperties.json');

  /** The connector's apiProperties.json with this text, saved (an open editor is edited, as a person would). */
  const write = async (c: SeedConnector, text: string) => {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === fileOf(c).toString());
    if (!open) await vscode.workspace.fs.writeFile(fileOf(c), new TextEncoder().encode(text));
    const document = open ?? (await vscode.workspace.openTextDocument(fileOf(c)));
    if (document.getText() !== text) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
      assert.ok(await vscode.workspace.applyEdit(edit));
    }
    if (document.isDirty) await document.save();
    await until('the document to show the written text', () => document.getText() === text);
    // Let the debounced analysis of the new text finish before asking for fixes.
    await new Promise((r) => setTimeout(r, 800));
    return document;
  };
  const secretRows = async (c: SeedConnector): Promise<Shown[]> => {
    await api.connectors.refresh();
    const node = (await children(api.connectors)).find((s) => s.label === c.name);
    assert.ok(node, `the Connectors view lists ${c.name}`);
    return (await descendants(api.connectors, node)).filter((s) => s.contextValue?.startsWith('secret.'));
  };
  /** Runs the secret-in-file quick fix of the document the way the light bulb does. */
  const moveSecret = async (document: vscode.TextDocument) => {
    await vscode.window.showTextDocument(document);
    const diagnostic = await until('the secret-in-file problem', () => vscode.languages.getDiagnostics(document.uri).find((d) => codeOf(d) === 'secret-in-file'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const move = actions.find((a) => /^Move the secret/.test(a.title));
    assert.ok(move?.command, 'the move-secret quick fix');
    return vscode.commands.executeCommand<boolean>(move.command.command, ...(move.command.arguments ?? []));
  };

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'trust-tests'), { recursive: true, useTrash: false });
  });

  it("secret-in-file: a stored secret is never replaced without asking — keep it, or compare hints and the app's key IDs", async () => {
    const c = byName('Stored Secret');
    // The app's real secret is moved out of the file first: it matches the app's hint, so it is stored without a question.
    const first = await write(c, withSecret(c.apiProperties, VALID));
    const moved = await answering({ showWarningMessage: () => undefined }, () => moveSecret(first));
    assert.equal(moved.result, true);
    assert.deepEqual(moved.asked, [], "the app's own secret is moved without a question");
    await until('the tree to show the secret held on this machine', async () => ((await secretRows(c))[0]?.description.includes('on this machine') ? true : undefined));

    // Then junk is typed into the file: the fix asks before it replaces the stored secret.
    const second = await write(c, withSecret(c.apiProperties, JUNK));
    const { result, asked } = await answering({ showWarningMessage: (_m, _o, ...buttons) => buttons.find((b) => b === 'Keep Stored Secret') }, () => moveSecret(second));
    assert.equal(result, true, 'the file edit was applied');
    assert.equal(asked.length, 1, 'asked once');
    const [message, options, ...buttons] = asked[0]!.args as [string, { modal: boolean; detail: string }, ...string[]];
    assert.match(message, /already holds a client secret/);
    assert.deepEqual(buttons, ['Keep Stored Secret', "Replace with the File's Value"]);
    assert.equal(options.modal, true);
    assert.match(options.detail, /Stored: starts with "sEd", like sEd… key /);
    assert.match(options.detail, new RegExp(`In the file: starts with "zzz", like none of the app's secrets`));
    assert.ok(options.detail.includes(c.secretKeyId), 'the detail names the key ID to compare');
    assert.ok(!options.detail.includes(JUNK) && !options.detail.includes(VALID), 'no secret value in the prompt');
    assert.match(second.getText(), /"clientSecret": null/);
    const rows = await secretRows(c);
    assert.ok(rows[0]!.description.includes('on this machine'), `the stored (valid) secret is kept: ${rows[0]!.description}`);
  });

  it("secret-in-file: a value that matches none of the app's secrets is not stored as its secret without saying so", async () => {
    const c = byName('Junk Secret');
    const document = await write(c, withSecret(c.apiProperties, JUNK));
    const { result, asked } = await answering({ showWarningMessage: (_m, _o, ...buttons) => buttons.find((b) => b === 'Only Remove It from the File') }, () => moveSecret(document));
    assert.equal(result, true);
    assert.equal(asked.length, 1);
    const [message, options] = asked[0]!.args as [string, { detail: string }];
    assert.match(message, /is not one of the client secrets of/);
    assert.ok(options.detail.includes(c.secretKeyId));
    assert.match(document.getText(), /"clientSecret": null/);
    const rows = await secretRows(c);
    assert.ok(!rows[0]!.description.includes('on this machine'), 'nothing was stored');
  });

  /** The quick fixes VS Code offers at a problem with this code, once the online check has reported it. */
  const fixesAt = async (document: vscode.TextDocument, code: string) => {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('entraConnector.checkOnline');
    const diagnostic = await until(`the ${code} problem`, () => vscode.languages.getDiagnostics(document.uri).find((d) => codeOf(d) === code));
    return vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  };

  it('resourceUri changed to a URI the tenant does not know: the fix offers the AzureActiveDirectoryResourceId it does know, never the reverse', async () => {
    const c = byName('Wrong Resource');
    const text = c.apiProperties.replace(/("resourceUri": \{\s*"value": )"[^"]+"/, '$1"api://contoso.example/no-such-api"');
    assert.notEqual(text, c.apiProperties);
    const document = await write(c, text);
    const atResource = await fixesAt(document, 'resource-not-found');
    const preferred = atResource.filter((a) => a.isPreferred);
    assert.deepEqual(preferred.map((a) => a.title), [`Set resourceUri to "${c.identifierUri}" (the AzureActiveDirectoryResourceId, found in this directory)`]);
    const atMismatch = await fixesAt(document, 'aad-resource-mismatch');
    assert.ok(!atMismatch.some((a) => a.title.includes('Set AzureActiveDirectoryResourceId to "api://contoso.example/no-such-api"')), `no fix spreads the unknown URI: ${atMismatch.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(preferred[0]!.edit!));
    assert.ok(document.getText().includes(`"value": "${c.identifierUri}"`));
    assert.ok(!document.getText().includes('no-such-api'));
  });

  it('a client ID not in the directory: the fixes offer the connector apps the user owns', async () => {
    const c = byName('Wrong Resource');
    const document = await write(c, c.apiProperties.replace(c.clientId, '0badc0de-0000-4000-8000-000000000017'));
    const actions = (await fixesAt(document, 'client-app-not-found')).filter((a) => /a connector app you own$/.test(a.title));
    assert.ok(actions.length >= 1 && actions.length <= 5, `offers: ${actions.map((a) => a.title).join(' | ')}`);
    const mine = actions.find((a) => a.title.includes(c.clientId));
    const offered = mine ?? actions[0]!;
    assert.ok(await vscode.workspace.applyEdit(offered.edit!));
    assert.ok(!document.getText().includes('0badc0de-0000-4000-8000-000000000017'));
  });

  /** Runs the explainer with a message and answers its dialog; returns the command's result and the dialog. */
  const explain = async (message: string, answer: (buttons: string[]) => string | undefined) => {
    const dialogs: Array<{ message: string; detail: string; buttons: string[] }> = [];
    const { result } = await answering(
      {
        showWarningMessage: (m, o, ...buttons) => {
          const b = buttons as string[];
          dialogs.push({ message: String(m), detail: String((o as { detail?: string }).detail ?? ''), buttons: b });
          return answer(b);
        },
        showInformationMessage: () => undefined,
      },
      async () => {
        const r = await vscode.commands.executeCommand<{ explanation: { title: string; likely?: { code: string } }; tenant?: { notes: string[]; redirectRegistered: boolean } }>('entraConnector.explainSignInError', message);
        await until('the explanation dialog', () => dialogs.length > 0);
        return r;
      },
    );
    return { result, dialog: dialogs[0]! };
  };

  it('AADSTS50011 for a redirect URI the app already has: says so (and the other causes) instead of offering to add it', async () => {
    const c = byName('Stored Secret');
    const { result, dialog } = await explain(`AADSTS50011: The redirect URI '${c.redirectUrl}' specified in the request does not match the redirect URIs configured for the application '${c.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`, () => undefined);
    assert.equal(result.tenant?.redirectRegistered, true);
    assert.match(dialog.detail, /is already a Web redirect URI of "Stored Secret connector" in Contoso \(contoso\.example\): adding it again is not the fix/);
    assert.match(dialog.detail, /Other causes of AADSTS50011/);
    assert.ok(!dialog.buttons.includes('Register Redirect URI on the App'), `buttons: ${dialog.buttons.join(', ')}`);
  });

  it('AADSTS65001: an account that may consent is offered Grant Consent, and it grants the app\'s permissions tenant-wide', async () => {
    const c = byName('Needs Grant');
    const { result, dialog } = await explain(`AADSTS65001: The user or administrator has not consented to use the application with ID '${c.clientId}' named '${c.name} connector'. Send an interactive authorization request for this user and resource.`, (buttons) => buttons.find((b) => b === 'Grant Consent'));
    assert.ok(dialog.buttons.includes('Grant Consent'), `buttons: ${dialog.buttons.join(', ')}`);
    assert.match(dialog.detail, /Application Administrator, a role that may consent for the whole organization/);
    assert.ok(result.tenant);
    await until('the tenant-wide grant', async () => {
      const grants = (await admin<{ oauth2PermissionGrants: { clientId: string; resourceId: string; consentType: string; scope: string }[] }>(ep, 'GET', '/state')).oauth2PermissionGrants;
      return grants.some((g) => g.clientId === c.connectorSpId && g.resourceId === c.apiSpId && g.consentType === 'AllPrincipals' && g.scope.split(' ').includes('user_impersonation'));
    });
  });

  it('input without a code is explained as far as its wording allows, and names what the tenant knows of the client ID it contains', async () => {
    const c = byName('Stored Secret');
    const { result, dialog } = await explain(`The reply URL specified in the request does not match the reply URLs configured for the application: '${c.clientId}'.`, () => undefined);
    assert.equal(result.explanation.title, 'Redirect URI mismatch');
    assert.equal(result.explanation.likely?.code, 'AADSTS50011');
    assert.doesNotMatch(dialog.detail, /See Microsoft's description/);
    const unknown = await explain(`Something failed for ${c.clientId}`, () => undefined);
    assert.match(unknown.dialog.detail, new RegExp(`${c.clientId} is the client ID of "Stored Secret connector" in Contoso`));
  });

  it('Rotate asks for the lifetime, keeps the old secret unless told otherwise, and names the current key in its summary (item 11)', async () => {
    const c = byName('Rotate Me');
    await write(c, c.apiProperties);
    await api.connectors.refresh();
    const node = (await children(api.connectors)).find((s) => s.label === c.name)!;
    const app = (await descendants(api.connectors, node)).find((s) => s.contextValue === 'app.connector')!;
    const { asked } = await answering(
      {
        showQuickPick: (items) => (items as Array<{ days: number }>).find((i) => i.days === 90),
        // The question about the old secret is dismissed: the old secret stays.
        showWarningMessage: () => undefined,
        showInformationMessage: () => undefined,
      },
      () => vscode.commands.executeCommand('entraConnector.tree.rotateSecret', app.node),
    );
    const lifetime = asked.find((a) => a.prompt === 'showQuickPick')!;
    assert.deepEqual((lifetime.args[0] as Array<{ label: string; days: number }>).map((i) => i.days), [180, 90, 365, 730]);
    assert.match((lifetime.args[1] as { title: string }).title, /how long should the new secret be valid/);
    const creds = (await admin<{ applications: { appId: string; passwordCredentials?: { keyId: string; hint?: string; endDateTime?: string }[] }[] }>(ep, 'GET', '/state')).applications.find((a) => a.appId === c.clientId)!.passwordCredentials ?? [];
    assert.equal(creds.length, 2, 'the old secret is kept');
    const added = creds.find((k) => k.keyId !== c.secretKeyId)!;
    const days = (Date.parse(added.endDateTime!) - Date.now()) / 86_400_000;
    assert.ok(days > 89 && days < 91, `the new secret lasts 90 days (${days.toFixed(1)})`);
    const summary = asked.find((a) => a.prompt === 'showInformationMessage' && String(a.args[0]).startsWith('The current secret'));
    assert.ok(summary, `a summary: ${asked.map((a) => String(a.args[0])).join(' | ')}`);
    assert.ok(String(summary.args[0]).includes(`key ${added.keyId}`), String(summary.args[0]));
  });
});
