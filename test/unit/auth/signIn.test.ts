// MSAL against the emulated tenant, in process: device code, the browser flow with the test as the browser, silent
// tokens from a cache persisted in a SecretStore, incremental consent, refused consent, and bad inputs.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../../emulator/src';
import { resolveCloud, type Cloud } from '../../../src/cloud/clouds';
import { isAuthFailure } from '../../../src/auth/errors';
import { SignInService, type DeviceCodePrompt } from '../../../src/auth/signIn';
import { actAsBrowser, MemoryMemento, MemorySecretStore, ScriptedPrompter } from './support';

const CLI_CLIENT = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
type Running = Awaited<ReturnType<typeof startEmulator>>;

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function admin(emu: Running, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emu.endpoints.adminEndpoint}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${emu.endpoints.adminToken}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(response.ok, `admin ${path}: HTTP ${response.status}`);
  return response.status === 204 ? undefined : response.json();
}

/** A service as one window would have it; `browser` plays the user in the browser, device codes are approved as `deviceUser`. */
async function window(
  emu: Running,
  secrets: MemorySecretStore,
  options: { clientId?: string; prompter?: ScriptedPrompter; browser?: (url: string) => Promise<void>; deviceUser?: string; memento?: MemoryMemento } = {},
) {
  const cloud: Cloud = resolveCloud('Custom', emu.endpoints);
  const codes: DeviceCodePrompt[] = [];
  const opened: string[] = [];
  const service = await SignInService.create(
    { cloud, clientId: options.clientId ?? CLI_CLIENT, tenant: 'organizations' },
    {
      secrets,
      memento: options.memento ?? new MemoryMemento(),
      prompter: options.prompter ?? new ScriptedPrompter('decline'),
      ui: {
        openBrowser: async (url) => {
          opened.push(url);
          if (options.browser) void options.browser(url).catch((e: unknown) => console.error('test browser:', e));
        },
        showDeviceCode: (prompt) => {
          codes.push(prompt);
          if (options.deviceUser) void admin(emu, '/device/approve', { user: options.deviceUser, userCode: prompt.userCode });
        },
      },
    },
  );
  return { service, codes, opened, cloud };
}

describe('sign-in against the emulated tenant', () => {
  let emu: Running;
  before(async () => {
    emu = await startEmulator({ seed: { cliTenantConsent: ['User.Read'] } });
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(async () => {
    await admin(emu, '/reset', {});
  });

  it('signs in by device code, persists only to the SecretStore, and a second window gets a token silently; sign-out removes the entry', async () => {
    const secrets = new MemorySecretStore();
    const first = await window(emu, secrets, { deviceUser: 'admin@contoso.example' });
    const account = await first.service.signIn('deviceCode');
    assert.equal(account.username, 'admin@contoso.example');
    assert.equal(account.tenantId, emu.endpoints.tenantId);
    assert.equal(first.codes.length, 1);
    assert.match(first.codes[0]!.verificationUri, /\/devicelogin$/);
    const key = `entraConnector.msal.Custom.${new URL(emu.endpoints.loginEndpoint).host}.${CLI_CLIENT}`;
    assert.deepEqual([...secrets.values.keys()], [key]);
    assert.equal(first.service.secretKey, key);

    // "Restart": a new service (new MSAL instance, empty memory) over the same SecretStore, and no way to interact.
    const prompter = new ScriptedPrompter('decline');
    const second = await window(emu, secrets, { prompter });
    assert.equal((await second.service.getActiveAccount())?.username, 'admin@contoso.example');
    const token = await second.service.getAccessToken(['User.Read']);
    assert.equal(prompter.asked.length, 0, 'the token came from the persisted cache, without asking the user');
    assert.match(String(claims(token).scp), /\bUser\.Read\b/);
    assert.ok(secrets.values.get(key)!.includes(token), 'the access token is in the SecretStore cache');

    const changed = new Promise<void>((resolve) => first.service.onDidChange(resolve));
    await second.service.signOut();
    assert.equal(secrets.values.has(key), false, 'signing out the last account deletes the SecretStore entry');
    await changed;
    assert.deepEqual(await first.service.getAccounts(), [], 'the other window follows the sign-out');
    await assert.rejects(first.service.getAccessToken(['User.Read']), (e: unknown) => isAuthFailure(e) && e.error.kind === 'notSignedIn');
    first.service.dispose();
    second.service.dispose();
  });

  it('signs in with the browser: MSAL\'s loopback flow with the test as the browser', async () => {
    const secrets = new MemorySecretStore();
    let answered = '';
    const w = await window(emu, secrets, { browser: async (url) => void (answered = await actAsBrowser(url, { username: 'maker@contoso.example' })) });
    const account = await w.service.signIn('browser');
    assert.equal(account.username, 'maker@contoso.example');
    const authorize = new URL(w.opened[0]!);
    assert.equal(authorize.origin + authorize.pathname, `${emu.endpoints.loginEndpoint}/organizations/oauth2/v2.0/authorize`);
    assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+$/);
    assert.match(authorize.searchParams.get('scope') ?? '', /\/graph\/User\.Read\b/);
    assert.doesNotMatch(authorize.searchParams.get('scope') ?? '', /Application\.ReadWrite\.All/, 'the first sign-in asks for User.Read only');
    assert.match(answered, /signed in to Entra Connector/);
    assert.ok(await w.service.getAccessToken(['User.Read']));
    w.service.dispose();
  });

  it('asks for Application.ReadWrite.All only when a step needs it, explains why, and gets it after consent', async () => {
    const secrets = new MemorySecretStore();
    const prompter = new ScriptedPrompter('browser');
    const w = await window(emu, secrets, {
      prompter,
      deviceUser: 'admin@contoso.example',
      browser: async (url) => void (await actAsBrowser(url, { username: 'admin@contoso.example', consent: 'accept' })),
    });
    await w.service.signIn('deviceCode');
    assert.equal(prompter.asked.length, 0);
    // Two steps asking at once get one prompt and the same token.
    const [token, same] = await Promise.all([w.service.getAccessToken(['Application.ReadWrite.All']), w.service.getAccessToken(['Application.ReadWrite.All'])]);
    assert.equal(same, token);
    assert.equal(prompter.asked.length, 1);
    assert.deepEqual(prompter.asked[0]!.permissions, ['Application.ReadWrite.All']);
    assert.equal(prompter.asked[0]!.reason, 'newPermission');
    assert.match(prompter.asked[0]!.explanation, /register the API and connector apps/);
    assert.match(String(claims(token).scp), /Application\.ReadWrite\.All/);
    const authorize = new URL(w.opened[0]!);
    assert.equal(authorize.searchParams.get('login_hint'), 'admin@contoso.example');
    // Asked once: the next call is silent.
    await w.service.getAccessToken(['Application.ReadWrite.All']);
    assert.equal(prompter.asked.length, 1);
    w.service.dispose();
  });

  it('a user who may not consent gets the admin-consent link (browser and device code)', async () => {
    for (const method of ['browser', 'deviceCode'] as const) {
      await admin(emu, '/reset', {});
      const prompter = new ScriptedPrompter(method);
      const w = await window(emu, new MemorySecretStore(), {
        prompter,
        deviceUser: 'maker@contoso.example',
        browser: async (url) => void (await actAsBrowser(url, { username: 'maker@contoso.example' })),
      });
      await w.service.signIn('deviceCode');
      await assert.rejects(w.service.getAccessToken(['DelegatedPermissionGrant.ReadWrite.All']), (e: unknown) => {
        assert.ok(isAuthFailure(e), String(e));
        assert.equal(e.error.kind, 'consentRefused', `${method}: ${e.message}`);
        const link = new URL(e.error.details.adminConsentUrl ?? '');
        assert.equal(link.origin + link.pathname, `${emu.endpoints.loginEndpoint}/${emu.endpoints.tenantId}/v2.0/adminconsent`);
        assert.equal(link.searchParams.get('client_id'), CLI_CLIENT);
        assert.equal(link.searchParams.get('scope'), `${emu.endpoints.graphEndpoint}/DelegatedPermissionGrant.ReadWrite.All`);
        assert.match(e.next, /administrator/);
        return true;
      });
      assert.match(prompter.asked[0]!.explanation, /grant the connector app delegated access/);
      w.service.dispose();
    }
  });

  // In the browser flow Entra shows AADSTS700016 on its own page and never calls the app back; the user cancels.
  it('a wrong client ID says AADSTS700016 and names the setting (device code)', async () => {
    const w = await window(emu, new MemorySecretStore(), { clientId: '00000000-1111-2222-3333-444444444444' });
    for (const method of ['deviceCode'] as const) {
      await assert.rejects(w.service.signIn(method), (e: unknown) => {
        assert.ok(isAuthFailure(e), String(e));
        assert.equal(e.error.kind, 'appNotFound', `${method}: ${e.message}`);
        assert.match(e.message, /00000000-1111-2222-3333-444444444444 was not found .*AADSTS700016/);
        assert.match(e.next, /entraConnector\.signIn\.clientId/);
        return true;
      });
    }
    w.service.dispose();
  });

  it('cancelling a browser sign-in ends it with "cancelled" and frees the loopback port', async () => {
    const w = await window(emu, new MemorySecretStore());
    const controller = new AbortController();
    const pending = w.service.signIn('browser', { signal: controller.signal });
    while (w.opened.length === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await assert.rejects(pending, (e: unknown) => isAuthFailure(e) && e.error.kind === 'cancelled' && /cancelled/.test(e.message));
    const redirect = new URL(w.opened[0]!).searchParams.get('redirect_uri')!;
    await assert.rejects(fetch(redirect.replace('localhost', '127.0.0.1')), 'nothing listens on the loopback port any more');
    assert.deepEqual(await w.service.getAccounts(), []);
    w.service.dispose();
  });

  it('cancelling a device-code sign-in stops polling with "cancelled"', async () => {
    const w = await window(emu, new MemorySecretStore());
    const controller = new AbortController();
    const pending = w.service.signIn('deviceCode', { signal: controller.signal });
    while (w.codes.length === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await assert.rejects(pending, (e: unknown) => isAuthFailure(e) && e.error.kind === 'cancelled');
    w.service.dispose();
  });
});

describe('an expired sign-in', () => {
  let emu: Running;
  before(async () => {
    emu = await startEmulator({});
  });
  after(async () => {
    await emu.stop();
  });

  /** Makes the stored access tokens expired, as if the machine had been off for hours: MSAL must use the refresh token. */
  function expireStoredAccessTokens(secrets: MemorySecretStore, key: string): void {
    const cache = JSON.parse(secrets.values.get(key)!) as Record<string, Record<string, Record<string, string>>>;
    const past = String(Math.floor(Date.now() / 1000) - 3600);
    for (const entry of Object.values(cache.AccessToken ?? {})) {
      entry.expires_on = past;
      entry.extended_expires_on = past;
    }
    secrets.values.set(key, JSON.stringify(cache));
  }

  it('a refresh token the tenant no longer accepts (revoked) is handled the same way, and signing in again fixes it', async () => {
    const secrets = new MemorySecretStore();
    const first = await window(emu, secrets, { deviceUser: 'maker@contoso.example' });
    await first.service.signIn('deviceCode');
    first.service.dispose();
    expireStoredAccessTokens(secrets, `entraConnector.msal.Custom.${new URL(emu.endpoints.loginEndpoint).host}.${CLI_CLIENT}`);
    await admin(emu, '/reset', {}); // the tenant forgets every refresh token it issued

    const declining = new ScriptedPrompter('decline');
    const declined = await window(emu, secrets, { prompter: declining });
    await assert.rejects(declined.service.getAccessToken(['User.Read']), (e: unknown) => {
      assert.ok(isAuthFailure(e), String(e));
      assert.equal(e.error.kind, 'sessionExpired');
      assert.match(e.message, /Your sign-in has expired or is no longer valid/);
      assert.match(e.next, /Entra Connector: Sign In/);
      return true;
    });
    assert.equal(declining.asked[0]!.reason, 'sessionExpired');
    declined.service.dispose();

    const prompter = new ScriptedPrompter('deviceCode');
    const again = await window(emu, secrets, { prompter, deviceUser: 'maker@contoso.example' });
    const token = await again.service.getAccessToken(['User.Read']);
    assert.match(String(claims(token).scp), /User\.Read/);
    assert.equal(prompter.asked[0]!.reason, 'sessionExpired');
    again.service.dispose();
  });
});
