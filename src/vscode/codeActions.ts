import * as vscode from 'vscode';
import type { ConnectorDiagnostic, DirectoryRepair, Fix } from '../connector/diagnostic';
import { toWorkspaceEdit } from './files';
import { analyzeApiProperties } from '../connector/rules';
import { moveSecretToStorage, secretStorageKey } from '../connector/secrets';
import { credentialsMatching, describeCredentials, hintOf, type CredentialHint } from '../connector/secretMatch';
import { confirmRedirectUri } from './redirectGuard';
import { grantTenantConsent, registerRedirectUri } from '../registrations/actions';
import { analysisOptions, DIAGNOSTIC_SOURCE, isApiProperties, type DiagnosticsDeps } from './apiPropertiesDocument';
import { describeFailure, RegistrationsSession } from './session';
import { directoryWritten } from './directoryEvents';

export const MOVE_SECRET_COMMAND = 'entraConnector.moveSecretToStorage';
export const DIRECTORY_FIX_COMMAND = 'entraConnector.repairInDirectory';

/** The online diagnostics currently shown for a document, and how to re-run them after a repair. */
export interface OnlineResults {
  current(document: vscode.TextDocument): readonly ConnectorDiagnostic[];
  recheck(document: vscode.TextDocument): Promise<unknown>;
}

/** The rule-table diagnostic behind a VS Code diagnostic: same code, same start. */
function match(document: vscode.TextDocument, found: readonly ConnectorDiagnostic[], diagnostic: vscode.Diagnostic): ConnectorDiagnostic | undefined {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  const offset = document.offsetAt(diagnostic.range.start);
  return found.find((d) => d.code === code && d.offset === offset);
}

/**
 * Quick fixes keyed on the diagnostic code. The document is re-analysed (it is what the user sees now), so a fix
 * never applies offsets of an older version. A fix that moves a secret goes through a command: the secret is read
 * again from the document inside the extension host and never travels in command arguments.
 */
class ConnectorCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly online: OnlineResults) {}

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0 || !isApiProperties(document)) return [];
    const onlineFound = this.online.current(document);
    const found = [...analyzeApiProperties(document.getText(), await analysisOptions(document)), ...onlineFound];
    // The directory knows no resource by the resourceUri: copying it into AzureActiveDirectoryResourceId would
    // spread the unknown one (the online fix offers the known one instead).
    const resourceUnknown = onlineFound.some((d) => d.code === 'resource-not-found');
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const source = match(document, found, diagnostic);
      source?.fixes.forEach((fix: Fix, index) => {
        if (resourceUnknown && source.code === 'aad-resource-mismatch' && fix.edits.some((e) => e.offset === source.offset)) return;
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.isPreferred === true;
        if (fix.directory) {
          action.command = { command: DIRECTORY_FIX_COMMAND, title: fix.title, arguments: [document.uri, fix.directory] };
        } else if (fix.moveSecret) {
          action.command = { command: MOVE_SECRET_COMMAND, title: fix.title, arguments: [document.uri, source.code, source.offset, index] };
        } else {
          action.edit = toWorkspaceEdit(document, fix.edits);
        }
        actions.push(action);
      });
    }
    return actions;
  }
}

function isRepair(value: unknown): value is DirectoryRepair {
  const r = value as DirectoryRepair | undefined;
  if (!r || typeof r !== 'object') return false;
  if (r.kind === 'add-redirect-uri') return typeof r.appId === 'string' && typeof r.redirectUri === 'string';
  if (r.kind === 'grant-consent') return typeof r.clientAppId === 'string' && typeof r.resourceAppId === 'string' && Array.isArray(r.scopes) && r.scopes.every((x) => typeof x === 'string');
  return false;
}

/** Performs an online rule's repair in the signed-in tenant, after the user confirms it. */
async function repairInDirectory(session: RegistrationsSession, repair: DirectoryRepair): Promise<boolean> {
  const account = await session.account();
  if (!account) {
    const pick = await vscode.window.showInformationMessage('This repair changes the app registration: sign in first.', 'Sign In');
    if (pick === 'Sign In') await vscode.commands.executeCommand('entraConnector.signIn');
    return false;
  }
  if (repair.kind === 'add-redirect-uri' && !(await confirmRedirectUri(repair.redirectUri, `the app ${repair.appId}`, session.auth.settings().cloud.name))) return false;
  const [question, button] = repair.kind === 'add-redirect-uri'
    ? [`Add ${repair.redirectUri} as a Web redirect URI of the app ${repair.appId}?`, 'Add Redirect URI']
    : [`Grant tenant-wide (admin) consent for ${repair.scopes.join(', ')} of ${repair.resourceAppId} to the app ${repair.clientAppId}?`, 'Grant Consent'];
  const ok = await vscode.window.showWarningMessage(question, { modal: true, detail: `Tenant ${await session.tenantName(account)}, signed in as ${account.username}.` }, button);
  if (ok !== button) return false;
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${button}…` }, async (): Promise<void> => {
      if (repair.kind === 'add-redirect-uri') await registerRedirectUri(await session.directory(), repair.appId, repair.redirectUri);
      else await grantTenantConsent(await session.directory(), repair.clientAppId, repair.resourceAppId, repair.scopes);
    });
    directoryWritten({ by: 'quickFix' });
    return true;
  } catch (error) {
    void vscode.window.showErrorMessage(`The repair failed: ${describeFailure(error)}`);
    return false;
  }
}

/** The app's client secrets as Graph describes them (hints, key IDs), when someone is signed in and the app is found. */
async function appCredentials(session: RegistrationsSession, clientId: string): Promise<readonly CredentialHint[] | undefined> {
  if (!(await session.account())) return undefined;
  try {
    const app = await (await session.directory()).getApplicationByAppId(clientId);
    return app ? (app.passwordCredentials ?? []) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Before the file's value replaces anything: a secret already in storage is never overwritten without asking
 * (keep it / replace it, with both values' hints and the app's key IDs to compare), and a value that matches
 * none of the app's secrets is not called the app's secret without saying so.
 */
async function decideSecretMove(session: RegistrationsSession, secrets: vscode.SecretStorage, clientId: string, value: string): Promise<'store' | 'keep' | 'cancel'> {
  const stored = await secrets.get(secretStorageKey(clientId));
  if (stored === value) return 'keep';
  const credentials = await appCredentials(session, clientId);
  const fileMatches = credentials && credentialsMatching(value, credentials);
  const describeValue = (v: string, matches: readonly CredentialHint[] | undefined) =>
    `starts with "${hintOf(v)}"${matches === undefined ? '' : matches.length > 0 ? `, like ${describeCredentials(matches)}` : ", like none of the app's secrets"}`;
  const appLine = credentials === undefined
    ? 'Sign in to compare them with the app\'s secrets.'
    : credentials.length === 0
      ? 'The app has no client secret.'
      : `The app's secrets: ${describeCredentials(credentials)}.`;
  if (stored !== undefined) {
    const keep = vscode.l10n.t('Keep Stored Secret');
    const replace = vscode.l10n.t("Replace with the File's Value");
    const storedMatches = credentials && credentialsMatching(stored, credentials);
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('VS Code\'s secret storage already holds a client secret for {0}. Keep it, or replace it with the value from the file?', clientId),
      {
        modal: true,
        detail: [
          `Stored: ${describeValue(stored, storedMatches)}.`,
          `In the file: ${describeValue(value, fileMatches)}.`,
          appLine,
          'Either way the value is removed from the file.',
        ].join('\n'),
      },
      keep,
      replace,
    );
    return choice === keep ? 'keep' : choice === replace ? 'store' : 'cancel';
  }
  if (fileMatches && fileMatches.length === 0) {
    const store = vscode.l10n.t('Store It Anyway');
    const drop = vscode.l10n.t('Only Remove It from the File');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('The value in the file is not one of the client secrets of {0}.', clientId),
      { modal: true, detail: `In the file: ${describeValue(value, fileMatches)}.\n${appLine}\nSign-ins with it would fail with AADSTS7000215 (invalid client secret).` },
      store,
      drop,
    );
    return choice === store ? 'store' : choice === drop ? 'keep' : 'cancel';
  }
  return 'store';
}

export function registerCodeActions(context: vscode.ExtensionContext, deps: DiagnosticsDeps, online: OnlineResults): void {
  const session = new RegistrationsSession(deps.auth, deps.log);
  context.subscriptions.push(
    vscode.commands.registerCommand(DIRECTORY_FIX_COMMAND, async (uri: unknown, repair: unknown) => {
      if (!(uri instanceof vscode.Uri) || !isRepair(repair)) return false;
      const done = await repairInDirectory(session, repair);
      if (done) {
        deps.log.info(`Repaired in the directory: ${repair.kind} for ${repair.kind === 'add-redirect-uri' ? repair.appId : repair.clientAppId}.`);
        await online.recheck(await vscode.workspace.openTextDocument(uri));
      }
      return done;
    }),
    vscode.languages.registerCodeActionsProvider(
      [{ language: 'json', pattern: '**/apiProperties.json' }, { language: 'jsonc', pattern: '**/apiProperties.json' }],
      new ConnectorCodeActions(online),
      { providedCodeActionKinds: ConnectorCodeActions.kinds },
    ),
    vscode.commands.registerCommand(MOVE_SECRET_COMMAND, async (uri: unknown, code: unknown, offset: unknown, index: unknown) => {
      if (!(uri instanceof vscode.Uri) || typeof code !== 'string' || typeof offset !== 'number' || typeof index !== 'number') return false;
      const document = await vscode.workspace.openTextDocument(uri);
      const found = analyzeApiProperties(document.getText(), await analysisOptions(document));
      const fix = found.find((d) => d.code === code && d.offset === offset)?.fixes[index];
      if (!fix?.moveSecret) {
        void vscode.window.showWarningMessage('The file changed since the fix was offered; run the quick fix again.');
        return false;
      }
      const decision = await decideSecretMove(session, context.secrets, fix.moveSecret.clientId, fix.moveSecret.value);
      if (decision === 'cancel') return false;
      // The user already chose (or nothing was stored): no second question.
      if (decision === 'store') await moveSecretToStorage(context.secrets, fix.moveSecret.clientId, fix.moveSecret.value, async () => true);
      const applied = await vscode.workspace.applyEdit(toWorkspaceEdit(document, fix.edits));
      // Only the client ID is logged, never the value.
      deps.log.info(
        decision === 'store'
          ? `Moved the client secret of ${fix.moveSecret.clientId} from ${uri.fsPath} into secret storage${applied ? '' : ' (the file edit was not applied)'}.`
          : `Removed the client secret of ${fix.moveSecret.clientId} from ${uri.fsPath}; the secret already in secret storage was kept${applied ? '' : ' (the file edit was not applied)'}.`,
      );
      return applied;
    }),
  );
}
