import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { DIAGNOSTICS_DEBOUNCE_MS } from './debounce';
import { webviewPage } from './webviewPage';

/**
 * The floors `npm run bench` measures against (bench/vscode.ts), registered only when the bench starts the extension
 * host with ENTRA_BENCH_FLOOR=1; the product does not know about them:
 * - the wizard's first paint: a webview panel of this extension with the wizard's options and CSP and a static
 *   heading, no script bundle;
 * - diagnostics while typing: a `bench-floor.json` gets one warning per "aad" after the diagnostics' debounce, with no
 *   analysis — the platform's edit → problem shown, debounce included.
 */
export const FLOOR_COMMAND = 'entraConnector.bench.minimalWebview';

export function registerBenchFloor(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const floor = vscode.languages.createDiagnosticCollection('entraConnectorBenchFloor');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const now = () => performance.timeOrigin + performance.now();
  context.subscriptions.push(
    floor,
    { dispose: () => clearTimeout(timer) },
    vscode.workspace.onDidChangeTextDocument(({ document }) => {
      if (!document.uri.path.endsWith('/bench-floor.json')) return;
      clearTimeout(timer);
      const edited = now();
      timer = setTimeout(() => {
        const fired = now();
        const text = document.getText();
        const found = [...text.matchAll(/aad/g)].map((m) => new vscode.Diagnostic(new vscode.Range(document.positionAt(m.index), document.positionAt(m.index + 3)), 'bench floor', vscode.DiagnosticSeverity.Warning));
        const computed = now();
        floor.set(document.uri, found);
        // The diagnostics' timeline line (src/vscode/diagnostics.ts), for the bench to set beside it.
        const at = (t: number) => (t - edited).toFixed(1);
        log.debug(`Diagnostics timeline of bench-floor.json: edit at ${edited.toFixed(1)}, debounce fired ${at(fired)} ms, options ${at(fired)} ms, rules ${at(computed)} ms, set ${at(now())} ms (${found.length} problems).`);
      }, DIAGNOSTICS_DEBOUNCE_MS);
    }),
    vscode.commands.registerCommand(FLOOR_COMMAND, () => {
      const roots = [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media', 'webview')];
      const panel = vscode.window.createWebviewPanel('entraConnector.benchFloor', 'Minimal webview', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: roots });
      const webview = panel.webview;
      const nonce = randomBytes(16).toString('base64');
      const style = webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'webview', 'wizard.css'));
      webview.html = webviewPage({ webview, nonce, style, title: 'Minimal webview', body: '<main id="app"><h2 id="pageTitle">Minimal webview</h2></main>' });
    }),
  );
}
