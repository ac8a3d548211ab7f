// The layering rule, proven on the real ESLint config: only src/vscode/** and src/extension.ts may import `vscode`
// (checked in every folder), and the webview imports only the protocol and the wizard's step table.
import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = resolve(__dirname, '..', '..');
let eslint: ESLint;

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const USES_VSCODE = "import * as vscode from 'vscode';\nexport const window = vscode.window;\n";

describe('layering (eslint.config.mjs)', () => {
  before(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  for (const file of ['src/cli/probe.ts', 'src/setup/probe.ts', 'src/errors.ts', 'src/wizard/probe.ts', 'webview-ui/probe.ts', 'emulator/src/probe.ts', 'test/unit/probe.test.ts', 'test/reliability/probe.test.ts', 'bench/probe.ts', 'scripts/probe.mjs']) {
    it(`a vscode import in ${file} fails lint`, async () => {
      const found = await restricted(file, USES_VSCODE);
      assert.equal(found.length, 1, `expected one no-restricted-imports error, got ${JSON.stringify(found)}`);
      assert.match(found[0]!, /Only src\/vscode\/\*\* and src\/extension\.ts may import vscode/);
    });
  }

  for (const file of ['src/vscode/probe.ts', 'src/vscode/tree/probe.ts', 'src/extension.ts']) {
    it(`a vscode import in ${file} is allowed`, async () => {
      assert.deepEqual(await restricted(file, USES_VSCODE), []);
    });
  }

  it('the webview may import the protocol and the step table, nothing else of src/', async () => {
    assert.deepEqual(await restricted('webview-ui/pages/probe.ts', "import type { HostMessage } from '../../src/protocol';\nimport { pageTitle } from '../../src/wizard/steps';\nexport const x: [HostMessage?, unknown?] = [undefined, pageTitle];\n"), []);
    const found = await restricted('webview-ui/probe.ts', "import { runSetup } from '../src/setup/engine';\nimport { WizardController } from '../src/wizard/controller';\nexport const x = [runSetup, WizardController];\n");
    assert.equal(found.length, 2, JSON.stringify(found));
    for (const m of found) assert.match(m, /only src\/protocol\.ts and the step table/);
  });
});
