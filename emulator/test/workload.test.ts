// The emulated tenant's workload identities fail where Entra and Graph fail: the client credentials grant's scope and
// credential errors, app-only tokens that carry `roles` (and no `scp`), Graph refusing app-only callers beyond their
// application permissions and ownership, and Graph app roles that an Application Administrator may not assign.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { getState, httpsJson, resetEmulator, startEmulator, type Endpoints, type RunningEmulator } from '../src';
import { ACCOUNTS, ADMIN, addOwner, addPassword, createApp, createVmIdentity, graph, grantOwnedBy, GRAPH_APP_ID, OWNED_BY_ROLE } from '../../test/support/workload';

let emu: RunningEmulator;
let ep: Endpoints;

before(async () => {
  emu = await startEmulator({ port: 0, seed: { accounts: ACCOUNTS } });
  ep = emu.endpoints;
});
after(async () => emu?.stop());
beforeEach(async () => resetEmulator(ep));

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await httpsJson<Record<string, unknown>>(`${ep.loginEndpoint}/${ep.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${ep.graphEndpoint}/.default`, ...form }).toString(),
    ca: ep.caCertPath,
  });
  return { status: res.status, body: res.body };
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function appGraph(accessToken: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await httpsJson<{ error?: { code: string; message: string } }>(`${ep.graphEndpoint}/v1.0${path}`, { method, body, headers: { authorization: `Bearer ${accessToken}` }, ca: ep.caCertPath });
  return { status: res.status, body: res.body };
}

describe('client credentials and app-only Graph', () => {
  it('answers Entra\'s errors: a scope without /.default, a wrong secret, an app without a service principal', async () => {
    const app = await createApp(ep, 'worker');
    const { secretText } = await addPassword(ep, app.id, 'worker');
    const scope = await token({ client_id: app.appId, client_secret: secretText, scope: `${ep.graphEndpoint}/Application.ReadWrite.All` });
    assert.equal(scope.status, 400);
    assert.match(String(scope.body.error_description), /^AADSTS1002012:.*\/\.default/);
    const wrong = await token({ client_id: app.appId, client_secret: `${secretText}x` });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.body.error_description), /^AADSTS7000215: Invalid client secret/);
    const none = await token({ client_id: app.appId });
    assert.match(String(none.body.error_description), /^AADSTS7000218:/);
    const lonely = await graph<{ id: string; appId: string }>(ep, ADMIN, 'POST', '/applications', { displayName: 'no sp' });
    const { secretText: s2 } = await addPassword(ep, lonely.body.id, 'x');
    const noSp = await token({ client_id: lonely.body.appId, client_secret: s2 });
    assert.match(String(noSp.body.error_description), /^AADSTS7000229:/);
  });

  it('an app-only token carries the granted application permissions as roles and no scp; /me is refused', async () => {
    const app = await createApp(ep, 'worker');
    const { secretText } = await addPassword(ep, app.id, 'worker');
    const bare = await token({ client_id: app.appId, client_secret: secretText });
    assert.equal(bare.status, 200);
    assert.equal(claims(String(bare.body.access_token)).roles, undefined);
    await grantOwnedBy(ep, app.spId);
    const granted = await token({ client_id: app.appId, client_secret: secretText });
    const c = claims(String(granted.body.access_token));
    assert.deepEqual([c.roles, c.scp, c.idtyp, c.oid], [['Application.ReadWrite.OwnedBy'], undefined, 'app', app.spId]);
    const me = await appGraph(String(granted.body.access_token), 'GET', '/me');
    assert.equal(me.status, 400);
  });

  it('with exactly OwnedBy Graph serves the owned app and refuses another with 403 Authorization_RequestDenied; without a role, everything is refused', async () => {
    const worker = await createApp(ep, 'worker');
    const owned = await createApp(ep, 'owned');
    const foreign = await createApp(ep, 'foreign');
    await addOwner(ep, owned.id, worker.spId);
    const { secretText } = await addPassword(ep, worker.id, 'worker');
    const none = String((await token({ client_id: worker.appId, client_secret: secretText })).body.access_token);
    assert.equal((await appGraph(none, 'GET', `/applications/${owned.id}`)).status, 403);
    await grantOwnedBy(ep, worker.spId);
    const t = String((await token({ client_id: worker.appId, client_secret: secretText })).body.access_token);
    assert.equal((await appGraph(t, 'GET', `/applications(appId='${owned.appId}')`)).status, 200);
    const denied = await appGraph(t, 'POST', `/applications/${foreign.id}/addPassword`, { passwordCredential: { displayName: 'x' } });
    assert.deepEqual([denied.status, denied.body.error?.code], [403, 'Authorization_RequestDenied']);
    assert.equal((await appGraph(t, 'GET', `/applications/${foreign.id}`)).status, 403);
    const list = await httpsJson<{ value: { id: string }[] }>(`${ep.graphEndpoint}/v1.0/applications`, { headers: { authorization: `Bearer ${t}` }, ca: ep.caCertPath });
    assert.deepEqual(list.body.value.map((a) => a.id), [owned.id], 'a list shows only the apps it owns');
  });

  it('an Application Administrator may not assign Microsoft Graph\'s app roles (a Global Administrator may)', async () => {
    const worker = await createApp(ep, 'worker');
    const graphSp = (await getState(ep)).servicePrincipals.find((s) => s.appId === GRAPH_APP_ID)!;
    const r = await graph(ep, ADMIN, 'POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: worker.spId, resourceId: graphSp.id, appRoleId: OWNED_BY_ROLE }, 'https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All');
    assert.equal(r.status, 403);
    await grantOwnedBy(ep, worker.spId);
    const again = await graph<{ error: { message: string } }>(ep, 'global@contoso.example', 'POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: worker.spId, resourceId: graphSp.id, appRoleId: OWNED_BY_ROLE }, 'https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All');
    assert.equal(again.status, 400);
    assert.match(again.body.error.message, /already exists/);
  });
});

describe('the VM metadata endpoint (IMDS)', () => {
  async function imds(query: Record<string, string>, headers: Record<string, string> = { metadata: 'true' }): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${ep.imdsEndpoint}/metadata/identity/oauth2/token?${new URLSearchParams(query).toString()}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const graphResource = () => ({ 'api-version': '2018-02-01', resource: ep.graphEndpoint });

  it('is plain HTTP on its own port and answers IMDS\'s errors: no Metadata header, no api-version, no resource, an identity the VM does not have', async () => {
    assert.match(ep.imdsEndpoint, /^http:\/\/[\d.]+:\d+$/);
    assert.deepEqual(await imds(graphResource(), {}), { status: 400, body: { error: 'bad_request_102', error_description: 'Required metadata header not specified' } });
    assert.equal((await imds(graphResource(), { metadata: 'True' })).status, 400, 'the value must be "true" in lower case');
    assert.equal((await imds({ resource: ep.graphEndpoint })).status, 400);
    assert.equal((await imds({ 'api-version': '2018-02-01' })).body.error, 'invalid_request');
    // A VM without a system-assigned identity, and a client_id that is not assigned to it.
    assert.deepEqual(await imds(graphResource()), { status: 400, body: { error: 'invalid_request', error_description: 'Identity not found' } });
    const user = await createVmIdentity(ep, 'user');
    assert.equal((await imds(graphResource())).status, 400, 'a lone user-assigned identity is not the default (strict side)');
    assert.deepEqual((await imds({ ...graphResource(), client_id: '11111111-2222-3333-4444-555555555555' })).body, { error: 'invalid_request', error_description: 'Identity not found' });
    const ok = await imds({ ...graphResource(), client_id: user.servicePrincipal.appId });
    assert.equal(ok.status, 200);
    assert.equal((await imds({ ...graphResource(), object_id: user.servicePrincipal.id })).status, 200);
    assert.equal((await imds({ 'api-version': '2018-02-01', resource: 'https://unknown.example.com' }, { metadata: 'true' })).status, 400);
  });

  it('gives the system-assigned identity an app-only token for the tenant, with its Graph app roles and IMDS\'s string fields', async () => {
    const system = await createVmIdentity(ep, 'system');
    await grantOwnedBy(ep, system.servicePrincipal.id);
    const r = await imds(graphResource());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.client_id, system.servicePrincipal.appId);
    assert.equal(r.body.resource, ep.graphEndpoint);
    for (const f of ['expires_in', 'expires_on', 'not_before']) assert.equal(typeof r.body[f], 'string', f);
    const c = claims(String(r.body.access_token));
    assert.equal(c.oid, system.servicePrincipal.id);
    assert.equal(c.tid, ep.tenantId);
    assert.deepEqual(c.roles, ['Application.ReadWrite.OwnedBy']);
    assert.equal(c.idtyp, 'app');
    // Graph accepts it: the token is the tenant's, not the metadata endpoint's.
    assert.equal((await appGraph(String(r.body.access_token), 'GET', '/applications')).status, 200);
  });
});
