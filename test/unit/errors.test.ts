// The product's one error type: a cause and a next step, one "worth retrying" rule for every caller.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { authFailure } from '../../src/auth/errors';
import { settingFailure } from '../../src/cloud/clouds';
import { asUserFailure, describeError, fail, isTransient, UserFailure } from '../../src/errors';
import { toDirectoryError } from '../../src/graph/errors';
import { armErrorFrom, toArmError } from '../../src/service/errors';

describe('one error type', () => {
  it('a failure carries code, message, next, status and request id, and is found again by name across bundle chunks', () => {
    const e = new UserFailure({ code: 'Conflict', message: 'Busy.', next: 'Retry.', status: 409, requestId: 'r-1' });
    assert.deepEqual([e.code, e.message, e.next, e.status, e.requestId], ['Conflict', 'Busy.', 'Retry.', 409, 'r-1']);
    const copy = Object.assign(new Error('Busy.'), { name: 'UserFailure', error: e.error });
    assert.equal(asUserFailure(copy)?.error, e.error);
    assert.equal(asUserFailure(new Error('plain')), undefined);
    assert.throws(() => fail('X', 'Cause.', 'Do this.'), (t: unknown) => describeError(asUserFailure(t)!) === 'Cause. Do this.');
  });

  it('Graph, ARM, sign-in and settings failures all reach a user as their own cause and next step', () => {
    const arm = new UserFailure(armErrorFrom(409, { error: { code: 'Conflict', message: 'busy' } }, 'x-1'));
    assert.deepEqual(toDirectoryError(arm), { ...arm.error, status: 409 });
    assert.deepEqual(toArmError(arm), arm.error);
    const setting = settingFailure('entraConnector.cloud', '"Mars" is not a known cloud.', 'Set entraConnector.cloud to AzureCloud.');
    assert.equal(describeError(toDirectoryError(setting)), '"Mars" is not a known cloud. Set entraConnector.cloud to AzureCloud.');
    const signIn = authFailure('notSignedIn', 'You are not signed in to Microsoft Entra.', 'Run "Entra Connector: Sign In".');
    assert.deepEqual({ ...toArmError(signIn) }, { code: 'SignInRequired', status: 0, message: 'You are not signed in to Microsoft Entra.', next: 'Run "Entra Connector: Sign In".' });
    const viaGraph = toDirectoryError(signIn);
    assert.equal(viaGraph.code, 'SignInRequired');
    assert.equal(viaGraph.status, 401);
    assert.match(viaGraph.message, /not signed in.*Sign In/);
  });
});

describe('isTransient: one rule for the setup engine and the views', () => {
  const cases: [string, { code: string; status?: number }, boolean][] = [
    ['a reset connection', { code: 'ECONNRESET', status: 0 }, true],
    ['an undici connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT', status: 0 }, true],
    ['ARM unreachable', { code: 'NetworkError', status: 0 }, true],
    ['a request timeout', { code: 'HTTP408', status: 408 }, true],
    ['throttling', { code: 'TooManyRequests', status: 429 }, true],
    ['a server error', { code: 'HTTP500', status: 500 }, true],
    ['a bad gateway', { code: 'HTTP502', status: 502 }, true],
    ['an outage', { code: 'ServiceUnavailable', status: 503 }, true],
    ['a gateway timeout', { code: 'HTTP504', status: 504 }, true],
    ['a concurrent change (409)', { code: 'Directory_ConcurrencyViolation', status: 409 }, true],
    ['our own bug (status 0)', { code: 'Unexpected', status: 0 }, false],
    ['a refusal', { code: 'Authorization_RequestDenied', status: 403 }, false],
    ['a sign-in failure', { code: 'SignInRequired', status: 401 }, false],
    ['an object conflict', { code: 'ObjectConflict', status: 400 }, false],
    ['ARM not configured in this window', { code: 'ArmUnavailable', status: 0 }, false],
    ['an invalid connector file (no status)', { code: 'ConnectorFileInvalid' }, false],
    ['an ARM fallback code', { code: 'Error', status: 0 }, false],
  ];
  for (const [name, error, expected] of cases) {
    it(`${name} is ${expected ? '' : 'not '}transient`, () => assert.equal(isTransient(error), expected));
  }
});
