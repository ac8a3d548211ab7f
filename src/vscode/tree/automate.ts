/**
 * "Automate Secret Rotation…" on a connector (Connectors view, command palette): the same engine as
 * `entra-connector automate` (src/setup/automate.ts) signed in as the user, and the GitHub Actions workflow written
 * through a WorkspaceEdit the user previews and confirms.
 */
import * as vscode from 'vscode';
import type { RegistrationsSession } from '../session';
import { toDirectoryError } from '../../graph/errors';
import { describeFailure } from '../session';
import type { ConnectorEntry, TreeNode } from './nodes';

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Asks for the repository, the branch or environment and the Key Vault; undefined when the user cancels. */
async function askPipeline(connectorName: string): Promise<{ repo: string; branch?: string; environment?: string; keyVault: string } | undefined> {
  const repo = await vscode.window.showInputBox({
    title: `Automate secret rotation for ${connectorName} (1/3)`,
    prompt: 'The GitHub repository whose workflow rotates the secret (owner/name)',
    placeHolder: 'contoso/connectors',
    validateInput: (v) => (REPO.test(v.trim()) ? undefined : 'owner/name, e.g. contoso/connectors'),
  });
  if (!repo) return undefined;
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Branch', description: 'the scheduled job runs on the default branch', value: 'branch' as const },
      { label: 'Environment', description: 'the job uses a GitHub environment (its protection rules apply)', value: 'environment' as const },
    ],
    { title: `Automate secret rotation for ${connectorName} (2/3)`, placeHolder: 'What the federated credential trusts' },
  );
  if (!kind) return undefined;
  const name = await vscode.window.showInputBox({
    title: `Automate secret rotation for ${connectorName} (2/3)`,
    prompt: kind.value === 'branch' ? 'The branch (the repository\'s default branch for scheduled runs)' : 'The GitHub environment',
    value: kind.value === 'branch' ? 'main' : 'production',
    validateInput: (v) => (/^[A-Za-z0-9._/-]{1,200}$/.test(v.trim()) && !v.includes('..') ? undefined : 'Letters, digits, ".", "_", "-" and "/"'),
  });
  if (!name) return undefined;
  const keyVault = await vscode.window.showInputBox({
    title: `Automate secret rotation for ${connectorName} (3/3)`,
    prompt: 'The Azure Key Vault that receives each new secret: <vault>[/<secret-name>] (a solution\'s secret environment variable reads it there)',
    placeHolder: 'kv-contoso/contoso-invoices-client-secret',
    validateInput: (v) => (/^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9](\/[A-Za-z0-9-]{1,127})?$/.test(v.trim()) ? undefined : '<vault-name>[/<secret-name>]'),
  });
  if (!keyVault) return undefined;
  return { repo: repo.trim(), ...(kind.value === 'branch' ? { branch: name.trim() } : { environment: name.trim() }), keyVault: keyVault.trim() };
}

/** From the command palette: the connectors whose app is in the tenant. */
export async function pickConnector(connectors: { connectorEntries(): Promise<readonly ConnectorEntry[]> }): Promise<TreeNode | undefined> {
  const entries = (await connectors.connectorEntries()).filter((e) => !!e.health.connectorApp);
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('No connector in the Connectors view has its app in this tenant yet: secure one first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    entries.map((entry) => ({ label: entry.name, description: entry.health.connectorApp!.appId, entry })),
    { title: 'Automate the secret rotation of which connector?', matchOnDescription: true },
  );
  return picked && { kind: 'connector', entry: picked.entry };
}

export async function automateRotation(session: RegistrationsSession, node: TreeNode | undefined, log: vscode.LogOutputChannel): Promise<void> {
  if (node?.kind !== 'connector' && !(node?.kind === 'app' && node.role === 'connector')) return;
  const entry = node.entry;
  const app = entry.health.connectorApp;
  if (!app) {
    void vscode.window.showWarningMessage(`${entry.name}: the connector app is not in this tenant yet. Secure the connector first.`);
    return;
  }
  const account = await session.account();
  if (!account) {
    void vscode.window.showWarningMessage('Sign in to Microsoft Entra first.');
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(entry.folder);
  if (!folder) {
    void vscode.window.showWarningMessage(`${entry.name} is not in a workspace folder, so there is no repository to put the workflow in.`);
    return;
  }
  const answers = await askPipeline(entry.name);
  if (!answers) return;

  const [{ automateRotation: run }, workflow, { Directory }] = await Promise.all([import('../../setup/automate'), import('../../setup/workflow'), import('../../graph/operations')]);
  const cloud = session.auth.settings().cloud;
  const subject = workflow.githubSubject(answers.repo, answers);
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Setting up the pipeline identity for ${entry.name}…` }, async () => {
      const client = await session.client();
      return run(
        { connectorAppId: app.appId, connectorName: entry.name, tenantId: account.tenantId, issuer: workflow.GITHUB_ISSUER, subject, pipelineLabel: `${answers.repo} (${answers.environment ?? answers.branch})`, cloud },
        { directory: new Directory(client), graph: client },
      );
    });
    const relativeDir = vscode.workspace.asRelativePath(entry.folder, false);
    const content = workflow.githubRotationWorkflow({
      connectorName: entry.name,
      connectorDir: relativeDir === entry.folder.fsPath ? '.' : relativeDir,
      tenantId: account.tenantId,
      clientId: result.pipelineApp.appId,
      cloud,
      days: 90,
      schedule: '17 3 1 * *',
      ...(answers.environment ? { environment: answers.environment } : {}),
      keyVault: workflow.parseKeyVault(answers.keyVault, entry.name),
      cliVersion: (vscode.extensions.getExtension('entra-connector.entra-connector')?.packageJSON as { version?: string } | undefined)?.version ?? 'latest',
    });
    const target = vscode.Uri.joinPath(folder.uri, workflow.workflowPath(entry.name));
    let existing: string | undefined;
    try {
      existing = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    } catch {
      existing = undefined;
    }
    if (existing !== content) {
      const edit = new vscode.WorkspaceEdit();
      // Previewed like the guided setup's file changes; entraConnector.setup.previewChanges off applies it directly.
      const preview = vscode.workspace.getConfiguration('entraConnector').get<boolean>('setup.previewChanges', true);
      const metadata = { label: `Workflow that rotates the ${entry.name} secret`, needsConfirmation: preview, description: 'entra-connector automate' };
      if (existing === undefined) edit.createFile(target, { contents: new TextEncoder().encode(content) }, metadata);
      else edit.replace(target, new vscode.Range(0, 0, Number.MAX_SAFE_INTEGER, 0), content, metadata);
      const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: preview });
      if (!applied) {
        void vscode.window.showInformationMessage(`${entry.name}: the pipeline identity is set up; the workflow file was not written.`);
        return;
      }
      await vscode.workspace.save(target);
    }
    const done = `${entry.name}: the pipeline app ${result.pipelineApp.displayName} trusts ${subject} and owns the connector app.`;
    if (result.permission.state === 'pending' && result.permission.adminConsentUrl) {
      const link = result.permission.adminConsentUrl;
      const choice = await vscode.window.showWarningMessage(`${done} An administrator must still grant it ${result.permission.name}.`, 'Copy Admin Link', 'Open Link');
      if (choice === 'Copy Admin Link') await vscode.env.clipboard.writeText(link);
      else if (choice === 'Open Link') await vscode.env.openExternal(vscode.Uri.parse(link));
    } else {
      void vscode.window.showInformationMessage(`${done} Commit and push ${workflow.workflowPath(entry.name)} to start the schedule.`);
    }
  } catch (error) {
    const message = workflow.workflowInputFailure(error)?.message ?? describeFailure(error);
    log.error(`Automate secret rotation for ${entry.name}: ${message} (${toDirectoryError(error).code})`);
    void vscode.window.showErrorMessage(`Automating the secret rotation of ${entry.name} failed: ${message}`);
  }
}
