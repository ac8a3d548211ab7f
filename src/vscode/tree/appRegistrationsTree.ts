/**
 * The App registrations view: the apps the signed-in user owns (`/me/ownedObjects`), a page at a time ("Load
 * more"), with a display-name search, for tenants with thousands of apps. The first page costs one request; an
 * app's children (redirect URIs, identifier URIs, secrets) come from that page, nothing more is fetched.
 */
import * as vscode from 'vscode';
import type { OwnedApp } from '../../graph/registrations';
import { childrenOf, treeItem, type TreeNode } from './nodes';
import { asDirectoryError, type RegistrationsSession } from '../session';

export const PAGE_SIZE = 50;

interface State {
  readonly key: string;
  readonly search: string | undefined;
  apps: OwnedApp[];
  nextLink: string | undefined;
  count: number | undefined;
}

export class AppRegistrationsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private state: State | undefined;
  private search: string | undefined;
  private stale = false;
  private failure: string | undefined;
  private loading: Promise<void> | undefined;

  // ECMAScript-private: this provider is reachable from the test API and VS Code; the sign-in must not be.
  readonly #session: RegistrationsSession;

  constructor(session: RegistrationsSession) {
    this.#session = session;
  }

  /** The display-name prefix searched for, if any. */
  get searchText(): string | undefined {
    return this.search;
  }

  /** Starts over from the first page (after sign-in/out, tenant switch, a new search, or on demand). */
  refresh(): Promise<void> {
    return this.run(() => this.firstPage());
  }

  setSearch(text: string | undefined): Promise<void> {
    this.search = text?.trim() || undefined;
    void vscode.commands.executeCommand('setContext', 'entraConnector.appRegistrations.searching', !!this.search);
    return this.refresh();
  }

  loadMore(): Promise<void> {
    return this.run(async () => {
      const state = this.state;
      if (!state?.nextLink) return;
      const { listOwnedApplications } = await import('../../graph/registrations');
      try {
        const page = await listOwnedApplications(await this.#session.client(), { search: state.search, top: PAGE_SIZE }, state.nextLink);
        state.apps.push(...page.apps.filter((a) => !state.apps.some((b) => b.id === a.id)));
        state.nextLink = page.nextLink;
        this.stale = false;
        this.failure = undefined;
      } catch (error) {
        this.failed(error);
      }
    });
  }

  /** Removes an app that was deleted, at once. */
  removeApp(objectId: string): void {
    if (!this.state) return;
    this.state.apps = this.state.apps.filter((a) => a.id !== objectId);
    this.changed.fire(undefined);
  }

  /** The apps shown now (for the extension's API and its tests). */
  apps(): readonly OwnedApp[] {
    return this.state?.apps ?? [];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItem(node);
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return childrenOf(node);
    if (!this.loading) void this.refresh();
    await this.loading;
    const state = this.state;
    if (!state) {
      return this.failure ? [{ kind: 'message', id: 'owned-failure', label: 'The app registrations could not be read', icon: 'warning', tooltip: this.failure, command: { command: 'entraConnector.appRegistrations.refresh', title: 'Refresh' } }] : [];
    }
    const out: TreeNode[] = [];
    if (state.search) {
      const found = state.count !== undefined ? `${state.count} found` : `${state.apps.length} found`;
      out.push({ kind: 'message', id: 'owned-search', label: `Search: "${state.search}" — ${found}`, icon: 'search', tooltip: 'Click to clear the search.', command: { command: 'entraConnector.appRegistrations.clearSearch', title: 'Clear Search' } });
    }
    if (this.failure && this.stale) out.push({ kind: 'message', id: 'owned-stale', label: 'Showing the last known state', icon: 'warning', tooltip: this.failure, command: { command: 'entraConnector.appRegistrations.refresh', title: 'Refresh' } });
    out.push(...state.apps.map((app) => ({ kind: 'ownedApp' as const, app, stale: this.stale })));
    if (state.nextLink) out.push({ kind: 'message', id: 'owned-more', label: 'Load more…', icon: 'ellipsis', command: { command: 'entraConnector.appRegistrations.loadMore', title: 'Load More' } });
    if (state.apps.length === 0 && state.search) out.push({ kind: 'message', id: 'owned-none', label: 'No app registration you own matches this search', icon: 'info' });
    return out;
  }

  private run(work: () => Promise<void>): Promise<void> {
    const previous = this.loading ?? Promise.resolve();
    const next = previous.then(work);
    this.loading = next.catch(() => undefined);
    return next.finally(() => this.changed.fire(undefined));
  }

  private async firstPage(): Promise<void> {
    const account = await this.#session.account();
    if (!account) {
      this.state = undefined;
      this.stale = false;
      this.failure = undefined;
      return;
    }
    if (this.state && this.state.key !== account.key) this.state = undefined;
    try {
      const { listOwnedApplications } = await import('../../graph/registrations');
      const page = await listOwnedApplications(await this.#session.client(), { search: this.search, top: PAGE_SIZE });
      this.state = { key: account.key, search: this.search, apps: [...page.apps], nextLink: page.nextLink, count: page.count };
      this.stale = false;
      this.failure = undefined;
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    const e = asDirectoryError(error);
    this.#session.log.warn(`App registrations view: ${e.message}`);
    this.failure = `${e.message} ${e.next}`;
    this.stale = !!this.state;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
