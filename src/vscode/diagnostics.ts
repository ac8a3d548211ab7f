import * as vscode from 'vscode';
import { resolveCloud } from '../cloud/clouds';
import type { ConnectorDiagnostic, Severity } from '../connector/diagnostic';
import { analyzeApiProperties, type AnalysisOptions } from '../connector/rules';
import { registerCodeActions } from './codeActions';
import { registerExplainCommand } from './explainCommand';

export const DIAGNOSTIC_SOURCE = 'Entra Connector';
const FILE_NAME = 'apiproperties.json';
const SWAGGER_NAME = 'apiDefinition.swagger.json';
const DEBOUNCE_MS = 300;

export interface DiagnosticsDeps {
  readonly log: vscode.LogOutputChannel;
}

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
  const config = vscode.workspace.getConfiguration('entraConnector');
  try {
    const cloud = resolveCloud(config.get('cloud'), config.get('customCloud'));
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

  const analyze = async (document: vscode.TextDocument) => {
    if (!isApiProperties(document) || document.isClosed) return;
    const version = document.version;
    const options = await analysisOptions(document);
    if (document.isClosed || document.version !== version) return;
    const found = analyzeApiProperties(document.getText(), options);
    collection.set(document.uri, found.map((d) => toVsDiagnostic(document, d)));
  };
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
    }, DEBOUNCE_MS));
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => void run(d)),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (isApiProperties(d)) void run(d);
      else if (d.uri.path.endsWith(`/${SWAGGER_NAME}`)) {
        const sibling = vscode.workspace.textDocuments.find((o) => isApiProperties(o) && vscode.Uri.joinPath(o.uri, '..').toString() === vscode.Uri.joinPath(d.uri, '..').toString());
        if (sibling) void run(sibling);
      }
    }),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('entraConnector.cloud') || e.affectsConfiguration('entraConnector.customCloud')) {
        vscode.workspace.textDocuments.forEach((d) => void run(d));
      }
    }),
  );
  vscode.workspace.textDocuments.forEach((d) => void run(d));

  registerCodeActions(context, deps);
  registerExplainCommand(context, deps);
}
