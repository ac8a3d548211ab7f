import * as vscode from 'vscode';
import { isOpenableUrl } from '../auth/loginHost';

/** Opens an `https:` URL from a server or a file in the browser; refuses any other scheme with a message. */
export async function openHttpsUrl(url: string): Promise<boolean> {
  if (!isOpenableUrl(url)) {
    void vscode.window.showErrorMessage(`Entra Connector did not open "${url.slice(0, 200)}": only https:// addresses are opened. Check the endpoint in your Entra Connector settings.`);
    return false;
  }
  return vscode.env.openExternal(vscode.Uri.parse(url, true));
}
