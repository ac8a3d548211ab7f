/**
 * The Connectors view: one node per connector folder of the workspace (apiProperties.json or
 * apiDefinition.swagger.json), linked to its connector app and API app, with its redirect URIs, permissions and
 * consent, secrets, identifier URIs and pre-authorized clients. The directory is read on refresh only, for all
 * connectors at once (2 Graph round trips); expanding a node fetches nothing. When a read fails for a transient
 * reason the last known state stays, marked stale.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { secretStorageKey } from '../../connector/secrets';
import { readConnectorAuth, type ConnectorAuth } from '../../registrations/connectorAuth';
import type { DirectorySnapshot } from '../../graph/registrations';
import { computeHealth, lookupsFor } from '../../registrations/health';
import { childrenOf, treeItem, type ConnectorEntry, type DeploymentInfo, type TreeNode } from './nodes';
import { isTransient } from '../../errors';
import { addsFolders, mayHoldConnector, removesConnector } from '../../connector/folderEvents';
import { toDirectoryError } from '../../graph/errors';
import type { RegistrationsSession } from '../session';
import type { AppRegistrationsTreeProvider } from './appRegistrationsTree';

/** A connector folder of the workspace: one that holds apiProperties.json or apiDefinition.swagger.json. */
export interface ConnectorFolder {
  readonly name: string;
  readonly uri: vscode.Uri;
  readonly hasProperties: boolean;
}

interface Loaded {
  readonly folder: ConnectorFolder;
  readonly auth: ConnectorAuth;
}

interface Known {
  /** The account and tenant the snapshot belongs to. */
  readonly key: string;
  readonly snapshot: DirectorySnapshot;
}

export class ConnectorsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  // ECMAScript-private: the provider reaches tests' hands and VS Code's; the sign-in and SecretStorage must not.
  #session: RegistrationsSession | undefined;
  #secrets: vscode.SecretStorage | undefined;
  private loading: Promise<void> | undefined;
  private queued: { directory: boolean; promise: Promise<void> } | undefined;
  private connectors: Loaded[] = [];
  private known: Known | undefined;
  /** The lookups the known snapshot answered. */
  private knownLookups: string | undefined;
  private stale = false;
  private signedIn = false;
  private failure: string | undefined;
  /** The user declined the permission to read app registrations (or could not sign in silently). */
  private declined = false;
  private entries: ConnectorEntry[] = [];
  private secretsHere = new Map<string, string | undefined>();
  /** Paths created since the last check for new folders (see src/connector/folderEvents.ts). */
  private created: vscode.Uri[] = [];
  private createdTimer: ReturnType<typeof setTimeout> | undefined;
  /** The App registrations view, once attached (for the extension's API and its tests). */
  appRegistrations: AppRegistrationsTreeProvider | undefined;
  /** Power Platform deployments per connector folder, once attached (src/vscode/powerplatform). */
  deployments: ((folder: vscode.Uri) => DeploymentInfo | null | undefined) | undefined;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{apiProperties.json,apiDefinition.swagger.json}');
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => void this.refresh({ automatic: true })),
      watcher.onDidDelete(() => void this.refresh({ automatic: true })),
      watcher.onDidChange(() => void this.refresh({ directory: false, automatic: true })),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (path.basename(doc.uri.path) === 'apiProperties.json') void this.refresh({ automatic: true });
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh({ automatic: true })),
    );
    // Folders created or deleted with their files: the watcher above can miss both (src/connector/folderEvents.ts).
    const folders = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    this.disposables.push(
      folders,
      folders.onDidCreate((uri) => this.pathCreated(uri)),
      folders.onDidDelete((uri) => {
        if (removesConnector(uri.path, this.connectors.map((c) => c.folder.uri.path))) void this.refresh({ automatic: true });
      }),
    );
  }

  /** Batches creations (a checkout makes many), then re-reads the connector folders if a folder it does not list yet was among them. */
  private pathCreated(uri: vscode.Uri): void {
    if (uri.scheme !== 'file' || !mayHoldConnector(uri.path)) return;
    this.created.push(uri);
    this.createdTimer ??= setTimeout(() => {
      this.createdTimer = undefined;
      const batch = this.created;
      this.created = [];
      // Many at once (a checkout, an unzip): re-read rather than stat each.
      if (batch.length > 32) return void this.refresh({ automatic: true });
      void Promise.all(batch.map((u) => vscode.workspace.fs.stat(u).then((s) => (s.type & vscode.FileType.Directory) !== 0, () => false))).then((dirs) => {
        const folders = batch.filter((_, i) => dirs[i]).map((u) => u.path);
        if (addsFolders(folders, this.connectors.map((c) => c.folder.uri.path))) void this.refresh({ automatic: true });
      });
    }, 300);
  }

  /** Connects the view to sign-in and the directory; until then it lists the connector folders only. */
  attach(session: RegistrationsSession, secrets: vscode.SecretStorage): void {
    this.#session = session;
    this.#secrets = secrets;
    this.disposables.push(
      secrets.onDidChange((e) => {
        if (e.key.startsWith('entraConnector.secret.')) void this.refresh({ directory: false, automatic: true });
      }),
    );
  }

  /**
   * Re-reads the connector files and (unless `directory: false`) the directory. Resolves when the view has the new
   * state. A read that fails keeps the last known directory state, marked stale. After the user declined the
   * permission the view needs, automatic refreshes (file saves) do not ask again; the refresh button does.
   */
  refresh(options: { directory?: boolean; automatic?: boolean } = {}): Promise<void> {
    const directory = options.directory !== false && !(options.automatic && this.declined);
    // Refreshes asked for while one waits to start join it (a save fires the watcher and the save event).
    if (this.queued) {
      this.queued.directory ||= directory;
      return this.queued.promise;
    }
    const previous = this.loading ?? Promise.resolve();
    const queued: { directory: boolean; promise: Promise<void> } = { directory, promise: Promise.resolve() };
    queued.promise = previous
      .then(() => {
        this.queued = undefined;
        return this.load(queued.directory);
      })
      .finally(() => this.changed.fire(undefined));
    this.queued = queued;
    this.loading = queued.promise.catch(() => undefined);
    return queued.promise;
  }

  /** The current connectors with their health (what the view shows). */
  async connectorEntries(): Promise<readonly ConnectorEntry[]> {
    await this.ensureLoaded();
    return this.entries;
  }

  /** The directory state the view shows, and whether it is stale. */
  directoryState(): { snapshot: DirectorySnapshot | undefined; stale: boolean } {
    return { snapshot: this.known?.snapshot, stale: this.stale };
  }

  /** Applies a change that Graph accepted to the view at once (without a re-read that replication could still miss). */
  update(change: (snapshot: DirectorySnapshot) => DirectorySnapshot): void {
    if (!this.known) return;
    this.known = { ...this.known, snapshot: change(this.known.snapshot) };
    this.recompute();
    this.changed.fire(undefined);
  }

  /** Redraws after a deployment changed (nothing is re-read from the directory). */
  deploymentsChanged(): void {
    this.recompute();
    this.changed.fire(undefined);
  }

  /** Re-reads which secrets this machine holds, then redraws. */
  async secretsChanged(): Promise<void> {
    await this.readSecretsHere();
    this.recompute();
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItem(node);
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return childrenOf(node);
    await this.ensureLoaded();
    const roots: TreeNode[] = this.entries.map((entry) => ({ kind: 'connector', entry }));
    if (roots.length === 0) return [];
    if (!this.signedIn && this.#session && this.connectors.some((c) => c.auth.kind === 'entra')) {
      roots.unshift({ kind: 'message', id: 'signIn', label: 'Sign in to check the app registrations…', icon: 'sign-in', command: { command: 'entraConnector.signIn', title: 'Sign In' }, tooltip: 'Signed out: the connectors below are read from their files only.' });
    } else if (this.failure) {
      const label = this.declined ? 'Allow reading the app registrations…' : this.stale ? 'Showing the last known state' : 'The app registrations could not be read';
      roots.unshift({ kind: 'message', id: 'failure', label, icon: this.declined ? 'key' : 'warning', tooltip: this.failure, command: { command: 'entraConnector.refresh', title: 'Refresh' } });
    }
    return roots;
  }

  getParent(): undefined {
    return undefined;
  }

  private ensureLoaded(): Promise<void> {
    if (!this.loading) void this.refresh();
    return this.loading!;
  }

  private async load(withDirectory: boolean): Promise<void> {
    const folders = await findConnectorFolders();
    this.connectors = await Promise.all(
      folders.map(async (folder) => {
        if (!folder.hasProperties) return { folder, auth: readConnectorAuth(undefined) };
        try {
          const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, 'apiProperties.json'));
          return { folder, auth: readConnectorAuth(new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '')) };
        } catch (error) {
          return { folder, auth: { kind: 'invalid' as const, reason: `apiProperties.json could not be read (${error instanceof Error ? error.message : String(error)}).` } };
        }
      }),
    );
    await this.readSecretsHere();
    // A file changed outside the editor re-reads the directory only when it now names other apps.
    const lookups = JSON.stringify(lookupsFor(this.connectors.map((c) => c.auth)));
    if (withDirectory || ((!this.known || lookups !== this.knownLookups) && !this.declined)) await this.readDirectory();
    this.recompute();
  }

  private async readDirectory(): Promise<void> {
    if (!this.#session) return;
    const account = await this.#session.account();
    this.signedIn = !!account;
    if (!account) {
      // Another account's or tenant's objects are never shown.
      this.known = undefined;
      this.declined = false;
      this.stale = false;
      this.failure = undefined;
      return;
    }
    if (this.known && this.known.key !== account.key) this.known = undefined;
    const lookups = lookupsFor(this.connectors.map((c) => c.auth));
    try {
      const { fetchRegistrations } = await import('../../graph/registrations');
      const snapshot = await fetchRegistrations(await this.#session.client(), lookups);
      this.known = { key: account.key, snapshot };
      this.knownLookups = JSON.stringify(lookups);
      this.declined = false;
      this.stale = false;
      this.failure = undefined;
    } catch (error) {
      const e = toDirectoryError(error);
      this.#session.log.warn(`Connectors view: the app registrations could not be read: ${e.message}`);
      this.failure = `${e.message} ${e.next}`;
      // Whatever the cause, a view that had data keeps it (marked stale) rather than going empty.
      this.stale = !!this.known;
      if (isTransient(e)) this.failure = `Offline or throttled: ${this.failure}`;
      this.declined = e.code === 'SignInRequired';
    }
  }

  private async readSecretsHere(): Promise<void> {
    const here = new Map<string, string | undefined>();
    if (this.#secrets) {
      for (const c of this.connectors) {
        if (c.auth.kind !== 'entra' || !c.auth.clientId) continue;
        const value = await this.#secrets.get(secretStorageKey(c.auth.clientId));
        // Only the first 3 characters (Graph's `hint`) are kept, to tell which secret this machine holds.
        if (value) here.set(c.auth.clientId.toLowerCase(), value.slice(0, 3));
      }
    }
    this.secretsHere = here;
  }

  private recompute(): void {
    const now = new Date();
    const snapshot = this.known?.snapshot;
    this.entries = this.connectors.map(({ folder, auth }) => {
      const health = computeHealth({ name: folder.name, auth, directory: snapshot ?? { applications: [], servicePrincipals: [], grants: [] }, secretsHere: this.secretsHere, now });
      const unchecked = auth.kind !== 'entra' || snapshot ? undefined : !this.#session || !this.signedIn ? 'sign in to check' : this.failure ? 'app registrations unavailable' : 'checking…';
      const deployment = this.deployments?.(folder.uri);
      return { name: folder.name, folder: folder.uri, health, stale: this.stale && !!snapshot, ...(unchecked ? { unchecked } : {}), ...(deployment !== undefined ? { deployment } : {}) };
    });
  }

  dispose(): void {
    if (this.createdTimer) clearTimeout(this.createdTimer);
    for (const d of this.disposables) d.dispose();
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
