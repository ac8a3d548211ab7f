import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/protocol';

test('accepts the well-formed webview messages', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
  assert.deepEqual(parseWebviewMessage({ type: 'selectStep', stepId: 'client' }), { ok: true, message: { type: 'selectStep', stepId: 'client' } });
});

test('rejects malformed webview messages with a reason', () => {
  for (const bad of [null, 'ready', [], { type: 'nope' }, { type: 'selectStep' }, { type: 'selectStep', stepId: 'x'.repeat(65) }, { type: 'ready', extra: 1 }]) {
    const parsed = parseWebviewMessage(bad);
    assert.equal(parsed.ok, false, JSON.stringify(bad));
    if (!parsed.ok) assert.ok(parsed.reason.length > 0);
  }
});
