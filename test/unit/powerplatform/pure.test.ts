// The pure parts of the Power Platform deployment: paconn's settings.json (kept formatting, no secret, file names
// only, endpoint keys never read), the request body paconn sends, the GET operation a connection test calls, the
// shared legacy redirect URL, and the Power Platform endpoints per cloud.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asSettingFailure, knownCloud, powerPlatformOf, resolveCloud } from '../../../src/cloud/clouds';
import { parseSignInOptions, SignInUsageError } from '../../../src/cli/session';
import { connectorBody } from '../../../src/powerplatform/deploy';
import { isLegacySharedRedirect } from '../../../src/powerplatform/redirect';
import { readSettings, writeSettings } from '../../../src/powerplatform/settings';
import { PowerPlatformFailure, type PowerPlatformClient } from '../../../src/powerplatform/client';
import { discardConnection, pickGetOperation, startConnection } from '../../../src/powerplatform/testConnection';

describe('paconn settings.json', () => {
  it('keeps unrelated keys, indentation and CRLF line endings; writes only the deployment and file names', () => {
    const before = '{\r\n\t"powerAppsUrl": "https://evil.example",\r\n\t"icon": "logo.png"\r\n}\r\n';
    const after = writeSettings(before, { connectorId: 'shared_x-5f1', environment: 'Default-1', apiProperties: 'apiProperties.json', apiDefinition: 'apiDefinition.swagger.json', icon: 'logo.png' });
    assert.match(after, /^\{\r\n\t"powerAppsUrl": "https:\/\/evil\.example",\r\n\t"icon": "logo\.png",\r\n\t"connectorId": "shared_x-5f1"/);
    assert.ok(!/\n(?<!\r\n)/.test(after.replace(/\r\n/g, '')));
    const read = readSettings(after);
    assert.equal(read.connectorId, 'shared_x-5f1');
    assert.equal(read.icon, 'logo.png');
    assert.ok(!('powerAppsUrl' in read), 'a workspace file never decides where tokens go');
  });

  it('refuses file names that leave the connector folder', () => {
    const read = readSettings(JSON.stringify({ apiProperties: '../../etc/passwd', icon: 'C:\\x.png', apiDefinition: 'swagger.json' }));
    assert.equal(read.apiProperties, 'apiProperties.json');
    assert.equal(read.icon, 'icon.png');
    assert.equal(read.apiDefinition, 'swagger.json');
  });

  it('starts a new file when there is none', () => {
    assert.deepEqual(JSON.parse(writeSettings(undefined, { connectorId: 'c', environment: 'e', apiProperties: 'a.json', apiDefinition: 'd.json' })), { connectorId: 'c', environment: 'e', apiProperties: 'a.json', apiDefinition: 'd.json' });
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reading a free-form JSON body in assertions
type Body = { properties: Record<string, any> };

describe('the connector request body', () => {
  const props = { properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { clientId: 'c' } } }, connectionParameterSets: { values: [{ parameters: { token: { oAuthSettings: { clientId: 'c' } } } }] } } };
  const swagger = { swagger: '2.0', info: { title: 'T', description: 'D' }, host: 'h.example', basePath: '/api', schemes: ['https'] };

  it('is paconn’s: swagger, backend URL, environment, description; displayName on create only; the secret in every token setting', () => {
    const create = connectorBody(props, swagger, { environment: 'E', create: true, secret: 's3cret' }) as Body;
    assert.equal(create.properties.backendService.serviceUrl, 'https://h.example/api');
    assert.equal(create.properties.displayName, 'T');
    assert.equal(create.properties.description, 'D');
    assert.deepEqual(create.properties.environment, { name: 'E' });
    assert.equal(create.properties.connectionParameters.token.oAuthSettings.clientSecret, 's3cret');
    assert.equal(create.properties.connectionParameterSets.values[0].parameters.token.oAuthSettings.clientSecret, 's3cret');
    const update = connectorBody(props, swagger, { environment: 'E', create: false }) as Body;
    assert.equal(update.properties.displayName, undefined);
    assert.ok(!JSON.stringify(update).includes('clientSecret'));
    assert.ok(!JSON.stringify(props).includes('s3cret'), 'the file’s object is not changed');
  });
});

describe('the operation a connection test calls', () => {
  it('is the first GET without path or required parameters', () => {
    const swagger = {
      paths: {
        '/invoices/{id}': { get: { operationId: 'Get' } },
        '/search': { get: { operationId: 'Search', parameters: [{ name: 'q', in: 'query', required: true }] } },
        '/create': { post: { operationId: 'Create' } },
        '/invoices': { get: { operationId: 'List', parameters: [{ name: 'top', in: 'query' }] } },
      },
    };
    assert.deepEqual(pickGetOperation(swagger), { path: '/invoices', operationId: 'List' });
    assert.equal(pickGetOperation({ paths: { '/x': { post: {} } } }), undefined);
  });
});

describe('a connection started early and discarded (setup --test-connection whose setup did not finish)', () => {
  /** A client whose connection PUT answers when `answer` is called; it records the calls in order. */
  function client(put: 'ok' | 'fails') {
    const calls: string[] = [];
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const fake = {
      getConnector: async () => ({ name: 'shared_x', properties: { primaryRuntimeUrl: 'https://x.azure-apim.net/apim/x' } }),
      createConnection: async (_e: string, _c: string, name: string) => {
        calls.push(`PUT ${name}`);
        await answered;
        calls.push('PUT answered');
        if (put === 'fails') throw new Error('refused');
        return { name, properties: {} };
      },
      deleteConnection: async (_e: string, _c: string, name: string) => {
        calls.push(`DELETE ${name}`);
        if (put === 'fails') throw new PowerPlatformFailure('ConnectionNotFound', 404, `The connection '${name}' could not be found.`, 'x');
      },
    };
    return { calls, answer, target: { client: fake as unknown as PowerPlatformClient, environment: 'Default-1', connectorId: 'shared_x' } };
  }

  it('is deleted only once its creation has answered (a DELETE sent beside the PUT could find nothing and leave it behind)', async () => {
    const c = client('ok');
    const started = startConnection(c.target);
    const discarded = discardConnection(c.target, started);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(c.calls, [`PUT ${started.connectionName}`], 'nothing deleted while the PUT is in flight');
    c.answer();
    assert.deepEqual(await discarded, { deleted: true, created: true });
    assert.deepEqual(c.calls, [`PUT ${started.connectionName}`, 'PUT answered', `DELETE ${started.connectionName}`]);
  });

  it('whose creation failed is still deleted if it exists; reported as never created only when the platform says there is none (404), with the cause', async () => {
    const c = client('fails');
    const started = startConnection(c.target);
    c.answer();
    assert.deepEqual(await discardConnection(c.target, started), { deleted: false, created: false, reason: 'refused' });
    assert.deepEqual(c.calls.at(-1), `DELETE ${started.connectionName}`);
  });
});

describe('redirect URLs and clouds', () => {
  it('tells the shared legacy URL from a per-connector one', () => {
    assert.equal(isLegacySharedRedirect('https://global.consent.azure-apim.net/redirect'), true);
    assert.equal(isLegacySharedRedirect('https://msmanaged-na.consent.azure-apim.net/redirect/'), true);
    assert.equal(isLegacySharedRedirect('https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f1-2'), false);
  });

  it('has Power Platform endpoints per cloud; a custom cloud takes them from --powerapps-url / --flow-url', () => {
    assert.deepEqual(powerPlatformOf(knownCloud('AzureCloud')), { powerAppsEndpoint: 'https://api.powerapps.com', flowEndpoint: 'https://api.flow.microsoft.com', powerAppsScope: 'https://service.powerapps.com/.default', apiHubScope: 'https://apihub.azure.com/.default' });
    assert.equal(powerPlatformOf(knownCloud('AzureUSGovernment')).powerAppsScope, 'https://high.service.powerapps.us/.default');
    assert.throws(() => powerPlatformOf(knownCloud('AzureChinaCloud')), (e) => asSettingFailure(e)?.error.setting === 'entraConnector.customCloud');
    const custom = { loginEndpoint: 'https://127.0.0.2:1', graphEndpoint: 'https://127.0.0.2:1/graph', armEndpoint: 'https://127.0.0.2:1/arm' };
    assert.throws(() => powerPlatformOf(resolveCloud('Custom', custom)), (e) => /powerAppsEndpoint and flowEndpoint/.test(asSettingFailure(e)?.next ?? ''));
    const opts = parseSignInOptions({ cloud: 'Custom', 'login-endpoint': custom.loginEndpoint, 'graph-endpoint': custom.graphEndpoint, 'arm-endpoint': custom.armEndpoint, 'powerapps-url': 'https://127.0.0.2:1/powerapps/', 'flow-url': 'https://127.0.0.2:1/flow' });
    assert.equal(powerPlatformOf(opts.cloud).powerAppsEndpoint, 'https://127.0.0.2:1/powerapps');
    assert.throws(() => parseSignInOptions({ 'powerapps-url': 'https://x.example' }), SignInUsageError);
    assert.throws(() => parseSignInOptions({ cloud: 'Custom', ...Object.fromEntries(Object.entries(custom).map(([k, v]) => [k.replace('Endpoint', '-endpoint'), v])), 'powerapps-url': 'http://api.example' }), /https/);
  });
});
