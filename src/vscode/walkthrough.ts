import * as vscode from 'vscode';

const SHOWN_KEY = 'entraConnector.walkthroughShown';
export const WALKTHROUGH_ID = 'gettingStarted';

/**
 * Opens the "Get Started" walkthrough on the first activation, once per user (VS Code opens walkthroughs by itself
 * only after a Marketplace install). A user who turned walkthroughs off (`workbench.welcomePage.walkthroughs.openOnInstall`)
 * is not shown it. The mark is stored before the walkthrough opens, so a window reloaded at once does not show it again.
 */
export async function openWalkthroughOnce(context: vscode.ExtensionContext, log?: vscode.LogOutputChannel): Promise<void> {
  if (context.globalState.get<boolean>(SHOWN_KEY)) return;
  if (vscode.workspace.getConfiguration('workbench.welcomePage.walkthroughs').get<boolean>('openOnInstall') === false) return;
  await context.globalState.update(SHOWN_KEY, true);
  log?.info('Opening the Get Started walkthrough (the first activation for this user).');
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
}
