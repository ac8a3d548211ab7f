import * as vscode from 'vscode';

/** The "Entra Connector" output channel. Nothing secret is ever written here: callers log redacted values. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Entra Connector', { log: true });
}
