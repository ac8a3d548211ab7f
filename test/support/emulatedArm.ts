// Shared by the service tests: the emulated tenant with ARM consent for the default public client, and ARM clients
// that get real tokens from it (admin POST /token, same consent rules as a sign-in).
import { adminToken, getState, resetEmulator, seedObjects, type Endpoints } from '../../emulator/src';
import type { RequestLogEntry } from '../../src/http/policy';
import { ArmClient } from '../../src/service/arm';

export const ARM_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
export const CLI_APP_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
export const SUBSCRIPTION = '5e7c0de0-a11c-4e55-8c0f-00000000c0de';
export const WEB_APP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-contoso-invoices/providers/Microsoft.Web/sites/contoso-invoices`;
export const FUNCTION_APP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-contoso-invoices/providers/Microsoft.Web/sites/contoso-invoices-func`;

/** Resets the tenant and records that users consented to Azure Service Management for the public client. */
export async function resetWithArmConsent(ep: Endpoints): Promise<void> {
  await resetEmulator(ep);
  const state = await getState(ep);
  const cli = state.servicePrincipals.find((s) => s.appId === CLI_APP_ID);
  const arm = state.servicePrincipals.find((s) => s.appId === ARM_APP_ID);
  if (!cli || !arm) throw new Error('The emulated tenant has no service principal for the CLI client or ARM.');
  await seedObjects(ep, { oauth2PermissionGrants: [{ clientId: cli.id, resourceId: arm.id, consentType: 'AllPrincipals', scope: 'user_impersonation' }] });
}

export function armClientFor(ep: Endpoints, user: string, log?: RequestLogEntry[]): { client: ArmClient; scopesAsked: string[][] } {
  const scopesAsked: string[][] = [];
  const client = new ArmClient({
    armEndpoint: ep.armEndpoint,
    getAccessToken: (scopes) => {
      scopesAsked.push(scopes);
      return adminToken(ep, user, scopes);
    },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...(log ? { log: (e) => log.push(e) } : {}),
  });
  return { client, scopesAsked };
}

export interface ArmSiteState {
  name: string;
  web: Record<string, unknown>;
  authV2: Record<string, unknown>;
}

export async function armSites(ep: Endpoints): Promise<ArmSiteState[]> {
  return ((await getState(ep)) as unknown as { arm: { sites: ArmSiteState[] } }).arm.sites;
}
