/**
 * Wires the registration views: the Connectors view gets sign-in and the directory, the App registrations view is
 * created, both refresh on sign-in/out and tenant switch, and the actions are registered (context menus, inline
 * icons, command palette). Each Graph change is applied to the views as soon as Graph accepted it.
 */
import * as vscode from 'vscode';
import type { Auth } from '../auth';
import type { ConnectorsTreeProvider } from './connectorsTree';
import type { LazyTree } from '../lazy';
import { AppRegistrationsTreeProvider } from './appRegistrationsTree';
import { toDirectoryError } from '../../graph/errors';
import { RegistrationsSession, describeFailure } from '../session';
import { childrenOf, nodeId, treeItem, type TreeNode } from './nodes';
import { secretStorageKey } from '../../connector/secrets';
import { DEFAULT_SECRET_DAYS } from '../../setup/context';
import { adminCenterAppUrl, appAdminConsentUrl } from '../../cloud/clouds';
import { addSecret, deleteAppRegistration, grantTenantConsent, registerRedirectUri, removeRedirectUri, removeSecrets, secretRemovalChoices, withConsent, withoutApp, withRedirectUris, withSecrets } from '../../registrations/actions';
import type { PasswordCredential } from '../../graph/operations';
import type { AppRef } from '../../registrations/health';
import { cliStateDirectory } from '../../setup/stateFile';
import { directoryWritten, onDidWriteDirectory } from '../directoryEvents';
import { openHttpsUrl } from '../openExternal';
import { confirmRedirectUri } from '../redirectGuard';
import { automateRotation, pickConnector } from './automate';
import { rotateSecret, type UpdateDeployedSecret } from '../../setup/rotate';
import { UserFailure } from '../../errors';

export interface RegistrationViewsDeps {
  readonly log: vscode.LogOutputChannel;
  readonly auth: Auth;
  readonly connectors: ConnectorsTreeProvider;
  /** The App registrations view's stand-in, registered at activation; the provider made here is attached to it. */
  readonly ownedView: LazyTree<TreeNode>;
  /** The deployed connector's secret update for a connector folder (Power Platform), undefined when not deployed from there. */
  readonly deployedSecret?: (folder: vscode.Uri) => Promise<UpdateDeployedSecret | undefined>;
}

const SHOW_LOG = 'Show Log';
/** Rotate's lifetime choices (days); the setup's default first. Tenant policies may cap the lifetime. */
const SECRET_LIFETIMES = [DEFAULT_SECRET_DAYS, 90, 365, 730];

async function askSecretLifetime(appName: string): Promise<number | undefined> {
  const picked = await vscode.window.showQuickPick(
    SECRET_LIFETIMES.map((days) => ({
      label: vscode.l10n.t('{0} days', days),
      description: days === DEFAULT_SECRET_DAYS ? vscode.l10n.t('recommended') : undefined,
      detail: vscode.l10n.t('Expires on {0}', new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)),
      days,
    })),
    { title: vscode.l10n.t('Rotate the secret of {0}: how long should the new secret be valid?', appName), placeHolder: vscode.l10n.t('The old secret is kept until you remove it') },
  );
  return picked?.days;
}

/** When a second read after a write sees what replication hid from the first. */
const SETTLE_MS = 5000;

/**
 * The CLI (`entra-connector setup`) in a terminal of this workspace saves its progress in its state directory
 * after every write: a change there is a change to the tenant.
 */
function watchCliState(): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(cliStateDirectory(process.env)), 'setup-*.json'));
  const changed = () => directoryWritten({ by: 'cli' });
  return vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
}

export function registerRegistrationViews(context: vscode.ExtensionContext, deps: RegistrationViewsDeps): AppRegistrationsTreeProvider {
  const { connectors, auth, log } = deps;
  const session = new RegistrationsSession(auth, log);
  connectors.attach(session, context.secrets);
  const owned = new AppRegistrationsTreeProvider(session);
  connectors.appRegistrations = owned;
  deps.ownedView.attach(owned);
  context.subscriptions.push(owned);

  // Sign-in/out, account and tenant switches: both views start over. Debounced, and only when the account or tenant
  // changed: the sign-in state also "changes" each time a token is written to the cache.
  let timer: NodeJS.Timeout | undefined;
  let shown: string | null | undefined = null;
  const nameTenant = (account: NonNullable<Awaited<ReturnType<typeof session.account>>>) =>
    void session.tenantName(account).then((name) => name !== account.tenantId && auth.nameTenant(account.tenantId, name));
  // The views load on first use, perhaps after the sign-in they would have followed: name the tenant of the account
  // already signed in, too.
  void session.account().then((account) => {
    if (shown !== null) return;
    shown = account?.key;
    if (account) nameTenant(account);
  });
  context.subscriptions.push(
    auth.onDidChange(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        void session.account().then((account) => {
          if (account?.key === shown) return;
          shown = account?.key;
          if (account) nameTenant(account);
          void connectors.refresh();
          void owned.refresh();
        });
      }, 250);
    }),
    { dispose: () => timer && clearTimeout(timer) },
  );

  // Every write the product makes refreshes both views at once, and once more when Graph's replicas have caught up
  // (a read right after a create can still miss the new object).
  let soon: NodeJS.Timeout | undefined;
  let settled: NodeJS.Timeout | undefined;
  const reread = (connectorsToo: boolean) => {
    if (connectorsToo) void connectors.refresh({ automatic: true });
    void owned.refresh();
  };
  context.subscriptions.push(
    onDidWriteDirectory((write) => {
      log.info(`Refreshing the registration views after a change by the ${write.by}.`);
      clearTimeout(soon);
      soon = setTimeout(() => reread(!write.connectorsShown), 100);
      clearTimeout(settled);
      settled = setTimeout(() => reread(true), SETTLE_MS);
    }),
    { dispose: () => [soon, settled].forEach((t) => t && clearTimeout(t)) },
    watchCliState(),
  );

  const actions = new Actions(session, connectors, owned, context.secrets, log, deps.deployedSecret);
  const register = (id: string, run: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
  // Any extension can run these commands with any argument: a node is only a hint of which of the views' own nodes
  // was clicked. It is looked up again by its id in the views' current state; an unknown one counts as none (the
  // command then asks which), so an app, URI or secret the views do not show is never acted on.
  const on = (run: (node: TreeNode | undefined) => unknown) => async (arg: unknown) => run(await actions.resolve(arg));
  register('entraConnector.tree.secure', on((n) => actions.secure(n)));
  register('entraConnector.tree.registerRedirectUri', on((n) => actions.registerRedirect(n)));
  register('entraConnector.tree.grantConsent', on((n) => actions.grantConsent(n)));
  register('entraConnector.tree.rotateSecret', on((n) => actions.rotateSecret(n)));
  register('entraConnector.tree.automateRotation', on(async (n) => automateRotation(session, n ?? (await pickConnector(connectors)), log)));
  register('entraConnector.tree.openInPortal', on((n) => actions.openInPortal(n)));
  register('entraConnector.tree.copyClientId', on((n) => actions.copy(n, 'clientId')));
  register('entraConnector.tree.copyObjectId', on((n) => actions.copy(n, 'objectId')));
  register('entraConnector.tree.copyIdentifierUri', on((n) => actions.copy(n, 'identifierUri')));
  register('entraConnector.tree.deleteApp', on((n) => actions.deleteApp(n)));
  register('entraConnector.tree.copyValue', on((n) => actions.copyValue(n)));
  register('entraConnector.tree.removeRedirectUri', on((n) => actions.removeRedirect(n)));
  register('entraConnector.appRegistrations.refresh', () => owned.refresh());
  register('entraConnector.appRegistrations.loadMore', () => owned.loadMore());
  register('entraConnector.appRegistrations.clearSearch', () => owned.setSearch(undefined));
  register('entraConnector.appRegistrations.search', async () => {
    const text = await vscode.window.showInputBox({ title: 'Search the app registrations you own', prompt: 'Words of the display name ("API" finds "Contoso Invoices API")', value: owned.searchText ?? '' });
    if (text !== undefined) await owned.setSearch(text);
  });
  return owned;
}

type AppNode = Extract<TreeNode, { kind: 'app' | 'ownedApp' | 'group' | 'secret' | 'connector' }>;

function appOf(node: TreeNode | undefined): (AppRef & { role: 'connector' | 'api' | 'owned' }) | undefined {
  if (!node) return undefined;
  if (node.kind === 'ownedApp') return { id: node.app.id, appId: node.app.appId, displayName: node.app.displayName, role: 'owned' };
  if (node.kind === 'ownedDetail') return { id: node.app.id, appId: node.app.appId, displayName: node.app.displayName, role: 'owned' };
  if (node.kind === 'app') {
    const app = node.role === 'connector' ? node.entry.health.connectorApp : node.entry.health.apiApp;
    return app && { ...app, role: node.role };
  }
  if (node.kind === 'group' || node.kind === 'secret' || node.kind === 'connector') {
    const app = node.entry.health.connectorApp;
    return app && { ...app, role: 'connector' };
  }
  return undefined;
}

/** The value a node stands for, as a person would paste it. */
function valueOf(node: TreeNode): string | undefined {
  switch (node.kind) {
    case 'connector':
      return node.entry.health.connectorApp?.appId;
    case 'app':
      return (node.role === 'connector' ? node.entry.health.connectorApp : node.entry.health.apiApp)?.appId;
    case 'resource':
      return node.entry.health.resource?.uri;
    case 'redirectUri':
      return node.redirect.uri;
    case 'scope':
      return node.scope.value;
    case 'secret':
      return node.secret.keyId;
    case 'identifierUri':
      return node.uri;
    case 'preAuthorized':
      return node.client.appId;
    case 'ownedApp':
      return node.app.appId;
    case 'ownedDetail':
      return node.value;
    default:
      return undefined;
  }
}

class Actions {
  constructor(
    private readonly session: RegistrationsSession,
    private readonly connectors: ConnectorsTreeProvider,
    private readonly owned: AppRegistrationsTreeProvider,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly deployedSecret?: (folder: vscode.Uri) => Promise<UpdateDeployedSecret | undefined>,
  ) {}

  async secure(node: TreeNode | undefined): Promise<void> {
    const target = node ?? (await this.pick((n) => n.kind === 'connector' && n.entry.health.status === 'noAuth', 'Secure which connector with Entra ID?'));
    if (target?.kind !== 'connector') return;
    await vscode.commands.executeCommand('entraConnector.secureConnector', target.entry.folder);
  }

  async registerRedirect(node: TreeNode | undefined): Promise<void> {
    const target = node ?? (await this.pick((n) => n.kind === 'redirectUri' && n.redirect.state === 'missing', 'Register which redirect URI?'));
    if (target?.kind !== 'redirectUri') return;
    const app = target.entry.health.connectorApp;
    if (!app) return;
    const uri = target.redirect.uri;
    // The URI comes from the connector's file: anything but a Power Platform consent URL needs an explicit yes.
    if (!(await confirmRedirectUri(uri, app.displayName, this.session.auth.settings().cloud.name))) return;
    await this.act(`Registering ${uri} on ${app.displayName}`, async () => {
      const result = await registerRedirectUri(await this.session.directory(), app.appId, uri);
      this.connectors.update((s) => withRedirectUris(s, result.objectId, result.redirectUris));
      void vscode.window.showInformationMessage(`Registered ${uri} as a Web redirect URI of ${app.displayName}.`);
    });
  }

  async grantConsent(node: TreeNode | undefined): Promise<void> {
    const target = node ?? (await this.pick((n) => n.kind === 'scope' && n.scope.consent !== 'tenant', 'Grant tenant-wide consent to which permission?'));
    if (target?.kind !== 'scope' && target?.kind !== 'connector' && target?.kind !== 'group') return;
    const h = target.entry.health;
    const app = h.connectorApp;
    const resourceAppId = h.resource?.appId;
    if (!app || !resourceAppId || !h.resource) {
      void vscode.window.showWarningMessage(`${target.entry.name}: the connector app or its API is not in this tenant, so there is nothing to consent to yet.`);
      return;
    }
    const scopes = target.kind === 'scope' ? [target.scope.value] : h.scopes.filter((s) => s.consent !== 'tenant').map((s) => s.value);
    if (scopes.length === 0) return;
    const choice = await vscode.window.showWarningMessage(
      `Grant tenant-wide consent to ${scopes.join(', ')} on ${h.resource.name} for ${app.displayName}?`,
      { modal: true, detail: 'Every user of the tenant can then use the connector without a consent prompt. It needs an administrator (Application Administrator or Cloud Application Administrator).' },
      'Grant Consent',
    );
    if (choice !== 'Grant Consent') return;
    await this.act(`Granting consent for ${app.displayName}`, async () => {
      const result = await grantTenantConsent(await this.session.directory(), app.appId, resourceAppId, scopes);
      this.connectors.update((s) => withConsent(s, result));
      void vscode.window.showInformationMessage(`Consented to ${scopes.join(', ')} for all users of the tenant.`);
    }, (error) => {
      const e = toDirectoryError(error);
      if (e.status !== 403) return undefined;
      const settings = this.session.auth.settings();
      const resourceUri = h.resource!.uri.replace(/\/+$/, '');
      return {
        label: 'Copy Admin-Consent Link',
        run: async () => {
          const account = await this.session.account();
          const replyUrl = h.redirectUris.find((r) => r.state === 'registered')?.uri;
          const link = appAdminConsentUrl(settings.cloud, { tenant: account?.tenantId ?? 'organizations', clientId: app.appId, scopes: scopes.map((s) => `${resourceUri}/${s}`), ...(replyUrl ? { replyUrl } : {}) });
          await vscode.env.clipboard.writeText(link);
          void vscode.window.showInformationMessage('The admin-consent link is on the clipboard. Send it to a Microsoft Entra administrator.');
        },
      };
    });
  }

  async rotateSecret(node: TreeNode | undefined): Promise<void> {
    const target = node ?? (await this.pick((n) => n.kind === 'app' && n.role === 'connector' && !!n.entry.health.connectorApp, 'Rotate the secret of which connector app?'));
    const app = appOf(target);
    if (!app || app.role !== 'connector') return;
    // A connector deployed from its folder keeps working only if it gets the new secret before the old one goes.
    const folder = target && 'entry' in target ? target.entry.folder : undefined;
    const updater = folder ? await this.deployedSecret?.(folder).catch((error: unknown) => void this.log.warn(`Rotate Secret: the deployment of ${folder.fsPath} could not be read: ${describeFailure(error)}`)) : undefined;
    if (updater) {
      const mode = await vscode.window.showQuickPick(
        [
          { label: 'Rotate and update the deployed connector', description: 'recommended', detail: 'Adds a new secret, gives it to the connector deployed in Power Platform, checks that it gets a token, and only then removes the secret it replaces. Connections keep working.', deployed: true },
          { label: 'Only add a new secret', description: '', detail: 'The deployed connector keeps its secret; update it and remove the old secret yourself.', deployed: false },
        ],
        { title: `Rotate the secret of ${app.displayName} (deployed to Power Platform from this folder)` },
      );
      if (!mode) return;
      if (mode.deployed) {
        const days = await askSecretLifetime(app.displayName);
        if (days !== undefined) await this.rotateDeployed(app, days, updater);
        return;
      }
    }
    const days = await askSecretLifetime(app.displayName);
    if (days === undefined) return;
    const dir = await this.session.directory();
    let created: Awaited<ReturnType<typeof addSecret>> | undefined;
    let old: PasswordCredential[] = [];
    await this.act(`Adding a new secret to ${app.displayName}`, async () => {
      const secret = await addSecret(dir, app.id, days);
      try {
        await this.secrets.store(secretStorageKey(app.appId), secret.secretText);
      } catch (error) {
        // A secret whose value is nowhere is junk: take it back.
        await dir.removePassword(app.id, secret.keyId);
        throw error;
      }
      created = { ...secret, secretText: '' };
      // Read after adding: the list then holds every other secret, including one added meanwhile elsewhere.
      old = (await dir.listPasswords(app.id)).filter((c) => c.keyId !== secret.keyId);
      this.connectors.update((s) => withSecrets(s, app.id, [secret], []));
      await this.connectors.secretsChanged();
    });
    if (!created) return;
    const until = created.endDateTime?.slice(0, 10);
    const current = `${created.hint ? `${created.hint}… ` : ''}key ${created.keyId}`;
    const choices = secretRemovalChoices(old, created.keyId);
    void vscode.window.showInformationMessage(
      choices.length === 0
        ? vscode.l10n.t("The current secret of {0} is {1}, valid until {2}; its value is in VS Code's secret storage. Update the deployed connector with it.", app.displayName, current, until ?? '?')
        : vscode.l10n.t("The current secret of {0} is {1}, valid until {2}; its value is in VS Code's secret storage. Update the connector with it before removing the old ones.", app.displayName, current, until ?? '?'),
    );
    if (choices.length === 0) return;
    const picked = await vscode.window.showQuickPick(
      choices.map((c) => ({ label: c.label, description: c.description, detail: c.detail, picked: c.picked, keyId: c.keyId })),
      {
        canPickMany: true,
        ignoreFocusOut: true,
        title: `New secret of ${app.displayName} (valid until ${until}) is in VS Code's secret storage. Remove which old secrets?`,
        placeHolder:
          'A deployed connector keeps the secret it was given: once that secret is removed, its connections fail to sign in until the connector is updated with the new secret. Unpicked secrets stay. Esc keeps them all.',
      },
    );
    if (!picked || picked.length === 0) {
      void vscode.window.showInformationMessage(`Kept the ${choices.length === 1 ? 'old secret' : `${choices.length} old secrets`} of ${app.displayName}. Remove them from the tree once the connector uses the new secret.`);
      return;
    }
    await this.act(`Removing old secrets of ${app.displayName}`, async () => {
      const { removed, error } = await removeSecrets(dir, app.id, picked.map((p) => p.keyId), choices);
      this.connectors.update((s) => withSecrets(s, app.id, [], removed));
      if (error) throw error;
      void vscode.window.showInformationMessage(`Removed ${removed.length} old secret${removed.length === 1 ? '' : 's'} of ${app.displayName}; ${choices.length - removed.length} kept. A connector deployed with a removed secret needs the new one now.`);
    });
  }

  /**
   * Rotation that keeps the deployed connector working (as `entra-connector rotate --update-connector`): a new secret
   * into SecretStorage, proven against the tenant's token endpoint, given to the deployed connector, and only then the
   * secrets this tool made before are removed. A failure before that takes the new secret back and puts the previous
   * value back into SecretStorage: the connector keeps the secret it has.
   */
  private async rotateDeployed(app: AppRef, days: number, updateDeployed: UpdateDeployedSecret): Promise<void> {
    const key = secretStorageKey(app.appId);
    await this.act(`Rotating the secret of ${app.displayName} and updating the deployed connector`, async () => {
      const [dir, account, previous] = await Promise.all([this.session.directory(), this.session.account(), this.secrets.get(key)]);
      const settings = this.session.auth.settings();
      let deployed: string | undefined;
      const result = await rotateSecret(
        { appId: app.appId, days },
        {
          directory: dir,
          handovers: [{ name: "VS Code's secret storage", deliver: async (s) => (await this.secrets.store(key, s.value), "kept in VS Code's secret storage") }],
          updateDeployedSecret: async (s) => (deployed = await updateDeployed(s)),
          ...(account ? { caller: account.username } : {}),
          callerIsPerson: true,
          verify: async (appId, value) => {
            // Loaded on use: the workload sign-in brings MSAL.
            const { trySecret } = await import('../../auth/workload');
            const problem = await trySecret(settings.cloud, account?.tenantId ?? settings.tenant, appId, value);
            return problem && { message: problem.message, next: problem.next };
          },
          log: (line) => this.log.info(`Rotate Secret: ${line}`),
        },
      );
      if (!result.ok && !deployed) {
        // The new secret was taken back: SecretStorage holds the value that still works.
        if (previous !== undefined) await this.secrets.store(key, previous);
        else await this.secrets.delete(key);
      }
      const added = result.ok || deployed ? result.added : undefined;
      this.connectors.update((s) => withSecrets(s, app.id, added ? [{ keyId: added.keyId, displayName: added.displayName, hint: added.hint, ...(added.endDateTime ? { endDateTime: added.endDateTime } : {}) }] : [], result.removed.map((r) => r.keyId)));
      await this.connectors.secretsChanged();
      if (result.error) throw new UserFailure({ code: result.error.code, status: result.error.status, message: result.error.message, next: result.error.next });
      const kept = result.kept.length > 0 ? ` Kept ${result.kept.length} secret(s) this tool did not make (${result.kept.map((k) => k.displayName ?? k.keyId).join(', ')}): remove them from the tree when nothing uses them.` : '';
      void vscode.window.showInformationMessage(`Rotated the secret of ${app.displayName}: ${deployed}; the new secret (valid until ${result.added?.endDateTime?.slice(0, 10) ?? '?'}) is in VS Code's secret storage, and ${result.removed.length} replaced secret(s) were removed.${kept}`);
    });
  }

  async openInPortal(node: TreeNode | undefined): Promise<void> {
    const app = appOf(node ?? (await this.pickApp('Open which app registration in the Entra admin center?')));
    if (!app) return;
    const cloud = this.session.auth.settings().cloud;
    const url = adminCenterAppUrl(cloud, app.appId);
    if (!url) {
      void vscode.window.showInformationMessage(`The configured cloud (${cloud.name}) has no known Microsoft Entra admin center. Client ID of ${app.displayName}: ${app.appId}`);
      return;
    }
    await openHttpsUrl(url);
  }

  async copy(node: TreeNode | undefined, what: 'clientId' | 'objectId' | 'identifierUri'): Promise<void> {
    let value: string | undefined;
    if (what === 'identifierUri') {
      const target = node ?? (await this.pick((n) => n.kind === 'identifierUri', 'Copy which identifier URI?'));
      value = target?.kind === 'identifierUri' ? target.uri : target?.kind === 'ownedDetail' ? target.value : undefined;
    } else {
      const app = appOf(node ?? (await this.pickApp(`Copy the ${what === 'clientId' ? 'client ID' : 'object ID'} of which app?`)));
      value = app && (what === 'clientId' ? app.appId : app.id);
    }
    if (!value) return;
    await vscode.env.clipboard.writeText(value);
    vscode.window.setStatusBarMessage(`Copied ${value}`, 3000);
  }

  /** Copies what a node shows: a redirect or identifier URI, a scope, a secret's key ID, a client or resource ID. */
  async copyValue(node: TreeNode | undefined): Promise<void> {
    const value = node && valueOf(node);
    if (!value) return;
    await vscode.env.clipboard.writeText(value);
    vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', value), 3000);
  }

  /** Removes a Web redirect URI from the connector app (or an app the user owns), after a modal confirmation. */
  async removeRedirect(node: TreeNode | undefined): Promise<void> {
    const target = node?.kind === 'redirectUri' && node.entry.health.connectorApp
      ? { app: node.entry.health.connectorApp, uri: node.redirect.uri }
      : node?.kind === 'ownedDetail' && node.contextValue === 'ownedRedirectUri'
        ? { app: { appId: node.app.appId, displayName: node.app.displayName }, uri: node.value }
        : undefined;
    if (!target) return;
    const remove = vscode.l10n.t('Remove Redirect URI');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove {0} from the redirect URIs of {1}?', target.uri, target.app.displayName),
      { modal: true, detail: vscode.l10n.t('Sign-ins that use this redirect URI fail with AADSTS50011 afterwards. The other redirect URIs are kept.') },
      remove,
    );
    if (choice !== remove) return;
    await this.act(`Removing ${target.uri} from ${target.app.displayName}`, async () => {
      const result = await removeRedirectUri(await this.session.directory(), target.app.appId, target.uri);
      this.connectors.update((s) => withRedirectUris(s, result.objectId, result.redirectUris));
    });
  }

  async deleteApp(node: TreeNode | undefined): Promise<void> {
    const app = appOf(node ?? (await this.pickApp('Delete which app registration?')));
    if (!app) return;
    const warning = app.role === 'connector' ? ' The connector stops signing in.' : app.role === 'api' ? ' The connector can no longer get tokens for it.' : '';
    const typed = await vscode.window.showInputBox({
      title: `Delete the app registration "${app.displayName}"`,
      prompt: `It goes to the tenant's deleted items (restorable for 30 days).${warning} Type its name to confirm.`,
      placeHolder: app.displayName,
      validateInput: (v) => (v === app.displayName ? undefined : `Type "${app.displayName}" exactly to delete it.`),
    });
    if (typed !== app.displayName) return;
    await this.act(`Deleting ${app.displayName}`, async () => {
      await deleteAppRegistration(await this.session.directory(), this.secrets, app);
      this.connectors.update((s) => withoutApp(s, app.id));
      this.owned.removeApp(app.id);
      void vscode.window.showInformationMessage(`Deleted the app registration ${app.displayName}.`);
    });
  }

  /** The views' own node with the same id as `arg`, or undefined (see the command registrations). */
  async resolve(arg: unknown): Promise<TreeNode | undefined> {
    if (!arg || typeof arg !== 'object' || typeof (arg as { kind?: unknown }).kind !== 'string') return undefined;
    let id: string;
    try {
      id = nodeId(arg as TreeNode);
    } catch {
      return undefined;
    }
    const owned = this.owned.apps().flatMap((app): TreeNode[] => {
      const node: TreeNode = { kind: 'ownedApp', app, stale: false };
      return [node, ...childrenOf(node)];
    });
    return [...(await this.allNodes()), ...owned].find((n) => nodeId(n) === id);
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private async act(title: string, work: () => Promise<void>, extra?: (error: unknown) => { label: string; run: () => Promise<void> } | undefined): Promise<void> {
    try {
      try {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${title}…` }, work);
      } finally {
        // Also after a failure: part of the work (a secret added before a removal failed) may have been done.
        directoryWritten({ by: 'tree', connectorsShown: true });
      }
    } catch (error) {
      const message = describeFailure(error);
      this.log.error(`${title}: ${message}`);
      const more = extra?.(error);
      const choice = await vscode.window.showErrorMessage(`${title} failed: ${message}`, ...(more ? [more.label] : []), SHOW_LOG);
      if (more && choice === more.label) await more.run();
      else if (choice === SHOW_LOG) this.log.show();
    }
  }

  /** Every node of the Connectors view (built from the last read; nothing is fetched). */
  private async allNodes(): Promise<TreeNode[]> {
    const out: TreeNode[] = [];
    const walk = (n: TreeNode) => {
      out.push(n);
      for (const c of childrenOf(n)) walk(c);
    };
    for (const entry of await this.connectors.connectorEntries()) walk({ kind: 'connector', entry });
    return out;
  }

  private async pick(match: (n: TreeNode) => boolean, title: string): Promise<TreeNode | undefined> {
    const nodes = (await this.allNodes()).filter(match);
    if (nodes.length === 0) {
      void vscode.window.showInformationMessage(`${title.replace(/\?$/, '')}: nothing in the Connectors view needs it.`);
      return undefined;
    }
    const items = nodes.map((node) => {
      const item = treeItem(node);
      const connector = 'entry' in node ? node.entry.name : '';
      return { label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''), description: [connector, typeof item.description === 'string' ? item.description : ''].filter(Boolean).join(' · '), node };
    });
    return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.node;
  }

  private async pickApp(title: string): Promise<AppNode | undefined> {
    const connectorApps = (await this.allNodes()).filter((n) => n.kind === 'app' && !!appOf(n));
    const ownedApps = this.owned.apps().map((app) => ({ kind: 'ownedApp' as const, app, stale: false }));
    const seen = new Set<string>();
    const nodes = [...connectorApps, ...ownedApps].filter((n) => {
      const a = appOf(n)!;
      if (seen.has(a.id)) return false;
      seen.add(a.id);
      return true;
    });
    if (nodes.length === 0) {
      void vscode.window.showInformationMessage('No app registration is shown in the Connectors or App registrations views. Sign in, or refresh them.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      nodes.map((node) => {
        const a = appOf(node)!;
        return { label: a.displayName, description: a.appId, node };
      }),
      { title, matchOnDescription: true },
    );
    return picked?.node as AppNode | undefined;
  }
}
