// The rotation engine's order and its promises, with a directory in memory: add → hand over → verify → deployed
// connector → remove only what it replaced; any failure after the add takes the new secret back; Graph's refusal is
// told with the permission and ownership the caller lacks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectoryFailure } from '../../../src/graph/errors';
import type { PasswordCredential } from '../../../src/graph/operations';
import { rotateSecret, type RotateServices } from '../../../src/setup/rotate';

const APP_ID = '11111111-2222-3333-4444-555555555555';

function fakeDirectory(initial: PasswordCredential[], options: { deny?: boolean } = {}) {
  const creds = [...initial];
  const calls: string[] = [];
  let n = 0;
  const directory: RotateServices['directory'] = {
    getApplicationByAppId: async () => {
      calls.push('get');
      if (options.deny) throw new DirectoryFailure({ code: 'Authorization_RequestDenied', status: 403, message: 'Insufficient privileges to complete the operation.', next: '' });
      return { id: 'obj', appId: APP_ID, displayName: 'Contoso connector', passwordCredentials: creds.map((c) => ({ ...c })) };
    },
    addPassword: async (_id, displayName, endDateTime) => {
      calls.push('add');
      const keyId = `00000000-0000-4000-8000-00000000000${++n}`;
      creds.push({ keyId, displayName, endDateTime });
      return { keyId, displayName, endDateTime, secretText: `value-${n}` };
    },
    removePassword: async (_id, keyId) => {
      calls.push(`remove ${keyId}`);
      creds.splice(creds.findIndex((c) => c.keyId === keyId), 1);
    },
  };
  return { directory, creds, calls };
}

const OLD_TOOL = { keyId: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Entra Connector setup 1' };
const OLD_HAND = { keyId: 'bbbbbbbb-0000-4000-8000-000000000002', displayName: 'made in the portal' };

describe('rotateSecret', () => {
  it('hands over, verifies, updates the deployed connector, then removes only the secret it replaced', async () => {
    const d = fakeDirectory([OLD_TOOL, OLD_HAND]);
    const order: string[] = [];
    const result = await rotateSecret({ appId: APP_ID, days: 30 }, {
      directory: d.directory,
      handovers: [{ name: 'file', deliver: async (s) => (order.push(`handover ${s.value}`), 'written') }],
      verify: async (_appId, secret) => (order.push(`verify ${secret}`), undefined),
      updateDeployedSecret: async (s) => (order.push(`deploy ${s.keyId}`), 'connector updated'),
      sleep: async () => {},
    });
    assert.equal(result.ok, true);
    assert.deepEqual(order, ['handover value-1', 'verify value-1', `deploy ${result.added!.keyId}`]);
    assert.deepEqual(result.removed.map((s) => s.keyId), [OLD_TOOL.keyId]);
    assert.deepEqual(result.kept.map((s) => s.keyId), [OLD_HAND.keyId]);
    assert.deepEqual(d.creds.map((c) => c.keyId).sort(), [OLD_HAND.keyId, result.added!.keyId].sort());
    assert.doesNotMatch(JSON.stringify(result), /value-1/, 'the result never holds the value');
  });

  it('a secret that never gets a token is taken back after the retries; the old ones stay', async () => {
    const d = fakeDirectory([OLD_TOOL]);
    let tries = 0;
    const result = await rotateSecret({ appId: APP_ID, days: 30 }, {
      directory: d.directory,
      handovers: [{ name: 'stdout', deliver: async () => 'printed' }],
      verify: async () => (tries++, { message: 'AADSTS7000215', next: 'x' }),
      sleep: async () => {},
      verifyAttempts: 3,
    });
    assert.equal(result.ok, false);
    assert.equal(tries, 3);
    assert.equal(result.error?.code, 'VerifyFailed');
    assert.deepEqual(d.creds.map((c) => c.keyId), [OLD_TOOL.keyId]);
  });

  it('without a handover nothing is added; --replace and --keep-replaced choose what goes', async () => {
    const none = fakeDirectory([OLD_TOOL]);
    const refused = await rotateSecret({ appId: APP_ID, days: 30 }, { directory: none.directory, handovers: [], verify: async () => undefined });
    assert.equal(refused.error?.code, 'NoHandover');
    assert.deepEqual(none.calls, []);
    const d = fakeDirectory([OLD_TOOL, OLD_HAND]);
    const replaced = await rotateSecret({ appId: APP_ID, days: 30, alsoReplace: [OLD_HAND.keyId] }, { directory: d.directory, handovers: [{ name: 'x', deliver: async () => 'x' }], verify: async () => undefined });
    assert.deepEqual(replaced.removed.map((s) => s.keyId).sort(), [OLD_TOOL.keyId, OLD_HAND.keyId].sort());
    const k = fakeDirectory([OLD_TOOL]);
    const kept = await rotateSecret({ appId: APP_ID, days: 30, keepReplaced: true }, { directory: k.directory, handovers: [{ name: 'x', deliver: async () => 'x' }], verify: async () => undefined });
    assert.deepEqual([kept.removed.length, kept.kept.map((s) => s.keyId)], [0, [OLD_TOOL.keyId]]);
  });

  it('Graph\'s 403 names what the caller lacks: OwnedBy and ownership for an app, Application.ReadWrite.All for a person', async () => {
    const services = { handovers: [{ name: 'x', deliver: async () => 'x' }], verify: async () => undefined };
    const app = await rotateSecret({ appId: APP_ID, days: 30 }, { ...services, directory: fakeDirectory([], { deny: true }).directory, caller: 'app 9999 (federated)' });
    assert.match(app.error!.message, /application permission Application\.ReadWrite\.OwnedBy .* app 9999 \(federated\) must be an owner/);
    const person = await rotateSecret({ appId: APP_ID, days: 30 }, { ...services, directory: fakeDirectory([], { deny: true }).directory, caller: 'maker@contoso.example', callerIsPerson: true });
    assert.match(person.error!.message, /delegated permission Application\.ReadWrite\.All/);
  });
});
