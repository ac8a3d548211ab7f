// "Automate Secret Rotation…" on a connector inside the real extension host, against the emulated tenant: the user
// (an Application Administrator) answers the repository, branch and Key Vault; the pipeline app gets a federated
// credential for the repository's subject and becomes an owner of the connector app; Graph's
// Application.ReadWrite.OwnedBy is left to an administrator (the warning says so); the workflow file is written
// through a WorkspaceEdit.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { treeSeed } from '../../../emulator/src/seeds/connectors';
import { admin, ADMIN, answering, emulator, signedIn, until } from '../extensionHost';

describe('Automate Secret Rotation (issue 18)', function () {
  this.timeout(120_000);
  const ep = emulator();
  const seed = treeSeed([{ name: 'Pipeline Invoices' }], { owner: ADMIN, index: 1800 });
  const connector = seed.connectors[0]!;
  let api: ExtensionTestApi;

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    const root = vscode.workspace.workspaceFolders![0]!.uri;
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, connector.name, 'apiProperties.json'), new TextEncoder().encode(connector.apiProperties));
    await api.connectors.refresh();
    await vscode.workspace.getConfiguration('entraConnector').update('setup.previewChanges', false, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('entraConnector').update('setup.previewChanges', undefined, vscode.ConfigurationTarget.Global);
  });

  it('sets up the federated pipeline identity and ownership, writes the workflow, and leaves OwnedBy to an administrator', async () => {
    const node = await until('the seeded connector with its app', async () => {
      const nodes = (await api.connectors.getChildren()) ?? [];
      return nodes.find((n): n is Extract<TreeNode, { kind: 'connector' }> => n.kind === 'connector' && n.entry.name === connector.name && !!n.entry.health.connectorApp);
    });
    const inputs = ['contoso/connectors', 'main', 'kv-contoso'];
    const { asked } = await answering(
      {
        showInputBox: () => inputs.shift(),
        showQuickPick: (items) => (items as readonly { label: string }[]).find((i) => i.label === 'Branch'),
        showWarningMessage: () => undefined,
      },
      () => vscode.commands.executeCommand('entraConnector.tree.automateRotation', node),
    );
    const warnings = asked.filter((a) => a.prompt === 'showWarningMessage').map((a) => String(a.args[0]));
    assert.deepEqual(inputs, [], 'asked for the repository, the branch and the Key Vault');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /An administrator must still grant it Application\.ReadWrite\.OwnedBy/);

    const state = await admin<{ applications: { id: string; appId: string; displayName: string; owners: string[] }[]; servicePrincipals: { id: string; appId: string }[] }>(ep, 'GET', '/state');
    const pipeline = state.applications.find((a) => a.displayName === 'Entra Connector pipeline – contoso/connectors (main)');
    assert.ok(pipeline, 'the pipeline app exists');
    const pipelineSp = state.servicePrincipals.find((s) => s.appId === pipeline.appId);
    assert.ok(pipelineSp);
    const connectorApp = state.applications.find((a) => a.appId === connector.clientId)!;
    assert.ok(connectorApp.owners.includes(pipelineSp.id), 'the pipeline owns the connector app');
    const { access_token } = await admin<{ access_token: string }>(ep, 'POST', '/token', { user: ADMIN, scopes: ['https://graph.microsoft.com/Application.ReadWrite.All'] });
    const fics = (await (await fetch(`${ep.graphEndpoint}/v1.0/applications/${pipeline.id}/federatedIdentityCredentials`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as { value: { issuer: string; subject: string }[] };
    assert.deepEqual(fics.value.map((f) => [f.issuer, f.subject]), [['https://token.actions.githubusercontent.com', 'repo:contoso/connectors:ref:refs/heads/main']]);

    const root = vscode.workspace.workspaceFolders![0]!.uri;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, '.github', 'workflows', 'rotate-pipeline-invoices.yml')));
    assert.match(text, /permissions:\n {2}id-token: write\n {2}contents: read/);
    assert.match(text, new RegExp(`AZURE_CLIENT_ID: "${pipeline.appId}"`));
    assert.match(text, /az keyvault secret set --vault-name kv-contoso/);
  });
});
