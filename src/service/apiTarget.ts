/**
 * What the service step needs from the connector folder and the directory: the API app (appId, identifier URIs)
 * behind the connector's resource URL, and the API's host from the swagger — to preselect the site.
 */
import { parse } from 'jsonc-parser';
import { readApiProperties } from '../connector/model';
import { stringValue, valueOf } from '../connector/jsonDocument';
import type { Directory } from '../graph/operations';
import { apiAudiences, tenantIssuer, tokenVersionOf, type EasyAuthTarget } from './easyAuth';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The resource URL of the connector's Entra OAuth parameter (`resourceUri`, else `AzureActiveDirectoryResourceId`). */
export function connectorResource(apiPropertiesText: string): string | undefined {
  for (const token of readApiProperties(apiPropertiesText).tokens) {
    if (!token.isEntra) continue;
    const value = token.customParameterValue('resourceUri') ?? stringValue(valueOf(token.property('AzureActiveDirectoryResourceId')));
    if (value && value.trim()) return value.trim();
  }
  return undefined;
}

/** The connector app's client ID in the connector's Entra OAuth parameter, when it is a GUID (not a placeholder). */
export function connectorClientId(apiPropertiesText: string): string | undefined {
  for (const token of readApiProperties(apiPropertiesText).tokens) {
    if (!token.isEntra) continue;
    const value = stringValue(valueOf(token.prop('clientId')));
    if (value && GUID.test(value.trim())) return value.trim();
  }
  return undefined;
}

/** The swagger's `host` (e.g. `contoso-invoices.azurewebsites.net`), if any. */
export function swaggerHost(swaggerText: string): string | undefined {
  const doc = parse(swaggerText.replace(/^\uFEFF/, '')) as { host?: unknown } | undefined;
  return typeof doc?.host === 'string' && doc.host.trim() ? doc.host.trim() : undefined;
}

export class ApiTargetError extends Error {
  constructor(
    message: string,
    readonly next: string,
  ) {
    super(message);
    this.name = 'ApiTargetError';
  }
}

/**
 * The Easy Auth target for an API app named by appId or identifier URI. With both known no directory call is made;
 * otherwise the app is read from the directory for the other half.
 */
export async function resolveApiTarget(
  input: { appId?: string; identifierUri?: string; resource?: string; connectorClientId?: string },
  context: { loginEndpoint: string; tenantId: string; directory?: () => Promise<Directory> },
): Promise<EasyAuthTarget> {
  let appId = input.appId;
  let uris = input.identifierUri ? [input.identifierUri] : [];
  const resource = input.resource?.replace(/\/+$/, '');
  if (!appId && resource && GUID.test(resource)) appId = resource;
  if (uris.length === 0 && resource && !GUID.test(resource)) uris = [resource];
  let tokenVersion: 1 | 2 | undefined;
  if (appId && uris.length > 0 && context.directory) {
    // The issuer depends on the API app's token version: read it when the directory can be asked.
    const app = await (await context.directory()).getApplicationByAppId(appId);
    if (app) {
      tokenVersion = tokenVersionOf(app);
      uris = [...new Set([...uris, ...(app.identifierUris ?? [])])];
    }
  }
  if (!appId || uris.length === 0) {
    const query = appId ?? uris[0];
    if (!query) {
      throw new ApiTargetError('The API app is not known: the connector has no Entra resource URL.', 'Run the setup first, or give the API app with --api-app-id (and --api-uri).');
    }
    if (!context.directory) throw new ApiTargetError(`The API app ${query} cannot be looked up here.`, 'Give both --api-app-id and --api-uri.');
    const found = await (await context.directory()).findApplications(query);
    if (found.length !== 1) {
      throw new ApiTargetError(
        found.length === 0 ? `No app registration with ${query} is in tenant ${context.tenantId}.` : `${found.length} app registrations match ${query}.`,
        'Check the connector’s resource URL, or give the API app with --api-app-id and --api-uri.',
      );
    }
    const app = found[0] as { appId: string; identifierUris?: string[]; api?: { requestedAccessTokenVersion?: number | null } };
    appId = app.appId;
    uris = [...new Set([...uris, ...(app.identifierUris ?? [])])];
    tokenVersion = tokenVersionOf(app);
  }
  return {
    clientId: appId,
    issuer: tenantIssuer(context.loginEndpoint, context.tenantId, tokenVersion ?? 2),
    audiences: apiAudiences(appId, uris),
    ...(input.connectorClientId ? { clientApplications: [input.connectorClientId] } : {}),
  };
}
