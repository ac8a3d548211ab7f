import * as vscode from 'vscode';
import type { ConnectorsTreeProvider } from './tree/connectorsTree';
import type { AppRegistrationsTreeProvider } from './tree/appRegistrationsTree';
import type { TreeNode } from './tree/nodes';

/**
 * What activation needs before the features load: a tree provider that stands for one that is loaded with them, and
 * commands that load them on first use. VS Code asks a view for children only when it is visible and runs a command
 * only when it is invoked, so the rules table, the trees, the wizard and the Azure code load when a user first needs
 * them (or an apiProperties.json is open), not while VS Code starts.
 */

/** A tree data provider whose real provider is loaded on first use; its items come from the real one. */
export class LazyTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  protected target: vscode.TreeDataProvider<T> | undefined;
  private relay: vscode.Disposable | undefined;

  constructor(protected readonly load: () => Promise<unknown>) {}

  /** Connects the real provider (when the features load) and redraws the view from it. */
  attach(target: vscode.TreeDataProvider<T>): void {
    this.target = target;
    this.relay = target.onDidChangeTreeData?.((e) => this.changed.fire(e as T | undefined));
    this.changed.fire();
  }

  async getChildren(element?: T): Promise<T[]> {
    await this.load();
    return (await (this.target as vscode.TreeDataProvider<T>).getChildren(element)) ?? [];
  }

  // Elements only ever come from the real provider, so it is there when VS Code asks for an item.
  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return (this.target as vscode.TreeDataProvider<T>).getTreeItem(element);
  }

  getParent(element: T): vscode.ProviderResult<T> {
    return this.target?.getParent?.(element);
  }

  dispose(): void {
    this.relay?.dispose();
    this.changed.dispose();
  }
}

/** The Connectors view as activation holds it (and the extension's API exports): the real tree once loaded. */
export class ConnectorsView extends LazyTree<TreeNode> {
  private real: ConnectorsTreeProvider | undefined;

  attachConnectors(real: ConnectorsTreeProvider): void {
    this.real = real;
    this.attach(real);
  }

  /** Re-reads the connector folders (and the directory unless `directory: false`); loads the tree first. */
  async refresh(options?: { directory?: boolean; automatic?: boolean }): Promise<void> {
    await this.load();
    await this.real?.refresh(options);
  }

  /** The App registrations view's provider, once the tree code is loaded. */
  get appRegistrations(): AppRegistrationsTreeProvider | undefined {
    return this.real?.appRegistrations;
  }
}

/**
 * Registers a stand-in for each command id that loads the features, then runs the real command. `load` must
 * dispose the stand-ins (the returned disposable) before the features register the real commands.
 */
export function commandStandIns(ids: readonly string[], load: () => Promise<unknown>): vscode.Disposable {
  const standIns = ids.map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      await load();
      return vscode.commands.executeCommand(id, ...args);
    }),
  );
  return { dispose: () => standIns.forEach((d) => d.dispose()) };
}

/** The contributed command ids (package.json), less those activation registers itself. */
export function contributedCommands(context: vscode.ExtensionContext, except: readonly string[]): string[] {
  const contributed = (context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? [];
  return contributed.map((c) => c.command).filter((id) => !except.includes(id));
}
