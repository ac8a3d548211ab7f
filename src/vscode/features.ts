import * as vscode from 'vscode';
import type { Auth } from './auth';
import type { ConnectorsView, LazyTree } from './lazy';
import type { TreeNode } from './tree/nodes';
import { registerCommands } from './commands';
import { ConnectorsTreeProvider } from './tree/connectorsTree';
import { registerRegistrationViews } from './tree';
import { registerWizard, setWizardPowerPlatform } from './wizard/panel';
import { registerServiceCommands } from './service';
import { registerDiagnostics } from './diagnostics';
import { registerPowerPlatform, type PowerPlatformSignIn } from './powerplatform';

let powerPlatform: PowerPlatformSignIn | undefined;

/** The Power Platform sign-in, for the extension's own tests (ExtensionTestApi); set once the features are loaded. */
export function powerPlatformSignIn(): PowerPlatformSignIn {
  if (!powerPlatform) throw new Error('The features are not loaded.');
  return powerPlatform;
}

export { WizardPanel } from './wizard/panel';

export interface FeatureDeps {
  readonly log: vscode.LogOutputChannel;
  readonly auth: Auth;
  /** The views' stand-ins that activation registered; the real providers are attached to them here. */
  readonly connectors: ConnectorsView;
  readonly appRegistrations: LazyTree<TreeNode>;
}

/**
 * Everything behind activation's stand-ins, loaded by one dynamic import() on first use (a command, a visible view,
 * an open apiProperties.json): the wizard, the diagnostics and their rule table, the trees, Secure the Service.
 */
export function registerFeatures(context: vscode.ExtensionContext, deps: FeatureDeps): void {
  const { log, auth } = deps;
  const connectors = new ConnectorsTreeProvider();
  context.subscriptions.push(connectors);
  registerCommands(context, { log, connectors });
  // The guided setup's sign-in, CodeLens on apiProperties.json and diff previews.
  registerWizard(context, { log, auth });
  // apiProperties.json problems, quick fixes and the sign-in error explainer.
  registerDiagnostics(context, { log, auth });
  // Secure the Service: App Service / Functions authentication and CORS through Azure Resource Manager.
  registerServiceCommands(context, { log, auth });
  // The registrations tree: connectors' app registrations, the user's own apps, and their actions.
  registerRegistrationViews(context, { log, auth, connectors, ownedView: deps.appRegistrations, deployedSecret: (folder) => pp.deployedSecretUpdater(folder) });
  // Deploy to Power Platform, Test Connection, the Connectors view's deployment node (issue 15).
  const pp = registerPowerPlatform(context, { log, auth, connectors });
  powerPlatform = pp;
  setWizardPowerPlatform(pp.setupDeployer);
  deps.connectors.attachConnectors(connectors);
}
