import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLIENT_ID, parseAuthSettings, settingsKey } from '../../../src/auth/settings';
import { asSettingFailure } from '../../../src/cloud/clouds';

describe('sign-in settings', () => {
  it('defaults: public cloud, Microsoft Graph Command Line Tools, organizations', () => {
    const s = parseAuthSettings({});
    assert.deepEqual([s.cloud.name, s.clientId, s.tenant], ['AzureCloud', DEFAULT_CLIENT_ID, 'organizations']);
    assert.equal(DEFAULT_CLIENT_ID, '14d82eec-204b-4c2f-b7e8-296a70dab67e');
    assert.equal(parseAuthSettings({ clientId: '  ', tenant: '' }).clientId, DEFAULT_CLIENT_ID);
  });

  it('rejects a client ID that is not a GUID and a tenant that is not an ID or domain, naming the setting', () => {
    assert.throws(() => parseAuthSettings({ clientId: 'my-app' }), (e: unknown) => asSettingFailure(e)?.error.setting === 'entraConnector.signIn.clientId' && /not an application \(client\) ID/.test(String(e)));
    assert.throws(() => parseAuthSettings({ tenant: 'contoso.example/../x' }), (e: unknown) => asSettingFailure(e)?.error.setting === 'entraConnector.signIn.tenant');
    assert.equal(parseAuthSettings({ tenant: 'contoso.onmicrosoft.com' }).tenant, 'contoso.onmicrosoft.com');
  });

  it('another cloud endpoint, client ID or tenant is another sign-in client', () => {
    const custom = { loginEndpoint: 'https://127.0.0.2:1', graphEndpoint: 'https://127.0.0.2:1/graph', armEndpoint: 'https://127.0.0.2:1/arm' };
    const keys = new Set([
      settingsKey(parseAuthSettings({})),
      settingsKey(parseAuthSettings({ tenant: 'common' })),
      settingsKey(parseAuthSettings({ clientId: '00000000-0000-0000-0000-000000000001' })),
      settingsKey(parseAuthSettings({ cloud: 'Custom', customCloud: custom })),
      settingsKey(parseAuthSettings({ cloud: 'Custom', customCloud: { ...custom, loginEndpoint: 'https://127.0.0.2:2' } })),
    ]);
    assert.equal(keys.size, 5);
  });
});
