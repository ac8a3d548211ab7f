import * as vscode from 'vscode';
import type { ConnectorsTreeProvider } from './tree/connectorsTree';
import { WizardPanel } from './wizard/panel';

export interface CommandDeps {
  readonly log: vscode.LogOutputChannel;
  readonly connectors: ConnectorsTreeProvider;
}

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const register = (id: string, run: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, run));

  register('entraConnector.secureConnector', async (folder?: unknown) => {
    // Any extension can run this command: a folder outside the workspace counts as none (the wizard then asks), and
    // the panel (which reaches the sign-in and secret storage) is handed back only to this extension's own tests.
    const inWorkspace = folder instanceof vscode.Uri && vscode.workspace.getWorkspaceFolder(folder) ? folder : undefined;
    const panel = await WizardPanel.show(context, deps.log, inWorkspace);
    return context.extensionMode === vscode.ExtensionMode.Production ? undefined : panel;
  });
  register('entraConnector.refresh', () => deps.connectors.refresh());
  register('entraConnector.showLog', () => deps.log.show());
}
