/**
 * How the extension reads and writes the user's files: what an open editor shows wins over the disk (unsaved edits
 * are the user's truth), and every write is one undoable WorkspaceEdit that changes only the bytes it means to.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { TextEdit } from '../connector/jsonDocument';
import { minimalEdit } from '../connector/edits';
import { UserFailure } from '../errors';

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key || (d.uri.scheme === 'file' && uri.scheme === 'file' && d.uri.fsPath === uri.fsPath));
}

/** The text the user sees: an open (maybe unsaved) editor first, else the file; undefined when it does not exist. */
export async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const open = openDocument(uri);
  if (open) return open.getText();
  // A file of this machine is read from disk where the extension host runs: through workspace.fs each read waited a
  // round trip through the window (npm run bench: the wizard's first page 70–330 ms, a diagnostics check 12 ms).
  if (uri.scheme === 'file') {
    try {
      return await readFile(uri.fsPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    throw error;
  }
}

/** Offset edits on a document as VS Code range replacements (added to `edit` when given). */
export function toWorkspaceEdit(document: vscode.TextDocument, edits: readonly TextEdit[], edit = new vscode.WorkspaceEdit()): vscode.WorkspaceEdit {
  for (const e of edits) edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
  return edit;
}

function fileFailure(message: string): UserFailure {
  return new UserFailure({ code: 'ConnectorFileChanged', message, next: 'Run the setup again: it recomputes the edit from the current file (Ctrl+Z in the editor undoes an applied edit).' });
}

/**
 * Writes a file the way the user would: creates it when `before` is undefined; otherwise checks that the text is
 * still `before` (never overwrite an edit made meanwhile), applies `edits` (default: the one changed middle
 * between `before` and `after`) as one undoable WorkspaceEdit, and saves.
 */
export async function writeText(uri: vscode.Uri, before: string | undefined, after: string, edits: readonly TextEdit[] = minimalEdit(before ?? '', after)): Promise<void> {
  const name = path.basename(uri.fsPath);
  const edit = new vscode.WorkspaceEdit();
  if (before === undefined) {
    edit.createFile(uri, { overwrite: false, contents: new TextEncoder().encode(after) });
    if (!(await vscode.workspace.applyEdit(edit))) throw fileFailure(`Could not create ${name}.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.getText() !== before) throw fileFailure(`${name} changed while the setup was preparing its edit.`);
  if (!(await vscode.workspace.applyEdit(toWorkspaceEdit(doc, edits, edit)))) throw fileFailure(`VS Code did not apply the edit to ${name}.`);
  await doc.save();
}

/** Deletes a file as one undoable WorkspaceEdit (Undo restoring a connector file the setup created). */
export async function removeFile(uri: vscode.Uri): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.deleteFile(uri, { ignoreIfNotExists: true });
  if (!(await vscode.workspace.applyEdit(edit))) throw fileFailure(`Could not delete ${path.basename(uri.fsPath)}.`);
}
