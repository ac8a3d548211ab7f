import * as vscode from 'vscode';
import type { ConnectorDiagnostic, Fix } from '../connector/diagnostic';
import type { TextEdit } from '../connector/jsonDocument';
import { analyzeApiProperties } from '../connector/rules';
import { secretStorageKey } from '../connector/secrets';
import { analysisOptions, DIAGNOSTIC_SOURCE, isApiProperties, type DiagnosticsDeps } from './diagnostics';

export const MOVE_SECRET_COMMAND = 'entraConnector.moveSecretToStorage';

function workspaceEdit(document: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) {
    edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
  }
  return edit;
}

/** The rule-table diagnostic behind a VS Code diagnostic: same code, same start. */
function match(document: vscode.TextDocument, found: readonly ConnectorDiagnostic[], diagnostic: vscode.Diagnostic): ConnectorDiagnostic | undefined {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  const offset = document.offsetAt(diagnostic.range.start);
  return found.find((d) => d.code === code && d.offset === offset);
}

/**
 * Quick fixes keyed on the diagnostic code. The document is re-analysed (it is what the user sees now), so a fix
 * never applies offsets of an older version. A fix that moves a secret goes through a command: the secret is read
 * again from the document inside the extension host and never travels in command arguments.
 */
class ConnectorCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0 || !isApiProperties(document)) return [];
    const found = analyzeApiProperties(document.getText(), await analysisOptions(document));
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const source = match(document, found, diagnostic);
      source?.fixes.forEach((fix: Fix, index) => {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.isPreferred === true;
        if (fix.moveSecret) {
          action.command = { command: MOVE_SECRET_COMMAND, title: fix.title, arguments: [document.uri, source.code, source.offset, index] };
        } else {
          action.edit = workspaceEdit(document, fix.edits);
        }
        actions.push(action);
      });
    }
    return actions;
  }
}

export function registerCodeActions(context: vscode.ExtensionContext, deps: DiagnosticsDeps): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      [{ language: 'json', pattern: '**/apiProperties.json' }, { language: 'jsonc', pattern: '**/apiProperties.json' }],
      new ConnectorCodeActions(),
      { providedCodeActionKinds: ConnectorCodeActions.kinds },
    ),
    vscode.commands.registerCommand(MOVE_SECRET_COMMAND, async (uri: unknown, code: unknown, offset: unknown, index: unknown) => {
      if (!(uri instanceof vscode.Uri) || typeof code !== 'string' || typeof offset !== 'number' || typeof index !== 'number') return false;
      const document = await vscode.workspace.openTextDocument(uri);
      const found = analyzeApiProperties(document.getText(), await analysisOptions(document));
      const fix = found.find((d) => d.code === code && d.offset === offset)?.fixes[index];
      if (!fix?.moveSecret) {
        void vscode.window.showWarningMessage('The file changed since the fix was offered; run the quick fix again.');
        return false;
      }
      await context.secrets.store(secretStorageKey(fix.moveSecret.clientId), fix.moveSecret.value);
      const applied = await vscode.workspace.applyEdit(workspaceEdit(document, fix.edits));
      // Only the client ID is logged, never the value.
      deps.log.info(`Moved the client secret of ${fix.moveSecret.clientId} from ${uri.fsPath} into secret storage${applied ? '' : ' (the file edit was not applied)'}.`);
      return applied;
    }),
  );
}
