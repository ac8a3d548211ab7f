import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeApiProperties, RULES } from '../../../src/connector/rules';
import { applyTextEdits } from '../../../src/connector/edits';
import type { RuleCode } from '../../../src/connector/diagnostic';
import { OFFLINE_RULE_CODES } from '../../../src/connector/diagnostic';

const dir = join(__dirname, '..', '..', 'fixtures', 'rules');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const codes = (text: string, options = {}) => analyzeApiProperties(text, options).map((d) => d.code);

test('the clean fixture has no diagnostic at all', () => {
  assert.deepEqual(analyzeApiProperties(read('clean.json')), []);
});

test('every offline rule code is in the rule table', () => {
  for (const code of OFFLINE_RULE_CODES) assert.equal(RULES[code].online, false, code);
});

/** Each fixture, the code it must raise, and the file after the fix (byte for byte). */
const FIXED: ReadonlyArray<{ fixture: string; code: RuleCode; count: number }> = [
  { fixture: 'aad-missing-resource', code: 'aad-missing-resource', count: 1 },
  { fixture: 'aad-resource-mismatch', code: 'aad-resource-mismatch', count: 1 },
  { fixture: 'aad-missing-first-party', code: 'aad-missing-first-party', count: 1 },
  { fixture: 'aad-first-party-type', code: 'aad-missing-first-party', count: 1 },
  { fixture: 'aad-key-casing', code: 'aad-key-casing', count: 3 },
  { fixture: 'redirect-mode-shared', code: 'redirect-mode-shared', count: 1 },
  { fixture: 'redirect-mode-missing', code: 'redirect-mode-shared', count: 1 },
  { fixture: 'redirect-mode-absent', code: 'redirect-mode-shared', count: 1 },
  { fixture: 'redirect-url-invalid', code: 'redirect-url-invalid', count: 1 },
  { fixture: 'secret-in-file', code: 'secret-in-file', count: 1 },
  { fixture: 'login-uri-cloud', code: 'login-uri-cloud', count: 1 },
  { fixture: 'obo-inconsistent', code: 'obo-inconsistent', count: 1 },
  { fixture: 'obo-types', code: 'obo-inconsistent', count: 1 },
  { fixture: 'invalid-json-bom', code: 'invalid-json', count: 1 },
];

for (const { fixture, code, count } of FIXED) {
  test(`${fixture}: raises ${code}, and its fix gives the expected file byte for byte`, () => {
    const before = read(`${fixture}.json`);
    const expected = read(`${fixture}.expected.json`);
    const diagnostics = analyzeApiProperties(before);
    assert.deepEqual(diagnostics.map((d) => d.code), Array(count).fill(code), 'only this rule fires on its fixture');
    let text = before;
    // Fixes of several diagnostics never overlap, so they can be applied together, like `check --fix` does.
    const edits = diagnostics.flatMap((d) => {
      assert.ok(d.fixes.length > 0, `${code} offers a fix`);
      return d.fixes[0].edits;
    });
    text = applyTextEdits(text, edits);
    assert.equal(text, expected);
    assert.deepEqual(codes(text), [], 'the fixed file has no diagnostic left');
  });
}

test('client-id-invalid: a non-GUID, non-placeholder clientId is an error with no automatic fix', () => {
  const [d] = analyzeApiProperties(read('client-id-invalid.json'));
  assert.equal(d.code, 'client-id-invalid');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.fixes, []);
  assert.equal(read('client-id-invalid.json').slice(d.offset, d.offset + d.length), '"contoso-connector-app"');
});

test('client-id-placeholder: [[DUMMY]] is information only', () => {
  const ds = analyzeApiProperties(read('client-id-placeholder.json'));
  assert.deepEqual(ds.map((d) => [d.code, d.severity]), [['client-id-placeholder', 'information']]);
});

test('invalid-json: a truncated file gives exactly one invalid-json at the parse error, nothing else', () => {
  const text = read('invalid-json.json');
  const ds = analyzeApiProperties(text);
  assert.deepEqual(ds.map((d) => d.code), ['invalid-json']);
  assert.ok(ds[0].offset >= 390, `error near the end of the truncated text, got ${ds[0].offset}`);
});

test('invalid-json: comments and trailing commas are errors (paconn reads plain JSON)', () => {
  assert.deepEqual(codes('{ // note\n "properties": {} }'), ['invalid-json']);
  assert.deepEqual(codes('{ "properties": {}, }'), ['invalid-json']);
});

test('secret-in-file: the message never contains the secret and the fix carries it for SecretStorage', () => {
  const text = read('secret-in-file.json');
  const [d] = analyzeApiProperties(text);
  const secret = 'Abc8Q~xyzXYZ0123456789abcdefghijklmnopqr';
  assert.ok(!d.message.includes(secret));
  assert.ok(!d.message.includes('Abc8Q'));
  assert.ok(!JSON.stringify(d.fixes.map((f) => f.title)).includes(secret));
  assert.deepEqual(d.fixes[0].moveSecret, { clientId: '11111111-2222-3333-4444-555555555555', value: secret });
  assert.equal(d.fixes[0].unattended, false, 'not applied by check --fix');
});

test('secret-in-file: an Entra secret pasted under another key is found; placeholders are not secrets', () => {
  const base = read('clean.json');
  const pasted = base.replace('"scopes": [],', '"note": "Abc8Q~xyzXYZ0123456789abcdefghijklmnopqr",\n                    "scopes": [],');
  assert.deepEqual(codes(pasted), ['secret-in-file']);
  for (const placeholder of ['null', '""', '"[[DUMMY]]"', '"YOUR_CLIENT_SECRET"', '"<Enter your client secret>"', '"Value-From-Your-App-Registration"']) {
    const text = base.replace('"scopes": [],', `"clientSecret": ${placeholder},\n                    "scopes": [],`);
    assert.deepEqual(codes(text), [], placeholder);
  }
  const inPolicy = base.replace('"iconBrandColor": "#007ee5"', '"iconBrandColor": "#007ee5",\n        "policyTemplateInstances": [{ "templateId": "setheader", "parameters": { "x-ms-apimTemplateParameter.value": "Abc8Q~xyzXYZ0123456789abcdefghijklmnopqr" } }]');
  const elsewhere = analyzeApiProperties(inPolicy);
  assert.deepEqual(elsewhere.map((d) => d.code), ['secret-in-file'], 'found outside the sign-in settings too');
  assert.ok(!elsewhere[0].message.includes('Abc8Q'));
  assert.deepEqual(codes(pasted.replace('"note"', '"clientSecret"')), ['secret-in-file'], 'reported once when found by key and by shape');
  const noGuid = read('secret-in-file.json').replace('"11111111-2222-3333-4444-555555555555"', '"[[DUMMY]]"');
  const secret = analyzeApiProperties(noGuid).find((d) => d.code === 'secret-in-file')!;
  assert.equal(secret.fixes[0].moveSecret, undefined, 'no client ID to store it under');
});

test('login-uri-cloud: any Entra host passes without a configured cloud; another cloud is a warning', () => {
  const base = read('clean.json');
  const windows = base.replace('https://login.microsoftonline.com', 'https://login.windows.net');
  assert.deepEqual(codes(windows), []);
  const gov = { name: 'AzureUSGovernment', loginEndpoint: 'https://login.microsoftonline.us' };
  const ds = analyzeApiProperties(windows, { cloud: gov });
  assert.deepEqual(ds.map((d) => [d.code, d.severity]), [['login-uri-cloud', 'warning']]);
  const fixed = applyTextEdits(windows, ds[0].fixes[0].edits);
  assert.deepEqual(codes(fixed, { cloud: gov }), []);
  const custom = { name: 'Custom', loginEndpoint: 'https://127.0.0.2:8443' };
  const emulated = base.replace('https://login.microsoftonline.com', 'https://127.0.0.2:8443');
  assert.deepEqual(codes(emulated, { cloud: custom }), [], 'the custom cloud\'s own login endpoint passes');
  assert.deepEqual(codes(base.replace('https://login.microsoftonline.com', 'http://login.microsoftonline.com')), ['login-uri-cloud']);
});

test('swagger-security-mismatch: runs only with the sibling swagger and fires when it has no oauth2 definition', () => {
  const props = read('swagger-security-mismatch/apiProperties.json');
  assert.deepEqual(codes(props), [], 'not looked at without the swagger');
  assert.deepEqual(codes(props, { swaggerText: read('swagger-security-mismatch/apiDefinition.swagger.json') }), ['swagger-security-mismatch']);
  assert.deepEqual(codes(read('swagger-ok/apiProperties.json'), { swaggerText: read('swagger-ok/apiDefinition.swagger.json') }), []);
  assert.deepEqual(codes(props, { swaggerText: '{ not json' }), [], 'a broken swagger is its own problem, not this rule\'s');
});

test('aad-key-casing: PascalCase custom-parameter keys are information (the platform itself writes them); a mis-cased oAuthSettings stays an error', () => {
  const pascal = analyzeApiProperties(JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { identityProvider: 'aad', clientId: '[[DUMMY]]', scopes: [], redirectMode: 'GlobalPerConnector', properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: 'https://graph.microsoft.com', IsOnbehalfofLoginSupported: true }, customParameters: { LoginUri: { value: 'https://login.microsoftonline.com' }, TenantId: { value: 'common' }, ResourceUri: { value: 'https://graph.microsoft.com' }, enableOnbehalfOfLogin: { value: 'false' } } } } } } }, null, 2));
  const casing = pascal.filter((d) => d.code === 'aad-key-casing');
  assert.equal(casing.length, 3);
  assert.ok(casing.every((d) => d.severity === 'information'));
  const lower = analyzeApiProperties(JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oauthSettings: { identityProvider: 'aad' } } } } }));
  assert.equal(lower.find((d) => d.code === 'aad-key-casing')?.severity, 'error');
});

test('aad-key-casing: no rename is offered when both spellings exist', () => {
  const base = read('clean.json').replace('"tenantId": {', '"TenantId": { "value": "common" },\n                        "tenantId": {');
  const [d] = analyzeApiProperties(base);
  assert.equal(d.code, 'aad-key-casing');
  assert.deepEqual(d.fixes, []);
});

test('ranges are line/column from the offsets (0-based), on the offending value', () => {
  const text = read('aad-resource-mismatch.json');
  const [d] = analyzeApiProperties(text);
  const lines = text.split(/\r?\n/);
  assert.equal(lines[d.range.start.line].slice(d.range.start.character, d.range.end.character), '"https://graph.microsoft.com"');
});
