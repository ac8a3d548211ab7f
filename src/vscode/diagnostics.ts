import * as vscode from 'vscode';
import { readCloud } from './auth/settings';
import type { ConnectorDiagnostic, Severity } from '../connector/diagnostic';
import { analyzeOnline } from '../connector/online';
import { analyzeApiProperties, type AnalysisOptions } from '../connector/rules';
import type { Auth } from './auth';
import { registerCodeActions } from './codeActions';
import { DIAGNOSTICS_DEBOUNCE_MS } from './debounce';
import { registerExplainCommand } from './explainCommand';
import { registerHovers } from './hovers';
import { describeFailure, RegistrationsSession } from './session';

export const DIAGNOSTIC_SOURCE = 'Entra Connector';
const FILE_NAME = 'apiproperties.json';
const SWAGGER_NAME = 'apiDefinition.swagger.json';

export interface DiagnosticsDeps {
  readonly log: vscode.LogOutputChannel;
  /** For the online rules: they run only when an account is already signed in (never prompting). */
  readonly auth: Auth;
}

export const CHECK_ONLINE_COMMAND = 'entraConnector.checkOnline';

export function isApiProperties(document: vscode.TextDocument): boolean {
  const path = document.uri.path;
  return path.slice(path.lastIndexOf('/') + 1).toLowerCase() === FILE_NAME;
}

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

/** The configured cloud for `login-uri-cloud`; an unusable setting is reported by sign-in, so it is ignored here. */
function configuredCloud(): AnalysisOptions['cloud'] {
  try {
    const cloud = readCloud();
    return { name: cloud.name, loginEndpoint: cloud.loginEndpoint };
  } catch {
    return undefined;
  }
}

async function siblingSwagger(document: vscode.TextDocument): Promise<string | undefined> {
  const uri = vscode.Uri.joinPath(document.uri, '..', SWAGGER_NAME);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
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

/** The analysis options for a document: the configured cloud and its sibling swagger. */
export async function analysisOptions(document: vscode.TextDocument): Promise<AnalysisOptions> {
  return { cloud: configuredCloud(), swaggerText: await siblingSwagger(document) };
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

  const analyze = async (document: vscode.TextDocument) => {
    if (!isApiProperties(document) || document.isClosed) return;
    const version = document.version;
    const options = await analysisOptions(document);
    if (document.isClosed || document.version !== version) return;
    const text = document.getText();
    const found = analyzeApiProperties(text, options).filter((d) => !reportedByVsCode(document, d));
    const cached = online.get(document.uri.toString());
    const extra = cached && cached.text === text ? cached.diagnostics : [];
    collection.set(document.uri, [...found, ...extra].map((d) => toVsDiagnostic(document, d)));
  };
  /** The online rules (on open, on save, after sign-in and on demand); false when nobody is signed in. */
  const checkOnline = async (document: vscode.TextDocument): Promise<boolean> => {
    if (!isApiProperties(document) || document.isClosed) return false;
    const key = document.uri.toString();
    if (!(await session.account())) {
      online.delete(key);
      await analyze(document);
      return false;
    }
    const text = document.getText();
    try {
      online.set(key, { text, diagnostics: await analyzeOnline(text, (await session.directory()), { now: new Date() }) });
    } catch (error) {
      online.delete(key);
      deps.log.warn(`Checking ${document.uri.fsPath} against the directory failed: ${describeFailure(error)}`);
    }
    await analyze(document);
    return true;
  };
  const runOnline = (document: vscode.TextDocument) =>
    checkOnline(document).catch((error: unknown) => deps.log.error(`Online check of ${document.uri.fsPath} failed: ${error instanceof Error ? error.message : String(error)}`));
  const run = (document: vscode.TextDocument) =>
    analyze(document).catch((error: unknown) =>
      deps.log.error(`Checking ${document.uri.fsPath} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  const schedule = (document: vscode.TextDocument) => {
    if (!isApiProperties(document)) return;
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      void run(document);
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
    }),
    deps.auth.onDidChange(() => vscode.workspace.textDocuments.forEach((d) => void runOnline(d))),
    vscode.commands.registerCommand(CHECK_ONLINE_COMMAND, async () => {
      const documents = vscode.workspace.textDocuments.filter(isApiProperties);
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
    void runOnline(d);
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
