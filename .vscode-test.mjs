// @vscode/test-cli configuration: runs the same compiled integration suite (out/test/integration/suite) in desktop
// VS Code, downloaded by @vscode/test-electron, wherever VS Code can be downloaded:
//   node scripts/build.mjs --tests && npx vscode-test
// On machines that reach only the npm registry, `npm run test:integration` runs the suite in code-server instead.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/suite/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: './test/fixtures/workspaces/sample',
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'bdd', timeout: 30000, color: true },
});
