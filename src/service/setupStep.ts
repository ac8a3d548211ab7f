/**
 * Step 7 of the checklist as one call: secure a site for the API app the setup registered (Easy Auth v2 with its
 * appId, issuer and audiences, and CORS for Power Platform). Idempotent: a site already secured gives "done"
 * without a write. The checklist engine calls this with an ArmClient and the site the user picked.
 */
import type { ArmClient } from './arm';
import { POWER_PLATFORM_ORIGINS } from './cors';
import { apiAudiences, tenantIssuer } from './easyAuth';
import { applySecureService, hasChanges, planSecureService, type SecurePlan } from './secure';
import { getSite, parseSiteId } from './sites';
import { UserFailure } from '../errors';

export interface ServiceStepInput {
  /** The site's resource ID. */
  readonly siteId: string;
  readonly apiAppId: string;
  /** The API's Application ID URIs (the connector's resource URL among them). */
  readonly identifierUris: readonly string[];
  readonly loginEndpoint: string;
  readonly tenantId: string;
  /** The API app's access-token version (its `api.requestedAccessTokenVersion`, null → 1): decides the issuer. */
  readonly apiTokenVersion?: 1 | 2;
  /** The connector app: admitted where the site restricts client applications. */
  readonly connectorAppId?: string;
  readonly auth?: boolean;
  readonly cors?: boolean;
}

export interface ServiceStepOutcome {
  readonly detail: string;
  readonly changed: boolean;
  readonly plan: SecurePlan;
  /** The user declined the previewed change: nothing was written. */
  readonly declined?: boolean;
}

/**
 * Shows the planned change field by field (the same preview as "Secure the Service…") and resolves whether to apply
 * it. Called only when something would change.
 */
export type ConfirmSitePlan = (plan: SecurePlan) => Promise<boolean>;

/** The site's Microsoft provider already names another app or issuer: switching it breaks whoever relied on it. */
export function switchesProvider(plan: SecurePlan): boolean {
  return (plan.easyAuth?.changes ?? []).some(
    (c) =>
      (c.path === 'identityProviders.azureActiveDirectory.registration.clientId' || c.path === 'identityProviders.azureActiveDirectory.registration.openIdIssuer') &&
      typeof c.before === 'string' &&
      c.before !== '',
  );
}

export async function secureServiceStep(arm: ArmClient, input: ServiceStepInput, confirm?: ConfirmSitePlan): Promise<ServiceStepOutcome> {
  const ref = parseSiteId(input.siteId);
  if (!ref) throw new UserFailure({ code: 'SiteNotFound', status: 0, message: `"${input.siteId}" is not a site resource ID.`, next: 'Pick the web app or function app that hosts the API.' });
  const site = await getSite(arm, ref);
  const plan = await planSecureService(arm, site, {
    ...(input.auth === false ? { auth: false } : {}),
    ...(input.cors === false ? { cors: false } : {}),
    origins: POWER_PLATFORM_ORIGINS,
    target: {
      clientId: input.apiAppId,
      issuer: tenantIssuer(input.loginEndpoint, input.tenantId, input.apiTokenVersion ?? 2),
      audiences: apiAudiences(input.apiAppId, input.identifierUris),
      ...(input.connectorAppId ? { clientApplications: [input.connectorAppId] } : {}),
    },
  });
  if (hasChanges(plan)) {
    // A site already set up for another app or issuer is never switched without the user seeing it and saying yes.
    if (!confirm && switchesProvider(plan)) {
      throw new UserFailure({
        code: 'SiteUsesAnotherApp',
        status: 0,
        message: `${site.name} already signs users in with another app or issuer (${(plan.easyAuth?.warnings ?? []).join(' ')}); nothing was changed.`,
        next: 'Run “Entra Connector: Secure the Service…” to see the change and confirm it, or pick another site.',
      });
    }
    if (confirm && !(await confirm(plan))) {
      return { detail: `${site.name}: the previewed change was not applied (declined).`, changed: false, plan, declined: true };
    }
  }
  const result = await applySecureService(arm, plan);
  const parts = [
    plan.easyAuth && (result.easyAuthChanged ? `authentication set (${plan.easyAuth.changes.length} field${plan.easyAuth.changes.length === 1 ? '' : 's'})` : 'authentication already set'),
    plan.cors && (result.corsChanged ? `CORS now allows ${plan.cors.added.join(', ')}` : 'CORS already allows Power Platform'),
  ].filter(Boolean);
  return { detail: `${site.name}: ${parts.join('; ')}.`, changed: result.easyAuthChanged || result.corsChanged, plan };
}

/** What the checklist engine needs for its site step (`SetupServices.site`): the API app in, one line out (or a pending one). */
export interface SiteSecurer {
  secure(input: Omit<ServiceStepInput, 'siteId' | 'auth' | 'cors'>): Promise<string | { readonly pending: string }>;
}

/**
 * The engine's site step for a site the user picked. ARM failures reach the engine as they are (one error type:
 * code, status, message, next, request-id), so the checklist shows their next step.
 */
export function siteSecurer(arm: ArmClient, siteId: string, options: { auth?: boolean; cors?: boolean; confirm?: ConfirmSitePlan } = {}): SiteSecurer {
  const { confirm, ...which } = options;
  return {
    async secure(input) {
      const outcome = await secureServiceStep(arm, { ...input, siteId, ...which }, confirm);
      return outcome.declined ? { pending: `${outcome.detail} Run the step again to see it once more.` } : outcome.detail;
    },
  };
}
