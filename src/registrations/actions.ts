/**
 * The changes to a registration that both the setup engine's tasks (src/setup/engine.ts) and the registrations
 * tree, its quick fixes and the explain command make — one place each for registering a redirect URI, widening a
 * consent grant and adding a client secret. Each reads, merges and writes: a Graph PATCH replaces whole collections,
 * so what is there now is read fresh (not from a view) and kept. Also how each change updates the tree's last known
 * snapshot, so the tree shows it as soon as Graph accepted it (a re-read could still miss it during replication).
 */
import { fail, UserFailure } from '../errors';
import type { Application, Directory, PasswordCredential } from '../graph/operations';
import { secretStorageKey, type ClientSecretStore } from '../connector/secrets';
import type { AppRecord, DirectorySnapshot, GrantRecord, SpRecord } from '../graph/registrations';

/**
 * Adds `uri` as a Web redirect URI, keeping the ones registered now (read fresh, not from the tree). `read` is that
 * read when the caller started it beside other work (e.g. while the connector was being created).
 */
export async function registerRedirectUri(dir: Directory, appId: string, uri: string, read?: Promise<Application | undefined>): Promise<{ objectId: string; redirectUris: string[]; added: boolean }> {
  const app = await (read ?? dir.getApplicationByAppId(appId));
  if (!app) fail('AppNotFound', `The app registration ${appId} no longer exists in this tenant.`, 'Refresh the view, or run the setup again to re-create it.');
  const current = app.web?.redirectUris ?? [];
  const redirectUris = current.includes(uri) ? current : [...current, uri];
  if (redirectUris !== current) await dir.updateApplication(app.id, { web: { redirectUris } });
  return { objectId: app.id, redirectUris, added: redirectUris !== current };
}

/** Removes the Web redirect URI `uri`, keeping the others (read fresh, not from the tree). */
export async function removeRedirectUri(dir: Directory, appId: string, uri: string): Promise<{ objectId: string; redirectUris: string[] }> {
  const app = await dir.getApplicationByAppId(appId);
  if (!app) fail('AppNotFound', `The app registration ${appId} no longer exists in this tenant.`, 'Refresh the view.');
  const current = app.web?.redirectUris ?? [];
  const redirectUris = current.filter((u) => u !== uri);
  if (redirectUris.length !== current.length) await dir.updateApplication(app.id, { web: { redirectUris } });
  return { objectId: app.id, redirectUris };
}

/** Widens a grant to `scopes`, keeping the scopes it has (never narrowing it); returns its scope afterwards. */
export async function extendGrant(dir: Directory, grant: { readonly id: string; readonly scope: string }, scopes: readonly string[]): Promise<string> {
  const have = [...new Set(grant.scope.split(/\s+/).filter(Boolean))];
  const need = scopes.filter((s) => !have.includes(s));
  const scope = [...have, ...need].join(' ');
  if (need.length > 0) await dir.updateGrantScope(grant.id, scope);
  return need.length > 0 ? scope : grant.scope;
}

export interface ConsentResult {
  readonly clientSp: SpRecord;
  readonly resourceSp: SpRecord;
  readonly grant: GrantRecord;
}

/**
 * Grants tenant-wide (admin) consent for `scopes` of the resource to the connector app: service principals are
 * upserted, an existing AllPrincipals grant is widened rather than duplicated.
 */
export async function grantTenantConsent(dir: Directory, clientAppId: string, resourceAppId: string, scopes: readonly string[]): Promise<ConsentResult> {
  const clientSp = (await dir.ensureServicePrincipal(clientAppId)).value;
  const resourceSp = (await dir.ensureServicePrincipal(resourceAppId)).value;
  const existing = (await dir.listGrants(clientSp.id, resourceSp.id)).find((g) => g.consentType === 'AllPrincipals');
  let grant: GrantRecord;
  if (existing) {
    grant = { ...existing, scope: await extendGrant(dir, existing, scopes) };
  } else {
    grant = await dir.createGrant({ clientId: clientSp.id, resourceId: resourceSp.id, consentType: 'AllPrincipals', principalId: null, scope: scopes.join(' ') });
  }
  return { clientSp: { id: clientSp.id, appId: clientSp.appId, displayName: clientSp.displayName }, resourceSp: { id: resourceSp.id, appId: resourceSp.appId, displayName: resourceSp.displayName }, grant };
}

export interface SecretOptions {
  readonly now?: Date;
  /** The secret's display name; default "Entra Connector YYYY-MM-DD". */
  readonly label?: string;
  /** The next step when Graph answers without the value. */
  readonly nextWithoutValue?: string;
}

/** A new client secret valid `days` days; the caller stores `secretText` and drops it. */
export async function addSecret(dir: Pick<Directory, 'addPassword'>, appObjectId: string, days: number, options: SecretOptions = {}): Promise<PasswordCredential & { secretText: string; endDateTime: string }> {
  const now = options.now ?? new Date();
  const end = new Date(now.getTime() + days * 86_400_000).toISOString();
  const created = await dir.addPassword(appObjectId, options.label ?? `Entra Connector ${now.toISOString().slice(0, 10)}`, end);
  if (!created.secretText) {
    throw new UserFailure({
      code: 'NoSecretReturned',
      message: 'Microsoft Graph created the secret but did not return its value.',
      next: options.nextWithoutValue ?? 'Remove it in the Entra admin center and try again.',
    });
  }
  return { ...created, secretText: created.secretText, endDateTime: created.endDateTime ?? end };
}

/** Secrets this tool added: the tree's (`Entra Connector 2025-01-31`) and the setup's (`Entra Connector setup <id>`). */
export function isToolSecret(credential: Pick<PasswordCredential, 'displayName'>): boolean {
  return /^Entra Connector(\s|$)/.test(credential.displayName ?? '');
}

/** One old secret offered for removal after a rotation. */
export interface SecretRemovalChoice {
  readonly keyId: string;
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  /** Preselected: only secrets this tool added. */
  readonly picked: boolean;
}

/**
 * The secrets a rotation may remove: every password of the app except the new one, each with its name, hint and
 * expiry; only the ones this tool added are preselected (another tool's or a person's secret is never picked for them).
 */
export function secretRemovalChoices(credentials: readonly PasswordCredential[], newKeyId: string, now = new Date()): SecretRemovalChoice[] {
  return credentials
    .filter((c) => c.keyId !== newKeyId)
    .map((c) => {
      const end = c.endDateTime ? Date.parse(c.endDateTime) : NaN;
      const expiry = Number.isNaN(end) ? 'no expiry date' : end < now.getTime() ? `expired ${c.endDateTime!.slice(0, 10)}` : `expires ${c.endDateTime!.slice(0, 10)}`;
      const tool = isToolSecret(c);
      return {
        keyId: c.keyId,
        label: c.displayName || '(no description)',
        description: [c.hint ? `${c.hint}…` : undefined, expiry].filter(Boolean).join(' · '),
        detail: tool ? 'Added by Entra Connector' : 'Not added by Entra Connector: another tool or a person may use it',
        picked: tool,
      };
    });
}

/** Removes the picked secrets, and only ones that were offered; returns the key IDs removed (also when one fails). */
export async function removeSecrets(dir: Directory, appObjectId: string, picked: readonly string[], offered: readonly SecretRemovalChoice[]): Promise<{ removed: string[]; error?: unknown }> {
  const allowed = new Set(offered.map((c) => c.keyId));
  const removed: string[] = [];
  try {
    for (const keyId of picked) {
      if (!allowed.has(keyId)) continue;
      await dir.removePassword(appObjectId, keyId);
      removed.push(keyId);
    }
  } catch (error) {
    return { removed, error };
  }
  return { removed };
}

/** Deletes an app registration and forgets its client secret held in secret storage (no use once the app is gone). */
export async function deleteAppRegistration(dir: Directory, secrets: Pick<ClientSecretStore, 'delete'>, app: { readonly id: string; readonly appId: string }): Promise<void> {
  await dir.deleteApplication(app.id);
  await secrets.delete(secretStorageKey(app.appId));
}

// ---- the snapshot after a change -----------------------------------------------------------------------------

function replaceApp(snapshot: DirectorySnapshot, objectId: string, change: (app: AppRecord) => AppRecord): DirectorySnapshot {
  return { ...snapshot, applications: snapshot.applications.map((a) => (a.id === objectId ? change(a) : a)) };
}

export function withRedirectUris(snapshot: DirectorySnapshot, objectId: string, redirectUris: readonly string[]): DirectorySnapshot {
  return replaceApp(snapshot, objectId, (a) => ({ ...a, web: { ...(a.web ?? {}), redirectUris: [...redirectUris] } }));
}

export function withConsent(snapshot: DirectorySnapshot, result: ConsentResult): DirectorySnapshot {
  const sps = [...snapshot.servicePrincipals];
  for (const sp of [result.clientSp, result.resourceSp]) if (!sps.some((s) => s.id === sp.id)) sps.push(sp);
  const grants = snapshot.grants.filter((g) => g.id !== result.grant.id);
  return { ...snapshot, servicePrincipals: sps, grants: [...grants, result.grant] };
}

export function withSecrets(snapshot: DirectorySnapshot, objectId: string, add: readonly PasswordCredential[], removeKeyIds: readonly string[]): DirectorySnapshot {
  return replaceApp(snapshot, objectId, (a) => ({
    ...a,
    passwordCredentials: [
      ...(a.passwordCredentials ?? []).filter((c) => !removeKeyIds.includes(c.keyId)),
      // Never keep a secret's value in the snapshot.
      ...add.map(({ keyId, displayName, endDateTime, hint }) => ({ keyId, displayName, endDateTime, hint })),
    ],
  }));
}

export function withoutApp(snapshot: DirectorySnapshot, objectId: string): DirectorySnapshot {
  const app = snapshot.applications.find((a) => a.id === objectId);
  const sps = app ? snapshot.servicePrincipals.filter((s) => s.appId === app.appId).map((s) => s.id) : [];
  return {
    applications: snapshot.applications.filter((a) => a.id !== objectId),
    servicePrincipals: snapshot.servicePrincipals.filter((s) => !sps.includes(s.id)),
    grants: snapshot.grants.filter((g) => !sps.includes(g.clientId) && !sps.includes(g.resourceId)),
  };
}
