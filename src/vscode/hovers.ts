/**
 * Hovers on an apiProperties.json's `clientId`, `resourceUri` and `AzureActiveDirectoryResourceId`: the app's
 * display name and a link to it in the Microsoft Entra admin center of the configured cloud. A hover never asks
 * the user anything: it reads the directory only when an account is signed in AND a token for reading app
 * registrations is already in the sign-in cache (unexpired), so no sign-in, consent or refresh can be triggered.
 * Otherwise it says how to see the app. Answers are kept per account and value for a short time.
 */
import * as vscode from 'vscode';
import type { Node } from '../connector/jsonc';
import { adminCenterAppUrl, graphScope, type Cloud } from '../cloud/clouds';
import { cacheKey } from '../auth/secretCache';
import { valueAt, valueOf, stringValue } from '../connector/jsonDocument';
import { readApiProperties } from '../connector/model';
import { isGuid } from '../connector/values';
import type { Directory } from '../graph/operations';
import type { Auth } from './auth';
import { isApiProperties } from './apiPropertiesDocument';
import { describeFailure, RegistrationsSession } from './session';

export interface HoverDeps {
  readonly log: vscode.LogOutputChannel;
  readonly auth: Auth;
}

/** How long an answer is reused (a renamed app shows its new name after this). */
export const HOVER_CACHE_MS = 60_000;
/** The permission reads of app registrations need (src/graph/client.ts GraphPermission.apps). */
const READ_APPS = 'Application.ReadWrite.All';
const MICROSOFT_RESOURCES: Readonly<Record<string, string>> = {
  'https://graph.microsoft.com': '00000003-0000-0000-c000-000000000000',
  'https://graph.microsoft.us': '00000003-0000-0000-c000-000000000000',
  'https://dod-graph.microsoft.us': '00000003-0000-0000-c000-000000000000',
  'https://microsoftgraph.chinacloudapi.cn': '00000003-0000-0000-c000-000000000000',
};

type Kind = 'client' | 'resource';

/** The value under `offset` that names an app: the node (for the hover's range), its text and what it names. */
export function appReferenceAt(text: string, offset: number): { node: Node; value: string; kind: Kind } | undefined {
  const { tokens } = readApiProperties(text);
  for (const token of tokens) {
    const candidates: [Node | undefined, Kind][] = [
      [valueOf(token.prop('clientId')), 'client'],
      [valueAt(valueOf(token.customParameter('resourceUri')), 'value'), 'resource'],
      [valueOf(token.property('AzureActiveDirectoryResourceId')), 'resource'],
    ];
    for (const [node, kind] of candidates) {
      const value = stringValue(node);
      if (node && value && offset >= node.offset && offset <= node.offset + node.length) return { node, value: value.trim(), kind };
    }
  }
  return undefined;
}

interface Found {
  displayName: string;
  appId: string;
  /** Only apps registered in this tenant have an App registrations page. */
  registered: boolean;
}

async function lookUp(directory: Directory, kind: Kind, value: string): Promise<Found | undefined> {
  if (isGuid(value as unknown)) {
    const app = await directory.getApplicationByAppId(value);
    if (app) return { displayName: app.displayName, appId: app.appId, registered: true };
    if (kind === 'client') return undefined;
    const sp = await directory.getServicePrincipalByAppId(value);
    return sp ? { displayName: sp.displayName ?? value, appId: sp.appId, registered: false } : undefined;
  }
  const uri = value.replace(/\/+$/, '');
  const microsoft = MICROSOFT_RESOURCES[uri.toLowerCase()];
  if (microsoft) {
    const sp = await directory.getServicePrincipalByAppId(microsoft);
    return { displayName: sp?.displayName ?? 'Microsoft Graph', appId: microsoft, registered: false };
  }
  // Written with or without the trailing slash the app registration has.
  const app = (await directory.findApplicationsByIdentifierUri(value))[0] ?? (uri !== value ? (await directory.findApplicationsByIdentifierUri(uri))[0] : undefined);
  return app ? { displayName: app.displayName, appId: app.appId, registered: true } : undefined;
}

/**
 * Whether the sign-in cache holds an unexpired access token of this account and tenant for `scope`: then MSAL
 * answers from its cache and nothing interactive can happen.
 */
export function hasCachedToken(serialized: string | undefined, account: { homeAccountId: string; tenantId: string }, scope: string, nowMs: number): boolean {
  if (!serialized) return false;
  try {
    const cache = JSON.parse(serialized) as { AccessToken?: Record<string, { home_account_id?: string; realm?: string; target?: string; expires_on?: string | number }> };
    const wanted = scope.toLowerCase();
    return Object.values(cache.AccessToken ?? {}).some(
      (t) =>
        t.home_account_id === account.homeAccountId &&
        (t.realm ?? '').toLowerCase() === account.tenantId.toLowerCase() &&
        (t.target ?? '').toLowerCase().split(/\s+/).includes(wanted) &&
        Number(t.expires_on) * 1000 > nowMs + 60_000,
    );
  } catch {
    return false;
  }
}

export function registerHovers(context: vscode.ExtensionContext, deps: HoverDeps): void {
  const answers = new Map<string, { at: number; found: Promise<Found | undefined> }>();
  const session = new RegistrationsSession(deps.auth, deps.log);

  const canReadSilently = async (cloud: Cloud, clientId: string): Promise<{ homeAccountId: string; tenantId: string } | 'signedOut' | 'noToken'> => {
    if ((await deps.auth.storedAccounts()).length === 0) return 'signedOut';
    const active = await (await deps.auth.service()).getActiveAccount();
    if (!active) return 'signedOut';
    const cache = await context.secrets.get(cacheKey(cloud, clientId));
    return hasCachedToken(cache, active, graphScope(cloud, READ_APPS), Date.now()) ? active : 'noToken';
  };

  const provider: vscode.HoverProvider = {
    async provideHover(document, position, cancel) {
      if (!isApiProperties(document)) return undefined;
      const ref = appReferenceAt(document.getText(), document.offsetAt(position));
      if (!ref) return undefined;
      const range = new vscode.Range(document.positionAt(ref.node.offset), document.positionAt(ref.node.offset + ref.node.length));
      if (ref.kind === 'client' && !isGuid(ref.value)) return undefined;
      let settings;
      try {
        settings = deps.auth.settings();
      } catch {
        return undefined;
      }
      const md = new vscode.MarkdownString();
      let access: Awaited<ReturnType<typeof canReadSilently>>;
      try {
        access = await canReadSilently(settings.cloud, settings.clientId);
      } catch {
        access = 'signedOut';
      }
      if (access === 'signedOut') {
        md.appendMarkdown('Sign in to see the app (**Entra Connector: Sign In**).');
        return new vscode.Hover(md, range);
      }
      if (access === 'noToken') {
        md.appendMarkdown('Refresh the Connectors view to see the app (reading app registrations needs your permission first).');
        return new vscode.Hover(md, range);
      }
      const key = JSON.stringify([settings.cloud.graphEndpoint, access.homeAccountId, access.tenantId, ref.kind, ref.value.toLowerCase()]);
      let entry = answers.get(key);
      if (!entry || Date.now() - entry.at > HOVER_CACHE_MS) {
        entry = { at: Date.now(), found: session.directory().then((d) => lookUp(d, ref.kind, ref.value)) };
        answers.set(key, entry);
        entry.found.catch(() => answers.delete(key));
      }
      let found: Found | undefined;
      try {
        found = await entry.found;
      } catch (error) {
        deps.log.warn(`Looking up ${ref.value} for a hover failed: ${describeFailure(error)}`);
        return undefined;
      }
      if (cancel.isCancellationRequested) return undefined;
      if (!found) {
        md.appendMarkdown(escapeMarkdown(ref.kind === 'client' ? `No app registration with this client ID in tenant ${access.tenantId}.` : `No app in tenant ${access.tenantId} has this Application ID URI.`));
        return new vscode.Hover(md, range);
      }
      md.appendMarkdown(`**${escapeMarkdown(found.displayName)}**  \n`);
      md.appendMarkdown(`${ref.kind === 'client' ? 'Connector app' : 'Resource app'} · appId \`${found.appId}\``);
      const url = found.registered ? adminCenterAppUrl(settings.cloud, found.appId) : undefined;
      if (url) md.appendMarkdown(`  \n[Open in Microsoft Entra admin center](${url})`);
      return new vscode.Hover(md, range);
    },
  };
  context.subscriptions.push(vscode.languages.registerHoverProvider([{ language: 'json' }, { language: 'jsonc' }], provider));
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
