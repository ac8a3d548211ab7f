import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redirectUriConcern } from '../../../src/setup/redirect';

describe('redirect URIs read from files and error messages', () => {
  it("Power Platform consent URLs of the configured cloud need no extra confirmation", () => {
    for (const uri of [
      'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f836b297a20094722-93203545fa47b5d5',
      'https://global.consent.azure-apim.net/redirect',
      'https://msmanaged-na.consent.azure-apim.net/redirect',
    ]) {
      assert.equal(redirectUriConcern(uri, 'AzureCloud'), undefined, uri);
      assert.equal(redirectUriConcern(uri, 'Custom'), undefined, uri);
    }
  });

  it('anything else is a concern, with the reason: another host, http, credentials, look-alikes, an undocumented cloud', () => {
    assert.match(redirectUriConcern('https://collector.example/redirect', 'AzureCloud')!, /collector\.example is not Power Platform's consent service/);
    assert.match(redirectUriConcern('https://global.consent.azure-apim.net.evil.example/redirect', 'AzureCloud')!, /not Power Platform/);
    assert.match(redirectUriConcern('https://evilconsent.azure-apim.net/redirect', 'AzureCloud')!, /not Power Platform/);
    assert.match(redirectUriConcern('http://global.consent.azure-apim.net/redirect', 'AzureCloud')!, /not an https address/);
    assert.match(redirectUriConcern('https://u:p@global.consent.azure-apim.net/redirect', 'AzureCloud')!, /user name or password/);
    assert.match(redirectUriConcern('https://global.consent.azure-apim.net/redirect', 'AzureUSGovernment')!, /not documented/);
    assert.match(redirectUriConcern('not a url', 'AzureCloud')!, /not a URL/);
  });
});
