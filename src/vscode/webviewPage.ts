import type * as vscode from 'vscode';

/**
 * The one HTML document of the extension's webviews: a strict CSP (nothing by default; the webview's own resources for
 * styles, fonts and images; scripts only with this page's nonce), the stylesheet, the title and the body. The wizard
 * and the bench's minimal-webview floor share it, so the floor differs from the wizard in its body only.
 */
export function webviewPage(o: { readonly webview: vscode.Webview; readonly nonce: string; readonly style: vscode.Uri; readonly title: string; readonly body: string }): string {
  const csp = ["default-src 'none'", `style-src ${o.webview.cspSource}`, `font-src ${o.webview.cspSource}`, `img-src ${o.webview.cspSource} data:`, `script-src 'nonce-${o.nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.style.toString()}">
<title>${o.title}</title>
</head>
<body>
${o.body}
</body>
</html>`;
}
