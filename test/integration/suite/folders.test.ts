// Connector folders made and removed outside VS Code (`paconn download`, an unzip, `git checkout`, `rm -r`): the
// Connectors view follows without a refresh. Node's fs writes here, as those tools do: a folder created with its file
// at once can reach the recursive watcher as the folder only, and a folder removed with its files as the folder only
// (src/connector/folderEvents.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { treeSeed } from '../../../emulator/src/seeds/connectors';
import { admin, ADMIN, children, emulator, signedIn, until } from '../extensionHost';

describe('Connector folders made and removed outside VS Code', function () {
  this.timeout(120_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  const seed = treeSeed([{ name: 'Downloaded Outside', redirectRegistered: true }], { owner: ADMIN, index: 1850 });
  const c = seed.connectors[0]!;
  const base = () => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'outside-tests');
  const names = async () => (await children(api.connectors)).map((s) => s.label);

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    await api.connectors.refresh();
  });

  after(() => {
    fs.rmSync(base(), { recursive: true, force: true });
  });

  it('a folder written with its apiProperties.json at once shows, then goes when the folder is removed', async () => {
    const folder = path.join(base(), 'nested', c.name);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'apiProperties.json'), c.apiProperties);
    await until('the new connector in the Connectors view', async () => ((await names()).includes(c.name) ? true : undefined));
    await until('its app registrations read', async () => ((await children(api.connectors)).find((s) => s.label === c.name)?.description === 'healthy' ? true : undefined));

    // The folder above the connector goes, with everything in it.
    fs.rmSync(path.join(base(), 'nested'), { recursive: true, force: true });
    await until('the connector gone from the Connectors view', async () => (!(await names()).includes(c.name) ? true : undefined));
  });
});
