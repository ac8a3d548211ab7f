import * as vscode from 'vscode';
import type { ConnectorDiagnostic, Severity } from '../connector/diagnostic';
import { analyzeOnline, type OnlineOptions } from '../connector/online';
import { isAuthFailure } from '../auth/errors';
import { swaggerHost } from '../service/apiTarget';
import { logRequest } from './log';
import { analyzeApiProperties } from '../connector/rules';
import { analysisOptions, DIAGNOSTIC_SOURCE, isApiProperties, SWAGGER_NAME, type DiagnosticsDeps } from './apiPropertiesDocument';
import { registerCodeActions } from './codeActions';
import { DIAGNOSTICS_DEBOUNCE_MS } from './debounce';
import { registerExplainCommand } from './explainCommand';
import { registerHovers } from './hovers';
import { describeFailure, RegistrationsSession } from './session';


export const CHECK_ONLINE_COMMAND = 'entraConnector.checkOnline';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function toVsDiagnostic(document: vscode.TextDocument, d: ConnectorDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(d.offset), document.positionAt(d.offset + d.length));
  const diagnostic = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
  diagnostic.code = d.code;
  diagnostic.source = DIAGNOSTIC_SOURCE;
  return diagnostic;
}

/**
 * A JSON syntax error VS Code's own JSON language already underlines (and lists in Problems): reported once, by VS
 * Code. Kept: what it does not report — a byte-order mark, another encoding, and comments in a \`jsonc\` document
 * (allowed there, but paconn reads the file as plain JSON).
 */
function reportedByVsCode(document: vscode.TextDocument, d: ConnectorDiagnostic): boolean {
  if (d.code !== 'invalid-json' || (document.languageId !== 'json' && document.languageId !== 'jsonc')) return false;
  if (d.fixes.length > 0 || d.offset === 0 && d.length === 0) return false;
  if (document.languageId === 'jsonc' && /comment/i.test(d.message)) return false;
  return true;
}

/** Whether a tab shows the document (as text, or as a side of a diff). */
function inEditor(document: vscode.TextDocument): boolean {
  const uri = document.uri.toString();
  return vscode.window.tabGroups.all.some((g) =>
    g.tabs.some((t) => (t.input instanceof vscode.TabInputText ? t.input.uri.toString() === uri : t.input instanceof vscode.TabInputTextDiff && (t.input.modified.toString() === uri || t.input.original.toString() === uri))),
  );
}

/**
 * Problems for apiProperties.json files, refreshed as they are typed (debounced), opened and saved; quick fixes
 * for them; the "Explain a Sign-in Error…" command. One rule table (src/connector/rules.ts) feeds all three.
 */
export function registerDiagnostics(context: vscode.ExtensionContext, deps: DiagnosticsDeps): void {
  const collection = vscode.languages.createDiagnosticCollection('entraConnector');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  context.subscriptions.push(collection, { dispose: () => timers.forEach((t) => clearTimeout(t)) });

  // Online results per document, kept while the text they were computed on is unchanged (their ranges would move).
  const online = new Map<string, { text: string; diagnostics: ConnectorDiagnostic[] }>();
  const session = new RegistrationsSession(deps.auth, deps.log);
  registerHovers(context, deps);

  /** When each document was last edited (ms since the epoch): the start of the timeline logged at debug level. */
  const editedAt = new Map<string, number>();
  const now = () => performance.timeOrigin + performance.now();
  const analyze = async (document: vscode.TextDocument, firedAt?: number) => {
    if (!isApiProperties(document) || document.isClosed) return;
    const version = document.version;
    const options = await analysisOptions(document);
    if (document.isClosed || document.version !== version) return;
    const optionsAt = now();
    const text = document.getText();
    const found = analyzeApiProperties(text, options).filter((d) => !reportedByVsCode(document, d));
    const computedAt = now();
    const cached = online.get(document.uri.toString());
    const extra = cached && cached.text === text ? cached.diagnostics : [];
    collection.set(document.uri, [...found, ...extra].map((d) => toVsDiagnostic(document, d)));
    const edited = editedAt.get(document.uri.toString());
    if (firedAt !== undefined && edited !== undefined) {
      const at = (t: number) => (t - edited).toFixed(1);
      deps.log.debug(`Diagnostics timeline of ${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)}: edit at ${edited.toFixed(1)}, debounce fired ${at(firedAt)} ms, options ${at(optionsAt)} ms, rules ${at(computedAt)} ms, set ${at(now())} ms (${found.length + extra.length} problems).`);
    }
  };
  /** The online rules (on open, on save, after sign-in and on demand); false when nobody is signed in. */
  const checkOnline = async (document: vscode.TextDocument): Promise<boolean> => {
    if (!isApiProperties(document) || document.isClosed) return false;
    const key = document.uri.toString();
    const account = await session.account();
    if (!account) {
      online.delete(key);
      await analyze(document);
      return false;
    }
    const text = document.getText();
    try {
      const service = await siteCheck(document, account.tenantId);
      online.set(key, { text, diagnostics: await analyzeOnline(text, await session.directory(), { now: new Date(), ...(service ? { service } : {}) }) });
    } catch (error) {
      online.delete(key);
      deps.log.warn(`Checking ${document.uri.fsPath} against the directory failed: ${describeFailure(error)}`);
    }
    await analyze(document);
    return true;
  };
  /**
   * The API's site (the one serving the sibling swagger's host), for the rules that predict its 401/403: only when
   * Azure Resource Manager is already granted — a token from the cache, never a prompt (Secure the Service asks for
   * it). The site found for a host is remembered for the session; its settings are read on every check.
   */
  const siteCheck = async (document: vscode.TextDocument, tenantId: string): Promise<OnlineOptions['service']> => {
    const swagger = (await analysisOptions(document)).swaggerText;
    const host = swagger ? swaggerHost(swagger) : undefined;
    if (!host) return undefined;
    const cloud = deps.auth.settings().cloud;
    const { ArmClient } = await import('../service/arm');
    const { readSiteAuth } = await import('../service/predict');
    const arm = new ArmClient({
      armEndpoint: cloud.armEndpoint,
      getAccessToken: (scopes, o) => deps.auth.getAccessToken(scopes, { silent: true, ...(o?.forceRefresh ? { forceRefresh: true } : {}) }),
      log: (e) => logRequest(deps.log, 'ARM', e),
    });
    return {
      loginEndpoint: cloud.loginEndpoint,
      tenantId,
      settings: async () => {
        const known = sites.get(host);
        try {
          const read = await readSiteAuth(arm, known?.id ?? host);
          sites.set(host, { id: read.siteId });
          return read;
        } catch (error) {
          sites.delete(host);
          // No Resource Manager access yet is the usual case, not a problem: said at debug level only.
          if (isAuthFailure(error)) deps.log.debug(`The API's site (${host}) was not checked: ${describeFailure(error)}`);
          else deps.log.info(`The API's site (${host}) was not checked: ${describeFailure(error)}`);
          return undefined;
        }
      },
    };
  };
  const sites = new Map<string, { id: string }>();
  const runOnline = (document: vscode.TextDocument) =>
    checkOnline(document).catch((error: unknown) => deps.log.error(`Online check of ${document.uri.fsPath} failed: ${error instanceof Error ? error.message : String(error)}`));
  /**
   * After another account or cloud: a document open in an editor is checked again; one VS Code still holds but no
   * tab shows (closed, not yet disposed; its file may be gone) only loses the previous account's results.
   */
  const recheckOnline = (document: vscode.TextDocument) => {
    if (!isApiProperties(document)) return;
    if (inEditor(document)) {
      void runOnline(document);
    } else if (online.delete(document.uri.toString())) {
      void run(document);
    }
  };
  const run = (document: vscode.TextDocument, firedAt?: number) =>
    analyze(document, firedAt).catch((error: unknown) =>
      deps.log.error(`Checking ${document.uri.fsPath} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  const schedule = (document: vscode.TextDocument) => {
    if (!isApiProperties(document)) return;
    const key = document.uri.toString();
    editedAt.set(key, now());
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      void run(document, now());
    }, DIAGNOSTICS_DEBOUNCE_MS));
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => {
      void run(d);
      void runOnline(d);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (isApiProperties(d)) {
        void run(d);
        void runOnline(d);
      } else if (d.uri.path.endsWith(`/${SWAGGER_NAME}`)) {
        const sibling = vscode.workspace.textDocuments.find((o) => isApiProperties(o) && vscode.Uri.joinPath(o.uri, '..').toString() === vscode.Uri.joinPath(d.uri, '..').toString());
        if (sibling) void run(sibling);
      }
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      collection.delete(d.uri);
      online.delete(d.uri.toString());
      editedAt.delete(d.uri.toString());
    }),
    deps.auth.onDidChange(() => vscode.workspace.textDocuments.forEach(recheckOnline)),
    vscode.commands.registerCommand(CHECK_ONLINE_COMMAND, async () => {
      const documents = vscode.workspace.textDocuments.filter((d) => isApiProperties(d) && inEditor(d));
      if (documents.length === 0) {
        void vscode.window.showInformationMessage('Open an apiProperties.json to check it against the directory.');
        return false;
      }
      const results = await Promise.all(documents.map((d) => checkOnline(d)));
      if (!results.some(Boolean)) {
        const pick = await vscode.window.showInformationMessage('Checking apiProperties.json against the directory needs a signed-in account.', 'Sign In');
        if (pick === 'Sign In') await vscode.commands.executeCommand('entraConnector.signIn');
        return false;
      }
      return true;
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('entraConnector.cloud') || e.affectsConfiguration('entraConnector.customCloud')) {
        vscode.workspace.textDocuments.forEach((d) => {
          void run(d);
          recheckOnline(d);
        });
      }
    }),
  );
  vscode.workspace.textDocuments.forEach((d) => {
    void run(d);
    void runOnline(d);
  });

  registerCodeActions(context, deps, {
    current: (document) => {
      const cached = online.get(document.uri.toString());
      return cached && cached.text === document.getText() ? cached.diagnostics : [];
    },
    recheck: runOnline,
  });
  registerExplainCommand(context, deps);
}
