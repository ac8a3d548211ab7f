import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyEdits, parse, parseTree, type ParseError } from 'jsonc-parser';
import { UserFailure } from '../../../src/errors';
import { detectFormatting } from '../../../src/connector/edits';
import { apiPropertiesChange, mergeFileRecords, restoreChange, swaggerChange, type TokenSettings } from '../../../src/setup/properties';

const CORPUS = join(__dirname, '../../fixtures/setup/aad-corpus');
const SAMPLE = join(__dirname, '../../fixtures/workspaces/sample/Contoso Invoices');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n === 'apiProperties.json' ? [p] : [];
  });
}

const SETTINGS: TokenSettings = {
  clientId: '11111111-2222-4333-8444-555555555555',
  scopes: [],
  resourceUri: 'api://66666666-7777-4888-9999-000000000000/contoso-invoices',
  loginUri: 'https://login.microsoftonline.com',
  tenantId: '66666666-7777-4888-9999-000000000000',
  obo: true,
};

/** Leaves of a JSON value as "a/b/0/c" → JSON text. */
function leaves(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, p: string) => {
    if (v && typeof v === 'object' && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) walk(x, p ? `${p}/${k}` : k);
    } else out.set(p, JSON.stringify(v));
  };
  walk(value, prefix);
  return out;
}

const TOKEN = 'properties/connectionParameters/token/';
const MANAGED_UNDER_OAUTH = [
  /^identityProvider$/,
  /^clientId$/,
  /^scopes(\/|$)/,
  /^redirectMode$/,
  /^redirectUrl(\/|$)/i,
  /^properties\/(IsFirstParty|AzureActiveDirectoryResourceId|IsOnbehalfofLoginSupported)$/,
  /^customParameters\/(loginUri|tenantId|resourceUri|enableOnbehalfOfLogin)(\/|$)/i,
  /^properties$|^customParameters$/,
];

function isManaged(path: string): boolean {
  if (path === `${TOKEN}type` || path === 'properties/connectionParameters/token') return true;
  const m = /^properties\/connectionParameters\/token\/oauthsettings\/?(.*)$/i.exec(path);
  if (m) return MANAGED_UNDER_OAUTH.some((r) => r.test(m[1] ?? ''));
  return false;
}

function canonical(path: string): string {
  return path.replace(/^(properties\/connectionParameters\/token\/)oauthsettings/i, '$1oAuthSettings');
}

function bareLf(text: string): number {
  return (text.match(/(?<!\r)\n/g) ?? []).length;
}

describe('apiProperties.json edits over every aad file of the corpus', () => {
  const all = files(CORPUS);
  it('the fixture holds the 60 aad files', () => {
    assert.equal(all.length, 60);
  });

  for (const file of all) {
    const name = file.slice(CORPUS.length + 1);
    it(`rewrites ${name} keeping every other key, the line endings and the indentation`, () => {
      const before = readFileSync(file, 'utf8');
      const errors: ParseError[] = [];
      parseTree(before, errors, { disallowComments: true });
      if (errors.length > 0 || before.charCodeAt(0) === 0xfeff) {
        assert.throws(() => apiPropertiesChange(file, before, SETTINGS), (e: UserFailure) => e instanceof UserFailure && e.code === 'ConnectorFileInvalid');
        return;
      }
      const change = apiPropertiesChange(file, before, SETTINGS);
      assert.equal(applyEdits(before, [...change.edits]), change.after);
      const after = change.after;
      const parsed = parse(after) as { properties: { connectionParameters: Record<string, { oAuthSettings: Record<string, unknown> }> } };
      interface OAuth {
        identityProvider: string;
        clientId: string;
        redirectMode: string;
        redirectUrl?: unknown;
        properties: Record<string, unknown>;
        customParameters: Record<string, { value: unknown }>;
      }
      const oa = parsed.properties.connectionParameters.token!.oAuthSettings as unknown as OAuth;
      assert.equal(oa.identityProvider, 'aad');
      assert.equal(oa.clientId, SETTINGS.clientId);
      assert.equal(oa.redirectMode, 'GlobalPerConnector');
      assert.equal(oa.redirectUrl, undefined);
      assert.equal(oa.properties.IsFirstParty, 'False');
      assert.equal(oa.properties.AzureActiveDirectoryResourceId, SETTINGS.resourceUri);
      assert.equal(oa.properties.IsOnbehalfofLoginSupported, true);
      const custom = Object.fromEntries(Object.entries(oa.customParameters).map(([k, v]) => [k.toLowerCase(), (v as { value: unknown }).value]));
      assert.equal(custom.resourceuri, SETTINGS.resourceUri);
      assert.equal(custom.tenantid, SETTINGS.tenantId);
      assert.equal(custom.enableonbehalfoflogin, 'true');
      assert.ok(['https://login.microsoftonline.com', 'https://login.windows.net'].includes(String(custom.loginuri)));
      assert.ok(parsed.properties.connectionParameters['token:TenantId']);

      // Every other leaf keeps its value.
      const old = leaves(parse(before));
      const now = leaves(parsed);
      for (const [path, value] of old) {
        if (isManaged(path)) continue;
        assert.equal(now.get(canonical(path)), value, `${path} changed`);
      }
      // Line endings, indentation style and the final newline (or its absence) are the file's own.
      if (bareLf(before) === 0) assert.equal(bareLf(after), 0, 'LF introduced in a CRLF file');
      if (!before.includes('\r\n')) assert.ok(!after.includes('\r\n'), 'CRLF introduced in an LF file');
      assert.equal(/\r?\n$/.test(after), /\r?\n$/.test(before));
      const f = detectFormatting(before);
      const added = after.split(/\r?\n/).filter((l) => !before.includes(l) && /^\s+\S/.test(l));
      for (const line of added) {
        if (f.insertSpaces) assert.ok(!line.startsWith('\t'), `tab-indented line added to a space-indented file: ${line}`);
        else assert.ok(!line.startsWith(' '), `space-indented line added to a tab-indented file: ${line}`);
      }
      // A second run changes nothing: byte-identical.
      const again = apiPropertiesChange(file, after, SETTINGS);
      assert.deepEqual(again.edits, []);
      assert.equal(again.after, after);
    });
  }
});

describe('apiProperties.json created and swagger security', () => {
  it('creates the file when missing, with the token and token:TenantId parameters and no secret', () => {
    const change = apiPropertiesChange('/x/apiProperties.json', undefined, { ...SETTINGS, obo: false, tenantId: 'common' });
    const parsed = JSON.parse(change.after);
    const token = parsed.properties.connectionParameters.token;
    assert.equal(token.type, 'oauthSetting');
    assert.equal(token.oAuthSettings.customParameters.tenantId.value, 'common');
    assert.equal(token.oAuthSettings.customParameters.enableOnbehalfOfLogin.value, 'false');
    // A capability flag, true in every aad connector of the corpus (also the 17 with enableOnbehalfOfLogin "false").
    assert.equal(token.oAuthSettings.properties.IsOnbehalfofLoginSupported, true);
    assert.equal(parsed.properties.connectionParameters['token:TenantId'].metadata.sourceType, 'AzureActiveDirectoryTenant');
    assert.doesNotMatch(change.after, /secret/i);
  });

  it('edits the sample connector in place: other keys untouched, rerun is byte-identical', () => {
    const before = readFileSync(join(SAMPLE, 'apiProperties.json'), 'utf8');
    const change = apiPropertiesChange('apiProperties.json', before, SETTINGS);
    const parsed = JSON.parse(change.after);
    assert.equal(parsed.properties.iconBrandColor, '#007ee5');
    assert.equal(parsed.properties.publisher, 'Contoso');
    assert.deepEqual(apiPropertiesChange('apiProperties.json', change.after, SETTINGS).edits, []);
  });

  it('adds an oauth2 security definition on the cloud login host and references it', () => {
    const before = readFileSync(join(SAMPLE, 'apiDefinition.swagger.json'), 'utf8');
    const change = swaggerChange('apiDefinition.swagger.json', before, { loginUri: 'https://login.microsoftonline.us' });
    assert.ok(change);
    const parsed = JSON.parse(change.after);
    const def = parsed.securityDefinitions['oauth2-auth'];
    assert.equal(def.type, 'oauth2');
    assert.equal(def.flow, 'accessCode');
    assert.equal(def.authorizationUrl, 'https://login.microsoftonline.us/common/oauth2/authorize');
    assert.deepEqual(parsed.security, [{ 'oauth2-auth': [] }]);
    assert.equal(parsed.paths['/invoices'].get.operationId, 'ListInvoices');
    assert.deepEqual(swaggerChange('x', change.after, { loginUri: 'https://login.microsoftonline.us' })?.edits, []);
  });

  it('keeps an existing oauth2 definition on the public login alias untouched', () => {
    const before = '{\r\n\t"swagger": "2.0",\r\n\t"securityDefinitions": {\r\n\t\t"oauth2_auth": {\r\n\t\t\t"type": "oauth2",\r\n\t\t\t"flow": "accessCode",\r\n\t\t\t"authorizationUrl": "https://login.windows.net/common/oauth2/authorize",\r\n\t\t\t"tokenUrl": "https://login.windows.net/common/oauth2/authorize",\r\n\t\t\t"scopes": {}\r\n\t\t}\r\n\t},\r\n\t"security": [{"oauth2_auth": []}]\r\n}';
    assert.deepEqual(swaggerChange('x', before, { loginUri: 'https://login.microsoftonline.com' })?.edits, []);
  });

  it('refuses a file with a byte-order mark or invalid JSON, with the next step', () => {
    assert.throws(() => apiPropertiesChange('p', '\ufeff{}', SETTINGS), (e: UserFailure) => /BOM/.test(e.next) || /byte-order/.test(e.message));
    assert.throws(() => apiPropertiesChange('p', '{"properties": ', SETTINGS), (e: UserFailure) => /not valid JSON/.test(e.message) && /Fix/.test(e.next));
  });

  it('moves a lower-case oauthSettings to the oAuthSettings key paconn reads, keeping its other keys', () => {
    const before = '{\n  "properties": {\n    "connectionParameters": {\n      "token": {\n        "type": "oauthSetting",\n        "oauthSettings": {\n          "identityProvider": "aad",\n          "customKey": 7\n        }\n      }\n    }\n  }\n}\n';
    const parsed = JSON.parse(apiPropertiesChange('p', before, SETTINGS).after);
    assert.equal(parsed.properties.connectionParameters.token.oauthSettings, undefined);
    assert.equal(parsed.properties.connectionParameters.token.oAuthSettings.customKey, 7);
  });
});

describe('restoring the connector files to before the setup (Undo)', () => {
  const write = (before: string, change: { edits: readonly { offset: number; length: number; content: string }[] }) => applyEdits(before, [...change.edits]);

  it('puts back the sample files byte for byte from the values the setup recorded, over two runs', () => {
    for (const [file, changeOf] of [
      ['apiProperties.json', (text: string, s: TokenSettings) => apiPropertiesChange('apiProperties.json', text, s)],
      ['apiDefinition.swagger.json', (text: string, s: TokenSettings) => swaggerChange('apiDefinition.swagger.json', text, s) as ReturnType<typeof apiPropertiesChange>],
    ] as const) {
      const original = readFileSync(join(SAMPLE, file), 'utf8');
      const first = changeOf(original, SETTINGS);
      let records = mergeFileRecords(undefined, first);
      const afterFirst = write(original, first);
      // A second run with another connector app (the user went Back): the first values before still win.
      const second = changeOf(afterFirst, { ...SETTINGS, clientId: '22222222-2222-4333-8444-555555555555', obo: false });
      records = mergeFileRecords(records, second);
      const now = second.edits.length > 0 ? write(afterFirst, second) : afterFirst;
      // Kept only as values, through the state's JSON: never the file's text.
      const stored = JSON.parse(JSON.stringify(records)) as typeof records;
      const restore = restoreChange(file, now, stored[0] as (typeof records)[number]);
      assert.deepEqual(restore.kept, [], file);
      assert.ok(restore.change, file);
      assert.equal(write(now, restore.change), original, `${file} is back as it was`);
    }
  });

  it('keeps a value someone changed since the setup wrote it, and never records a secret-like value', () => {
    const original = '{\n  "properties": {\n    "connectionParameters": {\n      "token": {\n        "type": "oauthSetting",\n        "oauthSettings": {\n          "identityProvider": "aad",\n          "clientSecret": "hunter2-not-a-real-secret"\n        }\n      }\n    }\n  }\n}\n';
    const change = apiPropertiesChange('apiProperties.json', original, SETTINGS);
    const [record] = mergeFileRecords(undefined, change);
    assert.ok(record);
    assert.doesNotMatch(JSON.stringify(record), /hunter2/, 'the value before held a secret-like key: not recorded');
    assert.ok(restoreChange('apiProperties.json', change.after, record).kept.some((k) => /oauthSettings \(it held a secret-like key/.test(k)));
    const sample = readFileSync(join(SAMPLE, 'apiProperties.json'), 'utf8');
    const setup = apiPropertiesChange('apiProperties.json', sample, SETTINGS);
    const [sampleRecord] = mergeFileRecords(undefined, setup);
    assert.ok(sampleRecord);
    const edited = JSON.parse(setup.after);
    edited.properties.connectionParameters.token.oAuthSettings.clientId = 'changed-by-hand';
    const restore = restoreChange('apiProperties.json', JSON.stringify(edited, null, 2), sampleRecord);
    assert.ok(restore.kept.some((k) => /connectionParameters\.token \(changed since the setup wrote it\)/.test(k)), restore.kept.join('; '));
    assert.ok(restore.change && JSON.parse(applyEdits(JSON.stringify(edited, null, 2), [...restore.change.edits])).properties.connectionParameters.token.oAuthSettings.clientId === 'changed-by-hand', 'the hand edit stays');
  });

  it('a file the setup created goes when it still holds only what the setup wrote', () => {
    const change = apiPropertiesChange('/x/apiProperties.json', undefined, SETTINGS);
    const [record] = mergeFileRecords(undefined, change);
    assert.ok(record?.created);
    const restore = restoreChange('/x/apiProperties.json', change.after, record);
    assert.equal(restore.change?.remove, true);
  });
});
