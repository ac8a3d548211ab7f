// The API app behind the connector: resource URL from apiProperties.json, swagger host, and the Easy Auth target.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectorResource, isApiAppUnknown, resolveApiTarget, swaggerHost } from '../../../src/service/apiTarget';
import type { Directory } from '../../../src/graph/operations';

const props = (custom: Record<string, unknown>, properties: Record<string, unknown> = {}) =>
  JSON.stringify({ properties: { connectionParameters: { token: { type: 'oauthSetting', oAuthSettings: { identityProvider: 'aad', properties, customParameters: custom } } } } });

describe('API target', () => {
  it('reads the resource URL (resourceUri, any casing, else AzureActiveDirectoryResourceId) and the swagger host', () => {
    assert.equal(connectorResource(props({ resourceUri: { value: 'api://t/x' } })), 'api://t/x');
    assert.equal(connectorResource(props({ ResourceUri: { value: ' 6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c ' } })), '6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c');
    assert.equal(connectorResource(props({}, { AzureActiveDirectoryResourceId: 'https://api.contoso.example' })), 'https://api.contoso.example');
    assert.equal(connectorResource('{"properties": {"connectionParameters": {}}}'), undefined);
    assert.equal(swaggerHost('\uFEFF{"swagger": "2.0", "host": "contoso.azurewebsites.net"}'), 'contoso.azurewebsites.net');
    assert.equal(swaggerHost('{"swagger": "2.0"}'), undefined);
  });

  it('with both appId and URI given asks the directory nothing; otherwise looks the app up once', async () => {
    const context = { loginEndpoint: 'https://login.microsoftonline.com', tenantId: 't' };
    const given = await resolveApiTarget({ appId: 'app', identifierUri: 'api://x' }, context);
    assert.deepEqual(given, { clientId: 'app', issuer: 'https://login.microsoftonline.com/t/v2.0', audiences: ['api://x', 'app'] });
    const queries: string[] = [];
    const directory = async () => ({ findApplications: async (q: string) => (queries.push(q), [{ appId: '6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c', identifierUris: ['api://t/x', 'api://6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c'] }]) }) as unknown as Directory;
    const looked = await resolveApiTarget({ resource: 'api://t/x/' }, { ...context, directory });
    assert.deepEqual(queries, ['api://t/x']);
    assert.deepEqual(looked.audiences, ['api://t/x', 'api://6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c', '6a3e2b1c-0d4f-4e5a-8b7c-9d0e1f2a3b4c']);
    await assert.rejects(resolveApiTarget({}, context), (e: unknown) => isApiAppUnknown(e) && /--api-app-id/.test(e.next));
    const none = async () => ({ findApplications: async () => [] }) as unknown as Directory;
    await assert.rejects(resolveApiTarget({ resource: 'api://nope' }, { ...context, directory: none }), (e: unknown) => isApiAppUnknown(e) && /No app registration/.test(e.message));
  });
});
