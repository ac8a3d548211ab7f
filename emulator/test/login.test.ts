// The emulated identity platform at the protocol level: discovery, JWKS, tokens, admin consent, device login page,
// OAuth error bodies; plus seeding and robustness.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { adminHeaders, adminToken, getState, httpsJson, resetEmulator, seedObjects, signInAsBrowser, startEmulator, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const CLI = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const GRAPH = 'https://graph.microsoft.com';
const MAKER = 'maker@contoso.example';
const ADMIN = 'admin@contoso.example';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let ep: Endpoints;

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, c] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(c!, 'base64url').toString()) };
}

function token(body: Record<string, string>) {
  return httpsJson<Record<string, unknown>>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(body).toString(), headers: FORM, ca: ep.caCertPath });
}

async function codeFor(scope: string, extra: Record<string, string> = {}) {
  const verifier = 'v'.repeat(50);
  const params = new URLSearchParams({ client_id: CLI, response_type: 'code', response_mode: 'query', redirect_uri: 'http://localhost:1/', scope, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: 'st', ...extra });
  const r = await signInAsBrowser(`${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize?${params}`, { username: MAKER, ca: ep.caCertPath });
  assert.ok(r.delivered?.params.code, r.page);
  assert.equal(r.delivered.params.state, 'st');
  return { code: r.delivered.params.code!, verifier, clientInfo: r.delivered.params.client_info! };
}

useEmulator((e) => (ep = e));
beforeEach(() => resetEmulator(ep));

describe('discovery and keys', () => {
  it('resolves organizations, common, the tenant id and the domain to the emulated tenant; refuses other tenants', async () => {
    for (const t of ['organizations', 'common', ep.tenantId, 'contoso.example']) {
      const r = await httpsJson<Record<string, string>>(`${ep.loginEndpoint}/${t}/v2.0/.well-known/openid-configuration`, { ca: ep.caCertPath });
      assert.equal(r.status, 200, t);
      assert.equal(new URL(r.body.issuer!).host, new URL(ep.loginEndpoint).host, 'issuer on the authority host');
      assert.ok(r.body.token_endpoint!.startsWith(ep.loginEndpoint));
      assert.ok(r.body.authorization_endpoint!.endsWith('/oauth2/v2.0/authorize'));
    }
    const other = await httpsJson<{ error: string; error_codes: number[] }>(`${ep.loginEndpoint}/fabrikam.example/v2.0/.well-known/openid-configuration`, { ca: ep.caCertPath });
    assert.equal(other.status, 400);
    assert.deepEqual(other.body.error_codes, [90002]);
  });

  it('signs RS256 tokens that verify with the published JWKS and carry aud, iss, tid, oid, upn, scp, exp', async () => {
    const at = await adminToken(ep, MAKER, [`${GRAPH}/User.Read`]);
    const { header, claims } = decode(at);
    assert.equal(header.alg, 'RS256');
    const jwks = await httpsJson<{ keys: (Record<string, string> & { kid: string })[] }>(`${ep.loginEndpoint}/${ep.tenantId}/discovery/v2.0/keys`, { ca: ep.caCertPath });
    const jwk = jwks.body.keys.find((k) => k.kid === header.kid)!;
    const key = createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
    const [h, c, s] = at.split('.');
    assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s!, 'base64url')));
    assert.equal(claims.aud, GRAPH);
    // Microsoft Graph accepts v1 tokens only: Entra issues them with the v1 issuer whatever the endpoint.
    assert.equal(claims.iss, `https://sts.windows.net/${ep.tenantId}/`);
    assert.equal(claims.tid, ep.tenantId);
    assert.equal(claims.upn, MAKER);
    assert.ok(typeof claims.oid === 'string' && typeof claims.exp === 'number' && String(claims.scp).split(' ').includes('User.Read'));
  });
});

describe('token endpoint', () => {
  it('returns client_info, an id_token with nonce only when the request sent one, and a refresh token', async () => {
    const withNonce = await codeFor(`${GRAPH}/User.Read openid profile offline_access`, { nonce: 'n-123' });
    const r1 = await token({ client_id: CLI, grant_type: 'authorization_code', code: withNonce.code, redirect_uri: 'http://localhost:1/', code_verifier: withNonce.verifier });
    assert.equal(r1.status, 200);
    const info = JSON.parse(Buffer.from(String(r1.body.client_info), 'base64url').toString()) as { uid: string; utid: string };
    assert.equal(info.utid, ep.tenantId);
    assert.equal(decode(String(r1.body.id_token)).claims.nonce, 'n-123');
    assert.ok(r1.body.refresh_token);
    assert.equal(r1.body.client_info, withNonce.clientInfo);
    const noNonce = await codeFor(`${GRAPH}/User.Read openid`);
    const r2 = await token({ client_id: CLI, grant_type: 'authorization_code', code: noNonce.code, redirect_uri: 'http://localhost:1/', code_verifier: noNonce.verifier });
    assert.equal('nonce' in decode(String(r2.body.id_token)).claims, false);
    assert.equal(r2.body.refresh_token, undefined, 'no offline_access, no refresh token');
    const refreshed = await token({ client_id: CLI, grant_type: 'refresh_token', refresh_token: String(r1.body.refresh_token), scope: `${GRAPH}/Application.ReadWrite.All offline_access` });
    assert.equal(refreshed.status, 200);
    assert.match(String(decode(String(refreshed.body.access_token)).claims.scp), /Application\.ReadWrite\.All/);
  });

  it('answers Entra\'s error bodies: unknown client, unsupported grant, missing parameters, bad refresh token, bad scope, two resources', async () => {
    const unknown = await token({ client_id: '11111111-1111-1111-1111-111111111111', grant_type: 'refresh_token', refresh_token: 'x' });
    assert.equal(unknown.body.error, 'unauthorized_client');
    assert.deepEqual(unknown.body.error_codes, [700016]);
    assert.match(String(unknown.body.error_description), /^AADSTS700016: /);
    assert.ok(unknown.body.trace_id && unknown.body.correlation_id && unknown.body.timestamp);
    assert.equal((await token({ client_id: CLI, grant_type: 'password' })).body.error, 'unsupported_grant_type');
    assert.deepEqual((await token({ grant_type: 'refresh_token' })).body.error_codes, [900144]);
    assert.equal((await token({ client_id: CLI, grant_type: 'refresh_token', refresh_token: 'forged' })).body.error, 'invalid_grant');
    const dc = (scope: string) => httpsJson<Record<string, unknown>>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/devicecode`, { method: 'POST', body: new URLSearchParams({ client_id: CLI, scope }).toString(), headers: FORM, ca: ep.caCertPath });
    assert.deepEqual((await dc(`${GRAPH}/No.Such.Scope`)).body.error_codes, [70011]);
    assert.deepEqual((await dc(`${GRAPH}/User.Read https://management.azure.com/user_impersonation`)).body.error_codes, [28000]);
    assert.deepEqual((await dc('https://unknown.example/x')).body.error_codes, [500011]);
  });

  it('answers a {resource}/.default request with the scopes it stands for and {resource}/.default itself; named scopes only with themselves', async () => {
    const signedIn = await codeFor(`${GRAPH}/User.Read openid profile offline_access`);
    const r = await token({ client_id: CLI, grant_type: 'authorization_code', code: signedIn.code, redirect_uri: 'http://localhost:1/', code_verifier: signedIn.verifier });
    assert.ok(String(r.body.scope).split(' ').includes(`${GRAPH}/User.Read`));
    assert.ok(!String(r.body.scope).includes('.default'), 'a named scope: no .default in the answer');
    const all = await token({ client_id: CLI, grant_type: 'refresh_token', refresh_token: String(r.body.refresh_token), scope: `${GRAPH}/.default offline_access` });
    assert.equal(all.status, 200);
    const answered = String(all.body.scope).split(' ');
    assert.ok(answered.includes(`${GRAPH}/.default`) && answered.includes(`${GRAPH}/User.Read`), answered.join(' '));
  });

  it('accepts scopes qualified with the emulator\'s own Graph endpoint, bare names and .default', async () => {
    for (const s of [`${ep.graphEndpoint}/User.Read`, 'User.Read', `${GRAPH}/.default`]) {
      const at = await adminToken(ep, MAKER, [s]);
      assert.equal(decode(at).claims.aud, GRAPH, s);
    }
  });
});

describe('admin consent and the device login page', () => {
  it('lets an admin grant a registered client tenant-wide through /adminconsent; a maker is turned back', async () => {
    const seeded = await seedObjects(ep, {
      applications: [{ displayName: 'Connector client', web: { redirectUris: ['https://app.contoso.example/consented'] }, requiredResourceAccess: [{ resourceAppId: '00000003-0000-0000-c000-000000000000', resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }, { id: 'bdfbf15f-ee85-4955-8675-146e8e5296b5', type: 'Scope' }] }] }],
    });
    const clientId = String(seeded.applications[0]!.appId);
    const url = `${ep.loginEndpoint}/${ep.tenantId}/v2.0/adminconsent?client_id=${clientId}&scope=${encodeURIComponent(`${GRAPH}/.default`)}&redirect_uri=${encodeURIComponent('https://app.contoso.example/consented')}&state=abc`;
    const maker = await signInAsBrowser(url, { username: MAKER, ca: ep.caCertPath });
    assert.equal(maker.delivered?.params.error, 'access_denied');
    const admin = await signInAsBrowser(url, { username: ADMIN, ca: ep.caCertPath });
    assert.equal(admin.delivered?.params.admin_consent, 'True');
    assert.equal(admin.delivered?.params.state, 'abc');
    const state = await getState(ep);
    const sp = state.servicePrincipals.find((s) => s.appId === clientId)!;
    const grant = state.oauth2PermissionGrants.find((g) => g.clientId === sp.id)!;
    assert.equal(grant.consentType, 'AllPrincipals');
    assert.deepEqual(String(grant.scope).split(' ').sort(), ['Application.ReadWrite.All', 'User.Read']);
    // Now the maker gets the admin scope for that client without any prompt.
    const at = await adminToken(ep, MAKER, [`${GRAPH}/Application.ReadWrite.All`], clientId);
    assert.match(String(decode(at).claims.scp), /Application\.ReadWrite\.All/);
  });

  it('completes a device sign-in through the /devicelogin page', async () => {
    const dc = await httpsJson<{ device_code: string; user_code: string; verification_uri: string; interval: number; message: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/devicecode`, {
      method: 'POST', body: new URLSearchParams({ client_id: CLI, scope: `${GRAPH}/User.Read offline_access openid` }).toString(), headers: FORM, ca: ep.caCertPath,
    });
    assert.match(dc.body.message, new RegExp(dc.body.user_code));
    const wrong = await httpsJson<string>(dc.body.verification_uri, { method: 'POST', body: 'otc=NOPE', headers: FORM, ca: ep.caCertPath });
    assert.equal(wrong.status, 400);
    const picker = await httpsJson<string>(dc.body.verification_uri, { method: 'POST', body: `otc=${dc.body.user_code}`, headers: FORM, ca: ep.caCertPath });
    const txn = /name="txn" value="([^"]+)"/.exec(picker.text)![1]!;
    const signedIn = await httpsJson<string>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize/signin`, { method: 'POST', body: new URLSearchParams({ txn, username: MAKER }).toString(), headers: FORM, ca: ep.caCertPath });
    assert.match(signedIn.text, /You have signed in/);
    const t = await token({ client_id: CLI, grant_type: 'device_code', device_code: dc.body.device_code });
    assert.equal(t.status, 200);
    assert.equal(decode(String(t.body.access_token)).claims.upn, MAKER);
    const again = await token({ client_id: CLI, grant_type: 'device_code', device_code: dc.body.device_code });
    assert.equal(again.body.error, 'invalid_grant', 'a device code is redeemed once');
  });
});

describe('seeding and robustness', () => {
  // How fast it starts is the bench's business (npm run bench), not a timed test's on a shared machine.
  it('seeds 5,000 extra apps and still filters and pages them', async () => {
    const big = await startEmulator({ port: 0, seed: { extraApps: 5000 } });
    try {
      const at = await adminToken(big.endpoints, MAKER, [`${GRAPH}/Application.ReadWrite.All`]);
      const r = await httpsJson<{ value: { displayName: string }[]; '@odata.count': number }>(`${big.endpoints.graphEndpoint}/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'Seeded app 04999'")}&$count=true`, { headers: { authorization: `Bearer ${at}`, ConsistencyLevel: 'eventual' }, ca: big.endpoints.caCertPath });
      assert.equal(r.body['@odata.count'], 1);
      assert.equal(r.body.value[0]!.displayName, 'Seeded app 04999');
    } finally {
      await big.stop();
    }
  });

  it('survives garbage: odd paths, methods, bodies and admin calls', async () => {
    const at = await adminToken(ep, MAKER, [`${GRAPH}/Application.ReadWrite.All`]);
    const auth = { authorization: `Bearer ${at}` };
    const probes: [string, string, unknown, Record<string, string>][] = [
      ['GET', `${ep.graphEndpoint}/v1.0/applications(appId='x'`, undefined, auth],
      ['GET', `${ep.graphEndpoint}/v1.0/%E0%A4%A`, undefined, auth],
      ['PUT', `${ep.graphEndpoint}/v1.0/applications`, { a: 1 }, auth],
      ['POST', `${ep.graphEndpoint}/v1.0/$batch`, { requests: [{ id: 1 }] }, auth],
      ['POST', `${ep.graphEndpoint}/v1.0/$batch`, { requests: [{ id: 'a', method: 'GET', url: '/me', dependsOn: ['a'] }] }, auth],
      ['POST', `${ep.graphEndpoint}/v1.0/applications`, 'null', { ...auth, 'content-type': 'application/json' }],
      ['POST', `${ep.graphEndpoint}/v1.0/applications`, { displayName: 'x', api: null, web: { redirectUris: [null] } }, auth],
      ['PATCH', `${ep.graphEndpoint}/v1.0/applications(uniqueName='')`, {}, auth],
      ['GET', `${ep.graphEndpoint}/v1.0/applications?$filter=${encodeURIComponent("identifierUris/any(x:x eq )")}`, undefined, auth],
      ['GET', `${ep.graphEndpoint}/beta/me`, undefined, auth],
      ['POST', `${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, '%%%', FORM],
      ['GET', `${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize`, undefined, {}],
      ['POST', `${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize/consent`, 'txn=nope', FORM],
      ['PUT', `${ep.adminEndpoint}/faults`, '{bad', adminHeaders(ep)],
      ['POST', `${ep.adminEndpoint}/seed`, { servicePrincipals: [{ appId: 'missing' }] }, adminHeaders(ep)],
      ['POST', `${ep.adminEndpoint}/token`, { user: MAKER, scopes: 'x' }, adminHeaders(ep)],
      ['GET', `${ep.loginEndpoint}/nowhere`, undefined, {}],
      ['GET', `${ep.loginEndpoint}/%E0%A4%A/v2.0/.well-known/openid-configuration`, undefined, {}],
      ['POST', `${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, { client_id: CLI, grant_type: 'device_code' }, {}],
    ];
    for (const [method, url, body, headers] of probes) {
      const r = await httpsJson(url, { method, body, headers, ca: ep.caCertPath });
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${url} → ${r.status} ${r.text.slice(0, 200)}`);
    }
    assert.equal((await httpsJson(`${ep.graphEndpoint}/v1.0/me`, { headers: auth, ca: ep.caCertPath })).status, 200, 'still serving');
  });
});
