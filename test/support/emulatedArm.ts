// Shared by the service tests: the emulated tenant, and ARM clients that get real tokens from it through the Azure
// CLI client (admin POST /token, pre-authorized for Resource Manager as in every real tenant).
import { adminToken, getState, resetEmulator, type Endpoints } from '../../emulator/src';
import { ArmClient, type ArmLogEntry } from '../../src/service/arm';

export const ARM_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
export const CLI_APP_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
export const SUBSCRIPTION = '5e7c0de0-a11c-4e55-8c0f-00000000c0de';
export const WEB_APP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-contoso-invoices/providers/Microsoft.Web/sites/contoso-invoices`;
export const FUNCTION_APP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-contoso-invoices/providers/Microsoft.Web/sites/contoso-invoices-func`;

/**
 * Back to the seed. Resource Manager needs no consent: the product reaches it through the Azure CLI client, which
 * every tenant has pre-authorized for it (the emulated tenant refuses Graph CLI Tools with AADSTS65002).
 */
export async function resetWithArmConsent(ep: Endpoints): Promise<void> {
  await resetEmulator(ep);
}

export function armClientFor(ep: Endpoints, user: string, log?: ArmLogEntry[]): { client: ArmClient; scopesAsked: string[][] } {
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
