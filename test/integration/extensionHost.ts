// Helpers for integration tests inside the extension host: the emulated tenant's admin API, a signed-in account,
// prompts answered like a user would, the trees' items as a person sees them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Endpoints } from '../../emulator/src/types';
import type { ExtensionTestApi } from '../../src/extension';
import type { TreeNode } from '../../src/vscode/tree/nodes';

export type { Endpoints };

export const EXTENSION_ID = 'entra-connector.entra-connector';
export const ADMIN = 'admin@contoso.example';

export function emulator(): Endpoints {
  const line = process.env.ENTRA_EMULATOR;
  assert.ok(line, "ENTRA_EMULATOR (the emulated tenant's endpoints) must be set by the integration runner");
  return JSON.parse(line) as Endpoints;
}

/** A JSON request (bearer `token` if given) that must succeed; its parsed body, undefined when it has none. */
export async function request<T>(url: string, method: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${url}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A call to the emulated tenant's admin API. */
export function admin<T>(ep: Endpoints, method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(`${ep.adminEndpoint}${path}`, method, body, ep.adminToken);
}

/** Polls `probe` every `everyMs` until it gives a value; fails after `ms` naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until the emulated tenant has had no Graph request for `quietMs`: what the views refresh by themselves (a
 * file watcher's late event, the re-read after a write) is done before a test counts requests.
 */
export async function graphQuiet(ep: Endpoints, quietMs = 1000, ms = 30_000): Promise<void> {
  const count = async () => (await admin<{ requests: { service: string }[] }>(ep, 'GET', '/state')).requests.filter((r) => r.service === 'graph').length;
  const deadline = Date.now() + ms;
  let last = await count();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`Graph was not quiet for ${quietMs} ms within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
    const now = await count();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

/** The activated extension's test API. */
export async function activated(): Promise<ExtensionTestApi> {
  const ext = vscode.extensions.getExtension<ExtensionTestApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.activate();
}

/** The sample workspace's Contoso Invoices connector folder, and its apiProperties.json as it was (to restore after). */
export async function sampleConnector(): Promise<{ folder: vscode.Uri; originalProperties: Uint8Array }> {
  const [properties] = await vscode.workspace.findFiles('**/Contoso Invoices/apiProperties.json');
  assert.ok(properties, 'the sample workspace has the Contoso Invoices connector');
  return { folder: vscode.Uri.joinPath(properties, '..'), originalProperties: await vscode.workspace.fs.readFile(properties) };
}

/** The activated extension's test API, signed in as `user` (device code approved through the admin API). */
export async function signedIn(ep: Endpoints, user = ADMIN): Promise<ExtensionTestApi> {
  const api = await activated();
  const service = await api.auth.service();
  const active = (await api.auth.storedAccounts()).length > 0 ? await service.getActiveAccount() : undefined;
  if (active?.username !== user) await approvingDeviceCodes(ep, service.signIn('deviceCode'), user);
  return api;
}

/** Approves, as `user` through the admin API, every device code shown until `signingIn` settles; returns its result. */
export async function approvingDeviceCodes<T>(ep: Endpoints, signingIn: Promise<T>, user = ADMIN, ms = 30_000): Promise<T> {
  let settled = false;
  void signingIn.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + ms;
  while (!settled && Date.now() < deadline) {
    await admin(ep, 'POST', '/device/approve', { user });
    await new Promise((r) => setTimeout(r, 100));
  }
  return signingIn;
}

type Prompt = 'showWarningMessage' | 'showInputBox' | 'showInformationMessage' | 'showQuickPick' | 'showErrorMessage';

/** Replaces `vscode.window` prompts for the duration of `run` (the test answers like a user would); records what was asked. */
export async function answering<T>(answers: Partial<Record<Prompt, (...args: unknown[]) => unknown>>, run: () => Thenable<T> | Promise<T>): Promise<{ result: T; asked: Array<{ prompt: Prompt; args: unknown[] }> }> {
  const win = vscode.window as unknown as Record<string, unknown>;
  const originals = new Map<Prompt, unknown>();
  const asked: Array<{ prompt: Prompt; args: unknown[] }> = [];
  for (const [name, answer] of Object.entries(answers) as Array<[Prompt, (...args: unknown[]) => unknown]>) {
    originals.set(name, win[name]);
    win[name] = (...args: unknown[]) => {
      asked.push({ prompt: name, args });
      return Promise.resolve(answer(...args));
    };
  }
  try {
    return { result: await run(), asked };
  } finally {
    for (const [name, original] of originals) win[name] = original;
  }
}

export interface Shown {
  node: TreeNode;
  label: string;
  description: string;
  tooltip: string;
  /** The ThemeIcon's id and color id, if the item has one. */
  icon: string | undefined;
  color: string | undefined;
  contextValue: string | undefined;
}

export function show(provider: vscode.TreeDataProvider<TreeNode>, node: TreeNode): Shown {
  const item = provider.getTreeItem(node) as vscode.TreeItem;
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
  const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
  const color = (icon?.color as { id?: string } | undefined)?.id;
  return { node, label, description: typeof item.description === 'string' ? item.description : '', tooltip, icon: icon?.id, color, contextValue: item.contextValue };
}

export async function children(provider: vscode.TreeDataProvider<TreeNode>, node?: TreeNode): Promise<Shown[]> {
  return ((await provider.getChildren(node)) ?? []).map((n) => show(provider, n));
}

/** Every node under a root item of the view, depth first. */
export async function descendants(provider: vscode.TreeDataProvider<TreeNode>, root: Shown): Promise<Shown[]> {
  const out: Shown[] = [];
  const walk = async (s: Shown) => {
    for (const c of await children(provider, s.node)) {
      out.push(c);
      await walk(c);
    }
  };
  await walk(root);
  return out;
}
