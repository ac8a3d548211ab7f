/**
 * What the API's site will answer to a call through the connector, predicted from its Easy Auth settings
 * (`config/authsettingsV2`, read only) and the token the connector will present — the checks App Service
 * authentication runs, in its order (https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad,
 * "Use a built-in authorization policy"; https://learn.microsoft.com/azure/app-service/configure-authentication-api-version):
 * - a token is valid when its `aud` is one of `validation.allowedAudiences` or the provider's `registration.clientId`,
 *   and its `iss` is the `registration.openIdIssuer` (a v1 token's `https://sts.windows.net/{tenant}/` is not the
 *   v2 issuer); an invalid token on a site that requires authentication gets 401;
 * - a valid token from a client app not in a non-empty `defaultAuthorizationPolicy.allowedApplications` or
 *   `jwtClaimChecks.allowedClientApplications` gets 403.
 * Pure: the caller reads the settings and the API app.
 */
import { WEB_API_VERSION, type ArmClient } from './arm';
import { getPath, tenantIssuer } from './easyAuth';
import { resolveSite } from './sites';

/** The access token the connector's connections present to the API (what Entra issues for its resource). */
export interface ConnectorToken {
  /** v1 tokens carry the resource as the connector asked for it; v2 tokens the API app's appId. */
  readonly aud: string;
  readonly iss: string;
  /** The connector app: `appid` (v1) / `azp` (v2). */
  readonly clientId: string;
}

export type ServicePredictionCode = 'service-audience' | 'service-issuer' | 'service-client-not-allowed';

export interface ServicePrediction {
  readonly code: ServicePredictionCode;
  /** 401 or 403: what the connection's calls will get. */
  readonly status: 401 | 403;
  readonly message: string;
}

/** The token a connector asking for `resource` gets, for an API app with this appId and token version. */
export function connectorToken(o: { resource: string; apiAppId: string; tokenVersion: 1 | 2; loginEndpoint: string; tenantId: string; connectorClientId: string }): ConnectorToken {
  return { aud: o.tokenVersion === 1 ? o.resource : o.apiAppId, iss: tenantIssuer(o.loginEndpoint, o.tenantId, o.tokenVersion), clientId: o.connectorClientId };
}

const norm = (v: string) => v.trim().replace(/\/+$/, '').toLowerCase();
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * The failures the site's Easy Auth will give the connector's calls; empty when they pass (or when Easy Auth is off:
 * the site then accepts the call whatever the token — securing it is `secure-service`'s job, not a failure).
 */
export function predictServiceCall(settings: Record<string, unknown> | undefined, token: ConnectorToken, siteName: string): ServicePrediction[] {
  const on = getPath(settings, 'platform.enabled') === true && getPath(settings, 'identityProviders.azureActiveDirectory.enabled') === true;
  if (!on) return [];
  const requires = getPath(settings, 'globalValidation.requireAuthentication') === true;
  const action = getPath(settings, 'globalValidation.unauthenticatedClientAction');
  const refused = requires && action !== 'AllowAnonymous';
  const registered = getPath(settings, 'identityProviders.azureActiveDirectory.registration.clientId');
  const audiences = [...strings(getPath(settings, 'identityProviders.azureActiveDirectory.validation.allowedAudiences')), ...(typeof registered === 'string' && registered ? [registered] : [])];
  const issuer = getPath(settings, 'identityProviders.azureActiveDirectory.registration.openIdIssuer');
  const out: ServicePrediction[] = [];
  const fix = `Run "Entra Connector: Secure the Service" (entra-connector secure-service) to set it, or change it in the portal (Authentication → Microsoft provider).`;
  const audienceOk = audiences.some((a) => norm(a) === norm(token.aud));
  const issuerOk = typeof issuer === 'string' && norm(issuer) === norm(token.iss);
  if (refused && !audienceOk) {
    out.push({
      code: 'service-audience',
      status: 401,
      message: `${siteName}'s authentication does not accept the connector's tokens (audience ${token.aud}; the site allows ${audiences.length ? audiences.join(', ') : 'none'}): calls through the connector get 401. ${fix}`,
    });
  }
  if (refused && !issuerOk) {
    out.push({
      code: 'service-issuer',
      status: 401,
      message: `${siteName}'s authentication expects tokens from ${typeof issuer === 'string' && issuer ? issuer : 'no issuer'}, but the connector's come from ${token.iss}: calls through the connector get 401. ${fix}`,
    });
  }
  if (audienceOk && issuerOk) {
    for (const path of ['validation.defaultAuthorizationPolicy.allowedApplications', 'validation.jwtClaimChecks.allowedClientApplications']) {
      const list = strings(getPath(settings, `identityProviders.azureActiveDirectory.${path}`));
      if (list.length > 0 && !list.some((c) => norm(c) === norm(token.clientId))) {
        out.push({
          code: 'service-client-not-allowed',
          status: 403,
          message: `${siteName} admits only the client apps ${list.join(', ')} (${path.split('.').pop()}), not the connector app ${token.clientId}: calls through the connector get 403. ${fix}`,
        });
        break;
      }
    }
  }
  return out;
}

/**
 * The Easy Auth settings of the site serving a host (found in the subscriptions the caller sees) or named by its
 * resource ID, read only: what {@link predictServiceCall} takes. Throws a `UserFailure` when no single site serves
 * it or it cannot be read.
 */
export async function readSiteAuth(arm: ArmClient, hostOrSiteId: string): Promise<{ readonly siteId: string; readonly siteName: string; readonly settings: Record<string, unknown> | undefined }> {
  const site = await resolveSite(arm, hostOrSiteId);
  const auth = await arm.get<{ properties?: Record<string, unknown> }>(`${site.id}/config/authsettingsV2`, WEB_API_VERSION);
  return { siteId: site.id, siteName: site.name, settings: auth.properties };
}
