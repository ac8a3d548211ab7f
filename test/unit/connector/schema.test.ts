/** The apiProperties.json schema the extension contributes (schemas/, from Microsoft's paconn schema, patched). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const repo = join(__dirname, '..', '..', '..');
const schemaText = readFileSync(join(repo, 'schemas', 'apiProperties.schema.json'), 'utf8');
const schema = JSON.parse(schemaText) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);
const validateOAuth = ajv.compile({ $ref: `${schema.$id as string}#/definitions/oAuthSettings` });
const clean = JSON.parse(readFileSync(join(repo, 'test', 'fixtures', 'rules', 'clean.json'), 'utf8'));
const oauthOf = (doc: { properties: { connectionParameters: { token: { oAuthSettings: Record<string, unknown> } } } }) => doc.properties.connectionParameters.token.oAuthSettings;

test('plain JSON, draft-07 $id (no draft-04 "id")', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.match(schema.$id as string, /^https:\/\//);
  assert.equal('id' in schema, false);
  assert.ok(!/^\s*\/\//m.test(schemaText), 'no // comments');
});

test('accepts GlobalPerConnector and enableOnbehalfOfLogin; rejects unknown redirect modes and boolean IsFirstParty', () => {
  assert.equal(validate(clean), true, JSON.stringify(validate.errors));
  const withObo = structuredClone(clean);
  oauthOf(withObo).customParameters = { ...(oauthOf(withObo).customParameters as object), enableOnbehalfOfLogin: { value: 'false' } };
  (oauthOf(withObo).properties as Record<string, unknown>).IsOnbehalfofLoginSupported = true;
  assert.equal(validate(withObo), true, JSON.stringify(validate.errors));
  const badMode = structuredClone(clean);
  oauthOf(badMode).redirectMode = 'PerConnector';
  assert.equal(validate(badMode), false);
  const boolFirstParty = structuredClone(clean);
  (oauthOf(boolFirstParty).properties as Record<string, unknown>).IsFirstParty = true;
  assert.equal(validate(boolFirstParty), false);
});

test('every real aad sign-in in the corpus passes, except the 4 the rules also flag', () => {
  const root = join(repo, 'test', 'fixtures', 'connectors', 'corpus');
  const failing: string[] = [];
  let aad = 0;
  for (const group of readdirSync(root)) {
    for (const dir of readdirSync(join(root, group))) {
      let doc;
      try {
        doc = JSON.parse(readFileSync(join(root, group, dir, 'apiProperties.json'), 'utf8'));
      } catch {
        continue;
      }
      const oauth = doc?.properties?.connectionParameters?.token?.oAuthSettings;
      if (oauth?.identityProvider !== 'aad') continue;
      aad++;
      if (!validateOAuth(oauth)) failing.push(dir);
    }
  }
  assert.equal(aad, 57);
  // Microsoft's unpatched schema (microsoft/PowerPlatformConnectors, schemas/apiProperties.schema.json) passes only
  // 36 of them. These 4 are genuinely wrong:
  // PascalCase keys (aad-key-casing), no IsFirstParty (aad-missing-first-party), redirectUrl array
  // (redirect-url-invalid), no resourceUri (aad-missing-resource).
  assert.deepEqual(failing.sort(), ['Microsoft 365 Lighthouse', 'Office365GroupsMail', 'PROS AI', 'Zellis']);
});

test('package.json contributes it for apiProperties.json through jsonValidation', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const entry = (pkg.contributes.jsonValidation as Array<{ fileMatch: string | string[]; url: string }>).find((j) => j.url === './schemas/apiProperties.schema.json');
  assert.ok(entry);
  assert.ok([entry.fileMatch].flat().includes('apiProperties.json'));
});
