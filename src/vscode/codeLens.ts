import * as vscode from 'vscode';
import { readApiProperties } from '../connector/model';

/** The CodeLens title on an apiProperties.json that does not sign in with Entra ID yet / that does. */
export const SECURE_TITLE = 'Secure with Entra ID…';
export const OPEN_TITLE = 'Open setup';
export const DEPLOY_TITLE = 'Deploy to Power Platform…';

/** Whether the file has an Entra (`aad`) OAuth token parameter; undefined while it is not valid JSON. */
function signsInWithEntra(text: string): boolean | undefined {
  try {
    const model = readApiProperties(text);
    return model.doc.root ? model.tokens.some((t) => t.isEntra) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A CodeLens at the top of every apiProperties.json: "Secure with Entra ID…" when it has no `aad` token parameter,
 * "Open setup" when it has one. Both open the guided setup for the file's folder; a connector that signs in with Entra
 * also gets "Deploy to Power Platform…".
 */
export class ConnectorCodeLensProvider implements vscode.CodeLensProvider {
  /** The last answer per document: while the JSON is briefly invalid (typing), the lens keeps it instead of flipping. */
  private readonly last = new Map<string, boolean>();

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!/(^|[\\/])apiProperties\.json$/i.test(document.uri.path)) return [];
    const folder = vscode.Uri.joinPath(document.uri, '..');
    const key = document.uri.toString();
    const now = signsInWithEntra(document.getText());
    if (now !== undefined) this.last.set(key, now);
    const entra = now ?? this.last.get(key) ?? false;
    const title = entra ? OPEN_TITLE : SECURE_TITLE;
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title,
        tooltip: 'Entra Connector: the guided setup of this connector (apps, consent, secret, apiProperties.json)',
        command: 'entraConnector.secureConnector',
        arguments: [folder],
      }),
      ...(entra
        ? [
            new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
              title: DEPLOY_TITLE,
              tooltip: 'Entra Connector: create or update this connector in Power Platform and register its redirect URL',
              command: 'entraConnector.deployConnector',
              arguments: [folder],
            }),
          ]
        : []),
    ];
  }
}

export function registerConnectorCodeLens(): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider({ pattern: '**/apiProperties.json' }, new ConnectorCodeLensProvider());
}
