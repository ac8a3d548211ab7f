// Tokens per API against the emulated tenant: Graph through Graph CLI Tools, Resource Manager and Power Platform
// through the Azure CLI client (pre-authorized; Graph CLI Tools gets AADSTS65002 there), one sign-in: the second
// client signs the same account in with it as login hint, after a prompt that names the client and why.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../../emulator/src';
import { resolveCloud, type Cloud } from '../../../src/cloud/clouds';
import { isAuthFailure } from '../../../src/auth/errors';
import { SignInService } from '../../../src/auth/signIn';
import { AZURE_CLI_CLIENT_ID, CLIENT_NAMES, GRAPH_CLI_CLIENT_ID, POWER_PLATFORM_SCOPE, ResourceTokens, resourceOfScopes, whyClient } from '../../../src/auth/tokens';
import { actAsBrowser, MemoryMemento, MemorySecretStore, ScriptedPrompter } from './support';

type Running = Awaited<ReturnType<typeof startEmulator>>;

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('tokens per API (emulated tenant)', () => {
  let emu: Running;
  let cloud: Cloud;
  before(async () => {
    emu = await startEmulator({ seed: { cliTenantConsent: ['User.Read'] } });
    cloud = resolveCloud('Custom', emu.endpoints);
  });
  after(() => emu.stop());
  beforeEach(async () => {
    await fetch(`${emu.endpoints.adminEndpoint}/reset`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${emu.endpoints.adminToken}` }, body: '{}' });
  });

  function tokensFor(prompter: ScriptedPrompter, opened: string[], override?: string): ResourceTokens {
    const secrets = new MemorySecretStore();
    const memento = new MemoryMemento();
    return new ResourceTokens(
      cloud,
      (clientId, resource, hint) =>
        SignInService.create({ cloud, clientId, tenant: 'organizations' }, {
          secrets,
          memento,
          prompter,
          ui: {
            openBrowser: async (url) => {
              opened.push(url);
              void actAsBrowser(url, { username: new URL(url).searchParams.get('login_hint') ?? 'maker@contoso.example' }).catch(() => undefined);
            },
            showDeviceCode: () => undefined,
          },
          accountHint: hint,
          client: { name: CLIENT_NAMES[clientId] ?? clientId, why: whyClient(resource, clientId) },
        }),
      override,
    );
  }

  it('routes scopes to their API', () => {
    assert.equal(resourceOfScopes(cloud, [`${cloud.armEndpoint}/user_impersonation`]), 'arm');
    assert.equal(resourceOfScopes(cloud, ['https://management.core.windows.net//.default']), 'arm');
    assert.equal(resourceOfScopes(cloud, [POWER_PLATFORM_SCOPE]), 'powerPlatform');
    assert.equal(resourceOfScopes(cloud, ['openid', 'User.Read']), 'graph');
  });

  it('Graph through Graph CLI Tools; Resource Manager and Power Platform through Azure CLI with the same account as login hint, after naming the client', async () => {
    const prompter = new ScriptedPrompter('browser');
    const opened: string[] = [];
    const tokens = tokensFor(prompter, opened);
    const account = await (await tokens.service('graph')).signIn('browser');
    assert.equal(account.username, 'maker@contoso.example');
    assert.equal(new URL(opened[0]!).searchParams.get('client_id'), GRAPH_CLI_CLIENT_ID);

    const arm = await tokens.getAccessToken('arm', [`${cloud.armEndpoint}/user_impersonation`]);
    const authorize = new URL(opened[1]!);
    assert.equal(authorize.searchParams.get('client_id'), AZURE_CLI_CLIENT_ID);
    assert.equal(authorize.searchParams.get('login_hint'), 'maker@contoso.example', 'the account chosen before: a click, not a form');
    assert.equal(prompter.asked.length, 1);
    assert.equal(prompter.asked[0]?.reason, 'otherClient');
    assert.equal(prompter.asked[0]?.client?.name, 'Microsoft Azure CLI');
    assert.match(prompter.asked[0]?.client?.why ?? '', /pre-authorized for Azure Resource Manager/);
    assert.equal(claims(arm).appid, AZURE_CLI_CLIENT_ID);
    assert.equal(claims(arm).aud, 'https://management.azure.com');

    // Power Platform: the same client, silently now (no second prompt, no browser).
    const pp = await tokens.getAccessToken('powerPlatform', [POWER_PLATFORM_SCOPE]);
    assert.equal(claims(pp).appid, AZURE_CLI_CLIENT_ID);
    assert.equal(claims(pp).scp, 'user_impersonation');
    assert.equal(prompter.asked.length, 1);
    assert.equal(opened.length, 2);
    for (const s of await tokens.all()) s.dispose();
  });

  it('entraConnector.signIn.clientId set to Graph CLI Tools for every API: Resource Manager fails with AADSTS65002, explained with the client, the API and the setting', async () => {
    const prompter = new ScriptedPrompter('browser');
    const opened: string[] = [];
    const tokens = tokensFor(prompter, opened, GRAPH_CLI_CLIENT_ID);
    await (await tokens.service('graph')).signIn('browser');
    await assert.rejects(tokens.getAccessToken('arm', [`${cloud.armEndpoint}/user_impersonation`]), (e: unknown) => {
      assert.ok(isAuthFailure(e));
      assert.equal(e.error.kind, 'notPreAuthorized');
      assert.match(e.message, /Microsoft Graph Command Line Tools .* not pre-authorized for Azure Resource Manager \(AADSTS65002\)/);
      assert.equal(e.error.details.setting, 'entraConnector.signIn.clientId');
      return true;
    });
    for (const s of await tokens.all()) s.dispose();
  });
});
