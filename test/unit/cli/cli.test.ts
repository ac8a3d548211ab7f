import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, COMMANDS } from '../../../src/cli/run';

const rules = join(__dirname, '..', '..', 'fixtures', 'rules');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} });
  return { code, stdout, stderr };
}

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'entra-connector-cli-'));
  for (const [name, from] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    copyFileSync(join(rules, from), join(dir, name));
  }
  return dir;
}

test('--help lists the command table; --version prints; no command is a usage error', async () => {
  const help = await cli('--help');
  assert.equal(help.code, 0);
  for (const c of COMMANDS) assert.match(help.stdout, new RegExp(`\\b${c.name}\\b`));
  assert.match(help.stdout, /check/);
  assert.match(help.stdout, /explain/);
  assert.equal((await cli('--version')).code, 0);
  assert.equal((await cli()).code, 2);
  const unknown = await cli('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('check <dir>: path:line:col severity code message, fixes listed, exit 1 on error', async () => {
  const dir = workspace({ 'A/apiProperties.json': 'aad-missing-resource.json', 'B/apiProperties.json': 'clean.json', 'node_modules/x/apiProperties.json': 'invalid-json.json' });
  try {
    const r = await cli('check', dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const line = r.stdout.split('\n').find((l) => l.includes('aad-missing-resource'))!;
    assert.match(line, /A[\\/]apiProperties\.json:\d+:\d+ error aad-missing-resource /);
    assert.match(r.stdout, /fix available: Set resourceUri/);
    assert.match(r.stdout, /2 files checked: 1 error/, 'node_modules is skipped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check: a clean file exits 0; a warning alone exits 0', async () => {
  const dir = workspace({ 'apiProperties.json': 'clean.json', 'W/apiProperties.json': 'redirect-mode-shared.json' });
  try {
    assert.equal((await cli('check', join(dir, 'apiProperties.json'))).code, 0);
    const w = await cli('check', join(dir, 'W'));
    assert.equal(w.code, 0);
    assert.match(w.stdout, /warning redirect-mode-shared/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check --json: code, severity, message, 1-based line/column, fixes', async () => {
  const dir = workspace({ 'apiProperties.json': 'aad-resource-mismatch.json' });
  try {
    const r = await cli('check', dir, '--json');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    const [d] = out.files[0].diagnostics;
    assert.equal(d.code, 'aad-resource-mismatch');
    assert.equal(d.severity, 'warning');
    const lines = readFileSync(join(dir, 'apiProperties.json'), 'utf8').split(/\r?\n/);
    assert.ok(lines[d.line - 1].slice(d.column - 1).startsWith('"https://graph.microsoft.com"'));
    assert.deepEqual(d.fixes, ['Set AzureActiveDirectoryResourceId to "api://contoso-invoices"', 'Set resourceUri to "https://graph.microsoft.com"']);
    assert.deepEqual(out.summary, { files: 1, error: 0, warning: 1, information: 0, fixed: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check --fix applies the unattended fixes byte-exactly and never moves a secret', async () => {
  const dir = workspace({
    'a/apiProperties.json': 'aad-key-casing.json',
    'b/apiProperties.json': 'redirect-mode-missing.json',
    'c/apiProperties.json': 'secret-in-file.json',
  });
  try {
    const r = await cli('check', dir, '--fix');
    assert.equal(readFileSync(join(dir, 'a/apiProperties.json'), 'utf8'), readFileSync(join(rules, 'aad-key-casing.expected.json'), 'utf8'));
    assert.equal(readFileSync(join(dir, 'b/apiProperties.json'), 'utf8'), readFileSync(join(rules, 'redirect-mode-missing.expected.json'), 'utf8'));
    assert.equal(readFileSync(join(dir, 'c/apiProperties.json'), 'utf8'), readFileSync(join(rules, 'secret-in-file.json'), 'utf8'), 'secret left for the VS Code fix');
    assert.equal(r.code, 1, 'the secret is still an error');
    assert.match(r.stdout, /fixed aad-key-casing/);
    assert.match(r.stdout, /error secret-in-file/);
    assert.ok(!r.stdout.includes('Abc8Q~'), 'the secret is never printed');
    const again = await cli('check', join(dir, 'a'), join(dir, 'b'));
    assert.equal(again.code, 0);
    assert.match(again.stdout, /2 files checked: 0 error\(s\), 0 warning\(s\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check: the sibling swagger is read; --cloud checks loginUri; --online validates its sign-in options before signing in', async () => {
  const dir = workspace({ 'apiProperties.json': 'swagger-security-mismatch/apiProperties.json', 'apiDefinition.swagger.json': 'swagger-security-mismatch/apiDefinition.swagger.json' });
  try {
    assert.match((await cli('check', dir)).stdout, /warning swagger-security-mismatch/);
    const gov = await cli('check', dir, '--cloud', 'AzureUSGovernment');
    assert.match(gov.stdout, /warning login-uri-cloud .*AzureUSGovernment/);
    assert.equal((await cli('check', dir, '--cloud', 'Mars')).code, 2);
    const badClient = await cli('check', dir, '--online', '--client-id', 'not-a-guid');
    assert.equal(badClient.code, 2);
    assert.match(badClient.stderr, /--client-id must be an application \(client\) ID/);
    assert.doesNotMatch(badClient.stderr, /To sign in/);
    const customWithout = await cli('check', dir, '--online', '--cloud', 'Custom');
    assert.equal(customWithout.code, 2);
    const endpointsWithoutCustom = await cli('check', dir, '--online', '--login-endpoint', 'https://login.example');
    assert.equal(endpointsWithoutCustom.code, 2);
    assert.match(endpointsWithoutCustom.stderr, /go with --cloud Custom/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check: usage errors exit 2', async () => {
  assert.equal((await cli('check')).code, 2);
  assert.equal((await cli('check', '/no/such/path')).code, 2);
  assert.equal((await cli('check', '--bogus', '.')).code, 2);
});

test('check: UTF-16 and invalid files give invalid-json, exit 1, no crash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-connector-cli-'));
  try {
    writeFileSync(join(dir, 'apiProperties.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"properties": {}}', 'utf16le')]));
    const r = await cli('check', dir, '--fix');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /error invalid-json The file is UTF-16/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explain: text and --json with what the message names; exit 1 without a known code', async () => {
  const message = "AADSTS50011: The redirect URI 'https://global.consent.azure-apim.net/redirect/contoso-5fabc' specified in the request does not match the redirect URIs configured for the application '11111111-2222-3333-4444-555555555555'.";
  const text = await cli('explain', message);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^AADSTS50011: Redirect URI mismatch/);
  assert.match(text.stdout, /redirect URI: https:\/\/global\.consent\.azure-apim\.net\/redirect\/contoso-5fabc/);
  assert.match(text.stdout, /client ID: 11111111-2222-3333-4444-555555555555/);
  const json = JSON.parse((await cli('explain', message, '--json')).stdout);
  assert.equal(json.code, 'AADSTS50011');
  assert.ok(json.title && json.cause && json.fix);
  assert.equal(json.extracted.redirectUri, 'https://global.consent.azure-apim.net/redirect/contoso-5fabc');
  assert.equal((await cli('explain', 'it broke')).code, 1);
  assert.equal((await cli('explain')).code, 2);
});

test('setup --test-connection: only with --deploy (and not with --undo); --timeout only with it, 1–3600 s; both in the usage text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-connector-cli-'));
  try {
    const without = await cli('setup', dir, '--test-connection');
    assert.equal(without.code, 2);
    assert.match(without.stderr, /--test-connection goes with --deploy/);
    assert.match(without.stderr, /Usage: entra-connector setup/);
    const undo = await cli('setup', dir, '--deploy', '--test-connection', '--undo');
    assert.equal(undo.code, 2);
    assert.match(undo.stderr, /--test-connection does not go with --undo/);
    const timeoutAlone = await cli('setup', dir, '--deploy', '--timeout', '60');
    assert.equal(timeoutAlone.code, 2);
    assert.match(timeoutAlone.stderr, /--timeout goes with --test-connection/);
    for (const bad of ['0', '3601', 'soon']) {
      const r = await cli('setup', dir, '--deploy', '--test-connection', '--timeout', bad);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /--timeout must be between 1 and 3600 seconds/);
    }
    const help = await cli('setup', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--test-connection {2,}then prove it works \(with --deploy\)/);
    assert.match(help.stdout, /--timeout <seconds> {2,}how long --test-connection waits for the sign-in/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
