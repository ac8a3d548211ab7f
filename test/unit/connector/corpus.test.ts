/**
 * The whole corpus of real apiProperties.json files (test/fixtures/connectors/corpus, a byte-identical copy of
 * microsoft/PowerPlatformConnectors at 8bff86e, see its NOTICE): every file analysed, the per-rule counts asserted
 * and explained. When a rule changes, these numbers must be re-derived and the explanation updated with them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyzeApiProperties } from '../../../src/connector/rules';
import { readApiProperties } from '../../../src/connector/model';
import { scalar, valueOf } from '../../../src/connector/jsonDocument';
import { applyTextEdits } from '../../../src/connector/edits';
import type { ConnectorDiagnostic } from '../../../src/connector/diagnostic';

const root = join(__dirname, '..', '..', 'fixtures', 'connectors', 'corpus');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.name === 'apiProperties.json') out.push(full);
  }
  return out.sort();
}

const files = listFiles(root);
const texts = new Map(files.map((f) => [relative(root, f), readFileSync(f, 'utf8')]));
const results = new Map<string, ConnectorDiagnostic[]>();
for (const [name, text] of texts) results.set(name, analyzeApiProperties(text));

const count = (code: string) => [...results.values()].flat().filter((d) => d.code === code).length;
const filesWith = (code: string) => [...results].filter(([, ds]) => ds.some((d) => d.code === code)).map(([n]) => n).sort();

test('all 1,036 corpus files are analysed without an exception', () => {
  assert.equal(files.length, 1036);
  assert.equal(results.size, 1036);
});

test('the 3 invalid files give exactly one invalid-json each, and nothing else does', () => {
  const invalid = filesWith('invalid-json');
  assert.deepEqual(invalid, [
    'certified-connectors/Shopranos/apiProperties.json',
    'certified-connectors/SigningHub/apiProperties.json',
    'certified-connectors/gofileroom/apiProperties.json',
  ]);
  for (const name of invalid) assert.deepEqual(results.get(name)!.map((d) => d.code), ['invalid-json'], name);
  // Cross-check against the platform's own parser: exactly these 3 fail JSON.parse.
  const failing = [...texts].filter(([, t]) => {
    try {
      JSON.parse(t);
      return false;
    } catch {
      return true;
    }
  }).map(([n]) => n).sort();
  assert.deepEqual(failing, invalid);
});

test('the Entra sign-ins the model finds: 60 aad + 9 aadcertificate, 4 of them in connectionParameterSets', () => {
  const found: Record<string, number> = {};
  const modes: Record<string, number> = {};
  for (const text of texts.values()) {
    for (const token of readApiProperties(text).tokens) {
      if (!token.isEntra) continue;
      const key = `${token.identityProvider} ${token.location.startsWith('connectionParameterSets') ? 'sets' : 'params'}`;
      found[key] = (found[key] ?? 0) + 1;
      const mode = String(scalar(valueOf(token.prop('redirectMode'))));
      modes[mode] = (modes[mode] ?? 0) + 1;
    }
  }
  assert.deepEqual(found, { 'aad params': 57, 'aad sets': 3, 'aadcertificate params': 8, 'aadcertificate sets': 1 });
  assert.deepEqual(modes, { Global: 53, global: 1, undefined: 3, GlobalPerConnector: 12 });
});

test('per-rule counts over the corpus (explained)', () => {
  const counts = Object.fromEntries(
    ['aad-missing-resource', 'aad-resource-mismatch', 'aad-missing-first-party', 'aad-key-casing', 'redirect-mode-shared',
      'redirect-url-invalid', 'secret-in-file', 'client-id-invalid', 'client-id-placeholder', 'login-uri-cloud',
      'obo-inconsistent', 'swagger-security-mismatch'].map((c) => [c, count(c)]),
  );
  assert.deepEqual(counts, {
    // AtBot Admin, dox42 (no resourceUri at all) and Zellis (resourceUri with no value).
    'aad-missing-resource': 3,
    // Snowflake and Snowflake v2 ("@@id@@", a build-time token, against a real App ID URI) and Mavim iMprove
    // (a "{{…}}" placeholder against a real GUID). Trailing-slash-only differences (graph.microsoft.com/) pass.
    'aad-resource-mismatch': 3,
    // Office365GroupsMail (aad), AzureAdIp (aadcertificate), CognitiveServicesQuestionAnswering (aad in a
    // parameter set) and Azure Communication Services SMS Events (3 sign-ins in parameter sets).
    'aad-missing-first-party': 4 + 2,
    // Microsoft 365 Lighthouse: LoginUri/TenantId/ResourceUri/EnableOnbehalfOfLogin (4); Azure Communication
    // Services SMS Events: "oauthSettings" (an error) plus TenantId/ResourceUri (3).
    'aad-key-casing': 7,
    // 69 Entra sign-ins, 12 of them GlobalPerConnector: the other 57 still use the shared redirect URL —
    // 53 "Global", 1 "global", 3 without redirectMode.
    'redirect-mode-shared': 57,
    // PROS AI: redirectUrl is an array.
    'redirect-url-invalid': 1,
    // U.S. Bank Treasury Management: clientSecret "test" (not null nor a placeholder). The other clientSecret
    // values in the corpus are null, "[[DUMMY]]", "YOUR_CLIENT_SECRET", "<Enter your client secret>",
    // "Value-From-Your-App-Registration" or objects (placeholders, not secrets).
    'secret-in-file': 1,
    // Zellis and an aad sign-in in Azure Communication Services SMS Events have no clientId; Team Forms has a
    // 35-character "GUID" (00000000-0000-0000-0000-00000000000).
    'client-id-invalid': 3,
    // 4 null + 48 placeholder strings ([[DUMMY]], <<Enter your client ID>>, {{ clientId }}, dummy, …) of the 69;
    // 14 are real GUIDs. In 50 files (AvePoint Cloud Governance and Azure Communication Services have two each).
    'client-id-placeholder': 52,
    // Every loginUri in the corpus is login.windows.net or login.microsoftonline.com.
    'login-uri-cloud': 0,
    // 17 sign-ins say IsOnbehalfofLoginSupported true with enableOnbehalfOfLogin "false" (supported, not
    // enabled: consistent), 8 true without enableOnbehalfOfLogin; none enables it without supporting it.
    'obo-inconsistent': 0,
    // The corpus has no apiDefinition.swagger.json next to its files, so the rule is not run here.
    'swagger-security-mismatch': 0,
  });
  assert.equal(filesWith('client-id-placeholder').length, 50);
  assert.equal(filesWith('redirect-mode-shared').length, 55);
});

test('certified GlobalPerConnector aad connectors: no error, except the 3 that are really wrong', () => {
  const certified = [...texts].filter(([name, text]) =>
    name.startsWith('certified-connectors/') &&
    readApiProperties(text).tokens.some((t) => t.identityProvider === 'aad' && scalar(valueOf(t.prop('redirectMode'))) === 'GlobalPerConnector'),
  ).map(([n]) => n.split('/')[1]).sort();
  const withErrors = (dir: string) => results.get(`certified-connectors/${dir}/apiProperties.json`)!.filter((d) => d.severity === 'error').map((d) => d.code);
  const clean = ['AvePoint Cloud Governance', 'CM Informatik AG', 'Luware Nimbus', 'Microsoft 365 Lighthouse', 'OrbusInfinity', 'Snowflake v2', 'WorkPoint', 'snowflake'];
  for (const dir of clean) assert.deepEqual(withErrors(dir), [], dir);
  assert.deepEqual(withErrors('PROS AI'), ['redirect-url-invalid']);
  assert.deepEqual(withErrors('Team Forms'), ['client-id-invalid']);
  assert.deepEqual(withErrors('Zellis'), ['aad-missing-resource', 'client-id-invalid']);
  assert.deepEqual(certified, [...clean, 'PROS AI', 'Team Forms', 'Zellis'].sort());
});

test('every unattended fix applied to its corpus file removes its diagnostic and changes nothing else', () => {
  let applied = 0;
  for (const [name, diagnostics] of results) {
    const text = texts.get(name)!;
    for (const d of diagnostics) {
      for (const f of d.fixes.filter((x) => x.unattended)) {
        const after = applyTextEdits(text, f.edits);
        const again = analyzeApiProperties(after);
        assert.ok(again.filter((x) => x.code === d.code).length < diagnostics.filter((x) => x.code === d.code).length, `${name}: ${d.code} count drops`);
        // Everything outside the edited ranges is byte-identical.
        const sorted = [...f.edits].sort((a, b) => a.offset - b.offset);
        let cursorBefore = 0;
        let cursorAfter = 0;
        for (const e of sorted) {
          assert.equal(after.slice(cursorAfter, cursorAfter + (e.offset - cursorBefore)), text.slice(cursorBefore, e.offset));
          cursorAfter += e.offset - cursorBefore + e.content.length;
          cursorBefore = e.offset + e.length;
        }
        assert.equal(after.slice(cursorAfter), text.slice(cursorBefore));
        // Line endings stay those of the file.
        if (text.includes('\r\n')) assert.ok(!/[^\r]\n/.test(sorted.map((e) => e.content).join('')), `${name}: CRLF kept`);
        JSON.parse(after);
        applied++;
      }
    }
  }
  assert.ok(applied >= 60, `applied ${applied} fixes`);
});
