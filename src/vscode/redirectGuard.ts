import * as vscode from 'vscode';
import { redirectUriConcern } from '../setup/redirect';

/**
 * Before a redirect URI read from a file or an error message is registered on an app: a Power Platform consent URL of
 * the configured cloud goes ahead; anything else is shown with the reason and needs an explicit "Register Anyway".
 */
export async function confirmRedirectUri(uri: string, appLabel: string, cloudName: string): Promise<boolean> {
  const concern = redirectUriConcern(uri, cloudName);
  if (!concern) return true;
  const anyway = 'Register Anyway';
  const choice = await vscode.window.showWarningMessage(
    `Register ${uri} on ${appLabel}? It does not look like a Power Platform redirect URL.`,
    { modal: true, detail: `${concern[0]!.toUpperCase()}${concern.slice(1)}. Register it only if you know where it came from (the connector's Security tab shows its redirect URL).` },
    anyway,
  );
  return choice === anyway;
}
