/**
 * The nodes of the registrations views and how each is drawn: label, description, theme icon, tooltip and the
 * contextValue that package.json's menus key on. Rendering only; the data comes from src/registrations.
 */
import * as vscode from 'vscode';
import type { ConnectorHealth, PreAuthorizedClient, Problem, RedirectUriHealth, ScopeHealth, SecretHealth, Severity } from '../../registrations/health';
import type { OwnedApp } from '../../graph/registrations';

/** A connector's deployment to Power Platform (settings.json, and what the last deploy from here reported). */
export interface DeploymentInfo {
  readonly connectorId: string;
  readonly environment: string;
  readonly environmentDisplayName?: string;
  readonly redirectUrl?: string;
  /** ISO time of the last deploy from this workspace. */
  readonly lastDeployed?: string;
}

export interface ConnectorEntry {
  /** Power Platform: the deployment, null when not deployed, undefined when not known. */
  readonly deployment?: DeploymentInfo | null;
  readonly name: string;
  readonly folder: vscode.Uri;
  readonly health: ConnectorHealth;
  /** No directory data for it yet (signed out, or the first read failed). */
  readonly unchecked?: string;
  /** Shown from the last known directory state: the latest read failed. */
  readonly stale: boolean;
}

export type GroupKind = 'redirectUris' | 'scopes' | 'secrets' | 'identifierUris' | 'preAuthorized';

export type TreeNode =
  | { readonly kind: 'connector'; readonly entry: ConnectorEntry }
  | { readonly kind: 'app'; readonly entry: ConnectorEntry; readonly role: 'connector' | 'api' }
  | { readonly kind: 'resource'; readonly entry: ConnectorEntry }
  | { readonly kind: 'deployment'; readonly entry: ConnectorEntry }
  | { readonly kind: 'group'; readonly entry: ConnectorEntry; readonly group: GroupKind }
  | { readonly kind: 'redirectUri'; readonly entry: ConnectorEntry; readonly redirect: RedirectUriHealth }
  | { readonly kind: 'scope'; readonly entry: ConnectorEntry; readonly scope: ScopeHealth }
  | { readonly kind: 'secret'; readonly entry: ConnectorEntry; readonly secret: SecretHealth }
  | { readonly kind: 'identifierUri'; readonly entry: ConnectorEntry; readonly uri: string }
  | { readonly kind: 'preAuthorized'; readonly entry: ConnectorEntry; readonly client: PreAuthorizedClient }
  | { readonly kind: 'message'; readonly id: string; readonly label: string; readonly icon: string; readonly command?: vscode.Command; readonly tooltip?: string }
  | { readonly kind: 'ownedApp'; readonly app: OwnedApp; readonly stale: boolean }
  | { readonly kind: 'ownedDetail'; readonly app: OwnedApp; readonly label: string; readonly description: string; readonly icon: string; readonly contextValue: string; readonly value: string };

const COLORS: Record<Severity | 'ok', string> = {
  error: 'list.errorForeground',
  warning: 'list.warningForeground',
  info: 'foreground',
  ok: 'testing.iconPassed',
};

export function icon(id: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

function severityIcon(severity: Severity | 'ok'): vscode.ThemeIcon {
  return severity === 'ok' ? icon('pass', COLORS.ok) : severity === 'error' ? icon('error', COLORS.error) : severity === 'warning' ? icon('warning', COLORS.warning) : icon('info');
}

function stale(entry: { stale: boolean }, text: string): string {
  return entry.stale ? `${text} (stale)` : text;
}

function problemsTooltip(title: string, problems: readonly Problem[], extra?: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(title)}**\n\n`);
  for (const p of problems) md.appendMarkdown(`- $(${p.severity === 'error' ? 'error' : p.severity === 'warning' ? 'warning' : 'info'}) ${escape(p.detail)}\n`);
  if (extra) md.appendMarkdown(`\n${escape(extra)}\n`);
  return md;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
}

function worstIn(problems: readonly Problem[], codes: readonly string[]): Severity | 'ok' {
  const mine = problems.filter((p) => codes.includes(p.code));
  return mine.some((p) => p.severity === 'error') ? 'error' : mine.some((p) => p.severity === 'warning') ? 'warning' : 'ok';
}

const GROUP_CODES: Record<GroupKind, string[]> = {
  redirectUris: ['redirect-uri-missing', 'redirect-uri-unknown'],
  scopes: ['scope-not-requested', 'consent-missing', 'consent-per-user', 'connector-sp-missing', 'api-sp-missing'],
  secrets: ['no-secret', 'secret-expired', 'secret-expiring'],
  identifierUris: [],
  preAuthorized: [],
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function expiry(secret: SecretHealth): string {
  if (secret.daysLeft === undefined) return 'never expires';
  if (secret.state === 'expired') return `expired ${secret.endDateTime?.slice(0, 10)}`;
  return `expires in ${plural(secret.daysLeft, 'day')} (${secret.endDateTime?.slice(0, 10)})`;
}

export function nodeId(node: TreeNode): string {
  switch (node.kind) {
    case 'connector':
      return `connector:${node.entry.folder.toString()}`;
    case 'app':
      return `connector:${node.entry.folder.toString()}/app:${node.role}`;
    case 'resource':
      return `connector:${node.entry.folder.toString()}/resource`;
    case 'group':
      return `connector:${node.entry.folder.toString()}/${node.group}`;
    case 'redirectUri':
      return `connector:${node.entry.folder.toString()}/redirectUris/${node.redirect.uri}`;
    case 'scope':
      return `connector:${node.entry.folder.toString()}/scopes/${node.scope.value}`;
    case 'secret':
      return `connector:${node.entry.folder.toString()}/secrets/${node.secret.keyId}`;
    case 'identifierUri':
      return `connector:${node.entry.folder.toString()}/identifierUris/${node.uri}`;
    case 'preAuthorized':
      return `connector:${node.entry.folder.toString()}/preAuthorized/${node.client.appId}`;
    case 'deployment':
      return `connector:${node.entry.folder.toString()}/deployment`;
    case 'message':
      return `message:${node.id}`;
    case 'ownedApp':
      return `owned:${node.app.id}`;
    case 'ownedDetail':
      return `owned:${node.app.id}/${node.contextValue}/${node.value}`;
  }
}

export function treeItem(node: TreeNode): vscode.TreeItem {
  const item = render(node);
  item.id = nodeId(node);
  return item;
}

function render(node: TreeNode): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  switch (node.kind) {
    case 'connector': {
      const { entry } = node;
      const h = entry.health;
      const entra = h.auth.kind === 'entra';
      const item = new vscode.TreeItem(entry.name, entra ? C.Collapsed : C.None);
      if (h.status === 'noAuth') {
        item.description = 'not secured';
        item.iconPath = icon('shield');
        item.contextValue = 'connector.noAuth';
      } else if (h.status === 'otherProvider' || h.status === 'invalid') {
        item.description = h.worst?.summary;
        item.iconPath = h.status === 'invalid' ? severityIcon('error') : icon('plug');
        item.contextValue = `connector.${h.status}`;
      } else if (entry.unchecked) {
        item.description = entry.unchecked;
        item.iconPath = icon('plug');
        item.contextValue = 'connector.unchecked';
      } else {
        item.description = stale(entry, h.status === 'ok' ? 'healthy' : (h.worst?.summary ?? h.status));
        item.iconPath = severityIcon(h.status === 'ok' ? 'ok' : h.status === 'error' ? 'error' : 'warning');
        item.contextValue = `connector.entra.${h.status}`;
      }
      item.tooltip = problemsTooltip(entry.name, h.problems, `${entry.folder.fsPath}${entry.stale ? '\nLast known state: the latest refresh failed.' : ''}`);
      return item;
    }
    case 'deployment': {
      const d = node.entry.deployment;
      if (!d) {
        const item = new vscode.TreeItem('Power Platform', C.None);
        item.description = 'not deployed';
        item.iconPath = icon('cloud-upload');
        item.tooltip = 'This connector is not deployed from here (no connectorId in settings.json). Deploy it to create the connector and register its redirect URL.';
        item.contextValue = 'deployment.none';
        return item;
      }
      const registered = redirectRegistered(node.entry);
      const item = new vscode.TreeItem('Power Platform', C.None);
      item.description = `${d.environmentDisplayName ?? d.environment}${registered === false ? ' · redirect URL not registered' : ''}`;
      item.iconPath = registered === false ? severityIcon('warning') : icon('cloud');
      const md = new vscode.MarkdownString(undefined, true);
      md.appendMarkdown(`**Deployed to Power Platform**\n\n`);
      md.appendMarkdown(`- Environment: ${escape(d.environmentDisplayName ?? d.environment)} (\`${escape(d.environment)}\`)\n`);
      md.appendMarkdown(`- Connector ID: \`${escape(d.connectorId)}\`\n`);
      if (d.redirectUrl) md.appendMarkdown(`- Redirect URL: ${escape(d.redirectUrl)} — ${registered === undefined ? 'registration not checked' : registered ? 'registered on the connector app' : 'NOT registered on the connector app (sign-ins fail with AADSTS50011)'}\n`);
      md.appendMarkdown(`- Last deployed: ${d.lastDeployed ? escape(new Date(d.lastDeployed).toLocaleString()) : 'not from this workspace'}\n`);
      item.tooltip = md;
      item.contextValue = registered === false ? 'deployment.unregistered' : 'deployment';
      return item;
    }
    case 'app': {
      const h = node.entry.health;
      const app = node.role === 'connector' ? h.connectorApp : h.apiApp;
      if (!app) {
        const missing = node.role === 'connector' ? h.problems.find((p) => p.code === 'connector-app-not-found' || p.code === 'no-client-id') : h.problems.find((p) => p.code === 'resource-not-found' || p.code === 'no-resource');
        const item = new vscode.TreeItem(node.role === 'connector' ? 'Connector app' : 'API app', C.None);
        item.description = missing?.summary ?? 'not found';
        item.iconPath = severityIcon('error');
        item.tooltip = missing?.detail;
        item.contextValue = `app.${node.role}.missing`;
        return item;
      }
      const item = new vscode.TreeItem(app.displayName, C.None);
      item.description = `${node.role === 'connector' ? 'connector app' : 'API app'} · ${app.appId}`;
      item.iconPath = icon(node.role === 'connector' ? 'plug' : 'server');
      item.tooltip = `${node.role === 'connector' ? 'Connector (client) app' : 'API app'} ${app.displayName}\nClient ID: ${app.appId}\nObject ID: ${app.id}`;
      item.contextValue = `app.${node.role}`;
      return item;
    }
    case 'resource': {
      const r = node.entry.health.resource!;
      const item = new vscode.TreeItem(r.name, C.None);
      item.description = `resource · ${r.uri}`;
      item.iconPath = icon('globe');
      item.tooltip = `The connector asks for tokens for ${r.uri}${r.appId ? ` (appId ${r.appId})` : ''}; it is not an app registered in this tenant.`;
      item.contextValue = 'resource';
      return item;
    }
    case 'group':
      return groupItem(node.entry, node.group);
    case 'redirectUri': {
      const r = node.redirect;
      const item = new vscode.TreeItem(r.uri, C.None);
      item.description = r.state === 'registered' ? 'registered' : r.state === 'missing' ? 'missing — sign-in fails (AADSTS50011)' : 'registered, not used by this connector';
      item.iconPath = r.state === 'missing' ? severityIcon('error') : r.state === 'registered' ? severityIcon('ok') : icon('link');
      item.contextValue = `redirectUri.${r.state}`;
      item.tooltip = r.state === 'missing' ? `Power Platform sends ${r.uri}, which is not a Web redirect URI of the connector app. Register it.` : r.uri;
      return item;
    }
    case 'scope': {
      const s = node.scope;
      const item = new vscode.TreeItem(s.value, C.None);
      const consent = s.consent === 'tenant' ? 'consented tenant-wide' : s.consent === 'user' ? `consented by ${plural(s.userGrants, 'user')}` : 'no consent';
      item.description = `${s.resourceName} · ${consent}${s.requested ? '' : ' · not in the app\'s permissions'}`;
      item.iconPath = s.consent === 'tenant' ? severityIcon('ok') : s.consent === 'user' ? icon('person') : severityIcon('warning');
      item.contextValue = `scope.${s.consent}`;
      item.tooltip = `Delegated permission ${s.value} on ${s.resourceName}: ${consent}.`;
      return item;
    }
    case 'secret': {
      const s = node.secret;
      const item = new vscode.TreeItem(s.displayName || (s.hint ? `${s.hint}…` : s.keyId), C.None);
      item.description = `${expiry(s)}${s.heldHere ? ' · on this machine' : ''}`;
      item.iconPath = s.state === 'expired' ? severityIcon('error') : s.state === 'expiring' ? severityIcon('warning') : icon('key', s.heldHere ? COLORS.ok : undefined);
      item.contextValue = `secret.${s.state}`;
      item.tooltip = `Client secret ${s.hint ? `${s.hint}… ` : ''}(key ${s.keyId}), ${expiry(s)}. ${s.heldHere ? "Its value is in this machine's VS Code secret storage." : 'Its value is not on this machine.'}`;
      return item;
    }
    case 'identifierUri': {
      const item = new vscode.TreeItem(node.uri, C.None);
      item.description = 'identifier URI';
      item.iconPath = icon('symbol-key');
      item.contextValue = 'identifierUri';
      return item;
    }
    case 'preAuthorized': {
      const c = node.client;
      const item = new vscode.TreeItem(c.name ?? c.appId, C.None);
      item.description = c.scopes.join(' ');
      item.iconPath = icon('verified');
      item.tooltip = `${c.name ?? 'Client'} ${c.appId} may get tokens for ${c.scopes.join(', ')} without a consent prompt.`;
      item.contextValue = 'preAuthorized';
      return item;
    }
    case 'message': {
      const item = new vscode.TreeItem(node.label, C.None);
      item.iconPath = icon(node.icon);
      item.command = node.command;
      item.tooltip = node.tooltip;
      item.contextValue = 'message';
      return item;
    }
    case 'ownedApp': {
      const a = node.app;
      const item = new vscode.TreeItem(a.displayName, C.Collapsed);
      const secrets = a.passwordCredentials ?? [];
      const now = Date.now();
      const expired = secrets.filter((s) => s.endDateTime && Date.parse(s.endDateTime) <= now).length;
      const soon = secrets.filter((s) => s.endDateTime && Date.parse(s.endDateTime) > now && Date.parse(s.endDateTime) - now < 30 * 86_400_000).length;
      const note = expired ? ` · ${plural(expired, 'expired secret')}` : soon ? ` · ${plural(soon, 'secret')} expiring` : '';
      item.description = stale(node, `${a.appId}${note}`);
      item.iconPath = expired ? severityIcon('error') : soon ? severityIcon('warning') : icon('package');
      item.tooltip = `${a.displayName}\nClient ID: ${a.appId}\nObject ID: ${a.id}`;
      item.contextValue = 'ownedApp';
      return item;
    }
    case 'ownedDetail': {
      const item = new vscode.TreeItem(node.label, C.None);
      item.description = node.description;
      item.iconPath = icon(node.icon);
      item.contextValue = node.contextValue;
      return item;
    }
  }
}

function groupItem(entry: ConnectorEntry, group: GroupKind): vscode.TreeItem {
  const h = entry.health;
  const C = vscode.TreeItemCollapsibleState;
  const severity = worstIn(h.problems, GROUP_CODES[group]);
  const labels: Record<GroupKind, string> = {
    redirectUris: 'Redirect URIs',
    scopes: 'Permissions and consent',
    secrets: 'Client secrets',
    identifierUris: 'Identifier URIs',
    preAuthorized: 'Pre-authorized clients',
  };
  const count = group === 'redirectUris' ? h.redirectUris.length : group === 'scopes' ? h.scopes.length : group === 'secrets' ? h.secrets.length : group === 'identifierUris' ? h.identifierUris.length : h.preAuthorizedClients.length;
  const item = new vscode.TreeItem(labels[group], count > 0 ? C.Collapsed : C.None);
  const summary = h.problems.find((p) => GROUP_CODES[group].includes(p.code) && p.severity !== 'info');
  item.description = summary?.summary ?? (count === 0 ? 'none' : String(count));
  item.iconPath = severity === 'ok' ? icon(group === 'redirectUris' ? 'link' : group === 'scopes' ? 'checklist' : group === 'secrets' ? 'key' : group === 'identifierUris' ? 'symbol-key' : 'verified') : severityIcon(severity);
  item.contextValue = `group.${group}`;
  if (summary) item.tooltip = summary.detail;
  return item;
}

/** Whether the deployed connector's redirect URL is on the connector app; undefined when unknown. */
export function redirectRegistered(entry: ConnectorEntry): boolean | undefined {
  const url = entry.deployment?.redirectUrl;
  if (!url || entry.unchecked || !entry.health.connectorApp) return undefined;
  return entry.health.redirectUris.some((r) => r.uri === url && r.state !== 'missing');
}

/** The children of a connector's nodes: computed from its health, nothing is fetched. */
export function childrenOf(node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'connector': {
      const { entry } = node;
      const h = entry.health;
      if (h.auth.kind !== 'entra') return [];
      if (entry.unchecked) return [{ kind: 'message', id: `${entry.folder.toString()}/unchecked`, label: entry.unchecked, icon: 'info' }];
      const out: TreeNode[] = [{ kind: 'app', entry, role: 'connector' }];
      if (h.apiApp || !h.resource?.spId) out.push({ kind: 'app', entry, role: 'api' });
      else out.push({ kind: 'resource', entry });
      if (h.connectorApp) out.push({ kind: 'group', entry, group: 'redirectUris' });
      if (h.resource) out.push({ kind: 'group', entry, group: 'scopes' });
      if (h.connectorApp) out.push({ kind: 'group', entry, group: 'secrets' });
      if (h.apiApp) out.push({ kind: 'group', entry, group: 'identifierUris' }, { kind: 'group', entry, group: 'preAuthorized' });
      if (entry.deployment !== undefined) out.push({ kind: 'deployment', entry });
      return out;
    }
    case 'group': {
      const { entry } = node;
      const h = entry.health;
      switch (node.group) {
        case 'redirectUris':
          return h.redirectUris.map((redirect) => ({ kind: 'redirectUri', entry, redirect }));
        case 'scopes':
          return h.scopes.map((scope) => ({ kind: 'scope', entry, scope }));
        case 'secrets':
          return h.secrets.map((secret) => ({ kind: 'secret', entry, secret }));
        case 'identifierUris':
          return h.identifierUris.map((uri) => ({ kind: 'identifierUri', entry, uri }));
        case 'preAuthorized':
          return h.preAuthorizedClients.map((client) => ({ kind: 'preAuthorized', entry, client }));
      }
      return [];
    }
    case 'ownedApp': {
      const a = node.app;
      const now = new Date();
      return [
        ...(a.web?.redirectUris ?? []).map((u) => ({ kind: 'ownedDetail' as const, app: a, label: u, description: 'redirect URI', icon: 'link', contextValue: 'ownedRedirectUri', value: u })),
        ...(a.identifierUris ?? []).map((u) => ({ kind: 'ownedDetail' as const, app: a, label: u, description: 'identifier URI', icon: 'symbol-key', contextValue: 'identifierUri', value: u })),
        ...(a.passwordCredentials ?? []).map((s) => {
          const end = s.endDateTime ? Date.parse(s.endDateTime) : NaN;
          const days = Number.isFinite(end) ? Math.floor((end - now.getTime()) / 86_400_000) : undefined;
          const state = days === undefined ? 'fine' : end <= now.getTime() ? 'expired' : days < 30 ? 'expiring' : 'fine';
          const description = days === undefined ? 'client secret' : state === 'expired' ? `client secret · expired ${s.endDateTime!.slice(0, 10)}` : `client secret · expires in ${plural(days, 'day')}`;
          return { kind: 'ownedDetail' as const, app: a, label: s.displayName || (s.hint ? `${s.hint}…` : s.keyId), description, icon: state === 'expired' ? 'error' : state === 'expiring' ? 'warning' : 'key', contextValue: `ownedSecret.${state}`, value: s.keyId };
        }),
      ];
    }
    default:
      return [];
  }
}
