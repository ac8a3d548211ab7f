import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { ConnectorsTreeProvider } from './vscode/tree/connectorsTree';
import { createLog } from './vscode/log';
import { registerAuth, type Auth } from './vscode/auth';
import { registerRegistrationViews } from './vscode/tree';
import { registerWizard } from './vscode/wizard/panel';
import { registerServiceCommands } from './vscode/service';
import { registerDiagnostics } from './vscode/diagnostics';

/**
 * Activation wires things together and nothing else: heavy modules (MSAL, the Graph client) are loaded
 * only when a command first needs them, so that VS Code's start is not slowed down by this extension.
 */
export function activate(context: vscode.ExtensionContext): ExtensionApi | ExtensionTestApi {
  const log = createLog();
  context.subscriptions.push(log);

  const connectors = new ConnectorsTreeProvider();
  const connectorsView = vscode.window.createTreeView('entraConnector.connectors', { treeDataProvider: connectors });
  context.subscriptions.push(connectors, connectorsView);

  registerCommands(context, { log, connectors });
  const auth = registerAuth(context, { log, view: connectorsView });
  // The guided setup, its CodeLens on apiProperties.json and the diff previews.
  registerWizard(context, { log, auth });
  // apiProperties.json problems, quick fixes and the sign-in error explainer.
  registerDiagnostics(context, { log, auth });
  // Secure the Service: App Service / Functions authentication and CORS through Azure Resource Manager.
  registerServiceCommands(context, { log, auth });
  // The registrations tree: connectors' app registrations, the user's own apps, and their actions.
  registerRegistrationViews(context, { log, auth, connectors });
  log.info(`Entra Connector ${context.extension.packageJSON.version as string} activated.`);
  // Other extensions get a frozen facade that reaches nothing: no token getter, no SecretStorage, no tree provider.
  // The views and the sign-in are exported only to this extension's own tests and development host.
  return context.extensionMode === vscode.ExtensionMode.Production ? productionApi() : ({ ...productionApi(), connectors, auth } satisfies ExtensionTestApi);
}

export function deactivate(): void {
  // Nothing to release beyond context.subscriptions.
}

/** What the extension exports to other extensions: its API version and nothing that reaches tokens, secrets or the tenant. */
export interface ExtensionApi {
  readonly apiVersion: 1;
}

/** The production API object: plain data, frozen, holding no reference to the extension's state. */
export function productionApi(): ExtensionApi {
  return Object.freeze({ apiVersion: 1 as const });
}

/** In development and test hosts only (never in production): the views and the sign-in, for the extension's own integration tests. */
export interface ExtensionTestApi extends ExtensionApi {
  readonly connectors: ConnectorsTreeProvider;
  readonly auth: Auth;
}
