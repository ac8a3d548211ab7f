/**
 * Previews of a change the user reads before it is made: one multi-file diff editor (`vscode.changes`) over
 * read-only virtual documents, and the question beside it in a quick pick that stays open while the user scrolls and
 * switches between the files (a modal dialog would block the diff it points to). Nothing is left behind: no Untitled
 * document asks "Save?", and the diff editor closes once answered.
 */
import * as vscode from 'vscode';
import { PreviewTexts } from '../wizard/previews';

const PREVIEW_SCHEME = 'entra-connector-preview';
const texts = new PreviewTexts();

/** The read-only documents the previews show (registered once, with the wizard). */
export function registerPreviews(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, { provideTextDocumentContent: (uri) => texts.get(uri.toString()) ?? '' }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme === PREVIEW_SCHEME) texts.delete(doc.uri.toString());
    }),
  );
}

export interface PreviewFile {
  /** The file's name, as the diff editor lists it. */
  readonly name: string;
  /** The file as it is now: on disk (or in its open editor), or a text; neither: the file does not exist yet. */
  readonly current?: vscode.Uri | { readonly text: string };
  readonly proposed: string;
}

export interface PreviewQuestion {
  /** The diff editor's title. */
  readonly title: string;
  readonly files: readonly PreviewFile[];
  /** The question (the quick pick's title). */
  readonly question: string;
  /** The label that goes ahead ("Write", "Apply"). */
  readonly accept: string;
  /** One line under the accept choice. */
  readonly detail?: string;
  /** Lines shown above the choices (e.g. the change field by field). */
  readonly lines?: readonly string[];
  /** Open the diff in a new editor group beside the active one (the wizard stays visible). */
  readonly beside?: boolean;
}

let previewCount = 0;

/** Shows the files' changes in one diff editor and asks, without blocking it, whether to go ahead. */
export async function reviewInDiff(q: PreviewQuestion): Promise<boolean> {
  const stamp = `${Date.now().toString(36)}-${++previewCount}`;
  const made: string[] = [];
  const virtual = (side: string, name: string, text: string) => {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${stamp}/${side}/${name}` });
    texts.set(uri.toString(), text);
    made.push(uri.toString());
    return uri;
  };
  const resources = q.files.map((f) => {
    const right = virtual('proposed', f.name, f.proposed);
    const left = f.current instanceof vscode.Uri ? f.current : virtual('current', f.name, f.current?.text ?? '');
    return [f.current instanceof vscode.Uri ? f.current : right, left, right] as const;
  });
  // `vscode.changes` opens in the active group: a new group beside keeps the wizard in view (it closes with its last tab).
  if (q.beside) await vscode.commands.executeCommand('workbench.action.newGroupRight');
  await vscode.commands.executeCommand('vscode.changes', q.title, resources);
  try {
    type Item = vscode.QuickPickItem & { accept?: boolean };
    const items: Item[] = [
      ...(q.lines ?? []).map((line): Item => ({ label: line, kind: vscode.QuickPickItemKind.Separator })),
      { label: q.accept, ...(q.detail ? { detail: q.detail } : {}), accept: true },
      { label: 'Cancel' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: q.question, placeHolder: `The diff editor “${q.title}” shows the changes: read them there, then choose.`, ignoreFocusOut: true });
    return pick?.accept === true;
  } finally {
    // The multi-file diff tab is labelled with the title (and may add the number of files).
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.label.startsWith(q.title));
    await Promise.resolve(vscode.window.tabGroups.close(tabs, true)).catch(() => undefined);
    for (const uri of made) texts.delete(uri);
  }
}
