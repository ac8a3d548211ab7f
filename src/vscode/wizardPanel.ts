import * as vscode from 'vscode';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseWebviewMessage, type HostMessage, type WizardViewState } from '../protocol';

const STEPS = [
  ['service', 'Register the API app'],
  ['client', 'Register the connector app'],
  ['consent', 'Delegate and consent'],
  ['secret', 'Create the client secret'],
  ['properties', 'Write apiProperties.json'],
  ['redirect', 'Register the redirect URL'],
  ['service-auth', 'Secure the service and its CORS'],
] as const;

/** The wizard's webview panel: renders the checklist; the host owns every state change. */
export class WizardPanel {
  static readonly viewType = 'entraConnector.wizard';
  private static current: WizardPanel | undefined;
  private state: WizardViewState;

  static show(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, folder?: vscode.Uri): WizardPanel {
    if (WizardPanel.current) {
      WizardPanel.current.panel.reveal();
      return WizardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(WizardPanel.viewType, 'Secure a Custom Connector', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    return new WizardPanel(context, log, panel, folder);
  }

  static revive(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, panel: vscode.WebviewPanel): WizardPanel {
    WizardPanel.current?.panel.dispose();
    return new WizardPanel(context, log, panel, undefined);
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly panel: vscode.WebviewPanel,
    folder: vscode.Uri | undefined,
  ) {
    WizardPanel.current = this;
    const connectorName = folder ? path.basename(folder.path) : (vscode.workspace.workspaceFolders?.[0]?.name ?? 'connector');
    this.state = {
      connectorName,
      steps: STEPS.map(([id, title]) => ({ id, title, state: 'pending' })),
      currentStepId: STEPS[0][0],
    };
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'activitybar.svg');
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
    panel.onDidDispose(() => {
      if (WizardPanel.current === this) WizardPanel.current = undefined;
    });
  }

  private receive(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`Wizard: ignored a webview message: ${parsed.reason}`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ready':
        this.post({ type: 'state', state: this.state });
        break;
      case 'selectStep':
        if (this.state.steps.some((s) => s.id === message.stepId)) {
          this.state = { ...this.state, currentStepId: message.stepId };
          this.post({ type: 'state', state: this.state });
        } else {
          this.log.warn('Wizard: ignored selectStep for an unknown step');
        }
        break;
    }
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview.js'));
    const initial = JSON.stringify(this.state).replace(/</g, '\\u003c');
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Secure a Custom Connector</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" id="initial-state" type="application/json">${initial}</script>
<script nonce="${nonce}" type="module" src="${script.toString()}"></script>
</body>
</html>`;
  }
}
