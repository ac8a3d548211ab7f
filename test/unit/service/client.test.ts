// The ARM client with a scripted fetch: retries (409/429/503), a fresh token after 401, nextLink on the own host
// only, errors as values, nothing secret in the log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestLogEntry } from '../../../src/http/policy';
import { ArmClient } from '../../../src/service/arm';
import { armErrorFrom, roleFor } from '../../../src/service/errors';
import { UserFailure } from '../../../src/errors';

type Step = { status: number; body?: unknown; headers?: Record<string, string> } | 'network';

function scripted(steps: Step[]) {
  const calls: { url: string; method: string; auth: string; body?: string; redirect?: string }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({ url: String(input), method: init?.method ?? 'GET', auth: headers.get('authorization') ?? '', ...(typeof init?.body === 'string' ? { body: init.body } : {}), ...(init?.redirect ? { redirect: init.redirect } : {}) });
    const step = steps.shift();
    if (!step) throw new Error('unexpected request');
    if (step === 'network') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    return new Response(step.body === undefined ? null : JSON.stringify(step.body), { status: step.status, headers: { 'content-type': 'application/json', ...(step.headers ?? {}) } });
  }) as typeof fetch;
  return { fetchImpl, calls };
}

function client(steps: Step[], tokens: string[] = ['t1', 't2', 't3']) {
  const { fetchImpl, calls } = scripted(steps);
  const sleeps: number[] = [];
  const log: RequestLogEntry[] = [];
  const forced: boolean[] = [];
  const c = new ArmClient({
    armEndpoint: 'https://management.azure.com/',
    getAccessToken: async (_scopes, o) => {
      forced.push(!!o?.forceRefresh);
      return tokens[forced.length - 1] ?? 'tN';
    },
    fetch: fetchImpl,
    sleep: async (ms) => void sleeps.push(ms),
    log: (e) => log.push(e),
  });
  return { c, calls, sleeps, log, forced };
}

const CONFLICT = { error: { code: 'Conflict', message: 'Cannot modify this site because another operation is in progress.' } };

describe('ARM client', () => {
  it('retries 409 Conflict and 429 (honouring Retry-After) on a PATCH, then succeeds', async () => {
    const { c, calls, sleeps } = client([{ status: 409, body: CONFLICT }, { status: 429, body: { error: { code: 'TooManyRequests', message: 'x' } }, headers: { 'retry-after': '2' } }, { status: 200, body: { ok: 1 } }]);
    assert.deepEqual(await c.patch('/subscriptions/s/x', '2022-03-01', { properties: {} }), { ok: 1 });
    assert.equal(calls.length, 3);
    assert.deepEqual(sleeps, [1000, 2000]);
    assert.ok(calls.every((x) => x.url === 'https://management.azure.com/subscriptions/s/x?api-version=2022-03-01' && x.method === 'PATCH'));
  });

  it('gives up after maxRetries with the ARM error as a value', async () => {
    const { c, calls } = client(Array.from({ length: 5 }, () => ({ status: 409, body: CONFLICT })));
    await assert.rejects(c.put('/x', '2022-03-01', {}), (e: unknown) => e instanceof UserFailure && e.error.code === 'Conflict' && e.error.status === 409 && /again/.test(e.error.next));
    assert.equal(calls.length, 5);
  });

  it('asks for a fresh token once after a 401, never twice', async () => {
    const { c, calls, forced } = client([{ status: 401, body: { error: { code: 'ExpiredAuthenticationToken', message: 'expired' } } }, { status: 200, body: { v: 1 } }]);
    assert.deepEqual(await c.get('/x', '2022-03-01'), { v: 1 });
    assert.deepEqual(forced, [false, true]);
    assert.deepEqual(calls.map((x) => x.auth), ['Bearer t1', 'Bearer t2']);
    const again = client([{ status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'bad' } } }, { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'bad' } } }]);
    await assert.rejects(again.c.get('/x', '2022-03-01'), (e: unknown) => e instanceof UserFailure && e.error.status === 401);
    assert.equal(again.calls.length, 2);
  });

  it('retries a lost connection on idempotent requests and reports it when it persists', async () => {
    const ok = client(['network', { status: 200, body: {} }]);
    await ok.c.get('/x', '2022-03-01');
    assert.equal(ok.log[0]!.networkError, 'ECONNRESET');
    const bad = client(['network', 'network', 'network', 'network', 'network']);
    await assert.rejects(bad.c.get('/x', '2022-03-01'), (e: unknown) => e instanceof UserFailure && e.error.code === 'NetworkError' && /ECONNRESET/.test(e.message));
  });

  it('follows nextLink on its own host and refuses one that points elsewhere (the bearer never leaves)', async () => {
    const { c, calls } = client([
      { status: 200, body: { value: [1], nextLink: 'https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=1' } },
      { status: 200, body: { value: [2] } },
    ]);
    assert.deepEqual(await c.list('/subscriptions', '2022-12-01'), [1, 2]);
    assert.equal(calls[1]!.url, 'https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=1');
    const evil = client([{ status: 200, body: { value: [1], nextLink: 'https://attacker.example/steal' } }]);
    await assert.rejects(evil.c.list('/subscriptions', '2022-12-01'), (e: unknown) => e instanceof UserFailure && e.error.code === 'UnexpectedNextLink');
    assert.equal(evil.calls.length, 1);
  });

  it('refuses a redirect: fetch is told not to follow it, and the bearer goes nowhere else', async () => {
    const { c, calls } = client([{ status: 307, headers: { location: 'https://collector.example/steal' } }]);
    await assert.rejects(c.get('/subscriptions', '2022-12-01'), (e: unknown) => e instanceof UserFailure && e.error.code === 'RedirectRefused');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.redirect, 'manual');
  });

  it('logs method, path, status and request-id, never the token or the query', async () => {
    const { c, log } = client([{ status: 200, body: {}, headers: { 'x-ms-request-id': 'rid-1' } }], ['secret-token-value']);
    await c.get('/subscriptions/s', '2022-12-01');
    assert.equal(log.length, 1);
    assert.equal(log[0]!.path, '/subscriptions/s');
    assert.equal(log[0]!.requestId, 'rid-1');
    assert.ok(!JSON.stringify(log).includes('secret-token-value'));
  });

  it('maps AuthorizationFailed to the action, scope and least-privileged role', () => {
    const scope = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/api/config/authsettingsV2';
    const e = armErrorFrom(403, { error: { code: 'AuthorizationFailed', message: `The client 'maker@contoso.example' with object id 'x' does not have authorization to perform action 'Microsoft.Web/sites/config/write' over scope '${scope}' or the scope is invalid.` } }, 'rid');
    assert.equal(e.role, 'Website Contributor');
    assert.equal(e.scope, scope);
    assert.match(e.next, /"Website Contributor" role/);
    assert.ok(e.next.includes('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/api)'));
    assert.equal(roleFor('Microsoft.Web/sites/read'), 'Reader');
    assert.equal(armErrorFrom(500, 'not json', undefined).code, 'Http500');
  });
});
