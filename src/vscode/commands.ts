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

  register('entraConnector.secureConnector', (folder?: unknown) =>
    WizardPanel.show(context, deps.log, folder instanceof vscode.Uri ? folder : undefined),
  );
  register('entraConnector.refresh', () => deps.connectors.refresh());
  register('entraConnector.showLog', () => deps.log.show());
}
