// apiProperties.json diagnostics and quick fixes inside the real extension host: a fixture copied into the workspace
// is opened, its problem appears in the Problems model with the rule's code, the quick fix comes from the
// code-action API, and applying it changes the file to the expected bytes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until as pollUntil } from '../extensionHost';

const EXTENSION_ID = 'entra-connector.entra-connector';
// out/test/integration/suite → the checkout's test/fixtures/rules
const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'rules');

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 45_000): Promise<T> => pollUntil(what, probe, ms);

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);

async function openFixture(folder: string, fixture: string): Promise<vscode.TextDocument> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(root, 'the integration workspace has a folder');
  const uri = vscode.Uri.joinPath(root, 'diagnostics-tests', folder, 'apiProperties.json');
  await vscode.workspace.fs.writeFile(uri, fs.readFileSync(path.join(FIXTURES, fixture)));
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  return document;
}

function diagnosticsWith(uri: vscode.Uri, code: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => codeOf(d) === code);
}

/** The quick fixes offered at a diagnostic's range (the API command's results carry title/edit/command, not diagnostics). */
async function quickFixes(uri: vscode.Uri, diagnostic: vscode.Diagnostic, title: RegExp): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  return (actions ?? []).filter((a) => title.test(a.title));
}

describe('apiProperties.json diagnostics and quick fixes', function () {
  // Generous: the machine running CI is shared; these wait for events, they do not measure time.
  this.timeout(180_000);

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    await ext.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (root) await vscode.workspace.fs.delete(vscode.Uri.joinPath(root, 'diagnostics-tests'), { recursive: true, useTrash: false });
  });

  it('shows a rule\'s diagnostic with its code and source in the Problems model', async () => {
    const document = await openFixture('shared', 'redirect-mode-shared.json');
    const [diagnostic] = await until('redirect-mode-shared', () => {
      const found = diagnosticsWith(document.uri, 'redirect-mode-shared');
      return found.length ? found : undefined;
    });
    assert.equal(diagnostic.source, 'Entra Connector');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(document.getText(diagnostic.range), '"Global"');
  });

  it('applies the redirect-mode-shared fix through the code-action API: exact bytes, diagnostic gone', async () => {
    const document = await openFixture('shared-fix', 'redirect-mode-shared.json');
    const [diagnostic] = await until('redirect-mode-shared', () => {
      const found = diagnosticsWith(document.uri, 'redirect-mode-shared');
      return found.length ? found : undefined;
    });
    const [action] = await quickFixes(document.uri, diagnostic, /GlobalPerConnector/);
    assert.ok(action?.edit, 'a quick fix with an edit');
    assert.match(action.title, /GlobalPerConnector/);
    assert.ok(await vscode.workspace.applyEdit(action.edit));
    assert.equal(document.getText(), fs.readFileSync(path.join(FIXTURES, 'redirect-mode-shared.expected.json'), 'utf8'));
    await document.save();
    await until('the diagnostic to go', () => (diagnosticsWith(document.uri, 'redirect-mode-shared').length === 0 ? true : undefined));
    assert.equal(fs.readFileSync(document.uri.fsPath, 'utf8'), fs.readFileSync(path.join(FIXTURES, 'redirect-mode-shared.expected.json'), 'utf8'));
  });

  it('keeps CRLF line endings when fixing key casing', async () => {
    const document = await openFixture('casing', 'aad-key-casing.json');
    assert.equal(document.eol, vscode.EndOfLine.CRLF);
    const found = await until('three aad-key-casing diagnostics', () => {
      const list = diagnosticsWith(document.uri, 'aad-key-casing');
      return list.length === 3 ? list : undefined;
    });
    for (const diagnostic of found) {
      const current = diagnosticsWith(document.uri, 'aad-key-casing').find((d) => d.range.start.line === diagnostic.range.start.line) ?? diagnostic;
      const [action] = await quickFixes(document.uri, current, /^Rename to /);
      assert.ok(action?.edit, `a rename for line ${diagnostic.range.start.line + 1}`);
      assert.ok(await vscode.workspace.applyEdit(action.edit));
    }
    assert.equal(document.getText(), fs.readFileSync(path.join(FIXTURES, 'aad-key-casing.expected.json'), 'utf8'));
    await until('no aad-key-casing left', () => (diagnosticsWith(document.uri, 'aad-key-casing').length === 0 ? true : undefined));
  });

  it('moves a secret out of the file through the quick fix command; the diagnostic never shows the secret', async () => {
    const secret = 'Abc8Q~xyzXYZ0123456789abcdefghijklmnopqr';
    const document = await openFixture('secret', 'secret-in-file.json');
    const [diagnostic] = await until('secret-in-file', () => {
      const found = diagnosticsWith(document.uri, 'secret-in-file');
      return found.length ? found : undefined;
    });
    assert.ok(!diagnostic.message.includes(secret));
    const [action] = await quickFixes(document.uri, diagnostic, /secret storage/);
    assert.ok(action?.command, 'the secret fix runs as a command');
    assert.ok(!JSON.stringify(action.command.arguments).includes(secret), 'the secret is not in the command arguments');
    const applied = await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
    assert.equal(applied, true);
    assert.equal(document.getText(), fs.readFileSync(path.join(FIXTURES, 'secret-in-file.expected.json'), 'utf8'));
    await until('secret-in-file to go', () => (diagnosticsWith(document.uri, 'secret-in-file').length === 0 ? true : undefined));
  });

  it('a JSON syntax error is reported once (by VS Code\'s JSON language, not again by the extension), and nothing else until it is repaired', async () => {
    const document = await openFixture('invalid', 'invalid-json.json');
    const vsCodes = await until("VS Code's JSON syntax error", () => {
      const own = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source !== 'Entra Connector' && d.severity === vscode.DiagnosticSeverity.Error);
      return own.length > 0 ? own : undefined;
    });
    // The extension's analysis ran (debounced) and added nothing: the same error is not listed twice.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Entra Connector').map(codeOf), [], `VS Code's: ${vsCodes.map((d) => d.message).join('; ')}`);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), fs.readFileSync(path.join(FIXTURES, 'clean.json'), 'utf8'));
    assert.ok(await vscode.workspace.applyEdit(edit));
    // (The integration settings point entraConnector.cloud at the emulated tenant, so login-uri-cloud may remain.)
    await until("VS Code's syntax error to go after the repair", () =>
      vscode.languages.getDiagnostics(document.uri).some((d) => d.source !== 'Entra Connector' && d.severity === vscode.DiagnosticSeverity.Error) ? undefined : true,
    );
    assert.deepEqual(diagnosticsWith(document.uri, 'invalid-json'), []);
  });
});
