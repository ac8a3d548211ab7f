import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  asSettingFailure,
  adminCenterAppUrl,
  adminConsentUrl,
  authorityFor,
  authorityHost,
  graphPermissionName,
  graphScope,
  isLoopbackHost,
  resolveCloud,
} from '../../../src/cloud/clouds';

describe('cloud table', () => {
  it('resolves every named cloud to the endpoints of DOMAIN §7', () => {
    assert.deepEqual(
      ['AzureCloud', 'AzureUSGovernment', 'AzureUSGovernmentDoD', 'AzureChinaCloud'].map((n) => {
        const c = resolveCloud(n);
        return [c.loginEndpoint, c.graphEndpoint, c.armEndpoint];
      }),
      [
        ['https://login.microsoftonline.com', 'https://graph.microsoft.com', 'https://management.azure.com'],
        ['https://login.microsoftonline.us', 'https://graph.microsoft.us', 'https://management.usgovcloudapi.net'],
        ['https://login.microsoftonline.us', 'https://dod-graph.microsoft.us', 'https://management.usgovcloudapi.net'],
        ['https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn', 'https://management.chinacloudapi.cn'],
      ],
    );
  });

  it('defaults to the public cloud when the setting is empty and rejects unknown names', () => {
    assert.equal(resolveCloud(undefined).name, 'AzureCloud');
    assert.throws(() => resolveCloud('AzureGermanCloud'), (e: unknown) => /not a known cloud/.test(String(e)) && asSettingFailure(e)?.error.setting === 'entraConnector.cloud');
  });
});

describe('custom cloud validation', () => {
  const good = { loginEndpoint: 'https://127.0.0.2:8443/login/', graphEndpoint: 'https://127.0.0.2:8443/graph', armEndpoint: 'http://localhost:9000/arm' };

  it('accepts https endpoints and http only on loopback for Graph and ARM, trimming trailing slashes', () => {
    const c = resolveCloud('Custom', good);
    assert.equal(c.loginEndpoint, 'https://127.0.0.2:8443/login');
    assert.equal(c.graphEndpoint, 'https://127.0.0.2:8443/graph');
    assert.equal(c.armEndpoint, 'http://localhost:9000/arm');
    assert.equal(authorityHost(c), '127.0.0.2:8443');
  });

  it('rejects http on a non-loopback host with the https fix as the next step', () => {
    assert.throws(
      () => resolveCloud('Custom', { ...good, graphEndpoint: 'http://graph.contoso.example/' }),
      (e: unknown) => /graphEndpoint must use https/.test(String(e)) && /https:\/\/graph\.contoso\.example/.test(asSettingFailure(e)?.next ?? ''),
    );
  });

  it('rejects an http sign-in endpoint even on loopback, saying why', () => {
    assert.throws(() => resolveCloud('Custom', { ...good, loginEndpoint: 'http://127.0.0.1:8080' }), /loginEndpoint must use https even on a loopback address/);
  });

  it('rejects a missing custom cloud, a missing field, a non-URL, other schemes, credentials and queries', () => {
    assert.throws(() => resolveCloud('Custom', undefined), /customCloud is not set/);
    assert.throws(() => resolveCloud('Custom', { ...good, armEndpoint: undefined }), /armEndpoint is missing/);
    assert.throws(() => resolveCloud('Custom', { ...good, armEndpoint: 'management' }), /is not a URL/);
    assert.throws(() => resolveCloud('Custom', { ...good, armEndpoint: 'ftp://x.example' }), /must be an https URL/);
    assert.throws(() => resolveCloud('Custom', { ...good, loginEndpoint: 'https://u:p@login.example' }), /user name or password/);
    assert.throws(() => resolveCloud('Custom', { ...good, loginEndpoint: 'https://login.example/?x=1' }), /query or fragment/);
  });

  it('knows loopback addresses: 127.0.0.0/8, ::1, localhost — and nothing else', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '[::1]', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['128.0.0.1', '10.0.0.1', '127.0.0.256', 'localhost.evil.example', '127.0.0.1.nip.io', '::2']) assert.equal(isLoopbackHost(h), false, h);
  });
});

describe('cloud helpers', () => {
  const pub = resolveCloud('AzureCloud');
  const gov = resolveCloud('AzureUSGovernment');
  const custom = resolveCloud('Custom', { loginEndpoint: 'https://127.0.0.2:8443/login', graphEndpoint: 'https://127.0.0.2:8443/graph', armEndpoint: 'https://127.0.0.2:8443/arm' });

  it('builds authorities per tenant', () => {
    assert.equal(authorityFor(pub, 'organizations'), 'https://login.microsoftonline.com/organizations');
    assert.equal(authorityFor(custom, 'contoso.example'), 'https://127.0.0.2:8443/login/contoso.example');
  });

  it('qualifies Graph scopes for the configured Graph and leaves OIDC and qualified scopes alone', () => {
    assert.equal(graphScope(pub, 'User.Read'), 'https://graph.microsoft.com/User.Read');
    assert.equal(graphScope(gov, 'Application.ReadWrite.All'), 'https://graph.microsoft.us/Application.ReadWrite.All');
    assert.equal(graphScope(custom, 'User.Read'), 'https://127.0.0.2:8443/graph/User.Read');
    assert.equal(graphScope(pub, 'offline_access'), 'offline_access');
    assert.equal(graphScope(pub, 'https://management.azure.com/user_impersonation'), 'https://management.azure.com/user_impersonation');
    assert.equal(graphPermissionName(custom, 'https://127.0.0.2:8443/graph/User.Read'), 'User.Read');
  });

  it('builds the admin-consent link an administrator can open', () => {
    const url = new URL(adminConsentUrl(gov, { tenant: 'contoso.example', clientId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', scopes: ['Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All'] }));
    assert.equal(url.origin + url.pathname, 'https://login.microsoftonline.us/contoso.example/v2.0/adminconsent');
    assert.equal(url.searchParams.get('client_id'), '14d82eec-204b-4c2f-b7e8-296a70dab67e');
    assert.equal(url.searchParams.get('scope'), 'https://graph.microsoft.us/Application.ReadWrite.All https://graph.microsoft.us/DelegatedPermissionGrant.ReadWrite.All');
    assert.equal(url.searchParams.get('redirect_uri'), 'http://localhost');
  });

  it('links to the admin center of the cloud, and to none for a custom cloud', () => {
    assert.match(adminCenterAppUrl(pub, 'abc') ?? '', /^https:\/\/entra\.microsoft\.com\/.*appId\/abc$/);
    assert.match(adminCenterAppUrl(resolveCloud('AzureChinaCloud'), 'abc') ?? '', /^https:\/\/entra\.microsoftonline\.cn\//);
    assert.equal(adminCenterAppUrl(custom, 'abc'), undefined);
  });
});
