/**
 * "Entra Connector: Deploy Connector to Power Platform…", "Test Connection" and "Open in Maker Portal": thin
 * adapters of src/powerplatform to quick picks, progress notifications and the Connectors view. The client secret
 * comes from SecretStorage into the request body only. Power Platform is signed in to through the extension's sign-in
 * per resource (the Azure CLI public client, as paconn does), asked for only when one of these commands runs.
 */
import * as vscode from 'vscode';
import type { Auth } from '../auth';
import type { ConnectorsTreeProvider } from '../tree/connectorsTree';
import type { DeploymentInfo, TreeNode } from '../tree/nodes';
import { secretStorageKey } from '../../connector/secrets';
import { asSettingFailure, powerPlatformOf, type Cloud } from '../../cloud/clouds';
import { describeError } from '../../errors';
import { PowerPlatformClient, PowerPlatformFailure } from '../../powerplatform/client';
import { deployConnector, objectIdOf, oauthSettingsOf, updateDeployedSecret, type ConnectorFiles } from '../../powerplatform/deploy';
import type { UpdateDeployedSecret } from '../../setup/rotate';
import { isRedirectRegistered, registerDeployedRedirect } from '../../powerplatform/redirect';
import { readSettings, SETTINGS_FILE } from '../../powerplatform/settings';
import { RegistrationsSession } from '../session';
import { setupDeployer, type SetupDeployer } from '../../setup/deployer';

export const DEPLOY_COMMAND = 'entraConnector.deployConnector';
export const TEST_CONNECTION_COMMAND = 'entraConnector.testConnection';
export const OPEN_MAKER_PORTAL_COMMAND = 'entraConnector.openInMakerPortal';

const RECORD_KEY = 'entraConnector.deployments';

export interface PowerPlatformDeps {
  readonly log: vscode.LogOutputChannel;
  readonly auth: Auth;
  readonly connectors: ConnectorsTreeProvider;
}

/** The maker portal of a cloud, where there is one known. */
function makerPortal(cloud: Cloud): string | undefined {
  return ({ AzureCloud: 'https://make.powerapps.com', AzureUSGovernment: 'https://make.high.powerapps.us', AzureUSGovernmentDoD: 'https://make.apps.appsplatform.us', AzureChinaCloud: 'https://make.powerapps.cn' } as Record<string, string>)[cloud.name];
}

/** The connector's files through VS Code: open documents' text wins; settings.json is written with a WorkspaceEdit and saved. */
const workspaceFiles: ConnectorFiles = {
  async readText(path) {
    const uri = vscode.Uri.file(path);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
  },
  async readBytes(path) {
    try {
      return await vscode.workspace.fs.readFile(vscode.Uri.file(path));
    } catch {
      return undefined;
    }
  },
  async writeText(path, text) {
    const uri = vscode.Uri.file(path);
    const edit = new vscode.WorkspaceEdit();
    let exists = true;
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      exists = false;
    }
    if (exists) {
      const doc = await vscode.workspace.openTextDocument(uri);
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
    } else {
      edit.createFile(uri, { ignoreIfExists: true });
      edit.insert(uri, new vscode.Position(0, 0), text);
    }
    if (!(await vscode.workspace.applyEdit(edit))) throw new PowerPlatformFailure('EditRefused', 0, `${SETTINGS_FILE} could not be written.`, 'Close or save the file if it is open with changes, then deploy again.');
    await (await vscode.workspace.openTextDocument(uri)).save();
  },
};

/**
 * Power Platform sign-in: the extension's one sign-in per resource (src/auth/tokens.ts: the Azure CLI client unless
 * `entraConnector.signIn.clientId` names another), so Power Platform and Resource Manager share one client and the
 * account signed in to Entra is reused (a prompt naming the client, then one click). Tokens are asked for on use.
 */
class PowerPlatformAuth {
  constructor(private readonly deps: PowerPlatformDeps) {}

  /** Signs in to Power Platform (the extension's own tests: by device code, approved through the emulator). */
  async signIn(method: 'browser' | 'deviceCode'): Promise<string> {
    const pp = powerPlatformOf(this.deps.auth.settings().cloud);
    return (await (await this.deps.auth.serviceFor('powerPlatform')).signIn(method, { scopes: [pp.powerAppsScope] })).username;
  }

  /** A token for `scope`; with no account signed in at all yet, asks to sign in first. */
  async token(scope: string): Promise<string> {
    const service = await this.deps.auth.serviceFor('powerPlatform');
    if (!(await service.getActiveAccount()) && !(await this.deps.auth.activeAccount())) {
      const choice = await vscode.window.showInformationMessage('Sign in to Power Platform?', { modal: true, detail: 'Deploying and testing the connector use the Power Apps API, signed in to through the Azure CLI client (as paconn does). Nothing else is asked for.' }, 'Sign In in Browser', 'Use a Device Code');
      if (!choice) throw new PowerPlatformFailure('Cancelled', 0, 'Power Platform sign-in was cancelled.', 'Run the command again and sign in.');
      await service.signIn(choice === 'Use a Device Code' ? 'deviceCode' : 'browser', { scopes: [scope] });
    }
    return this.deps.auth.getAccessTokenFor('powerPlatform', [scope]);
  }
}

interface Record_ {
  readonly connectorId: string;
  readonly environment: string;
  readonly environmentDisplayName?: string;
  readonly redirectUrl?: string;
  readonly lastDeployed?: string;
}

/** The Power Platform sign-in, exported to the extension's own tests only (ExtensionTestApi). */
export interface PowerPlatformSignIn {
  signIn(method: 'browser' | 'deviceCode'): Promise<string>;
}

/** What the feature gives the rest of the extension: the sign-in, the guided setup's deployer, rotation's update. */
export interface PowerPlatformFeature extends PowerPlatformSignIn {
  /** The guided setup's deploy step: this sign-in, the workspace files, the secret from SecretStorage. */
  setupDeployer(): SetupDeployer;
  /**
   * For "Rotate Secret": gives the connector deployed from `folder` (its settings.json) a new secret, changing nothing
   * else; undefined when the folder was never deployed.
   */
  deployedSecretUpdater(folder: vscode.Uri): Promise<UpdateDeployedSecret | undefined>;
}

/** What a caller may pass to the commands: the folder (or a file in it, or a Connectors view node), and the environment. */
export type PowerPlatformCommandArg = vscode.Uri | TreeNode | { readonly folder: vscode.Uri; readonly environment?: string };

export function registerPowerPlatform(context: vscode.ExtensionContext, deps: PowerPlatformDeps): PowerPlatformFeature {
  const ppAuth = new PowerPlatformAuth(deps);
  const fromSettings = new Map<string, DeploymentInfo | null>();
  const reading = new Set<string>();
  const records = () => context.workspaceState.get<Record<string, Record_>>(RECORD_KEY) ?? {};

  // The view asks synchronously; settings.json is read in the background once per folder and the view redrawn.
  deps.connectors.deployments = (folder) => {
    const key = folder.toString();
    if (!fromSettings.has(key) && !reading.has(key)) {
      reading.add(key);
      void workspaceFiles.readText(vscode.Uri.joinPath(folder, SETTINGS_FILE).fsPath).then((text) => {
        const s = readSettings(text);
        fromSettings.set(key, s.connectorId && s.environment ? { connectorId: s.connectorId, environment: s.environment } : null);
        reading.delete(key);
        deps.connectors.deploymentsChanged();
      });
    }
    const base = fromSettings.get(key);
    if (base === undefined) return undefined;
    if (base === null) return null;
    const rec = records()[key];
    return rec && rec.connectorId === base.connectorId && rec.environment === base.environment ? { ...base, ...rec } : base;
  };
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${SETTINGS_FILE}`);
  const forget = (uri: vscode.Uri) => {
    fromSettings.delete(vscode.Uri.joinPath(uri, '..').toString());
    deps.connectors.deploymentsChanged();
  };
  context.subscriptions.push(watcher, watcher.onDidChange(forget), watcher.onDidCreate(forget), watcher.onDidDelete(forget));

  const client = (): PowerPlatformClient => {
    const pp = powerPlatformOf(deps.auth.settings().cloud);
    return new PowerPlatformClient({
      powerAppsEndpoint: pp.powerAppsEndpoint,
      flowEndpoint: pp.flowEndpoint,
      powerAppsToken: () => ppAuth.token(pp.powerAppsScope),
      ...(pp.apiHubScope ? { apiHubToken: () => ppAuth.token(pp.apiHubScope!) } : {}),
    });
  };

  const fail = async (title: string, error: unknown) => {
    if (error instanceof Error && error.name === 'AuthFailure') {
      await deps.auth.showFailure(error);
      return;
    }
    const message = error instanceof PowerPlatformFailure ? `${error.message} ${error.next}` : asSettingFailure(error) ? describeError(asSettingFailure(error)!) : error instanceof Error ? error.message : String(error);
    if (error instanceof PowerPlatformFailure && error.code === 'Cancelled') return;
    deps.log.error(`${title}: ${message}`);
    const choice = await vscode.window.showErrorMessage(`${title}: ${message}`, 'Show Log');
    if (choice) deps.log.show();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(DEPLOY_COMMAND, async (arg?: PowerPlatformCommandArg) => {
      const folder = await connectorFolder(arg);
      if (!folder) return undefined;
      try {
        const c = client();
        const settings = readSettings(await workspaceFiles.readText(vscode.Uri.joinPath(folder, SETTINGS_FILE).fsPath));
        const environments = await c.listEnvironments();
        const given = arg && 'folder' in arg && arg.environment ? environments.find((e) => e.name === arg.environment || e.displayName === arg.environment) : undefined;
        if (arg && 'folder' in arg && arg.environment && !given) throw new PowerPlatformFailure('EnvironmentNotAvailable', 403, `The environment "${arg.environment}" is not one you can deploy to.`, 'Pick one of your environments.');
        const pick = given ? { env: given } : environments.length === 1 ? { env: environments[0]! } : await vscode.window.showQuickPick(
          environments.map((env) => ({ label: env.displayName, description: `${env.isDefault ? 'default · ' : ''}${env.name}`, picked: env.name === settings.environment, env })).sort((a, b) => Number(b.picked) - Number(a.picked)),
          { title: 'Deploy to which Power Platform environment?', matchOnDescription: true },
        );
        if (!pick) return undefined;
        const propsText = await workspaceFiles.readText(vscode.Uri.joinPath(folder, settings.apiProperties).fsPath);
        const clientId = propsText ? oauthSettingsOf(((JSON.parse(propsText.replace(/^\uFEFF/, '')) as { properties?: Record<string, unknown> }).properties) ?? {})?.clientId : undefined;
        const secret = typeof clientId === 'string' ? await context.secrets.get(secretStorageKey(clientId)) : undefined;
        const objectId = objectIdOf(await ppAuth.token(powerPlatformOf(deps.auth.settings().cloud).powerAppsScope));
        const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Deploying the connector to Power Platform' }, async (progress) => {
          const deployed = await deployConnector({ dir: folder.fsPath, files: workspaceFiles, client: c, objectId, environment: pick.env.name, ...(secret ? { secret } : {}), onProgress: (line) => {
            progress.report({ message: line });
            deps.log.info(`Deploy: ${line}`);
          } });
          let registered = false;
          if (deployed.redirectUrl && typeof clientId === 'string') {
            progress.report({ message: 'Registering the redirect URL on the connector app…' });
            const reg = await registerDeployedRedirect(await new RegistrationsSession(deps.auth, deps.log).directory(), clientId, deployed);
            registered = !!reg;
            if (reg?.removed) deps.log.info(`Deploy: removed the shared legacy redirect URL ${reg.removed} after registering ${deployed.redirectUrl}.`);
          }
          return { ...deployed, registered };
        });
        const key = folder.toString();
        await context.workspaceState.update(RECORD_KEY, { ...records(), [key]: { connectorId: result.connectorId, environment: result.environment, environmentDisplayName: result.environmentDisplayName, redirectUrl: result.redirectUrl, lastDeployed: new Date().toISOString() } satisfies Record_ });
        fromSettings.set(key, { connectorId: result.connectorId, environment: result.environment });
        void deps.connectors.refresh?.();
        deps.connectors.deploymentsChanged();
        // Not awaited: the command is done; the notification stays until the user answers it.
        void vscode.window
          .showInformationMessage(
            `${result.created ? 'Created' : 'Updated'} the connector in ${result.environmentDisplayName ?? result.environment}${result.registered ? '; its redirect URL is registered on the connector app' : ''}.${result.created || result.secretSent ? '' : ' The deployed client secret was kept.'}`,
            'Test Connection',
          )
          .then((action) => (action ? vscode.commands.executeCommand(TEST_CONNECTION_COMMAND, folder) : undefined));
        return result;
      } catch (error) {
        await fail('Deploy to Power Platform', error);
        return undefined;
      }
    }),

    vscode.commands.registerCommand(TEST_CONNECTION_COMMAND, async (arg?: PowerPlatformCommandArg) => {
      const folder = await connectorFolder(arg);
      if (!folder) return undefined;
      const settings = readSettings(await workspaceFiles.readText(vscode.Uri.joinPath(folder, SETTINGS_FILE).fsPath));
      if (!settings.connectorId || !settings.environment) {
        const choice = await vscode.window.showWarningMessage('This connector is not deployed from here yet (no connectorId in settings.json).', 'Deploy…');
        if (choice) await vscode.commands.executeCommand(DEPLOY_COMMAND, folder);
        return undefined;
      }
      const { startReturnPage } = await import('../../powerplatform/returnPage');
      const { testConnection, describeTestResult, readTestSwagger } = await import('../../powerplatform/testConnection');
      const page = await startReturnPage();
      try {
        const c = client();
        const swagger = await readTestSwagger(workspaceFiles, vscode.Uri.joinPath(folder, settings.apiDefinition).fsPath);
        const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Testing the connection', cancellable: true }, async (progress, cancel) => {
          const controller = new AbortController();
          cancel.onCancellationRequested(() => controller.abort());
          return testConnection({
            client: c,
            environment: settings.environment!,
            connectorId: settings.connectorId!,
            swagger,
            returnUrl: page.url,
            returned: page.returned,
            openConsent: async (link) => {
              progress.report({ message: 'Sign in to the connection in your browser…' });
              await vscode.env.openExternal(vscode.Uri.parse(link));
            },
            diagnose: async () => {
              const connector = await c.getConnector(settings.environment!, settings.connectorId!).catch(() => undefined);
              const oauth = connector?.properties.connectionParameters?.token?.oAuthSettings;
              if (!oauth?.redirectUrl || !oauth.clientId) return undefined;
              const registered = await isRedirectRegistered(await new RegistrationsSession(deps.auth, deps.log).directory(), oauth.clientId, oauth.redirectUrl).catch(() => true);
              return registered ? undefined : `AADSTS50011: The redirect URI '${oauth.redirectUrl}' specified in the request does not match the redirect URIs configured for the application '${oauth.clientId}'.`;
            },
            timeoutMs: 300_000,
            signal: controller.signal,
            sleep: (ms) => new Promise((resolve) => {
              const t = setTimeout(resolve, controller.signal.aborted ? 0 : ms);
              controller.signal.addEventListener('abort', () => {
                clearTimeout(t);
                resolve();
              });
            }),
            onProgress: (line) => {
              progress.report({ message: line });
              deps.log.info(`Test connection: ${line}`);
            },
          });
        });
        if (result.ok) {
          deps.log.info(`Test connection: GET ${result.operation?.path} → ${result.status}`);
          void vscode.window.showInformationMessage(`Connection works: ${describeTestResult(result).slice(0, 160)}`);
        } else if (result.cancelled) {
          deps.log.info('Test connection: cancelled before the sign-in finished.');
        } else {
          deps.log.warn(`Test connection failed: ${result.failure?.message}`);
          void vscode.window.showErrorMessage(`Connection test failed. ${describeTestResult(result)}`, 'Show Log').then((choice) => (choice ? deps.log.show() : undefined));
        }
        return result;
      } catch (error) {
        await fail('Test Connection', error);
        return undefined;
      } finally {
        page.close();
      }
    }),

    vscode.commands.registerCommand(OPEN_MAKER_PORTAL_COMMAND, async (arg?: PowerPlatformCommandArg) => {
      const folder = await connectorFolder(arg);
      if (!folder) return;
      const settings = readSettings(await workspaceFiles.readText(vscode.Uri.joinPath(folder, SETTINGS_FILE).fsPath));
      const portal = makerPortal(deps.auth.settings().cloud);
      if (!portal || !settings.environment) {
        void vscode.window.showWarningMessage(!settings.environment ? 'This connector is not deployed from here yet.' : 'No maker portal is known for this cloud.');
        return;
      }
      await vscode.env.openExternal(vscode.Uri.parse(`${portal}/environments/${encodeURIComponent(settings.environment)}/customconnectors`));
    }),
  );
  return {
    signIn: (method) => ppAuth.signIn(method),
    setupDeployer: () =>
      setupDeployer({
        client: client(),
        objectId: async () => objectIdOf(await ppAuth.token(powerPlatformOf(deps.auth.settings().cloud).powerAppsScope)),
        files: workspaceFiles,
        secret: async (clientId) => context.secrets.get(secretStorageKey(clientId)),
        onProgress: (line) => deps.log.info(`Deploy (guided setup): ${line}`),
      }),
    deployedSecretUpdater: async (folder) => {
      const settings = readSettings(await workspaceFiles.readText(vscode.Uri.joinPath(folder, SETTINGS_FILE).fsPath));
      if (!settings.connectorId || !settings.environment) return undefined;
      return async (secret) => {
        const objectId = objectIdOf(await ppAuth.token(powerPlatformOf(deps.auth.settings().cloud).powerAppsScope));
        const r = await updateDeployedSecret({ dir: folder.fsPath, files: workspaceFiles, client: client(), objectId, secret: secret.value, onProgress: (line) => deps.log.info(`Rotate Secret: ${line}`) });
        const key = folder.toString();
        await context.workspaceState.update(RECORD_KEY, { ...records(), [key]: { ...records()[key], connectorId: r.connectorId, environment: r.environment, environmentDisplayName: r.environmentDisplayName, redirectUrl: r.redirectUrl, lastDeployed: new Date().toISOString() } satisfies Record_ });
        deps.connectors.deploymentsChanged();
        return `the connector ${r.connectorId} deployed in ${r.environmentDisplayName ?? r.environment} now uses it`;
      };
    },
  };
}

/** The connector folder a command is for: the argument (folder, a file in it, a Connectors view node), else a pick. */
async function connectorFolder(arg: PowerPlatformCommandArg | undefined): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return /\.json$/i.test(arg.path) ? vscode.Uri.joinPath(arg, '..') : arg;
  if (arg && 'entry' in arg) return arg.entry.folder;
  if (arg && 'folder' in arg && arg.folder instanceof vscode.Uri) return arg.folder;
  const files = await vscode.workspace.findFiles('**/apiProperties.json', '**/node_modules/**', 200);
  if (files.length === 0) {
    void vscode.window.showWarningMessage('No apiProperties.json in this workspace. Run the guided setup first.');
    return undefined;
  }
  if (files.length === 1) return vscode.Uri.joinPath(files[0]!, '..');
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.Uri.joinPath(f, '..').path.split('/').pop() ?? f.fsPath, description: vscode.workspace.asRelativePath(vscode.Uri.joinPath(f, '..')), folder: vscode.Uri.joinPath(f, '..') })),
    { title: 'Which connector?' },
  );
  return pick?.folder;
}
