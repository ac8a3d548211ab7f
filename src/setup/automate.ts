/**
 * `entra-connector automate`: makes secret rotation a pipeline's job, with nothing secret stored anywhere. Signed in
 * as a person who may manage the connector app, it (idempotently)
 *  1. upserts an app registration for the pipeline (by uniqueName, derived from the OIDC issuer and subject) whose
 *     requiredResourceAccess asks for Microsoft Graph's Application.ReadWrite.OwnedBy, and its service principal;
 *  2. adds a federated identity credential trusting exactly that issuer + subject (audience api://AzureADTokenExchange);
 *  3. makes the pipeline's service principal an owner of the connector app (OwnedBy reaches only owned apps);
 *  4. assigns the Graph app role Application.ReadWrite.OwnedBy to it — or, when the signed-in person may not
 *     (it takes a Privileged Role Administrator or Global Administrator), returns the admin-consent link instead.
 * Every step reads first, so a second run changes nothing. No vscode import: the CLI and the extension share it.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { adminCenterAppUrl, authorityFor, type Cloud } from '../cloud/clouds';
import { GraphScopes } from '../graph/client';
import { DirectoryFailure, toDirectoryError, type DirectoryError } from '../graph/errors';
import { MICROSOFT_GRAPH_APP_ID, type Directory } from '../graph/operations';
import { ROTATE_PERMISSION } from './rotate';

/** Microsoft Graph's Application.ReadWrite.OwnedBy app role (Microsoft Graph permissions reference). */
export const OWNED_BY_ROLE_ID = '18a4783c-866b-4cc7-a460-3d5e5662c884';
export const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';
/** The delegated permission that assigns app roles (Microsoft Learn: servicePrincipal: appRoleAssignedTo). */
export const ROLE_ASSIGNMENT_PERMISSION = 'AppRoleAssignment.ReadWrite.All';

export interface AutomateRequest {
  /** The connector app's client ID (from apiProperties.json). */
  readonly connectorAppId: string;
  readonly connectorName: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly subject: string;
  /** For the pipeline app's display name, e.g. `contoso/invoices (main)`. */
  readonly pipelineLabel: string;
  readonly cloud: Cloud;
}

export type StepState = 'created' | 'found' | 'pending';

export interface AutomateResult {
  readonly pipelineApp: { readonly id: string; readonly appId: string; readonly displayName: string; readonly state: StepState };
  readonly servicePrincipal: { readonly id: string; readonly state: StepState };
  readonly federatedCredential: { readonly name: string; readonly issuer: string; readonly subject: string; readonly state: StepState };
  readonly owner: { readonly connectorApp: string; readonly state: StepState };
  readonly permission: { readonly name: string; readonly state: StepState; readonly adminConsentUrl?: string; readonly reason?: string };
}

export interface AutomateServices {
  readonly directory: Directory;
  /** The same signed-in Graph client the Directory uses (the workload endpoints are not Directory operations). */
  readonly graph: Client;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    throw thrown instanceof DirectoryFailure ? thrown : new DirectoryFailure(toDirectoryError(thrown));
  }
}

/** The pipeline app's uniqueName: one per (tenant, issuer, subject), so a second run finds it again. */
export function pipelineUniqueName(tenantId: string, issuer: string, subject: string): string {
  return `entra-connector-pipeline-${createHash('sha256').update(`${tenantId}\n${issuer}\n${subject}`).digest('hex').slice(0, 24)}`;
}

/** A federated credential's name: letters, digits, `-` and `_`, ≤ 120 characters. */
export function credentialName(subject: string): string {
  const base = subject.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'pipeline';
  return `${base}-${createHash('sha256').update(subject).digest('hex').slice(0, 8)}`;
}

/** Where an administrator grants the pipeline app's permission: the admin center's API permissions page, or /adminconsent. */
export function pipelineConsentUrl(cloud: Cloud, tenantId: string, appId: string): string {
  const page = adminCenterAppUrl(cloud, appId);
  if (page) return page.replace('/~/Overview/', '/~/CallAnAPI/');
  const url = new URL(`${authorityFor(cloud, tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', appId);
  url.searchParams.set('scope', `${cloud.graphEndpoint}/.default`);
  return url.toString();
}

export async function automateRotation(request: AutomateRequest, services: AutomateServices): Promise<AutomateResult> {
  const { directory, graph } = services;
  const connector = await directory.getApplicationByAppId(request.connectorAppId);
  if (!connector) {
    throw new DirectoryFailure({ code: 'Request_ResourceNotFound', status: 404, message: `The connector app ${request.connectorAppId} (clientId in apiProperties.json) is not in this tenant.`, next: 'Sign in to the connector app’s tenant (--tenant), or run "entra-connector setup" first.' });
  }
  const graphSp = await directory.getServicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID);
  if (!graphSp) throw new DirectoryFailure({ code: 'Request_ResourceNotFound', status: 404, message: 'Microsoft Graph has no service principal in this tenant.', next: 'This tenant cannot grant Graph permissions; contact its administrator.' });

  // 1. The pipeline's app registration and service principal.
  const displayName = `Entra Connector pipeline – ${request.pipelineLabel}`.slice(0, 120);
  const upserted = await directory.upsertApplication(pipelineUniqueName(request.tenantId, request.issuer, request.subject), {
    displayName,
    signInAudience: 'AzureADMyOrg',
    requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: OWNED_BY_ROLE_ID, type: 'Role' }] }],
  });
  const app = upserted.value;
  const sp = await directory.ensureServicePrincipal(app.appId);

  // 2. Trust exactly this issuer + subject.
  const fics = await directory.afterCreate(() => call(() => graph.api(`/applications/${app.id}/federatedIdentityCredentials`).get() as Promise<{ value: { name: string; issuer: string; subject: string; audiences: string[] }[] }>));
  const existing = fics.value.find((f) => f.issuer === request.issuer && f.subject === request.subject && f.audiences.includes(FEDERATED_AUDIENCE));
  let ficState: StepState = 'found';
  let ficName = existing?.name ?? credentialName(request.subject);
  if (!existing) {
    const created = await call(() =>
      graph.api(`/applications/${app.id}/federatedIdentityCredentials`).post({
        name: ficName,
        issuer: request.issuer,
        subject: request.subject,
        audiences: [FEDERATED_AUDIENCE],
        description: `Rotates the client secret of the ${request.connectorName} connector app (entra-connector automate).`,
      }) as Promise<{ name: string }>,
    );
    ficName = created.name;
    ficState = 'created';
  }

  // 3. Owner of the connector app.
  const owners = await call(() => graph.api(`/applications/${connector.id}/owners`).select('id').get() as Promise<{ value: { id: string }[] }>);
  let ownerState: StepState = 'found';
  if (!owners.value.some((o) => o.id === sp.value.id)) {
    await directory.afterCreate(() => call(() => graph.api(`/applications/${connector.id}/owners/$ref`).post({ '@odata.id': `${request.cloud.graphEndpoint}/v1.0/directoryObjects/${sp.value.id}` })));
    ownerState = 'created';
  }

  // 4. Application.ReadWrite.OwnedBy, or the link for an administrator.
  const assigned = await call(() => graph.api(`/servicePrincipals/${sp.value.id}/appRoleAssignments`).get() as Promise<{ value: { resourceId: string; appRoleId: string }[] }>);
  let permission: AutomateResult['permission'] = { name: ROTATE_PERMISSION, state: 'found' };
  if (!assigned.value.some((a) => a.resourceId === graphSp.id && a.appRoleId === OWNED_BY_ROLE_ID)) {
    try {
      await directory.afterCreate(() =>
        call(() =>
          graph
            .api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`)
            .middlewareOptions([new GraphScopes([ROLE_ASSIGNMENT_PERMISSION])])
            .post({ principalId: sp.value.id, resourceId: graphSp.id, appRoleId: OWNED_BY_ROLE_ID }),
        ),
      );
      permission = { name: ROTATE_PERMISSION, state: 'created' };
    } catch (thrown) {
      const error: DirectoryError = thrown instanceof DirectoryFailure ? thrown.error : toDirectoryError(thrown);
      if (error.status !== 403 && error.code !== 'SignInRequired' && !/^AADSTS(65001|65004|90093|90094)$/.test(error.code)) throw thrown;
      permission = {
        name: ROTATE_PERMISSION,
        state: 'pending',
        adminConsentUrl: pipelineConsentUrl(request.cloud, request.tenantId, app.appId),
        reason: `Granting Microsoft Graph's ${ROTATE_PERMISSION} takes a Privileged Role Administrator or Global Administrator (${error.code}).`,
      };
    }
  }

  return {
    pipelineApp: { id: app.id, appId: app.appId, displayName, state: upserted.created ? 'created' : 'found' },
    servicePrincipal: { id: sp.value.id, state: sp.created ? 'created' : 'found' },
    federatedCredential: { name: ficName, issuer: request.issuer, subject: request.subject, state: ficState },
    owner: { connectorApp: connector.appId, state: ownerState },
    permission,
  };
}
