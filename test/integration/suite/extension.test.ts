import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';

const EXTENSION_ID = 'entra-connector.entra-connector';
const WORKSPACE_ACTIVATION = 'workspaceContains:**/apiProperties.json';

interface Manifest {
  activationEvents?: string[];
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
}

function extension(): vscode.Extension<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
    assert.ok(events.includes(WORKSPACE_ACTIVATION), `activationEvents include ${WORKSPACE_ACTIVATION}`);
    const unexpected = events.filter((e) => !allowed.has(e));
    assert.deepEqual(unexpected, [], `unexpected activation events: ${unexpected.join(', ')}`);
  });

  it('lists the sample connector folder in the Connectors view', async () => {
    const api = await extension().activate();
    const folders = await until('the Connectors view to list a connector', async () => {
      const children = await api.connectors.getChildren();
      return children.length > 0 ? children : undefined;
    });
    assert.deepEqual(
      folders.map((f) => [f.name, f.hasProperties]),
      [['Contoso Invoices', true]],
    );
    const item = api.connectors.getTreeItem(folders[0]);
    assert.equal(item.label, 'Contoso Invoices');
  });
});
