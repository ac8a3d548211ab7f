// The Graph and ARM clients share one retry policy, one log entry and one log line.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createGraphClient } from '../../../src/graph/client';
import { DEFAULT_RETRY, isRetryableAnswer, requestLogLine, retryDelay, type RequestLogEntry } from '../../../src/http/policy';
import { ArmClient } from '../../../src/service/arm';

describe('request log line', () => {
  it('has service, method, path without query, status, request-id and duration — nothing else', () => {
    const ok = requestLogLine('Graph', { method: 'GET', path: "/v1.0/applications?$filter=displayName eq 'secret-looking'", status: 200, requestId: 'r-1', durationMs: 41.6 });
    assert.deepEqual(ok, { line: 'Graph GET /v1.0/applications?… → 200 request-id r-1 42 ms', problem: false });
    const failed = requestLogLine('Graph', { method: 'POST', path: '/v1.0/applications', status: 0, durationMs: 3, networkError: 'ECONNRESET' });
    assert.deepEqual(failed, { line: 'Graph POST /v1.0/applications → network error (ECONNRESET) request-id - 3 ms', problem: true });
    assert.equal(requestLogLine('ARM', { method: 'PATCH', path: '/x', status: 403, durationMs: 1 }).problem, true);
  });
});

describe('one retry policy', () => {
  it('retries 429 for every method, 503/504 and a transient 409 only when idempotent', () => {
    assert.equal(isRetryableAnswer(429, false), true);
    assert.equal(isRetryableAnswer(503, true), true);
    assert.equal(isRetryableAnswer(504, true), true);
    assert.equal(isRetryableAnswer(503, false), false, 'a POST that may have run is not repeated');
    assert.equal(isRetryableAnswer(409, true), false);
    assert.equal(isRetryableAnswer(409, true, true), true);
    assert.equal(isRetryableAnswer(409, false, true), false);
    assert.equal(isRetryableAnswer(500, true), false);
  });

  it('waits Retry-After when given, else doubles from the base, never longer than the bound', () => {
    assert.equal(retryDelay(DEFAULT_RETRY, 0, '2'), 2000);
    assert.equal(retryDelay(DEFAULT_RETRY, 0, null), 1000);
    assert.equal(retryDelay(DEFAULT_RETRY, 2, undefined), 4000);
    assert.equal(retryDelay(DEFAULT_RETRY, 0, '3600'), 30_000);
    assert.equal(retryDelay(DEFAULT_RETRY, 10, null), 30_000);
  });

  it('Graph and ARM wait the same, log the same entry and give up after the same number of attempts on a throttled read', async () => {
    const throttled = async () => new Response('{"error":{"code":"TooManyRequests","message":"slow down"}}', { status: 429, headers: { 'Retry-After': '1', 'content-type': 'application/json' } });
    const graphWaits: number[] = [];
    const armWaits: number[] = [];
    const graphLog: RequestLogEntry[] = [];
    const armLog: RequestLogEntry[] = [];
    const graph = createGraphClient({ graphEndpoint: 'https://graph.example', getAccessToken: async () => 't', fetch: throttled, log: (e) => graphLog.push(e), sleep: async (ms) => void graphWaits.push(ms) });
    const arm = new ArmClient({ armEndpoint: 'https://arm.example', getAccessToken: async () => 't', fetch: throttled, log: (e) => armLog.push(e), sleep: async (ms) => void armWaits.push(ms) });
    await assert.rejects(graph.api('/applications').get());
    await assert.rejects(arm.get('/subscriptions', '2022-12-01'));
    assert.deepEqual(graphWaits, armWaits);
    assert.equal(graphWaits.length, DEFAULT_RETRY.maxRetries);
    assert.deepEqual(graphLog.map((e) => e.status), armLog.map((e) => e.status));
    assert.deepEqual(Object.keys(graphLog[0]!).sort(), Object.keys(armLog[0]!).sort());
  });
});
