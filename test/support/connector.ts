// A connector set up completely in the emulated tenant (API app with a scope, connector app with the redirect URI, a
// secret valid for 180 days and the admin-consented grant), and its apiProperties.json from the clean rules fixture.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Directory } from '../../src/graph/operations';

const CLEAN = readFileSync(join(__dirname, '..', 'fixtures', 'rules', 'clean.json'), 'utf8');

export interface SecuredConnector {
  /** The connector app's appId. */
  readonly clientAppId: string;
  /** The API app's identifier URI. */
  readonly resource: string;
}

/** Creates the apps, secret and grant of a connector whose redirect URI is `redirectUri`; names start with `prefix`. */
export async function securedConnector(directory: Directory, prefix: string, redirectUri: string): Promise<SecuredConnector> {
  const scopeId = randomUUID();
  const api = (await directory.upsertApplication(`${prefix}-api-${randomUUID()}`, {
    displayName: `${prefix} API`,
    signInAudience: 'AzureADMyOrg',
    api: { oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] },
  })).value;
  const resource = `api://${api.appId}`;
  await directory.updateApplication(api.id, { identifierUris: [resource] });
  const apiSp = (await directory.ensureServicePrincipal(api.appId)).value;
  const client = (await directory.upsertApplication(`${prefix}-connector-${randomUUID()}`, {
    displayName: `${prefix} connector`,
    signInAudience: 'AzureADMultipleOrgs',
    web: { redirectUris: [redirectUri] },
    requiredResourceAccess: [{ resourceAppId: api.appId, resourceAccess: [{ id: scopeId, type: 'Scope' }] }],
  })).value;
  await directory.addPassword(client.id, 'connector', new Date(Date.now() + 180 * 86_400_000).toISOString());
  const clientSp = (await directory.ensureServicePrincipal(client.appId)).value;
  await directory.createGrant({ clientId: clientSp.id, resourceId: apiSp.id, consentType: 'AllPrincipals', scope: 'user_impersonation' });
  return { clientAppId: client.appId, resource };
}

/** The clean fixture's apiProperties.json for `clientId` and `resource`, with a per-connector `redirectUrl`. */
export function connectorProperties(clientId: string, resource: string, redirectUrl: string): string {
  return CLEAN
    .replace('11111111-2222-3333-4444-555555555555', clientId)
    .replace(/api:\/\/contoso-invoices/g, resource)
    .replace('"redirectMode": "GlobalPerConnector",', `"redirectMode": "GlobalPerConnector",\n                    "redirectUrl": "${redirectUrl}",`);
}
