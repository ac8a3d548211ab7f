import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NO_VSCODE = { name: 'vscode', message: 'Only src/vscode/** and src/extension.ts may import vscode: keep this code free of VS Code and testable in plain Node.' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', '.vscode-test/**', 'test/fixtures/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['webview-ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Layering, inverted: only the VS Code layer imports `vscode`; everything else (the engine, connector model, CLI,
    // emulator, webview, unit tests, bench, scripts) stays plain Node and unit-testable. The exceptions run inside
    // VS Code's extension host: the integration tests and the bench's in-host heap probe.
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['src/vscode/**', 'src/extension.ts', 'test/integration/**', 'bench/host/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE] }] },
  },
  {
    // The webview renders and sends answers: it shares the message types and the wizard's step table, nothing else.
    files: ['webview-ui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_VSCODE],
          patterns: [{ regex: '^(\\.\\./)+src/(?!(protocol|wizard/steps)$)', message: 'The webview may import only src/protocol.ts and the step table src/wizard/steps.ts.' }],
        },
      ],
    },
  },
);
