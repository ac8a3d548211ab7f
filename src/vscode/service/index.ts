/**
 * The command "Entra Connector: Secure the Service…": quick picks for subscription → site (search, or a pasted
 * resource ID / URL), a before/after diff and a confirmation, then the change through Azure Resource Manager.
 */
import * as vscode from 'vscode';
import { reviewInDiff } from '../preview';
import { connectorFolderItems } from '../folderPick';
import type { Auth } from '../auth';
import { toArmError } from '../../service/errors';
import { isAuthFailure } from '../../auth/errors';
import { isFunctionApp, parseSiteId, type Site } from '../../service/sites';
import { describePlan, hasChanges, type SecurePlan } from '../../service/secure';
import { runSecureServiceFlow, type ExtraChange, type SecureServiceArgs, type ServiceUi } from './flow';

export { runSecureServiceFlow, type ServiceUi, type SecureServiceArgs, type ExtraChange } from './flow';

export const SECURE_SERVICE_COMMAND = 'entraConnector.secureService';

export interface ServiceDeps {
  readonly log: vscode.LogOutputChannel;
  readonly auth: Auth;
}

export function registerServiceCommands(context: vscode.ExtensionContext, deps: ServiceDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(SECURE_SERVICE_COMMAND, async (arg?: vscode.Uri | SecureServiceArgs) => {
      const args: SecureServiceArgs = arg instanceof vscode.Uri ? { connector: arg.path.endsWith('.json') ? vscode.Uri.joinPath(arg, '..') : arg } : (arg ?? {});
      try {
        const out = await runSecureServiceFlow(vscodeUi, deps, args);
        if (out.cancelled) return out;
        const parts = [out.result?.easyAuthChanged && 'authentication', out.result?.corsChanged && 'CORS'].filter(Boolean);
        const files = out.files.map((f) => vscode.workspace.asRelativePath(f));
        const site = out.result?.site.name ?? 'The site';
        const message = `${parts.length ? `${site}: ${parts.join(' and ')} updated.` : `${site} was already secured; nothing changed.`}${files.length ? ` Edited ${files.join(', ')}.` : ''}`;
        // Also in the log: a notification hides itself after a few seconds.
        deps.log.info(`Secure the Service: ${message}`);
        void vscode.window.showInformationMessage(message);
        return out;
      } catch (error) {
        const e = toArmError(error);
        deps.log.error(`Secure the Service: ${e.code} ${e.message}${e.requestId ? ` (request-id ${e.requestId})` : ''}`);
        if (isAuthFailure(error)) {
          await deps.auth.showFailure(error);
          return undefined;
        }
        const choice = await vscode.window.showErrorMessage(`${e.message} ${e.next}`, 'Show Log');
        if (choice) deps.log.show();
        return undefined;
      }
    }),
  );
}

const PASTE = '$(edit) Enter a resource ID or the API’s URL…';

/** The field-by-field preview of "Secure the Service…" (with Show Before/After); true when the user applies it. */
export async function confirmSitePlan(plan: SecurePlan): Promise<boolean> {
  return (await vscodeUi.confirm(plan, [])) !== undefined;
}

const vscodeUi: ServiceUi = {
  async pickConnector(folders) {
    const pick = await vscode.window.showQuickPick(connectorFolderItems(folders), { title: 'Which connector’s service?', matchOnDescription: true });
    return pick?.uri;
  },

  async pickSubscription(subscriptions) {
    const pick = await vscode.window.showQuickPick(
      subscriptions.map((s) => ({ label: s.displayName, description: s.subscriptionId, subscription: s })),
      { title: 'Azure subscription of the API', matchOnDescription: true },
    );
    return pick?.subscription;
  },

  async pickSite(sites, suggested) {
    type Item = vscode.QuickPickItem & { site?: Site };
    const item = (s: Site, note?: string): Item => ({
      label: `${isFunctionApp(s) ? '$(symbol-event)' : '$(globe)'} ${s.name}`,
      description: [note, isFunctionApp(s) ? 'Function App' : 'Web App', s.resourceGroup].filter(Boolean).join(' · '),
      detail: s.defaultHostName,
      site: s,
    });
    const rest = sites.filter((s) => !suggested.includes(s));
    const items: Item[] = [
      ...suggested.map((s) => item(s, 'serves the connector’s host')),
      ...(suggested.length ? [{ label: '', kind: vscode.QuickPickItemKind.Separator }] : []),
      ...rest.map((s) => item(s)),
      { label: PASTE, alwaysShow: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Web app or function app that hosts the API', matchOnDescription: true, matchOnDetail: true, placeHolder: 'Search by name, resource group or host name' });
    if (!pick) return undefined;
    if (pick.site) return pick.site;
    return await vscode.window.showInputBox({
      title: 'Site resource ID or the API’s URL',
      placeHolder: '/subscriptions/…/resourceGroups/…/providers/Microsoft.Web/sites/NAME or https://NAME.azurewebsites.net',
      ignoreFocusOut: true,
      validateInput: (v) => (parseSiteId(v) || /^(https:\/\/)?[a-z0-9.-]+\.[a-z]{2,}(\/\S*)?$/i.test(v.trim()) ? undefined : 'A resource ID or an https URL'),
    });
  },

  async askApiApp(reason) {
    return await vscode.window.showInputBox({
      title: 'API app for App Service authentication',
      prompt: `${reason} Enter the API app’s application (client) ID or its Application ID URI.`,
      ignoreFocusOut: true,
      validateInput: (v) => (/^[0-9a-f-]{36}$/i.test(v.trim()) || /^(api|https):\/\/\S+$/.test(v.trim()) ? undefined : 'An application ID (GUID) or an api:// / https:// URI'),
    });
  },

  async confirm(plan, extras) {
    const lines = describePlan(plan);
    const changes = hasChanges(plan);
    const apply = changes ? 'Apply' : extras.length ? 'Continue' : undefined;
    const show = 'Show Before/After';
    for (;;) {
      const buttons = [...(apply ? [apply] : []), ...(changes ? [show] : [])];
      const choice = await vscode.window.showInformationMessage(
        changes ? `Secure ${plan.site.name}?` : `${plan.site.name} is already secured.`,
        { modal: true, detail: lines.join('\n') },
        ...buttons,
      );
      if (choice === show) {
        // The diff stays readable while the question waits beside it (no modal over it); declining cancels.
        if (!(await showBeforeAfter(plan, apply ?? 'Apply', lines))) return undefined;
        break;
      }
      if (!choice) return undefined;
      break;
    }
    if (extras.length === 0) return [];
    const picked = await vscode.window.showQuickPick(
      extras.map((e) => ({ label: e.label, picked: e.kind === 'localSettings', extra: e })),
      { title: 'Also change these files? (optional)', canPickMany: true, ignoreFocusOut: true },
    );
    return (picked ?? []).map((p) => p.extra as ExtraChange);
  },

  progress(title, task) {
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${title}…` }, task));
  },
};

/** The site's settings before ↔ after in a read-only diff, with the question beside it; true to apply. */
async function showBeforeAfter(plan: SecurePlan, apply: string, lines: readonly string[]): Promise<boolean> {
  const side = (which: 'before' | 'after') =>
    JSON.stringify(
      {
        ...(plan.easyAuth ? { authsettingsV2: plan.easyAuth[which] } : {}),
        ...(plan.cors ? { cors: plan.cors[which] } : {}),
      },
      null,
      2,
    );
  return reviewInDiff({
    title: `${plan.site.name}: before ↔ after`,
    files: [{ name: `${plan.site.name}.json`, current: { text: side('before') }, proposed: side('after') }],
    question: `Secure ${plan.site.name}?`,
    accept: apply,
    lines,
  });
}
