import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { until as pollUntil } from '../extensionHost';

const EXTENSION_ID = 'entra-connector.entra-connector';
const WORKSPACE_ACTIVATION = 'workspaceContains:**/apiProperties.json';

interface Manifest {
  activationEvents?: string[];
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
}

function extension(): vscode.Extension<ExtensionTestApi> {
  const ext = vscode.extensions.getExtension<ExtensionTestApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> => pollUntil(what, probe, ms);

function labelOf(item: vscode.TreeItem): string {
  const label = item.label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}

describe('Entra Connector extension', () => {
  it('activates by itself in a workspace that holds an apiProperties.json', async () => {
    const ext = extension();
    // No explicit activate(): the workspaceContains event must have done it.
    await until('the extension to activate', () => ext.isActive);
    assert.ok(ext.exports?.connectors, 'activate() returned the extension API');
  });

  it('registers every command it contributes', async () => {
    const manifest = extension().packageJSON as Manifest;
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 0, 'the manifest contributes commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed commands without a handler: ${missing.join(', ')}`);
  });

  it('activates only on its commands, its views and workspaceContains:**/apiProperties.json', () => {
    const manifest = extension().packageJSON as Manifest;
    const events = manifest.activationEvents ?? [];
    const commands = manifest.contributes.commands.map((c) => `onCommand:${c.command}`);
    const views = Object.values(manifest.contributes.views ?? {}).flat().map((v) => `onView:${v.id}`);
    const allowed = new Set([WORKSPACE_ACTIVATION, ...commands, ...views]);
    // Its own webview panels count as its views: VS Code fires onWebviewPanel only to restore a panel it had open.
    const ownPanel = (e: string) => /^onWebviewPanel:entraConnector\.[\w.-]+$/.test(e);
    assert.ok(events.includes(WORKSPACE_ACTIVATION), `activationEvents include ${WORKSPACE_ACTIVATION}`);
    const unexpected = events.filter((e) => !allowed.has(e) && !ownPanel(e));
    assert.deepEqual(unexpected, [], `unexpected activation events: ${unexpected.join(', ')}`);
  });

  it('lists the sample connector folder in the Connectors view', async () => {
    const api = await extension().activate();
    // What the view shows: the labels of its top-level items (messages such as "Sign in…" may come first).
    const labels = await until('the Connectors view to list the sample connector', async () => {
      const children = await api.connectors.getChildren();
      const shown = await Promise.all(children.map(async (c) => labelOf(await api.connectors.getTreeItem(c))));
      return shown.includes('Contoso Invoices') ? shown : undefined;
    });
    assert.equal(labels.filter((l) => l === 'Contoso Invoices').length, 1, `listed once: ${labels.join(', ')}`);
  });
});
