/**
 * "Secure the Service": the steps over one context, with the questions behind a `ServiceUi` so that pre-filled
 * values are not asked again and the flow can run with scripted answers. The VS Code prompts are in `index.ts`.
 */
import * as vscode from 'vscode';
import type { Auth } from '../auth';
import { ApiTargetError, connectorClientId, connectorResource, resolveApiTarget, swaggerHost } from '../../service/apiTarget';
import { ArmClient } from '../../service/arm';
import type { EasyAuthTarget } from '../../service/easyAuth';
import { addOriginPolicy } from '../../service/connectorPolicy';
import { POWER_PLATFORM_ORIGINS, TEST_CONSOLE_ORIGINS } from '../../service/cors';
import { addLocalCorsOrigins } from '../../service/localSettings';
import { applySecureService, hasChanges, planSecureService, type SecurePlan, type SecureResult } from '../../service/secure';
import { listSites, listSubscriptions, resolveSite, sitesForHost, type Site, type Subscription } from '../../service/sites';

/** Optional file changes offered with the site change. */
export interface ExtraChange {
  readonly kind: 'localSettings' | 'originPolicy';
  readonly uri: vscode.Uri;
  readonly label: string;
}

export interface ServiceUi {
  pickConnector(folders: vscode.Uri[]): Promise<vscode.Uri | undefined>;
  pickSubscription(subscriptions: Subscription[]): Promise<Subscription | undefined>;
  /** A site, a pasted resource ID / URL (string), or undefined when cancelled. `suggested` serve the swagger host. */
  pickSite(sites: Site[], suggested: Site[]): Promise<Site | string | undefined>;
  /** The API app's appId or Application ID URI when the connector does not name it. */
  askApiApp(reason: string): Promise<string | undefined>;
  /** Shows the change; resolves the extras to apply with it, or undefined to cancel. */
  confirm(plan: SecurePlan, extras: ExtraChange[]): Promise<ExtraChange[] | undefined>;
  progress<T>(title: string, task: () => Promise<T>): Promise<T>;
}

export interface SecureServiceArgs {
  /** The connector folder (holding apiProperties.json). */
  readonly connector?: vscode.Uri;
  /** Resource ID or URL of the site. */
  readonly site?: string;
  readonly auth?: boolean;
  readonly cors?: boolean;
}

export interface FlowDeps {
  readonly auth: Auth;
  readonly log: vscode.LogOutputChannel;
}

export interface FlowResult {
  readonly result?: SecureResult;
  readonly files: vscode.Uri[];
  readonly cancelled?: boolean;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    throw error;
  }
}

/** Replaces only the changed middle of a file, so unrelated text (and the user's cursor context) stays put. */
async function writeText(uri: vscode.Uri, before: string | undefined, after: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  if (before === undefined) {
    edit.createFile(uri, { overwrite: false, contents: new TextEncoder().encode(after) });
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`${uri.fsPath} could not be created.`);
    return;
  }
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  edit.replace(uri, new vscode.Range(doc.positionAt(start), doc.positionAt(endB)), after.slice(start, endA));
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`${uri.fsPath} could not be edited.`);
  await doc.save();
}

export async function runSecureServiceFlow(ui: ServiceUi, deps: FlowDeps, args: SecureServiceArgs = {}): Promise<FlowResult> {
  const { auth, log } = deps;
  const cloud = auth.settings().cloud;
  const getAccessToken = (scopes: string[], o?: { forceRefresh?: boolean }) => auth.getAccessToken(scopes, o?.forceRefresh ? { forceRefresh: true } : {});
  const arm = new ArmClient({
    armEndpoint: cloud.armEndpoint,
    getAccessToken,
    log: (e) => {
      const line = `ARM ${e.method} ${e.path} → ${e.networkError ? `network error (${e.networkError})` : e.status} request-id ${e.requestId ?? '-'} ${Math.round(e.durationMs)} ms`;
      if (e.networkError || e.status >= 400) log.warn(line);
      else log.info(line);
    },
  });

  // 1. The connector (optional: without one the API app is asked for).
  let connector = args.connector;
  if (!connector) {
    const found = await vscode.workspace.findFiles('**/apiProperties.json', '**/node_modules/**', 50);
    const folders = found.map((u) => vscode.Uri.joinPath(u, '..'));
    connector = folders.length === 1 ? folders[0] : folders.length > 1 ? await ui.pickConnector(folders) : undefined;
    if (folders.length > 1 && !connector) return { files: [], cancelled: true };
  }
  const propertiesUri = connector ? vscode.Uri.joinPath(connector, 'apiProperties.json') : undefined;
  const propertiesText = propertiesUri ? await readText(propertiesUri) : undefined;
  const swaggerText = connector ? await readText(vscode.Uri.joinPath(connector, 'apiDefinition.swagger.json')) : undefined;
  const host = swaggerText ? swaggerHost(swaggerText) : undefined;

  // 2. The site.
  let site: Site | undefined;
  if (args.site) site = await ui.progress('Reading the site', () => resolveSite(arm, args.site!));
  else {
    const subscriptions = await ui.progress('Listing your Azure subscriptions', () => listSubscriptions(arm));
    if (subscriptions.length === 0) throw new Error('Your account sees no Azure subscription in this tenant. Switch tenant, or ask for access to the subscription of the API.');
    const subscription = subscriptions.length === 1 ? subscriptions[0] : await ui.pickSubscription(subscriptions);
    if (!subscription) return { files: [], cancelled: true };
    const sites = await ui.progress(`Listing the web and function apps of ${subscription.displayName}`, () => listSites(arm, subscription.subscriptionId));
    const picked = await ui.pickSite(sites, host ? sitesForHost(sites, host) : []);
    if (!picked) return { files: [], cancelled: true };
    site = typeof picked === 'string' ? await ui.progress('Reading the site', () => resolveSite(arm, picked)) : picked;
  }

  // 3. The API app (for authentication).
  const doAuth = args.auth !== false;
  const tenantId = (await (await auth.service()).getActiveAccount())?.tenantId;
  if (doAuth && !tenantId) throw new Error('Sign in first ("Entra Connector: Sign In").');
  // The Graph client loads on first use, not when the extension activates.
  const directory = async () => {
    const [{ createGraphClient }, { Directory }] = await Promise.all([import('../../graph/client'), import('../../graph/operations')]);
    return new Directory(createGraphClient({ graphEndpoint: cloud.graphEndpoint, getAccessToken, log: (e) => auth.logGraphRequest(e) }));
  };
  let target: EasyAuthTarget | undefined;
  if (doAuth) {
    const context = { loginEndpoint: cloud.loginEndpoint, tenantId: tenantId!, directory };
    try {
      target = await ui.progress('Reading the API app', () => resolveApiTarget({ ...(propertiesText ? { resource: connectorResource(propertiesText), connectorClientId: connectorClientId(propertiesText) } : {}) }, context));
    } catch (error) {
      if (!(error instanceof ApiTargetError)) throw error;
      const answer = await ui.askApiApp(error.message);
      if (!answer) return { files: [], cancelled: true };
      const isGuid = /^[0-9a-f-]{36}$/i.test(answer.trim());
      target = await ui.progress('Reading the API app', () => resolveApiTarget(isGuid ? { appId: answer.trim() } : { identifierUri: answer.trim() }, context));
    }
  }

  // 4. Preview, then apply what the user confirms.
  const plan = await ui.progress(`Reading ${site.name}'s authentication and CORS settings`, () =>
    planSecureService(arm, site, { auth: doAuth, cors: args.cors !== false, origins: POWER_PLATFORM_ORIGINS, ...(target ? { target } : {}) }),
  );
  const extras: ExtraChange[] = [];
  if (args.cors !== false) {
    for (const hostJson of await vscode.workspace.findFiles('**/host.json', '**/node_modules/**', 20)) {
      const folder = vscode.Uri.joinPath(hostJson, '..');
      extras.push({ kind: 'localSettings', uri: vscode.Uri.joinPath(folder, 'local.settings.json'), label: `Allow the same origins in ${vscode.workspace.asRelativePath(folder)}/local.settings.json (Host.CORS, local Functions host)` });
    }
  }
  if (propertiesUri && propertiesText !== undefined) {
    extras.push({ kind: 'originPolicy', uri: propertiesUri, label: `Add a setheader Origin policy (${TEST_CONSOLE_ORIGINS[1]}) to ${vscode.workspace.asRelativePath(propertiesUri)}` });
  }
  const chosen = await ui.confirm(plan, extras);
  if (!chosen) return { files: [], cancelled: true };
  const result = hasChanges(plan) ? await ui.progress(`Securing ${site.name}`, () => applySecureService(arm, plan)) : undefined;
  const files: vscode.Uri[] = [];
  for (const extra of chosen) {
    const before = await readText(extra.uri);
    if (extra.kind === 'localSettings') {
      const edit = addLocalCorsOrigins(before, POWER_PLATFORM_ORIGINS);
      for (const w of edit.warnings) log.warn(w);
      if (edit.text !== undefined) {
        await writeText(extra.uri, before, edit.text);
        files.push(extra.uri);
      }
    } else if (before !== undefined) {
      const edit = addOriginPolicy(before, TEST_CONSOLE_ORIGINS[1]!);
      if (edit.problem) log.warn(edit.problem);
      if (edit.existing !== undefined) log.info(`${extra.uri.fsPath} already has an Origin policy (${edit.existing}); left as it is.`);
      if (edit.text !== undefined) {
        await writeText(extra.uri, before, edit.text);
        files.push(extra.uri);
      }
    }
  }
  return { ...(result ? { result } : {}), files };
}
