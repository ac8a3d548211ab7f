/**
 * What the diagnostics, code actions, hovers and the explain command share about an apiProperties.json document:
 * how to recognise one, the options its rules are analysed with, and what they are given. Kept apart so that
 * those modules import it, not each other.
 */
import * as vscode from 'vscode';
import type { AnalysisOptions } from '../connector/rules';
import type { Auth } from './auth';
import { readCloud } from './auth/settings';
import { readText } from './files';

export const DIAGNOSTIC_SOURCE = 'Entra Connector';
const FILE_NAME = 'apiproperties.json';
export const SWAGGER_NAME = 'apiDefinition.swagger.json';

export interface DiagnosticsDeps {
  readonly log: vscode.LogOutputChannel;
  /** For the online rules: they run only when an account is already signed in (never prompting). */
  readonly auth: Auth;
}

export function isApiProperties(document: vscode.TextDocument): boolean {
  const path = document.uri.path;
  return path.slice(path.lastIndexOf('/') + 1).toLowerCase() === FILE_NAME;
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
  return readText(uri).catch(() => undefined);
}

/** The analysis options for a document: the configured cloud and its sibling swagger. */
export async function analysisOptions(document: vscode.TextDocument): Promise<AnalysisOptions> {
  return { cloud: configuredCloud(), swaggerText: await siblingSwagger(document) };
}
