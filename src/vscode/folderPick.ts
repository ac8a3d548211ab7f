import * as vscode from 'vscode';

export interface FolderItem extends vscode.QuickPickItem {
  readonly uri: vscode.Uri;
}

/**
 * Quick-pick items for connector folders: the folder's name once, and where it is (its parent, relative to the
 * workspace) only when that says something — never the name twice.
 */
export function connectorFolderItems(folders: readonly vscode.Uri[]): FolderItem[] {
  return folders
    .map((uri) => {
      const relative = vscode.workspace.asRelativePath(uri, false).replace(/\\/g, '/');
      const name = uri.path.replace(/\/+$/, '').split('/').pop() ?? relative;
      const parent = relative === name || !relative.endsWith(`/${name}`) ? '' : relative.slice(0, -name.length - 1);
      return { label: name, ...(parent ? { description: parent } : {}), uri };
    })
    .sort((a, b) => a.label.localeCompare(b.label) || (a.description ?? '').localeCompare(b.description ?? ''));
}
