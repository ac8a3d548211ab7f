// Context menus on every node kind of both views (issue 17, item 12): each contextValue the trees produce has a menu
// entry, Copy copies what the node shows, Remove Redirect URI removes it from the app (and the views show it).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { treeSeed } from '../../../emulator/src/seeds/connectors';
import { admin, ADMIN, answering, children, descendants, emulator, EXTENSION_ID, signedIn, until, type Shown } from '../../support/extensionHost';

interface Menu {
  command: string;
  when: string;
}

/** Evaluates the `when` clauses this package uses: `a == b`, `a =~ /re/`, `false`, joined by `&&`. */
function matches(when: string, context: Record<string, string>): boolean {
  return when.split('&&').every((clause) => {
    const c = clause.trim();
    if (c === 'false') return false;
    const eq = /^(\w+) == (\S+)$/.exec(c);
    if (eq) return context[eq[1]!] === eq[2];
    const re = /^(\w+) =~ \/(.*)\/$/.exec(c);
    if (re) return new RegExp(re[2]!).test(context[re[1]!] ?? '');
    throw new Error(`unsupported when clause: ${c}`);
  });
}

describe('Context menus on every node kind (issue 17, item 12)', function () {
  this.timeout(180_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  const seed = treeSeed([{ name: 'Menu Healthy' }, { name: 'Menu Consent', consented: false }], { owner: ADMIN, index: 1790 });
  const root = () => vscode.workspace.workspaceFolders![0]!.uri;
  const all = async (): Promise<Array<Shown & { view: string }>> => {
    const out: Array<Shown & { view: string }> = [];
    for (const top of await children(api.connectors)) {
      if (!seed.connectors.some((c) => c.name === top.label)) continue;
      out.push({ ...top, view: 'entraConnector.connectors' }, ...(await descendants(api.connectors, top)).map((s) => ({ ...s, view: 'entraConnector.connectors' })));
    }
    for (const app of await children(api.connectors.appRegistrations!)) {
      out.push({ ...app, view: 'entraConnector.appRegistrations' }, ...(await descendants(api.connectors.appRegistrations!, app)).map((s) => ({ ...s, view: 'entraConnector.appRegistrations' })));
    }
    return out;
  };

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    for (const c of seed.connectors) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root(), 'menu-tests', c.name, 'apiProperties.json'), new TextEncoder().encode(c.apiProperties));
    await api.connectors.refresh();
    await api.connectors.appRegistrations!.setSearch('Menu ');
  });

  after(async () => {
    await api.connectors.appRegistrations!.setSearch(undefined);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'menu-tests'), { recursive: true, useTrash: false });
  });

  it('every node kind but information rows and groups without actions has a context menu; a healthy connector has Open in Entra Admin Center', async () => {
    const menus = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { menus: Record<string, Menu[]> } }).contributes.menus['view/item/context']!;
    const nodes = await until('the seeded nodes', async () => {
      const found = await all();
      return found.some((n) => n.contextValue === 'ownedRedirectUri') && found.some((n) => n.contextValue === 'connector.entra.ok') ? found : undefined;
    });
    const without = [...new Set(nodes.filter((n) => !menus.some((m) => matches(m.when, { view: n.view, viewItem: n.contextValue ?? '' }))).map((n) => n.contextValue))];
    assert.deepEqual(without.filter((cv) => cv && !/^(message|group\.(redirectUris|identifierUris|preAuthorized))$/.test(cv)), [], 'node kinds without a menu');
    const healthy = nodes.find((n) => n.contextValue === 'connector.entra.ok')!;
    const commands = menus.filter((m) => matches(m.when, { view: healthy.view, viewItem: healthy.contextValue! })).map((m) => m.command);
    assert.ok(commands.includes('entraConnector.tree.openInPortal'), commands.join(', '));
    for (const cv of ['redirectUri.registered', 'ownedRedirectUri']) {
      const n = nodes.find((x) => x.contextValue === cv)!;
      const on = menus.filter((m) => matches(m.when, { view: n.view, viewItem: cv })).map((m) => m.command);
      assert.ok(on.includes('entraConnector.tree.copyValue') && on.includes('entraConnector.tree.removeRedirectUri'), `${cv}: ${on.join(', ')}`);
    }
  });

  it('Copy copies a redirect URI; Remove Redirect URI removes it from the app after a confirmation', async () => {
    const c = seed.connectors[0]!;
    const node = (await all()).find((n) => n.view === 'entraConnector.connectors' && n.contextValue === 'redirectUri.registered' && n.label === c.redirectUrl)!;
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('entraConnector.tree.copyValue', node.node);
    assert.equal(await vscode.env.clipboard.readText(), c.redirectUrl);
    const { asked } = await answering({ showWarningMessage: () => 'Remove Redirect URI' }, () => vscode.commands.executeCommand('entraConnector.tree.removeRedirectUri', node.node));
    assert.equal(asked.length, 1);
    const app = (await admin<{ applications: { appId: string; web?: { redirectUris?: string[] } }[] }>(ep, 'GET', '/state')).applications.find((a) => a.appId === c.clientId)!;
    assert.deepEqual(app.web?.redirectUris, []);
    await until('the Connectors view to show the redirect URI missing', async () => ((await children(api.connectors)).find((s) => s.label === c.name)?.description === 'redirect URI not registered' ? true : undefined), 10_000);
  });

  it('App registrations search finds a word inside the name: "API" lists "Menu Healthy API", not the connector apps', async () => {
    await api.connectors.appRegistrations!.setSearch('API');
    const shown = (await children(api.connectors.appRegistrations!)).map((s) => s.label);
    assert.ok(shown.includes('Menu Healthy API') && shown.includes('Menu Consent API'), shown.join(', '));
    assert.ok(!shown.some((l) => l.endsWith(' connector')), shown.join(', '));
  });
});
