// The emulator against Microsoft's Graph contract: a scripted session over every contract operation, recorded by
// the in-process hook, must conform; and the validator itself must catch what breaks the contract.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, httpsJson, startEmulator, type Endpoints, type RunningEmulator } from '../../emulator/src';
import { ContractRecorder, graphContract, validateGraphRequest, validateGraphResponse } from './graph-contract';

const GRAPH = 'https://graph.microsoft.com';

describe('the Graph contract validator', () => {
  it('accepts a well-formed application and refuses wrong types, undeclared properties and bad error bodies', () => {
    const app = { id: '3f1e0c2a-1b2c-4d5e-8f90-123456789abc', appId: '4f1e0c2a-1b2c-4d5e-8f90-123456789abc', displayName: 'x', identifierUris: ['api://x'], api: { oauth2PermissionScopes: [] } };
    assert.equal(validateGraphResponse('GET', '/applications/3f1e0c2a-1b2c-4d5e-8f90-123456789abc', 200, app).valid, true);
    const wrong = validateGraphResponse('GET', '/applications/3f1e0c2a-1b2c-4d5e-8f90-123456789abc', 200, { ...app, identifierUris: 'api://x' });
    assert.equal(wrong.valid, false);
    assert.match(wrong.errors.join(), /identifierUris/);
    assert.equal(validateGraphResponse('GET', '/applications', 403, { error: { message: 'no code' } }).valid, false);
    assert.equal(validateGraphResponse('GET', '/applications', 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }).valid, true);
    const req = validateGraphRequest('POST', 'https://graph.microsoft.com/v1.0/applications', { displayName: 'x', colour: 'blue', api: { scopes: [] } });
    assert.equal(req.valid, false);
    assert.match(req.errors.join(), /\/colour/);
    assert.match(req.errors.join(), /\/api\/scopes/);
    assert.equal(validateGraphRequest('PATCH', "/applications(uniqueName='contoso')", { displayName: 'x' }).operation, "PATCH /applications(uniqueName='{uniqueName}')");
    assert.equal(validateGraphRequest('POST', '/applications/3f1e0c2a-1b2c-4d5e-8f90-123456789abc/addPassword', { passwordCredential: { displayName: 'x' } }).operation, 'POST /applications/{application-id}/addPassword');
    assert.equal(validateGraphResponse('GET', '/me/ownedObjects', 200, {}).covered, false);
    assert.equal(validateGraphResponse('PATCH', '/applications/3f1e0c2a-1b2c-4d5e-8f90-123456789abc', 204, undefined).valid, true);
  });
});

describe('every emulator response in a full session validates against the contract', () => {
  let emu: RunningEmulator;
  let ep: Endpoints;
  const recorder = new ContractRecorder();
  before(async () => {
    emu = await startEmulator({ port: 0, onGraphExchange: recorder.hook });
    ep = emu.endpoints;
  });
  after(() => emu.stop());

  it('covers each contract operation with success and error answers', async () => {
    const admin = await adminToken(ep, 'admin@contoso.example', [`${GRAPH}/Application.ReadWrite.All`, `${GRAPH}/DelegatedPermissionGrant.ReadWrite.All`]);
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      (await httpsJson<Record<string, unknown>>(`${ep.graphEndpoint}/v1.0${path}`, { method, body, headers: { authorization: `Bearer ${admin}`, ...headers }, ca: ep.caCertPath })).body;
    await call('GET', '/me');
    await call('GET', '/organization?$select=id,displayName,verifiedDomains');
    const scopeId = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
    const api = await call('POST', '/applications', { displayName: 'API', api: { oauth2PermissionScopes: [{ id: scopeId, value: 'access', type: 'User', isEnabled: true, adminConsentDisplayName: 'a', adminConsentDescription: 'a' }] } });
    const id = String(api.id);
    const appId = String(api.appId);
    await call('PATCH', `/applications/${id}`, { identifierUris: [`api://${appId}`] });
    await call('GET', `/applications/${id}`);
    await call('GET', `/applications(appId='${appId}')?$select=id,appId,identifierUris`);
    await call('GET', `/applications?$filter=startswith(displayName,'AP')&$top=1&$count=true`, undefined, { ConsistencyLevel: 'eventual' });
    await call('PATCH', `/applications(appId='${appId}')`, { notes: 'n' });
    await call('PATCH', "/applications(uniqueName='contract-upsert')", { displayName: 'Upserted' }, { Prefer: 'create-if-missing' });
    await call('PATCH', "/applications(uniqueName='contract-upsert')", { displayName: 'Upserted 2' }, { Prefer: 'create-if-missing' });
    await call('GET', "/applications(uniqueName='contract-upsert')");
    const pw = await call('POST', `/applications/${id}/addPassword`, { passwordCredential: { displayName: 'p' } });
    await call('POST', `/applications/${id}/removePassword`, { keyId: pw.keyId });
    const sp = await call('POST', '/servicePrincipals', { appId });
    await call('GET', `/servicePrincipals/${String(sp.id)}`);
    await call('GET', `/servicePrincipals(appId='${appId}')`);
    await call('GET', `/servicePrincipals?$filter=servicePrincipalNames/any(x:x eq 'api://${appId}')`);
    const client = await call('PATCH', "/applications(uniqueName='contract-client')", { displayName: 'Client' }, { Prefer: 'create-if-missing' });
    const clientSp = await call('PATCH', `/servicePrincipals(appId='${String(client.appId)}')`, { tags: ['WindowsAzureActiveDirectoryIntegratedApp'] }, { Prefer: 'create-if-missing' });
    await call('PATCH', `/servicePrincipals/${String(clientSp.id)}`, { appRoleAssignmentRequired: false });
    const grant = await call('POST', '/oauth2PermissionGrants', { clientId: clientSp.id, consentType: 'AllPrincipals', resourceId: sp.id, scope: 'access' });
    await call('GET', `/oauth2PermissionGrants?$filter=clientId eq '${String(clientSp.id)}'`);
    await call('GET', `/oauth2PermissionGrants/${String(grant.id)}`);
    await call('PATCH', `/oauth2PermissionGrants/${String(grant.id)}`, { scope: 'access' });
    await call('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: `/applications/${id}` }, { id: '2', method: 'DELETE', url: `/oauth2PermissionGrants/${String(grant.id)}`, dependsOn: ['1'] }] });
    // Error answers.
    await call('GET', '/applications/00000000-0000-0000-0000-000000000000');
    await call('POST', '/applications', '{', { 'content-type': 'application/json' });
    await call('POST', '/servicePrincipals', { appId: '00000000-0000-0000-0000-000000000000' });
    await call('GET', '/applications?$top=0');
    await call('DELETE', `/servicePrincipals/${String(clientSp.id)}`);
    await call('DELETE', `/applications(uniqueName='contract-client')`);
    await call('DELETE', `/applications/${id}`);

    assert.deepEqual(recorder.violations(), []);
    const covered = new Set(recorder.exchanges.filter((ex) => ex.status < 300).map((ex) => graphContract().find(ex.method, ex.path)).filter(Boolean).map((op) => `${op!.method} ${op!.template}`));
    for (const must of ['POST /applications', 'GET /applications', 'PATCH /applications/{application-id}', "PATCH /applications(uniqueName='{uniqueName}')", 'POST /applications/{application-id}/addPassword', 'POST /servicePrincipals', 'POST /oauth2PermissionGrants', 'POST /$batch', 'GET /me', 'GET /organization']) {
      assert.ok(covered.has(must), `the session covers ${must} with a success`);
    }
    assert.ok(recorder.exchanges.some((ex) => ex.status >= 400), 'error answers were checked too');
  });
});
