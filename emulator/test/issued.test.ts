// GET /admin/issued: the test observation hook the secrets scan uses. Every client secret, token and code the tenant
// hands out is listed (and only those: no user code), it survives POST /reset, and nothing of it reaches the disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { dirname } from 'node:path';
import { adminToken, approveDevice, getIssued, httpsJson, resetEmulator, signInAsBrowser, type Endpoints } from '../src/index';
import { scanForSecrets } from '../../test/reliability/scan.mjs';
import { useEmulator } from './support';

const CLI = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const GRAPH = 'https://graph.microsoft.com';
const MAKER = 'maker@contoso.example';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let ep: Endpoints;

useEmulator((e) => (ep = e));

const tokenUrl = () => `${ep.loginEndpoint}/organizations/oauth2/v2.0/token`;

describe('GET /admin/issued', () => {
  it('lists every secret, token and code handed out, keeps them across a reset, and writes none of them to disk', async () => {
    assert.deepEqual(await getIssued(ep), { secrets: [], tokens: [] }, 'nothing issued yet');

    // Authorization code + PKCE → access, refresh and ID token.
    const verifier = 'v'.repeat(50);
    const scope = `openid profile offline_access ${GRAPH}/User.Read`;
    const params = new URLSearchParams({ client_id: CLI, response_type: 'code', response_mode: 'query', redirect_uri: 'http://localhost:1/', scope, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const signIn = await signInAsBrowser(`${ep.loginEndpoint}/organizations/oauth2/v2.0/authorize?${params}`, { username: MAKER, ca: ep.caCertPath });
    const code = signIn.delivered?.params.code;
    assert.ok(code, signIn.page);
    const redeemed = await httpsJson<Record<string, string>>(tokenUrl(), { method: 'POST', headers: FORM, ca: ep.caCertPath, body: new URLSearchParams({ client_id: CLI, grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:1/', code_verifier: verifier, scope }).toString() });
    assert.equal(redeemed.status, 200);
    const { access_token: at, refresh_token: rt, id_token: idt } = redeemed.body;
    assert.ok(at && rt && idt);

    // Refresh → new access and refresh token.
    const refreshed = await httpsJson<Record<string, string>>(tokenUrl(), { method: 'POST', headers: FORM, ca: ep.caCertPath, body: new URLSearchParams({ client_id: CLI, grant_type: 'refresh_token', refresh_token: rt, scope }).toString() });
    assert.equal(refreshed.status, 200);

    // Device code (the device code is a credential; the user code is shown to the user on purpose).
    const dc = await httpsJson<Record<string, string>>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/devicecode`, { method: 'POST', headers: FORM, ca: ep.caCertPath, body: new URLSearchParams({ client_id: CLI, scope }).toString() });
    assert.equal(dc.status, 200);
    await approveDevice(ep, MAKER, { userCode: dc.body.user_code });
    const fromDevice = await httpsJson<Record<string, string>>(tokenUrl(), { method: 'POST', headers: FORM, ca: ep.caCertPath, body: new URLSearchParams({ client_id: CLI, grant_type: 'device_code', device_code: dc.body.device_code! }).toString() });
    assert.equal(fromDevice.status, 200);

    // The admin shortcut token, then a client secret.
    const t = await adminToken(ep, MAKER, [`${GRAPH}/Application.ReadWrite.All`]);
    const app = await httpsJson<{ id: string }>(`${ep.graphEndpoint}/v1.0/applications`, { method: 'POST', body: { displayName: 'Issued' }, headers: { authorization: `Bearer ${t}` }, ca: ep.caCertPath });
    assert.equal(app.status, 201);
    const pw = await httpsJson<{ secretText: string }>(`${ep.graphEndpoint}/v1.0/applications/${app.body.id}/addPassword`, { method: 'POST', body: { passwordCredential: { displayName: 'connector' } }, headers: { authorization: `Bearer ${t}` }, ca: ep.caCertPath });
    assert.equal(pw.status, 200);

    await resetEmulator(ep);
    const issued = await getIssued(ep);
    assert.deepEqual(issued.secrets, [pw.body.secretText]);
    const expected = [code, at, rt, idt, refreshed.body.access_token, refreshed.body.refresh_token, refreshed.body.id_token, dc.body.device_code, fromDevice.body.access_token, fromDevice.body.refresh_token, t];
    for (const [i, v] of expected.entries()) assert.ok(v && issued.tokens.includes(v), `issued value #${i} is listed`);
    // ID tokens signed in the same second for the same user and client are identical (RS256 is deterministic).
    assert.equal(issued.tokens.length, new Set([...expected, fromDevice.body.id_token]).size, 'nothing else is listed');
    assert.ok(!issued.tokens.includes(dc.body.user_code!), 'the user code is not a secret');

    // Nothing of it on disk: the emulator's only folder is its TLS material.
    assert.deepEqual(scanForSecrets({ dirs: [dirname(ep.caCertPath)], needles: [...issued.secrets, ...issued.tokens] }), []);
  });
});
