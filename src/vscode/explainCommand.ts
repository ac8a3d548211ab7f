import * as vscode from 'vscode';
import { readCloud } from './auth/settings';
import { explainSignInError, findRelatedConnectors, type Explanation, type RelatedConnector } from '../connector/explain';
import { checkInTenant, type ConsentOffer, type TenantFindings } from '../connector/explainTenant';
import { grantTenantConsent, registerRedirectUri } from '../registrations/actions';
import type { DiagnosticsDeps } from './apiPropertiesDocument';
import { describeFailure, RegistrationsSession } from './session';
import { directoryWritten } from './directoryEvents';
import { openHttpsUrl } from './openExternal';
import { confirmRedirectUri } from './redirectGuard';

export const EXPLAIN_COMMAND = 'entraConnector.explainSignInError';

const BLADES = {
  Authentication: 'Authentication',
  CallAnAPI: 'CallAnAPI',
  Credentials: 'Credentials',
  Overview: 'Overview',
} as const;

function adminCenter(): string {
  try {
    return readCloud().adminCenter ?? 'https://entra.microsoft.com';
  } catch {
    return 'https://entra.microsoft.com';
  }
}

async function workspaceConnectors(): Promise<Array<{ path: string; uri: vscode.Uri; text: string }>> {
  const uris = await vscode.workspace.findFiles('**/apiProperties.json', '**/node_modules/**', 500);
  const files = await Promise.all(
    uris.map(async (uri) => {
      try {
        return { path: vscode.workspace.asRelativePath(uri), uri, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) };
      } catch {
        return undefined;
      }
    }),
  );
  return files.filter((f): f is { path: string; uri: vscode.Uri; text: string } => f !== undefined);
}

/** What the command returns to a caller that passes the message (another command, a test). */
export interface ExplainResult {
  readonly explanation: Explanation;
  readonly related: readonly RelatedConnector[];
  /** What the signed-in tenant says about it (absent when signed out or the tenant could not be read). */
  readonly tenant?: TenantFindings;
}

/** Grants the consent an AADSTS65001 asks for; the explanation's dialog (which names the tenant) is the confirmation. */
async function grantConsent(session: RegistrationsSession, offer: ConsentOffer): Promise<void> {
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Granting consent…') }, async () => {
      const dir = await session.directory();
      try {
        for (const g of offer.grants) await grantTenantConsent(dir, offer.clientAppId, g.resourceAppId, g.scopes);
      } finally {
        directoryWritten({ by: 'explainer' });
      }
    });
    void vscode.window.showInformationMessage(vscode.l10n.t('Consent granted for every user of the tenant. Try the connection again.'));
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not grant consent: {0}', describeFailure(error)));
  }
}

/** Adds the redirect URI to the app in the signed-in tenant, after the user confirms. */
async function registerRedirect(session: RegistrationsSession, appId: string, redirectUri: string): Promise<void> {
  const account = await session.account();
  if (!account) return;
  // The URI comes from a pasted error message: anything but a Power Platform consent URL needs an explicit yes first.
  if (!(await confirmRedirectUri(redirectUri, `the app ${appId}`, session.auth.settings().cloud.name))) return;
  const ok = await vscode.window.showWarningMessage(
    `Add ${redirectUri} as a Web redirect URI of the app ${appId}?`,
    { modal: true, detail: `Tenant ${await session.tenantName(account)}, signed in as ${account.username}. Existing redirect URIs are kept.` },
    'Add Redirect URI',
  );
  if (ok !== 'Add Redirect URI') return;
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Adding the redirect URI…' }, async () =>
      registerRedirectUri(await session.directory(), appId, redirectUri),
    );
    directoryWritten({ by: 'explainer' });
    void vscode.window.showInformationMessage(`The app ${appId} now has the redirect URI ${redirectUri}. Try the connection again.`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Could not add the redirect URI: ${describeFailure(error)}`);
  }
}

async function show(e: Explanation, related: readonly RelatedConnector[], uris: Map<string, vscode.Uri>, session: RegistrationsSession, tenant: TenantFindings | undefined): Promise<void> {
  const signedIn = (await session.account()) !== undefined;
  const lines = [
    e.meaning,
    ...(tenant && tenant.notes.length > 0 ? ['', 'In the signed-in tenant:', ...tenant.notes.map((n) => `• ${n}`)] : []),
    '',
    `Likely cause: ${e.cause}`,
    ...(related.length > 0 ? ['', 'In this workspace:', ...related.map((r) => `• ${r.path}: ${r.reason}`)] : []),
    '',
    `Fix: ${e.fix}`,
    ...Object.entries(e.extracted).map(([k, v]) => `${k}: ${v as string}`),
  ];
  const buttons: Array<{ title: string; run: () => Thenable<unknown> }> = [];
  for (const action of e.actions) {
    if (action.kind === 'add-redirect-uri') {
      const appId = action.appId;
      if (signedIn && appId && !tenant?.redirectRegistered && tenant?.appFound !== false) {
        buttons.push({ title: 'Register Redirect URI on the App', run: () => registerRedirect(session, appId, action.redirectUri) });
      }
      buttons.push({
        title: 'Copy Redirect URI',
        run: async () => {
          await vscode.env.clipboard.writeText(action.redirectUri);
          void vscode.window.showInformationMessage(`Copied ${action.redirectUri}. Add it as a Web redirect URI on the connector app${action.appId ? ` ${action.appId}` : ''}.`);
        },
      });
    } else if (action.kind === 'grant-consent') {
      const offer = tenant?.consent;
      if (offer?.canGrant) buttons.push({ title: 'Grant Consent', run: () => grantConsent(session, offer) });
    } else if (action.kind === 'open-app-registration') {
      const url = `${adminCenter()}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/${BLADES[action.blade]}/appId/${encodeURIComponent(action.appId)}`;
      buttons.push({ title: 'Open App Registration', run: () => openHttpsUrl(url) });
    }
  }
  const first = related[0] ? uris.get(related[0].path) : undefined;
  if (first) buttons.push({ title: 'Open apiProperties.json', run: () => vscode.window.showTextDocument(first) });
  const picked = await vscode.window.showWarningMessage(
    `${e.code ?? 'Sign-in error'}: ${e.title}`,
    { modal: true, detail: lines.join('\n') },
    ...buttons.map((b) => b.title),
  );
  await buttons.find((b) => b.title === picked)?.run();
}

/** The tenant's side of the error, when someone is signed in (never prompts; a failed read leaves it out). */
async function inTenant(session: RegistrationsSession, e: Explanation, log: vscode.LogOutputChannel): Promise<TenantFindings | undefined> {
  const account = await session.account();
  if (!account) return undefined;
  try {
    const [dir, name] = await Promise.all([session.directory(), session.tenantName(account)]);
    return await checkInTenant(e, dir, name);
  } catch (error) {
    log.warn(`The explainer could not check the tenant: ${describeFailure(error)}`);
    return undefined;
  }
}

export function registerExplainCommand(context: vscode.ExtensionContext, deps: DiagnosticsDeps): void {
  const session = new RegistrationsSession(deps.auth, deps.log);
  context.subscriptions.push(
    vscode.commands.registerCommand(EXPLAIN_COMMAND, async (message?: unknown): Promise<ExplainResult | undefined> => {
      const text = typeof message === 'string'
        ? message
        : await vscode.window.showInputBox({
            title: 'Explain a Sign-in Error',
            prompt: 'Paste the error shown at sign-in or in the connection (it starts with AADSTS…)',
            placeHolder: "AADSTS50011: The redirect URI '…' specified in the request does not match…",
            ignoreFocusOut: true,
          });
      if (!text) return undefined;
      const explanation = explainSignInError(text);
      const files = await workspaceConnectors();
      const related = findRelatedConnectors(explanation, files);
      const tenant = await inTenant(session, explanation, deps.log);
      deps.log.info(`Explained ${explanation.code ?? explanation.likely?.code ?? 'a sign-in error without a code'}${related.length ? ` (related: ${related.map((r) => r.path).join(', ')})` : ''}.`);
      void show(explanation, related, new Map(files.map((f) => [f.path, f.uri])), session, tenant);
      return { explanation, related, ...(tenant ? { tenant } : {}) };
    }),
  );
}
