// @azure/msal-node itself signs in against the emulated tenant (run with NODE_EXTRA_CA_CERTS = the emulator's CA,
// as npm test does).
import { InteractionRequiredAuthError, PublicClientApplication, type AuthenticationResult } from '@azure/msal-node';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approveDevice, getState, httpsJson, signInAsBrowser, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const CLI = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const GRAPH = 'https://graph.microsoft.com';
const MAKER = 'maker@contoso.example';
const ADMIN = 'admin@contoso.example';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function app(ep: Endpoints, tenant = 'organizations'): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId: CLI, authority: `${ep.loginEndpoint}/${tenant}`, knownAuthorities: [new URL(ep.loginEndpoint).host] },
  });
}

async function interactive(pca: PublicClientApplication, ep: Endpoints, scopes: string[], username: string, options: { consentForOrg?: boolean } = {}): Promise<{ result?: AuthenticationResult; error?: unknown; page?: string }> {
  let page: string | undefined;
  const browser: Promise<void>[] = [];
  try {
    const result = await pca.acquireTokenInteractive({
      scopes,
      openBrowser: async (url) => {
        browser.push(
          signInAsBrowser(url, { username, ca: ep.caCertPath, consentForOrg: options.consentForOrg }).then((r) => {
            page = r.page;
          }),
        );
      },
      successTemplate: 'Signed in.',
      errorTemplate: 'Sign-in failed.',
    });
    await Promise.all(browser);
    return { result };
  } catch (error) {
    await Promise.all(browser);
    return { error, page };
  }
}

describe('msal-node against the emulated tenant (admin consented Application.ReadWrite.All for the CLI client)', () => {
  let ep: Endpoints;
  useEmulator((e) => (ep = e));

  it('signs in by device code (both grant spellings accepted) and the token works on Graph', async () => {
    const pca = app(ep);
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [`${GRAPH}/Application.ReadWrite.All`],
      deviceCodeCallback: (resp) => {
        assert.match(resp.verificationUri, /\/devicelogin$/);
        void approveDevice(ep, MAKER, { userCode: resp.userCode });
      },
    });
    assert.ok(result);
    assert.equal(result.account?.username, MAKER);
    assert.equal(result.tenantId, ep.tenantId);
    const c = claims(result.accessToken);
    assert.equal(c.aud, GRAPH);
    assert.equal(c.upn, MAKER);
    assert.match(String(c.scp), /Application\.ReadWrite\.All/);
    assert.ok(typeof c.exp === 'number' && typeof c.oid === 'string' && c.tid === ep.tenantId);
    const me = await httpsJson<{ userPrincipalName: string }>(`${ep.graphEndpoint}/v1.0/me`, { headers: { authorization: `Bearer ${result.accessToken}` }, ca: ep.caCertPath });
    assert.equal(me.body.userPrincipalName, MAKER);
    // The spelling from Microsoft's protocol docs is accepted too.
    const dc = await httpsJson<{ device_code: string; user_code: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/devicecode`, {
      method: 'POST', body: new URLSearchParams({ client_id: CLI, scope: `${GRAPH}/User.Read openid offline_access` }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, ca: ep.caCertPath,
    });
    const poll = () => httpsJson<{ error?: string; access_token?: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ client_id: CLI, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: dc.body.device_code }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, ca: ep.caCertPath,
    });
    assert.equal((await poll()).body.error, 'authorization_pending');
    await approveDevice(ep, ADMIN, { userCode: dc.body.user_code });
    const done = await poll();
    assert.ok(done.body.access_token);
    assert.equal(claims(done.body.access_token!).upn, ADMIN);
  });

  it('signs in through the interactive loopback flow (form_post, PKCE) and refreshes silently', async () => {
    const pca = app(ep);
    const { result, error } = await interactive(pca, ep, [`${GRAPH}/User.Read`], MAKER);
    assert.equal(error, undefined);
    assert.ok(result);
    assert.equal(result.account?.username, MAKER);
    assert.equal(result.idTokenClaims && (result.idTokenClaims as Record<string, unknown>).preferred_username, MAKER);
    const before = (await getState(ep)).requests.length;
    const silent = await pca.acquireTokenSilent({ account: result.account!, scopes: [`${GRAPH}/Application.ReadWrite.All`], forceRefresh: true });
    assert.ok(silent);
    assert.notEqual(silent.accessToken, result.accessToken);
    const after = (await getState(ep)).requests.slice(before);
    assert.ok(after.some((r) => r.method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(r.path) && r.status === 200), 'the refresh went to the token endpoint');
    // A tampered access token is refused by Graph (expiry: faults.test.ts).
    const expired = await httpsJson<{ error: { code: string; message: string } }>(`${ep.graphEndpoint}/v1.0/me`, { headers: { authorization: `Bearer ${silent.accessToken}x` }, ca: ep.caCertPath });
    assert.equal(expired.status, 401);
  });

  it('refuses a redirect URI the client does not have and a wrong PKCE verifier', async () => {
    const bad = await httpsJson<string>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize?client_id=${CLI}&response_type=code&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&scope=openid`, { ca: ep.caCertPath });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /AADSTS50011/);
    // Get a code with a known challenge, then redeem it with another verifier.
    const verifier = 'a'.repeat(43);
    const challenge = (await import('node:crypto')).createHash('sha256').update(verifier).digest('base64url');
    const url = `${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize?client_id=${CLI}&response_type=code&response_mode=query&redirect_uri=${encodeURIComponent('http://localhost:1/')}&scope=${encodeURIComponent(`${GRAPH}/User.Read openid`)}&code_challenge=${challenge}&code_challenge_method=S256&state=s1`;
    const r = await signInAsBrowser(url, { username: MAKER, ca: ep.caCertPath });
    const code = r.delivered?.params.code;
    assert.ok(code);
    const redeem = (v: string) => httpsJson<{ error?: string; error_codes?: number[]; access_token?: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ client_id: CLI, grant_type: 'authorization_code', code: code!, redirect_uri: 'http://localhost:1/', code_verifier: v }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, ca: ep.caCertPath,
    });
    const wrong = await redeem('b'.repeat(43));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    // A code is single-use even after a failed redemption.
    assert.equal((await redeem(verifier)).status, 400);
  });
});

describe('msal-node: consent is enforced (nobody consented admin scopes for the CLI client yet)', () => {
  let ep: Endpoints;
  useEmulator((e) => (ep = e), { seed: { cliTenantConsent: [] } });

  it('refuses the maker an unconsented admin scope by device code with AADSTS65001', async () => {
    const pca = app(ep);
    await assert.rejects(
      pca.acquireTokenByDeviceCode({
        scopes: [`${GRAPH}/Application.ReadWrite.All`],
        deviceCodeCallback: (resp) => {
          void approveDevice(ep, MAKER, { userCode: resp.userCode });
        },
      }),
      (e: unknown) => {
        // msal-node's device-code poller keeps only the error code of a non-pending answer.
        assert.match(String((e as Error).message), /invalid_grant/);
        return true;
      },
    );
    // The body Entra sends (and the emulator too): AADSTS65001 with suberror consent_required.
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const dc = await httpsJson<{ device_code: string; user_code: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/devicecode`, {
      method: 'POST', body: new URLSearchParams({ client_id: CLI, scope: `${GRAPH}/Application.ReadWrite.All offline_access` }).toString(), headers: form, ca: ep.caCertPath,
    });
    assert.deepEqual(await approveDevice(ep, MAKER, { userCode: dc.body.user_code }), { approved: 0, consentRequired: 1, declined: 0 });
    const poll = await httpsJson<{ error: string; error_description: string; error_codes: number[]; suberror: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ client_id: CLI, grant_type: 'device_code', device_code: dc.body.device_code }).toString(), headers: form, ca: ep.caCertPath,
    });
    assert.equal(poll.status, 400);
    assert.equal(poll.body.error, 'invalid_grant');
    assert.deepEqual(poll.body.error_codes, [65001]);
    assert.equal(poll.body.suberror, 'consent_required');
    assert.match(poll.body.error_description, /^AADSTS65001: The user or administrator has not consented to use the application with ID '14d82eec-204b-4c2f-b7e8-296a70dab67e'/);
  });

  it('shows the maker "Need admin approval" in the browser; lets her consent User.Read; refuses the admin scope silently', async () => {
    const pca = app(ep);
    const denied = await interactive(pca, ep, [`${GRAPH}/Application.ReadWrite.All`], MAKER);
    assert.ok(denied.error, 'no token for an unconsented admin scope');
    assert.equal(denied.result, undefined);
    assert.match(String((denied.error as Error).message), /access_denied|AADSTS65004/);
    const ok = await interactive(pca, ep, [`${GRAPH}/User.Read`], MAKER);
    assert.ok(ok.result, String(ok.error));
    const grants = (await getState(ep)).oauth2PermissionGrants;
    const makerId = (await getState(ep)).users.find((u) => u.username === MAKER)!.id;
    assert.ok(grants.some((g) => g.consentType === 'Principal' && g.principalId === makerId && /User\.Read/.test(String(g.scope))), 'the consent is recorded as a Principal grant');
    await assert.rejects(pca.acquireTokenSilent({ account: ok.result!.account!, scopes: [`${GRAPH}/Application.ReadWrite.All`], forceRefresh: true }), (e: unknown) => {
      assert.ok(e instanceof InteractionRequiredAuthError, `expected InteractionRequiredAuthError, got ${String(e)}`);
      assert.match(String((e as Error).message), /AADSTS65001/);
      return true;
    });
  });

  it('lets the admin consent for the organization, after which the maker gets the scope', async () => {
    const adminApp = app(ep);
    const a = await interactive(adminApp, ep, [`${GRAPH}/Application.ReadWrite.All`], ADMIN, { consentForOrg: true });
    assert.ok(a.result, String(a.error));
    const makerApp = app(ep);
    const m = await interactive(makerApp, ep, [`${GRAPH}/Application.ReadWrite.All`], MAKER);
    assert.ok(m.result, String(m.error));
    assert.match(String(claims(m.result.accessToken).scp), /Application\.ReadWrite\.All/);
  });
});
