// Each fault kind: the exact status and body a client sees; the request log and critical path.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { validateGraphResponse } from '../../test/contract/graph-contract';
import { criticalPath } from '../src/faults';
import { adminHeaders, adminToken, clearRequests, getState, httpsJson, resetEmulator, setFaults, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const GRAPH = 'https://graph.microsoft.com';
const MAKER = 'maker@contoso.example';

let ep: Endpoints;
let token: string;

interface GraphErrorBody {
  error: { code: string; message: string; details?: { code: string; target?: string }[]; innerError?: Record<string, string> };
}

async function graph<T = Record<string, unknown>>(method: string, path: string, body?: unknown, t = token) {
  const res = await httpsJson<T>(`${ep.graphEndpoint}/v1.0${path}`, { method, body, headers: { authorization: `Bearer ${t}` }, ca: ep.caCertPath });
  const contract = validateGraphResponse(method, path, res.status, res.text ? res.body : undefined);
  if (contract.covered) assert.ok(contract.valid, `${method} ${path} → ${res.status} breaks the Graph contract: ${contract.errors.join('; ')}`);
  return res;
}

useEmulator((e) => (ep = e));
beforeEach(async () => {
  await resetEmulator(ep);
  token = await adminToken(ep, MAKER, [`${GRAPH}/Application.ReadWrite.All`]);
});

describe('faults', () => {
  it('throttles a chosen request with 429, Retry-After and Graph\'s body, only `times` times', async () => {
    await setFaults(ep, { rules: [{ match: { method: 'POST', path: '^/v1.0/applications$' }, fault: 'throttle', times: 1, retryAfter: 7 }] });
    const first = await graph<GraphErrorBody>('POST', '/applications', { displayName: 'Throttled' });
    assert.equal(first.status, 429);
    assert.equal(first.headers['retry-after'], '7');
    assert.equal(first.body.error.code, 'TooManyRequests');
    assert.ok(first.body.error.innerError?.['request-id']);
    assert.equal((await graph('GET', '/me')).status, 200, 'other requests are not matched');
    assert.equal((await graph('POST', '/applications', { displayName: 'Throttled' })).status, 201);
    const state = await getState(ep);
    assert.equal(state.applications.filter((a) => a.displayName === 'Throttled').length, 1, 'a throttled create commits nothing');
  });

  it('throttles after N writes', async () => {
    await setFaults(ep, { rules: [{ match: { method: 'WRITE' }, fault: 'throttle', afterN: 2 }] });
    assert.equal((await graph('POST', '/applications', { displayName: 'a' })).status, 201);
    assert.equal((await graph('POST', '/applications', { displayName: 'b' })).status, 201);
    assert.equal((await graph('GET', '/applications')).status, 200, 'reads do not count');
    assert.equal((await graph('POST', '/applications', { displayName: 'c' })).status, 429);
    // Token requests are writes too, but a rule without a service leaves sign-in alone; `service: 'login'` targets it.
    assert.ok(await adminToken(ep, MAKER, [`${GRAPH}/User.Read`]));
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const tokenCall = () => httpsJson<{ error: string }>(`${ep.loginEndpoint}/organizations/oauth2/v2.0/token`, { method: 'POST', body: 'grant_type=refresh_token&client_id=14d82eec-204b-4c2f-b7e8-296a70dab67e&refresh_token=x', headers: form, ca: ep.caCertPath });
    assert.equal((await tokenCall()).status, 400);
    await setFaults(ep, { rules: [{ match: { service: 'login', path: '/oauth2/v2.0/token$' }, fault: 'unavailable', times: 1 }] });
    const unavailable = await tokenCall();
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.body.error, 'temporarily_unavailable');
  });

  it('answers 503 with Retry-After', async () => {
    await setFaults(ep, { rules: [{ match: { path: '^/v1.0/me$' }, fault: 'unavailable', retryAfter: 2 }] });
    const r = await graph<GraphErrorBody>('GET', '/me');
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '2');
    assert.equal(r.body.error.code, 'serviceNotAvailable');
  });

  it('hides new objects while they replicate: 404 on read and patch, NoBackingApplicationObject on POST /servicePrincipals', async () => {
    await setFaults(ep, { replicationLagMs: 60_000 });
    const app = await graph<{ id: string; appId: string }>('POST', '/applications', { displayName: 'Lagging' });
    assert.equal(app.status, 201);
    const read = await graph<GraphErrorBody>('GET', `/applications/${app.body.id}`);
    assert.equal(read.status, 404);
    assert.equal(read.body.error.code, 'Request_ResourceNotFound');
    const patch = await graph<GraphErrorBody>('PATCH', `/applications/${app.body.id}`, { identifierUris: [`api://${app.body.appId}`] });
    assert.equal(patch.status, 404);
    const sp = await graph<GraphErrorBody>('POST', '/servicePrincipals', { appId: app.body.appId });
    assert.equal(sp.status, 400);
    assert.equal(sp.body.error.code, 'Request_BadRequest');
    assert.deepEqual(sp.body.error.details?.map((d) => [d.code, d.target]), [['NoBackingApplicationObject', 'appId']]);
    // Replication catches up.
    await setFaults(ep, { replicationLagMs: 0 });
    assert.equal((await graph('GET', `/applications/${app.body.id}`)).status, 200);
    assert.equal((await graph('POST', '/servicePrincipals', { appId: app.body.appId })).status, 201);
  });

  it('resets the connection after committing a write', async () => {
    await setFaults(ep, { rules: [{ match: { method: 'POST', path: '^/v1.0/applications$' }, fault: 'resetAfterCommit', times: 1 }] });
    await assert.rejects(graph('POST', '/applications', { displayName: 'Committed' }), (e: Error & { code?: string }) => {
      assert.match(String(e.code ?? e.message), /ECONNRESET|socket hang up/);
      return true;
    });
    const state = await getState(ep);
    assert.equal(state.applications.filter((a) => a.displayName === 'Committed').length, 1, 'the write happened');
    assert.equal(state.requests.find((r) => r.method === 'POST' && r.path === '/v1.0/applications')?.status, 0);
  });

  it('expires tokens: by rule (401 InvalidAuthenticationToken) and by lifetime', async () => {
    await setFaults(ep, { rules: [{ match: { service: 'graph' }, fault: 'expireToken', times: 1 }] });
    const r = await graph<GraphErrorBody>('GET', '/me');
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'InvalidAuthenticationToken');
    assert.equal(r.body.error.message, 'Lifetime validation failed, the token is expired.');
    assert.equal((await graph('GET', '/me')).status, 200);
    await setFaults(ep, { tokenLifetimeSeconds: 1 });
    const short = await adminToken(ep, MAKER, [`${GRAPH}/User.Read`]);
    await new Promise((res) => setTimeout(res, 1100));
    const expired = await graph<GraphErrorBody>('GET', '/me', undefined, short);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.message, 'Lifetime validation failed, the token is expired.');
  });

  it('adds latency per request', async () => {
    await setFaults(ep, { latencyMs: 120 });
    const t0 = performance.now();
    await graph('GET', '/me');
    assert.ok(performance.now() - t0 >= 115);
  });

  it('throttles requests inside $batch individually', async () => {
    await setFaults(ep, { rules: [{ match: { path: '^/v1.0/organization$' }, fault: 'throttle', retryAfter: 3 }] });
    const r = await graph<{ responses: { id: string; status: number; headers: Record<string, string> }[] }>('POST', '/$batch', { requests: [{ id: 'a', method: 'GET', url: '/me' }, { id: 'b', method: 'GET', url: '/organization' }] });
    assert.equal(r.status, 200);
    const b = r.body.responses.find((x) => x.id === 'b')!;
    assert.equal(b.status, 429);
    assert.equal(b.headers['Retry-After'], '3');
  });

  it('answers faults on ARM with ARM\'s error shape', async () => {
    await setFaults(ep, { rules: [{ match: { service: 'arm' }, fault: 'throttle', times: 1, retryAfter: 4 }, { match: { service: 'arm' }, fault: 'unavailable', afterN: 1, times: 1 }] });
    const arm = await adminToken(ep, 'admin@contoso.example', ['https://management.azure.com/user_impersonation']);
    const get = () => httpsJson<{ error: { code: string; message: string } }>(`${ep.armEndpoint}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${arm}` }, ca: ep.caCertPath });
    const first = await get();
    assert.equal(first.status, 429);
    assert.equal(first.headers['retry-after'], '4');
    assert.deepEqual(Object.keys(first.body.error).sort(), ['code', 'message']);
    assert.equal(first.body.error.code, 'TooManyRequests');
    const second = await get();
    assert.equal(second.status, 503);
    assert.equal(second.body.error.code, 'ServiceUnavailable');
    assert.notEqual((await get()).status, 503);
  });

  it('refuses malformed fault configurations', async () => {
    const bad = await httpsJson<{ error: string }>(`${ep.adminEndpoint}/faults`, { method: 'PUT', body: { rules: [{ fault: 'explode' }] }, headers: adminHeaders(ep), ca: ep.caCertPath });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /fault must be one of/);
  });
});

describe('request log', () => {
  it('records every request and measures the longest chain of sequential round trips', async () => {
    // Latency makes the two parallel requests overlap on the server as they would on a network.
    await setFaults(ep, { latencyMs: 300 });
    await clearRequests(ep);
    await graph('GET', '/me');
    await Promise.all([graph('GET', '/organization'), graph('GET', '/applications')]);
    await graph('GET', '/me');
    const state = await getState(ep);
    const graphReqs = state.requests.filter((r) => r.service === 'graph');
    assert.equal(graphReqs.length, 4);
    for (const r of graphReqs) assert.ok(r.end >= r.start && r.status === 200);
    assert.equal(state.criticalPath, 3);
    assert.equal(criticalPath(graphReqs), 3);
  });

  it('criticalPath counts chains, not requests', () => {
    assert.equal(criticalPath([]), 0);
    assert.equal(criticalPath([{ start: 0, end: 10 }, { start: 1, end: 9 }, { start: 2, end: 8 }]), 1);
    assert.equal(criticalPath([{ start: 0, end: 1 }, { start: 2, end: 3 }, { start: 4, end: 5 }, { start: 0, end: 5 }]), 3);
    assert.equal(criticalPath([{ start: 0, end: 1 }, { start: 1, end: 2, batch: 7 }]), 1);
  });
});
