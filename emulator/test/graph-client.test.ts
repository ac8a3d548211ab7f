// @microsoft/microsoft-graph-client itself creates an app, adds a password, creates service principals and a grant
// through the emulated Graph (custom middleware chain: its AuthenticationHandler would drop the bearer on a
// non-Microsoft host — microsoftgraph/msgraph-sdk-javascript, src/middleware/AuthenticationHandler.ts). Every exchange is checked against the Graph contract by the recording hook.
import { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRecorder } from '../../test/contract/graph-contract';
import { adminToken, getState, setFaults, type Endpoints } from '../src/index';
import { useEmulator } from './support';

const GRAPH = 'https://graph.microsoft.com';

class BearerMiddleware implements Middleware {
  private next?: Middleware;
  constructor(private readonly token: () => Promise<string>) {}
  async execute(context: Context): Promise<void> {
    const headers = new Headers((context.options?.headers as HeadersInit | undefined) ?? {});
    headers.set('Authorization', `Bearer ${await this.token()}`);
    context.options = { ...(context.options ?? {}), headers };
    await this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

function client(ep: Endpoints, token: string): Client {
  const auth = new BearerMiddleware(async () => token);
  const retry = new RetryHandler(new RetryHandlerOptions(0, 2));
  auth.setNext(retry);
  retry.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({ middleware: auth, baseUrl: ep.graphEndpoint, defaultVersion: 'v1.0' });
}

describe('@microsoft/microsoft-graph-client against the emulated Graph', () => {
  let ep: Endpoints;
  const recorder = new ContractRecorder();
  useEmulator((e) => (ep = e), { onGraphExchange: recorder.hook });

  it('creates an API app, a client app with a password, both service principals and an admin grant', async () => {
    const adminTok = await adminToken(ep, 'admin@contoso.example', [`${GRAPH}/Application.ReadWrite.All`, `${GRAPH}/DelegatedPermissionGrant.ReadWrite.All`]);
    const g = client(ep, adminTok);
    const me = await g.api('/me').get();
    assert.equal(me.userPrincipalName, 'admin@contoso.example');
    const scopeId = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
    const api = await g.api('/applications').post({
      displayName: 'Contoso Invoices API',
      identifierUris: [`api://${ep.tenantId}/contoso-invoices`],
      api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access Contoso Invoices', adminConsentDescription: 'Access Contoso Invoices as the signed-in user' }] },
    });
    const connector = await g.api('/applications').post({
      displayName: 'Contoso Invoices connector',
      web: { redirectUris: ['https://global.consent.azure-apim.net/redirect/contoso-invoices'] },
      requiredResourceAccess: [{ resourceAppId: api.appId, resourceAccess: [{ id: scopeId, type: 'Scope' }] }],
    });
    const password = await g.api(`/applications/${connector.id}/addPassword`).post({ passwordCredential: { displayName: 'Power Platform connector' } });
    assert.ok(password.secretText);
    const apiSp = await g.api('/servicePrincipals').post({ appId: api.appId });
    const connectorSp = await g.api('/servicePrincipals').post({ appId: connector.appId });
    const grant = await g.api('/oauth2PermissionGrants').post({ clientId: connectorSp.id, consentType: 'AllPrincipals', resourceId: apiSp.id, scope: 'user_impersonation' });
    assert.equal(grant.consentType, 'AllPrincipals');
    const list = await g.api('/applications').filter(`appId eq '${connector.appId}'`).select('id,appId,passwordCredentials').get();
    assert.equal(list.value[0].passwordCredentials.length, 1);
    assert.equal(list.value[0].passwordCredentials[0].secretText, null);
    const state = await getState(ep);
    assert.equal(state.oauth2PermissionGrants.filter((x) => x.clientId === connectorSp.id).length, 1);
    assert.deepEqual(recorder.violations(), []);
    assert.ok(recorder.exchanges.length >= 8);
  });

  it('surfaces Graph errors as GraphError with the code, and its RetryHandler honours the emulator\'s Retry-After', async () => {
    const makerTok = await adminToken(ep, 'maker@contoso.example', [`${GRAPH}/Application.ReadWrite.All`]);
    const g = client(ep, makerTok);
    await assert.rejects(g.api('/applications/00000000-0000-0000-0000-000000000000').get(), (e: { statusCode?: number; code?: string }) => {
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, 'Request_ResourceNotFound');
      return true;
    });
    await setFaults(ep, { rules: [{ match: { path: '^/v1.0/organization$' }, fault: 'throttle', times: 1, retryAfter: 1 }] });
    const t0 = Date.now();
    const org = await g.api('/organization').get();
    assert.equal(org.value[0].id, ep.tenantId);
    assert.ok(Date.now() - t0 >= 900, 'waited for Retry-After');
    await setFaults(ep, {});
    assert.deepEqual(recorder.violations(), []);
  });
});
