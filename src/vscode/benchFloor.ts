import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

/**
 * The floor `npm run bench` measures the wizard's first paint against (bench/vscode.ts): a webview panel of this
 * extension with the wizard's options and CSP and a static heading, no script bundle. Registered only when the bench
 * starts the extension host with ENTRA_BENCH_FLOOR=1; the wizard itself does not know about it.
 */
export const FLOOR_COMMAND = 'entraConnector.bench.minimalWebview';

export function registerBenchFloor(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(FLOOR_COMMAND, () => {
      const roots = [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')];
      const panel = vscode.window.createWebviewPanel('entraConnector.benchFloor', 'Minimal webview', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: roots });
      const webview = panel.webview;
      const nonce = randomBytes(16).toString('base64');
      const style = webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'wizard.css'));
      const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource} data:`, `script-src 'nonce-${nonce}'`].join('; ');
      webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Minimal webview</title>
</head>
<body><main id="app"><h2 id="pageTitle">Minimal webview</h2></main></body>
</html>`;
    }),
  );
}
