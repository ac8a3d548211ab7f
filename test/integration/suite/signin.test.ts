// Sign-in inside the real extension host (code-server) against the emulated tenant: device code, tokens kept only in
// VS Code's SecretStorage, a fresh MSAL instance getting a token silently from it, and sign-out removing it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { activated, admin, emulator } from '../extensionHost';

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms))]);
}

describe('Sign-in in the extension host', function () {
  this.timeout(60_000);
  let api: ExtensionTestApi;
  let seededTenant: string | undefined;
  const endpoints = emulator();
  const config = () => vscode.workspace.getConfiguration('entraConnector');

  before(async () => {
    api = await activated();
    const settings = api.auth.settings();
    assert.equal(settings.cloud.name, 'Custom', 'the runner points entraConnector.cloud at the emulated tenant');
    assert.equal(settings.cloud.loginEndpoint, endpoints.loginEndpoint.replace(/\/$/, ''));
    seededTenant = config().inspect<string>('signIn.tenant')?.globalValue;
  });

  after(async () => {
    await config().update('signIn.tenant', seededTenant, vscode.ConfigurationTarget.Global);
  });

  it('signs in by device code and keeps the tokens in SecretStorage', async () => {
    const service = await api.auth.service();
    const signingIn = service.signIn('deviceCode');
    let approved = 0;
    for (let i = 0; i < 100 && approved === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      approved = (await admin<{ approved?: number }>(endpoints, 'POST', '/device/approve', { user: 'admin@contoso.example' })).approved ?? 0;
    }
    assert.equal(approved, 1, 'one device code was waiting for approval');
    const account = await within(20_000, 'the device-code sign-in', signingIn);
    assert.equal(account.username, 'admin@contoso.example');
    assert.equal(account.tenantId, endpoints.tenantId);
    const stored = await api.auth.storedAccounts();
    assert.deepEqual(stored.map((a) => a.username), ['admin@contoso.example']);
  });

  it('a new MSAL instance (as after a restart) gets a token silently from SecretStorage', async () => {
    const before = await api.auth.service();
    // Another tenant setting means another service: a new PublicClientApplication with an empty memory cache.
    const other = api.auth.settings().tenant === 'organizations' ? endpoints.tenantId : 'organizations';
    await config().update('signIn.tenant', other, vscode.ConfigurationTarget.Global);
    const after = await api.auth.service();
    assert.notStrictEqual(after, before, 'a fresh sign-in service');
    assert.equal((await after.getActiveAccount())?.username, 'admin@contoso.example');
    // No prompt may appear: a silent token or a failure, within a few seconds.
    const token = await within(10_000, 'a silent token', after.getAccessToken(['User.Read']));
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { scp?: string; tid?: string };
    assert.match(claims.scp ?? '', /\bUser\.Read\b/);
    assert.equal(claims.tid, endpoints.tenantId);
  });

  it('sign-out removes the account from SecretStorage', async () => {
    const service = await api.auth.service();
    const out = await service.signOut();
    assert.equal(out?.username, 'admin@contoso.example');
    assert.deepEqual(await api.auth.storedAccounts(), []);
    assert.deepEqual(await service.getAccounts(), []);
  });
});
