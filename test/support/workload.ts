// Shared by the pipeline tests: workload identities in the emulated tenant, set up through the Graph endpoints an
// administrator would use (app + service principal + secret or certificate, Graph app role, ownership), a
// self-signed certificate, and the emulator's OIDC issuer and managed identity.
import { randomUUID } from 'node:crypto';
import forge from 'node-forge';
import { adminHeaders, adminToken, getState, httpsJson, seedObjects, type Endpoints } from '../../emulator/src';

export const ADMIN = 'admin@contoso.example';
/** Granting Microsoft Graph's app roles takes a Global or Privileged Role Administrator. */
export const GLOBAL_ADMIN = 'global@contoso.example';
export const OWNED_BY_ROLE = '18a4783c-866b-4cc7-a460-3d5e5662c884';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const ACCOUNTS = [
  { username: ADMIN, displayName: 'Adele Admin', roles: ['Application Administrator'] },
  { username: GLOBAL_ADMIN, displayName: 'Gia Global', roles: ['Global Administrator'] },
  { username: 'maker@contoso.example', displayName: 'Megan Maker', roles: [] },
];

const APPS = 'https://graph.microsoft.com/Application.ReadWrite.All';
const ROLES = 'https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All';

export async function graph<T = Record<string, unknown>>(ep: Endpoints, user: string, method: string, path: string, body?: unknown, scope = APPS): Promise<{ status: number; body: T }> {
  const token = await adminToken(ep, user, [scope]);
  const res = await httpsJson<T>(`${ep.graphEndpoint}/v1.0${path}`, { method, body, headers: { authorization: `Bearer ${token}` }, ca: ep.caCertPath });
  return { status: res.status, body: res.body };
}

async function ok<T = Record<string, unknown>>(p: Promise<{ status: number; body: T }>): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`Graph answered ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

export interface AppRef {
  id: string;
  appId: string;
  spId: string;
}

/** An app registration with its service principal, created by the admin (who owns both). */
export async function createApp(ep: Endpoints, displayName: string): Promise<AppRef> {
  const app = await ok(graph<{ id: string; appId: string }>(ep, ADMIN, 'POST', '/applications', { displayName }));
  const sp = await ok(graph<{ id: string }>(ep, ADMIN, 'POST', '/servicePrincipals', { appId: app.appId }));
  return { id: app.id, appId: app.appId, spId: sp.id };
}

export async function addPassword(ep: Endpoints, appObjectId: string, displayName: string, days = 90): Promise<{ keyId: string; secretText: string }> {
  return ok(graph<{ keyId: string; secretText: string }>(ep, ADMIN, 'POST', `/applications/${appObjectId}/addPassword`, { passwordCredential: { displayName, endDateTime: new Date(Date.now() + days * 86_400_000).toISOString() } }));
}

export async function passwords(ep: Endpoints, appObjectId: string): Promise<{ keyId: string; displayName: string | null }[]> {
  const app = (await getState(ep)).applications.find((a) => a.id === appObjectId) as { passwordCredentials?: { keyId: string; displayName: string | null }[] } | undefined;
  return app?.passwordCredentials ?? [];
}

/** Grants a service principal the Graph application permission Application.ReadWrite.OwnedBy (as a Global Administrator). */
export async function grantOwnedBy(ep: Endpoints, spId: string, roleId = OWNED_BY_ROLE): Promise<void> {
  const graphSp = (await getState(ep)).servicePrincipals.find((s) => s.appId === GRAPH_APP_ID)!;
  await ok(graph(ep, GLOBAL_ADMIN, 'POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: spId, resourceId: graphSp.id, appRoleId: roleId }, ROLES));
}

/** Makes a service principal an owner of an app (as the admin, who owns the app). */
export async function addOwner(ep: Endpoints, appObjectId: string, ownerId: string): Promise<void> {
  const r = await graph(ep, ADMIN, 'POST', `/applications/${appObjectId}/owners/$ref`, { '@odata.id': `${ep.graphEndpoint}/v1.0/directoryObjects/${ownerId}` });
  if (r.status !== 204) throw new Error(`owners/$ref answered ${r.status}: ${JSON.stringify(r.body)}`);
}

export async function addFederatedCredential(ep: Endpoints, appObjectId: string, issuer: string, subject: string): Promise<void> {
  await ok(graph(ep, ADMIN, 'POST', `/applications/${appObjectId}/federatedIdentityCredentials`, { name: `fic-${randomUUID().slice(0, 8)}`, issuer, subject, audiences: ['api://AzureADTokenExchange'] }));
}

/** A token from the emulator's stand-in for GitHub's OIDC issuer. */
export async function mintOidc(ep: Endpoints, subject: string, audience?: string): Promise<{ token: string; issuer: string }> {
  const res = await httpsJson<{ token: string; issuer: string }>(`${ep.adminEndpoint}/oidc/token`, { method: 'POST', body: { subject, ...(audience ? { audience } : {}) }, headers: adminHeaders(ep), ca: ep.caCertPath });
  if (res.status !== 200) throw new Error(res.text);
  return res.body;
}

export async function oidcIssuer(ep: Endpoints): Promise<string> {
  return (await mintOidc(ep, 'repo:probe/probe:ref:refs/heads/main')).issuer;
}

export async function configureRunner(ep: Endpoints, subject: string): Promise<{ requestUrl: string; requestToken: string }> {
  const res = await httpsJson<{ requestUrl: string; requestToken: string }>(`${ep.adminEndpoint}/oidc/runner`, { method: 'PUT', body: { subject }, headers: adminHeaders(ep), ca: ep.caCertPath });
  if (res.status !== 200) throw new Error(res.text);
  return res.body;
}

export async function createManagedIdentity(ep: Endpoints): Promise<{ servicePrincipal: { id: string; appId: string }; identityHeader: string; identityEndpoint: string }> {
  const res = await httpsJson<{ servicePrincipal: { id: string; appId: string }; identityHeader: string; identityEndpoint: string }>(`${ep.adminEndpoint}/managedIdentity`, { method: 'POST', body: { displayName: 'contoso-pipeline-mi' }, headers: adminHeaders(ep), ca: ep.caCertPath });
  if (res.status !== 200) throw new Error(res.text);
  return res.body;
}

/** Assigns a new managed identity to the emulated VM (its system-assigned one, or another user-assigned one). */
export async function createVmIdentity(ep: Endpoints, assignment: 'system' | 'user', displayName = `contoso-vm-${assignment}-mi`): Promise<{ servicePrincipal: { id: string; appId: string }; imdsEndpoint: string }> {
  const res = await httpsJson<{ servicePrincipal: { id: string; appId: string }; imdsEndpoint: string }>(`${ep.adminEndpoint}/managedIdentity`, { method: 'POST', body: { displayName, host: 'vm', assignment }, headers: adminHeaders(ep), ca: ep.caCertPath });
  if (res.status !== 200) throw new Error(res.text);
  return res.body;
}

/** A self-signed certificate: the PEM a pipeline holds (key + certificate) and the keyCredential the app gets. */
export function selfSignedCertificate(password?: string): { pem: string; keyCredential: Record<string, unknown> } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: 'contoso-pipeline' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const keyPem = password ? forge.pki.encryptRsaPrivateKey(keys.privateKey, password, { algorithm: 'aes256' }) : forge.pki.privateKeyToPem(keys.privateKey);
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  return {
    pem: `${keyPem}\n${certPem}`,
    keyCredential: { keyId: randomUUID(), type: 'AsymmetricX509Cert', usage: 'Verify', key: forge.util.encode64(der), displayName: 'CN=contoso-pipeline', endDateTime: cert.validity.notAfter.toISOString() },
  };
}

/** An app whose credential is a certificate, seeded directly (Graph's keyCredentials upload is not emulated). */
export async function createCertificateApp(ep: Endpoints, displayName: string, keyCredential: Record<string, unknown>): Promise<AppRef> {
  const seeded = await seedObjects(ep, { owner: ADMIN, applications: [{ displayName, keyCredentials: [keyCredential] }] });
  const app = seeded.applications[0] as { id: string; appId: string };
  const sp = await ok(graph<{ id: string }>(ep, ADMIN, 'POST', '/servicePrincipals', { appId: app.appId }));
  return { id: app.id, appId: app.appId, spId: sp.id };
}

/** An apiProperties.json naming `clientId` as the connector app. */
export function apiProperties(clientId: string): string {
  return `${JSON.stringify(
    {
      properties: {
        connectionParameters: {
          token: {
            type: 'oauthSetting',
            oAuthSettings: {
              identityProvider: 'aad',
              clientId,
              scopes: [],
              redirectMode: 'GlobalPerConnector',
              properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: 'https://graph.microsoft.com', IsOnbehalfofLoginSupported: true },
              customParameters: { loginUri: { value: 'https://login.microsoftonline.com' }, tenantId: { value: 'common' }, resourceUri: { value: 'https://graph.microsoft.com' }, enableOnbehalfOfLogin: { value: 'false' } },
            },
          },
        },
      },
    },
    null,
    2,
  )}\n`;
}
