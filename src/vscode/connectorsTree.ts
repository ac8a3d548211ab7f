import * as vscode from 'vscode';
import * as path from 'node:path';

/** A connector folder of the workspace: one that holds apiProperties.json or apiDefinition.swagger.json. */
export interface ConnectorFolder {
  readonly name: string;
  readonly uri: vscode.Uri;
  readonly hasProperties: boolean;
}

export class ConnectorsTreeProvider implements vscode.TreeDataProvider<ConnectorFolder>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectorFolder | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{apiProperties.json,apiDefinition.swagger.json}');

  constructor() {
    this.watcher.onDidCreate(() => this.refresh());
    this.watcher.onDidDelete(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(element: ConnectorFolder): vscode.TreeItem {
    const item = new vscode.TreeItem(element.name, vscode.TreeItemCollapsibleState.None);
    item.resourceUri = element.uri;
    item.iconPath = new vscode.ThemeIcon('plug');
    item.contextValue = element.hasProperties ? 'connector' : 'connector.noProperties';
    item.tooltip = element.uri.fsPath;
    return item;
  }

  async getChildren(element?: ConnectorFolder): Promise<ConnectorFolder[]> {
    if (element) return [];
    return findConnectorFolders();
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}

export async function findConnectorFolders(): Promise<ConnectorFolder[]> {
  const files = await vscode.workspace.findFiles('**/{apiProperties.json,apiDefinition.swagger.json}', '**/node_modules/**', 500);
  const byFolder = new Map<string, ConnectorFolder>();
  for (const file of files) {
    const folder = vscode.Uri.joinPath(file, '..');
    const key = folder.toString();
    const hasProperties = path.basename(file.path) === 'apiProperties.json';
    const known = byFolder.get(key);
    byFolder.set(key, { name: path.basename(folder.path), uri: folder, hasProperties: hasProperties || (known?.hasProperties ?? false) });
  }
  return [...byFolder.values()].sort((a, b) => a.name.localeCompare(b.name));
}
