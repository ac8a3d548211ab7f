// The secrets scan the integration and E2E runners run before deleting their temp folders (test/reliability/scan.mjs
// scanRunForSecrets): it takes every secret and token from the emulated tenant's GET /admin/issued over HTTPS and finds
// each one planted in a temp folder or in captured output; screenshots (binary images) are left out; a clean folder
// gives zero hits. Proves the runners' scan can fail.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminToken, httpsJson, startEmulator, type Endpoints, type RunningEmulator } from '../../emulator/src';
import { fetchIssued, scanRunForSecrets } from '../reliability/scan.mjs';

let emu: RunningEmulator;
let ep: Endpoints;
let base: string;
let secret: string;
let token: string;

before(async () => {
  emu = await startEmulator({ port: 0 });
  ep = emu.endpoints;
  base = mkdtempSync(join(tmpdir(), 'entra-scanrun-'));
  token = await adminToken(ep, 'admin@contoso.example', ['https://graph.microsoft.com/Application.ReadWrite.All']);
  const auth = { authorization: `Bearer ${token}` };
  const app = await httpsJson<{ id: string }>(`${ep.graphEndpoint}/v1.0/applications`, { method: 'POST', body: { displayName: 'Scan' }, headers: auth, ca: ep.caCertPath });
  const pw = await httpsJson<{ secretText: string }>(`${ep.graphEndpoint}/v1.0/applications/${app.body.id}/addPassword`, { method: 'POST', body: { passwordCredential: {} }, headers: auth, ca: ep.caCertPath });
  secret = pw.body.secretText;
  assert.ok(secret && token);
});

after(async () => {
  await emu.stop();
  rmSync(base, { recursive: true, force: true });
});

function layout(name: string): string {
  const dir = join(base, name);
  mkdirSync(join(dir, 'user-data', 'logs', '20261127T000000', 'exthost1'), { recursive: true });
  mkdirSync(join(dir, 'workspace', 'Contoso Invoices'), { recursive: true });
  writeFileSync(join(dir, 'workspace', 'Contoso Invoices', 'apiProperties.json'), '{ "properties": {} }\n');
  writeFileSync(join(dir, 'user-data', 'logs', '20261127T000000', 'exthost1', 'exthost.log'), 'Extension host started.\n');
  return dir;
}

describe('scanRunForSecrets (the runners\' secrets scan)', () => {
  it('takes the needles from GET /admin/issued: the client secret and the token the tenant handed out', async () => {
    const issued = await fetchIssued(ep);
    assert.ok(issued.secrets.includes(secret));
    assert.ok(issued.tokens.includes(token));
  });

  it('zero hits over a clean run folder and clean output', async () => {
    const dir = layout('clean');
    const r = await scanRunForSecrets({ emulator: ep, dirs: [dir], texts: [{ name: 'code-server output', text: 'HTTP server listening on http://127.0.0.1:1/\n' }] });
    assert.deepEqual(r.hits, []);
    assert.match(r.summary, /^2 file\(s\) and 1 output text\(s\) searched for 1 client secret\(s\), 1 token\(s\)\/code\(s\) and token-shaped strings: 0 hit\(s\)$/);
  });

  it('finds a client secret planted in a log, a token in the workspace and in captured output — never printing them', async () => {
    const dir = layout('planted');
    writeFileSync(join(dir, 'user-data', 'logs', '20261127T000000', 'exthost1', 'Entra Connector.log'), `created secret ${secret}\n`);
    writeFileSync(join(dir, 'workspace', 'Contoso Invoices', 'settings.json'), `{"t": "${token}"}`);
    const r = await scanRunForSecrets({ emulator: ep, dirs: [dir], texts: [{ name: 'code-server output', text: `client secret: ${secret}` }] });
    const ws = join('workspace', 'Contoso Invoices', 'settings.json');
    assert.deepEqual(r.hits.sort(), [
      `a token-shaped string in ${ws}`,
      'client secret #1 in code-server output',
      `client secret #1 in ${join('user-data', 'logs', '20261127T000000', 'exthost1', 'Entra Connector.log')}`,
      `token/code #1 in ${ws}`,
    ].sort());
    for (const h of r.hits) assert.ok(!h.includes(secret) && !h.includes(token), 'a hit never contains the secret');
    assert.match(r.summary, /: 4 hit\(s\)$/);
  });

  it('finds the exact token in captured output even when it is not token-shaped there, and skips screenshots', async () => {
    const dir = layout('output');
    // A PNG holding the secret is skipped (binary image); the same bytes in a .log are found.
    writeFileSync(join(dir, 'FAILED-some-test.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(secret)]));
    const r = await scanRunForSecrets({
      issued: { secrets: [secret], tokens: ['1.opaque-refresh-token-value'] },
      dirs: [dir],
      texts: [{ name: 'runner output', text: 'refresh with 1.opaque-refresh-token-value' }],
    });
    assert.deepEqual(r.hits, ['token/code #1 in runner output']);
    writeFileSync(join(dir, 'FAILED-some-test.log'), secret);
    const again = await scanRunForSecrets({ issued: { secrets: [secret], tokens: [] }, dirs: [dir] });
    assert.deepEqual(again.hits, ['client secret #1 in FAILED-some-test.log']);
  });

  it('fails loudly when the tenant cannot be asked', async () => {
    await assert.rejects(fetchIssued({ adminEndpoint: `${ep.adminEndpoint}/nope`, adminToken: ep.adminToken, caCertPath: ep.caCertPath }), /answered HTTP 404/);
  });
});
