import * as vscode from 'vscode';
import { createLog } from './vscode/log';
import { registerAuth, type Auth } from './vscode/auth';
import { commandStandIns, contributedCommands, ConnectorsView, LazyTree } from './vscode/lazy';
import type { TreeNode } from './vscode/tree/nodes';
import { openWalkthroughOnce } from './vscode/walkthrough';
import type { PowerPlatformSignIn } from './vscode/powerplatform';

const AUTH_COMMANDS = ['entraConnector.signIn', 'entraConnector.signOut', 'entraConnector.switchAccount', 'entraConnector.switchTenant'];
const WIZARD_VIEW_TYPE = 'entraConnector.wizard';

/**
 * Activation wires things together and nothing else: the sign-in state (status bar, view header) and stand-ins.
 * The features (./vscode/features: wizard, diagnostics and their rule table, trees, Secure the Service) load through
 * one dynamic import() when first needed — a command, a visible view, an open apiProperties.json — and MSAL and the
 * Graph client later still, when a command first calls Microsoft, so that VS Code's start is not slowed down.
 */
export function activate(context: vscode.ExtensionContext): ExtensionApi | ExtensionTestApi {
  const started = performance.now();
  const marks: [string, number][] = [];
  const mark = (name: string) => marks.push([name, performance.now()]);
  const log = createLog();
  context.subscriptions.push(log);
  mark('log');

  let loaded: Promise<typeof import('./vscode/features')> | undefined;
  const features = () =>
    (loaded ??= import('./vscode/features').then((m) => {
      standIns.dispose();
      m.registerFeatures(context, { log, auth, connectors, appRegistrations });
      return m;
    }));
  const connectors = new ConnectorsView(features);
  const appRegistrations = new LazyTree<TreeNode>(features);
  const connectorsView = vscode.window.createTreeView('entraConnector.connectors', { treeDataProvider: connectors });
  const appRegistrationsView = vscode.window.createTreeView('entraConnector.appRegistrations', { treeDataProvider: appRegistrations, showCollapseAll: true });
  context.subscriptions.push(connectors, connectorsView, appRegistrations, appRegistrationsView);
  mark('views');

  const auth = registerAuth(context, { log, view: connectorsView });
  mark('sign-in');
  const standIns = commandStandIns(contributedCommands(context, AUTH_COMMANDS), features);
  mark('commands');
  context.subscriptions.push(
    standIns,
    vscode.window.registerWebviewPanelSerializer(WIZARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => void (await features()).WizardPanel.revive(context, log, panel),
    }),
  );
  // The diagnostics, CodeLens and quick fixes of an open connector file need the features now.
  const connectorFile = (d: vscode.TextDocument) => /\/(apiproperties|apidefinition\.swagger)\.json$/i.test(d.uri.path);
  if (vscode.workspace.textDocuments.some(connectorFile)) void features();
  else {
    const opened = vscode.workspace.onDidOpenTextDocument((d) => {
      if (!connectorFile(d)) return;
      opened.dispose();
      void features();
    });
    context.subscriptions.push(opened);
  }
  // npm run bench's floor for the wizard's first paint (src/vscode/benchFloor.ts); never set outside the bench.
  if (process.env.ENTRA_BENCH_FLOOR === '1') void import('./vscode/benchFloor').then((m) => m.registerBenchFloor(context, log));
  mark('rest');
  const parts = marks.map(([name, at], i) => `${name} ${(at - (marks[i - 1]?.[1] ?? started)).toFixed(1)}`).join(', ');
  log.info(`Entra Connector ${context.extension.packageJSON.version as string} activated (activate() took ${(performance.now() - started).toFixed(1)} ms: ${parts}).`);
  openWalkthroughOnce(context, log).catch((error: unknown) => log.warn(`The Get Started walkthrough could not be opened: ${error instanceof Error ? error.message : String(error)}`));
  // Other extensions get a frozen facade that reaches nothing: no token getter, no SecretStorage, no tree provider.
  // The views and the sign-in are exported only to this extension's own tests and development host.
  return context.extensionMode === vscode.ExtensionMode.Production ? productionApi() : ({ ...productionApi(), connectors, auth, powerPlatform: { signIn: async (method) => (await features()).powerPlatformSignIn().signIn(method) } } satisfies ExtensionTestApi);
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
  readonly connectors: ConnectorsView;
  readonly auth: Auth;
  /** The Power Platform sign-in (Azure CLI client), so a test can sign in by device code before running a command. */
  readonly powerPlatform: PowerPlatformSignIn;
}
