/**
 * The explainer's look at the signed-in tenant before it advises: is the redirect URI the error quotes already on
 * the app (then adding it again is not the fix — say so and list the other causes), may this account grant the
 * consent an AADSTS65001 asks for, does the client ID the text names exist here. Directory access is injected.
 */
import type { Explanation } from './explain';
import { consentAbility, type DirectoryRoleRef } from '../graph/roles';

export interface ExplainApp {
  appId: string;
  displayName: string;
  web?: { redirectUris?: string[] } | null;
  requiredResourceAccess?: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
}

export interface ExplainLookup {
  getApplicationByAppId(appId: string): Promise<ExplainApp | undefined>;
  getServicePrincipalByAppId(appId: string): Promise<{ appId: string; displayName?: string; oauth2PermissionScopes?: { id: string; value: string }[] } | undefined>;
  myDirectoryRoles(): Promise<DirectoryRoleRef[]>;
}

export interface ConsentOffer {
  readonly clientAppId: string;
  /** Per API the app requests delegated permissions on: its appId, name and the scope values. */
  readonly grants: ReadonlyArray<{ resourceAppId: string; resourceName: string; scopes: string[] }>;
  readonly canGrant: boolean;
  readonly reason: string;
}

export interface TenantFindings {
  /** Sentences for the person, in order. */
  readonly notes: string[];
  /** The quoted redirect URI is already a Web redirect URI of the app: do not offer to add it. */
  readonly redirectRegistered: boolean;
  readonly appFound?: boolean;
  readonly consent?: ConsentOffer;
}

const norm = (v: string) => v.trim().replace(/\/+$/, '').toLowerCase();

export async function checkInTenant(e: Explanation, dir: ExplainLookup, tenant: string): Promise<TenantFindings> {
  const notes: string[] = [];
  const code = e.code ?? e.likely?.code;
  const { clientId, redirectUri } = e.extracted;
  const app = clientId ? await dir.getApplicationByAppId(clientId) : undefined;
  if (clientId && !app) {
    notes.push(`No app with client ID ${clientId} is registered in ${tenant}: the error came from another tenant, or the ID is wrong.`);
    return { notes, redirectRegistered: false, appFound: false };
  }
  if (app && !code) notes.push(`${clientId} is the client ID of "${app.displayName}" in ${tenant}.`);

  let redirectRegistered = false;
  if (code === 'AADSTS50011' && app && redirectUri) {
    const registered = app.web?.redirectUris ?? [];
    const exact = registered.includes(redirectUri);
    const loose = registered.find((r) => norm(r) === norm(redirectUri));
    if (exact) {
      redirectRegistered = true;
      notes.push(
        `${redirectUri} is already a Web redirect URI of "${app.displayName}" in ${tenant}: adding it again is not the fix.`,
        'Other causes of AADSTS50011: the sign-in used another app or tenant than this one (a copy of the app elsewhere, another client ID in the connector), the URI was added moments ago and has not replicated yet (try again in a few minutes), or the connector was re-created and its redirect URL changed.',
      );
    } else if (loose) {
      notes.push(`"${app.displayName}" has ${loose}, which differs from ${redirectUri} only in case or a trailing slash: Entra ID compares redirect URIs exactly. Add the exact one.`);
    } else {
      notes.push(`"${app.displayName}" in ${tenant} does not have ${redirectUri} among its Web redirect URIs${registered.length ? ` (it has ${registered.join(', ')})` : ''}.`);
    }
  }

  let consent: ConsentOffer | undefined;
  if (code === 'AADSTS65001' && app) {
    const grants: { resourceAppId: string; resourceName: string; scopes: string[] }[] = [];
    for (const r of app.requiredResourceAccess ?? []) {
      const ids = r.resourceAccess.filter((a) => a.type === 'Scope').map((a) => a.id);
      if (ids.length === 0) continue;
      const sp = await dir.getServicePrincipalByAppId(r.resourceAppId);
      const scopes = ids.map((id) => sp?.oauth2PermissionScopes?.find((s) => s.id === id)?.value).filter((v): v is string => !!v);
      if (sp && scopes.length > 0) grants.push({ resourceAppId: r.resourceAppId, resourceName: sp.displayName ?? r.resourceAppId, scopes });
    }
    const ability = consentAbility(await dir.myDirectoryRoles().catch(() => []));
    consent = { clientAppId: app.appId, grants, canGrant: ability.tenantWide && grants.length > 0, reason: ability.reason };
    if (grants.length === 0) notes.push(`"${app.displayName}" requests no delegated permission that could be consented to: add the API's scope to its API permissions first.`);
    else if (ability.tenantWide) notes.push(`${ability.reason} Grant Consent gives "${app.displayName}" ${grants.map((g) => `${g.scopes.join(' ')} on ${g.resourceName}`).join('; ')} for every user of ${tenant}.`);
    else notes.push(`${ability.reason} Ask an administrator to grant admin consent to "${app.displayName}" (API permissions → Grant admin consent).`);
  }
  return { notes, redirectRegistered, ...(app ? { appFound: true } : {}), ...(consent ? { consent } : {}) };
}
