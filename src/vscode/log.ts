import * as vscode from 'vscode';
import { requestLogLine, type RequestLogEntry } from '../http/policy';

/** The "Entra Connector" output channel. Nothing secret is ever written here: callers log redacted values. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Entra Connector', { log: true });
}

/** One line per Graph or ARM attempt (src/http/policy.ts); failed attempts as warnings. */
export function logRequest(log: vscode.LogOutputChannel, service: 'Graph' | 'ARM', entry: RequestLogEntry): void {
  const { line, problem } = requestLogLine(service, entry);
  if (problem) log.warn(line);
  else log.info(line);
}
