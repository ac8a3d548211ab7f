// The command line's shared sign-in options (src/cli/session.ts): defaults, validation and the custom cloud, and the
// in-memory token store that keeps nothing on disk.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CLI_CLIENT_ID, memoryMemento, memorySecrets, parseSignInOptions, SignInUsageError } from '../../../src/cli/session';
import { runCli } from '../../../src/cli/run';

describe('CLI sign-in options', () => {
  it('defaults to the public cloud, the organizations tenant and the Graph command-line client', () => {
    const o = parseSignInOptions({});
    assert.equal(o.cloud.name, 'AzureCloud');
    assert.equal(o.cloud.graphEndpoint.replace(/\/$/, ''), 'https://graph.microsoft.com');
    assert.equal(o.tenant, 'organizations');
    assert.equal(o.clientId, DEFAULT_CLI_CLIENT_ID);
  });

  it('a known cloud and a custom one with its endpoints', () => {
    assert.equal(parseSignInOptions({ cloud: 'AzureUSGovernment' }).cloud.loginEndpoint.replace(/\/$/, ''), 'https://login.microsoftonline.us');
    const custom = parseSignInOptions({ cloud: 'Custom', 'login-endpoint': 'https://login.contoso.example', 'graph-endpoint': 'https://graph.contoso.example', 'arm-endpoint': 'https://arm.contoso.example', tenant: 'contoso.example' });
    assert.equal(custom.cloud.name, 'Custom');
    assert.equal(custom.cloud.graphEndpoint.replace(/\/$/, ''), 'https://graph.contoso.example');
    assert.equal(custom.tenant, 'contoso.example');
  });

  it('refuses a client ID that is not a GUID, endpoints without --cloud Custom, an unknown cloud and Custom without endpoints', () => {
    assert.throws(() => parseSignInOptions({ 'client-id': 'graph-cli' }), (e: Error) => e instanceof SignInUsageError && /--client-id/.test(e.message));
    assert.throws(() => parseSignInOptions({ 'graph-endpoint': 'https://graph.contoso.example' }), (e: Error) => e instanceof SignInUsageError && /with --cloud Custom/.test(e.message));
    assert.throws(() => parseSignInOptions({ cloud: 'Mars' }), SignInUsageError);
    assert.throws(() => parseSignInOptions({ cloud: 'Custom' }), SignInUsageError);
  });

  it('the token cache and memento live in memory only, one per run', async () => {
    const a = memorySecrets();
    const b = memorySecrets();
    await a.store('k', 'v');
    assert.equal(await a.get('k'), 'v');
    assert.equal(await b.get('k'), undefined);
    await a.delete('k');
    assert.equal(await a.get('k'), undefined);
    const m = memoryMemento();
    await m.update('active', { id: 1 });
    assert.deepEqual(m.get('active'), { id: 1 });
  });

  it('setup and check --help list the same sign-in options', async () => {
    const help = async (...args: string[]) => {
      let out = '';
      await runCli(args, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, env: {} });
      return out;
    };
    for (const text of [await help('setup', '--help'), await help('check', '--help')]) {
      for (const option of ['--tenant', '--client-id', '--cloud', '--login-endpoint', '--graph-endpoint', '--arm-endpoint']) assert.ok(text.includes(option), `${option} in\n${text}`);
    }
  });
});
