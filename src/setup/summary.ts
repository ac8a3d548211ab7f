/**
 * What a setup left behind, for the CLI's `--json`, the wizard's summary page, and undo: the ids of every object,
 * created vs found, and what is still pending. Never a secret.
 */
import { toDirectoryError } from '../graph/errors';
import type { Directory } from '../graph/operations';
import { STEP_IDS, type SetupContext, type StepId, type StepState } from './context';
import type { SetupFiles } from './engine';
import { restoreChange, type FileChange } from './properties';

export interface SetupSummary {
  readonly tenantId: string;
  readonly apiApp?: { id: string; appId: string; identifierUri?: string; created: boolean };
  readonly apiServicePrincipal?: { id: string; created: boolean };
  readonly connectorApp?: { id: string; appId: string; created: boolean };
  readonly connectorServicePrincipal?: { id: string; created: boolean };
  readonly grant?: { id: string; consentType: string; scope: string; created: boolean };
  readonly password?: { keyId: string; endDateTime: string };
  readonly resourceUri?: string;
  readonly redirectUri?: string;
  readonly adminConsentUrl?: string;
  readonly created: readonly string[];
  readonly found: readonly string[];
  readonly pending: readonly { step: StepId; detail: string }[];
  readonly steps: Readonly<Record<StepId, StepState>>;
}

export function summarize(ctx: SetupContext): SetupSummary {
  const o = ctx.objects;
  const named: [string, { created: boolean } | undefined][] = [
    ['apiApp', o.apiApp && o.apiApp.id ? o.apiApp : undefined],
    ['apiServicePrincipal', o.apiSp],
    ['connectorApp', o.connectorApp],
    ['connectorServicePrincipal', o.connectorSp],
    ['grant', o.grant],
    ['password', o.password],
  ];
  const pending = STEP_IDS.flatMap((step) => {
    const s = ctx.steps[step];
    return s.state === 'pending' || s.state === 'failed' ? [{ step, detail: s.detail ?? (s.state === 'failed' ? 'failed' : 'not run yet') }] : [];
  });
  return {
    tenantId: ctx.tenantId,
    ...(o.apiApp
      ? { apiApp: { id: o.apiApp.id, appId: o.apiApp.appId, created: o.apiApp.created, ...(o.apiApp.identifierUri ? { identifierUri: o.apiApp.identifierUri } : {}) }, resourceUri: o.apiApp.resourceUri }
      : {}),
    ...(o.apiSp ? { apiServicePrincipal: { id: o.apiSp.id, created: o.apiSp.created } } : {}),
    ...(o.connectorApp ? { connectorApp: { id: o.connectorApp.id, appId: o.connectorApp.appId, created: o.connectorApp.created } } : {}),
    ...(o.connectorSp ? { connectorServicePrincipal: { id: o.connectorSp.id, created: o.connectorSp.created } } : {}),
    ...(o.grant ? { grant: { id: o.grant.id, consentType: o.grant.consentType, scope: o.grant.scope, created: o.grant.created } } : {}),
    ...(o.password ? { password: { keyId: o.password.keyId, endDateTime: o.password.endDateTime } } : {}),
    ...(o.redirectUri ? { redirectUri: o.redirectUri } : {}),
    ...(o.adminConsentUrl ? { adminConsentUrl: o.adminConsentUrl } : {}),
    created: named.filter(([, v]) => v?.created).map(([k]) => k),
    found: named.filter(([, v]) => v && !v.created).map(([k]) => k),
    pending,
    steps: Object.fromEntries(STEP_IDS.map((s) => [s, ctx.steps[s].state])) as Record<StepId, StepState>,
  };
}

/** What undo would remove: only objects this setup created. */
export function undoPlan(ctx: SetupContext): string[] {
  const o = ctx.objects;
  const out: string[] = [];
  if (o.grant?.created) out.push(`the delegated grant ${o.grant.id}`);
  for (const g of o.replacedGrants ?? []) out.push(`the replaced delegated grant ${g.id}`);
  if (o.password?.created && !o.connectorApp?.created) out.push(`the client secret ${o.password.keyId} on ${o.connectorApp?.appId}`);
  for (const p of o.replacedPasswords ?? []) if (p.appObjectId === o.connectorApp?.id && !o.connectorApp.created) out.push(`the replaced client secret ${p.keyId} on ${o.connectorApp.appId}`);
  if (o.connectorSp?.created) out.push(`the connector service principal ${o.connectorSp.id}`);
  if (o.apiSp?.created) out.push(`the API service principal ${o.apiSp.id}`);
  if (o.connectorApp?.created) out.push(`the connector app ${o.connectorApp.appId}`);
  if (o.apiApp?.created) out.push(`the API app ${o.apiApp.appId}`);
  return out;
}

/**
 * Removes exactly what this setup created (tracked in the context), newest first, and forgets it. Objects that
 * existed before are never touched. The caller asks for confirmation first (show {@link undoPlan}).
 */
export async function undoSetup(ctx: SetupContext, directory: Directory, save: (ctx: SetupContext) => Promise<void>): Promise<void> {
  const o = ctx.objects;
  if (o.grant?.created) await directory.deleteGrant(o.grant.id);
  for (const g of o.replacedGrants ?? []) await directory.deleteGrant(g.id).catch((e: unknown) => (toDirectoryError(e).status === 404 ? undefined : Promise.reject(e)));
  delete o.grant;
  delete o.replacedGrants;
  await save(ctx);
  const second: Promise<void>[] = [];
  if (o.password?.created && o.connectorApp && !o.connectorApp.created) second.push(directory.removePassword(o.connectorApp.id, o.password.keyId));
  for (const p of o.replacedPasswords ?? []) if (o.connectorApp && p.appObjectId === o.connectorApp.id && !o.connectorApp.created) second.push(directory.removePassword(o.connectorApp.id, p.keyId));
  if (o.connectorSp?.created) second.push(directory.deleteServicePrincipal(o.connectorSp.id));
  if (o.apiSp?.created) second.push(directory.deleteServicePrincipal(o.apiSp.id));
  await Promise.all(second);
  delete o.password;
  delete o.replacedPasswords;
  delete o.connectorSp;
  delete o.apiSp;
  await save(ctx);
  const third: Promise<void>[] = [];
  if (o.connectorApp?.created) third.push(directory.deleteApplication(o.connectorApp.id));
  if (o.apiApp?.created) third.push(directory.deleteApplication(o.apiApp.id));
  await Promise.all(third);
  ctx.objects = {};
  ctx.intents = {};
  for (const step of STEP_IDS) ctx.steps[step] = { state: 'pending' };
  await save(ctx);
}

/** One connector file the setup changed, and what Undo can put back in it. */
export interface FileRestorePlan {
  /** The file's name in the connector folder. */
  readonly file: string;
  /** The change back to before the setup (a removal for a file the setup created); absent when nothing can go back. */
  readonly change?: FileChange;
  /** How many values go back. */
  readonly restored: number;
  /** Values left as they are, with why (changed since the setup wrote them, not recorded). */
  readonly kept: readonly string[];
}

/**
 * What Undo can restore in the connector files: from the values the setup recorded in its context (never a copy of a
 * file), computed on each file's current text. Only files with something to put back or keep are listed.
 */
export async function restorePlan(ctx: SetupContext, files: Pick<SetupFiles, 'read'>): Promise<FileRestorePlan[]> {
  const dir = ctx.connectorDir.replace(/[\\/]+$/, '');
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const out: FileRestorePlan[] = [];
  for (const record of ctx.objects.files ?? []) {
    const path = `${dir}${sep}${record.file}`;
    const restore = restoreChange(path, await files.read(path), record);
    if (restore.restored > 0 || restore.kept.length > 0) out.push({ file: record.file, ...(restore.change ? { change: restore.change } : {}), restored: restore.restored, kept: restore.kept });
  }
  return out;
}
