/**
 * Rotating the connector app's client secret without VS Code (the CLI's `rotate`, pipelines): add a new secret,
 * hand it over (stdout, a 0600 file, a command, or the deployed connector), prove it works with a token request
 * against the tenant's token endpoint, and only then remove the secrets it replaced — the ones this tool made for the
 * app before (named "Entra Connector …") and the key IDs the caller names. Nobody else's secret is touched.
 *
 * If a step after the add fails, the new secret is taken back and the old ones stay: the connector keeps working.
 */
import { toDirectoryError, type DirectoryError } from '../graph/errors';
import type { Application, Directory, PasswordCredential } from '../graph/operations';
import { addSecret } from '../registrations/actions';

/** Display names of the secrets this tool adds (setup, the tree's "Rotate Secret", rotate). */
export const TOOL_SECRET_PREFIX = 'Entra Connector';

/** The least-privileged Microsoft Graph application permission for rotation (Microsoft Learn: application: addPassword). */
export const ROTATE_PERMISSION = 'Application.ReadWrite.OwnedBy';

export interface NewSecret {
  readonly appId: string;
  readonly keyId: string;
  readonly endDateTime: string;
  /** The value. Handed to the handovers and the verifier only; never logged, never in a result. */
  readonly value: string;
}

/** One place the new secret goes. `deliver` resolves with a short description for the log, without the value. */
export interface SecretHandover {
  readonly name: string;
  deliver(secret: NewSecret): Promise<string>;
}

/**
 * The deployed connector's update, from the deploy engine (issue 15: `updateDeployedSecret`). Optional and
 * injected: until a host passes it, the handovers above are the only ones.
 */
export type UpdateDeployedSecret = (secret: NewSecret) => Promise<string>;

export interface RotateServices {
  /** Graph operations signed in as whoever rotates (a person, or the pipeline's workload identity). */
  readonly directory: Pick<Directory, 'getApplicationByAppId' | 'addPassword' | 'removePassword'>;
  readonly handovers: readonly SecretHandover[];
  readonly updateDeployedSecret?: UpdateDeployedSecret;
  /** A token request with the new secret; undefined when it works, else why not. */
  verify(appId: string, secret: string): Promise<{ message: string; next: string } | undefined>;
  /** Who rotates, for the refusal message (e.g. "app 1234… (secret)"). */
  readonly caller?: string;
  /** A person signed in (delegated permissions) rather than an app (application permissions). */
  readonly callerIsPerson?: boolean;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A new secret can take a few seconds to be accepted everywhere; tries and the wait between them. */
  readonly verifyAttempts?: number;
  readonly verifyDelayMs?: number;
  readonly log?: (line: string) => void;
}

export interface RotateRequest {
  /** The connector app's application (client) ID, from apiProperties.json. */
  readonly appId: string;
  /** Lifetime of the new secret. */
  readonly days: number;
  /** Other secrets (key IDs) to remove once the new one works — e.g. a first secret made by hand. */
  readonly alsoReplace?: readonly string[];
  /** Keep the replaced secrets (remove them in a later run). */
  readonly keepReplaced?: boolean;
}

export interface SecretSummary {
  readonly keyId: string;
  readonly displayName: string | null;
  readonly endDateTime: string | null;
  readonly hint: string | null;
}

export interface RotateResult {
  readonly ok: boolean;
  readonly app?: { readonly id: string; readonly appId: string; readonly displayName: string };
  readonly added?: SecretSummary;
  readonly handedOver: readonly string[];
  readonly verified: boolean;
  readonly removed: readonly SecretSummary[];
  readonly kept: readonly SecretSummary[];
  /** Why it stopped; the new secret was taken back when it was added. */
  readonly error?: DirectoryError;
}

function summary(p: PasswordCredential): SecretSummary {
  return { keyId: p.keyId, displayName: p.displayName ?? null, endDateTime: p.endDateTime ?? null, hint: p.hint ?? null };
}

/** What Graph's refusal means for an app-only caller: the permission and the ownership rotation needs. */
export function refusal(appId: string, caller: string | undefined, error: DirectoryError, person = false): DirectoryError {
  if (error.status !== 403 && error.code !== 'Authorization_RequestDenied') return error;
  const who = caller ?? 'the signed-in identity';
  if (person) {
    return {
      ...error,
      message: `Microsoft Graph refused ${who} access to the connector app ${appId} (${error.code}): rotating its secret needs the delegated permission Application.ReadWrite.All and ${who} must own that app or be an Application Administrator.`,
      next: `Ask an owner of app ${appId} to add you as an owner (App registrations → Owners), or an Application Administrator to rotate it.`,
    };
  }
  return {
    ...error,
    message: `Microsoft Graph refused ${who} access to the connector app ${appId} (${error.code}): rotating its secret needs the Microsoft Graph application permission ${ROTATE_PERMISSION} (admin-consented) and ${who} must be an owner of that app.`,
    next: `Run "entra-connector automate" as an administrator, or in the Entra admin center add ${who} as an owner of app ${appId} (App registrations → Owners) and grant it ${ROTATE_PERMISSION} (API permissions → Grant admin consent). A person signing in needs Application.ReadWrite.All instead.`,
  };
}

/** Adds, hands over, verifies, then removes what the new secret replaces. Never throws for directory failures. */
export async function rotateSecret(request: RotateRequest, services: RotateServices): Promise<RotateResult> {
  const now = services.now ?? (() => new Date());
  const sleep = services.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = services.log ?? (() => undefined);
  const dir = services.directory;
  const handedOver: string[] = [];
  let app: Application | undefined;
  let added: PasswordCredential | undefined;
  const fail = async (error: DirectoryError, verified = false): Promise<RotateResult> => {
    if (added && app) {
      try {
        await dir.removePassword(app.id, added.keyId);
        log(`Took back the new secret ${added.keyId}; the old secrets are unchanged.`);
      } catch (thrown) {
        const e = toDirectoryError(thrown);
        error = { ...error, next: `${error.next} The new secret ${added.keyId} could not be taken back (${e.code}): remove it in the Entra admin center.` };
      }
    }
    return {
      ok: false,
      ...(app ? { app: { id: app.id, appId: app.appId, displayName: app.displayName } } : {}),
      ...(added ? { added: summary(added) } : {}),
      handedOver,
      verified,
      removed: [],
      kept: [],
      error,
    };
  };

  if (services.handovers.length === 0 && !services.updateDeployedSecret) {
    return fail({ code: 'NoHandover', status: 0, message: 'The new secret would go nowhere: the connector would lose its secret when the old one is removed.', next: 'Choose where it goes: --print-secret, --secret-file <path> or --handover-command <command>.' });
  }
  try {
    app = await dir.getApplicationByAppId(request.appId);
  } catch (thrown) {
    return fail(refusal(request.appId, services.caller, toDirectoryError(thrown), services.callerIsPerson));
  }
  if (!app) {
    return fail({ code: 'Request_ResourceNotFound', status: 404, message: `The connector app ${request.appId} (clientId in apiProperties.json) is not in this tenant.`, next: 'Check the tenant (AZURE_TENANT_ID or --tenant) and the clientId in apiProperties.json.' });
  }
  const before = app.passwordCredentials ?? [];
  const start = now();
  const label = `${TOOL_SECRET_PREFIX} rotate ${start.toISOString().slice(0, 10)}`;
  let created: Awaited<ReturnType<typeof addSecret>>;
  try {
    created = await addSecret(dir, app.id, request.days, { now: start, label, nextWithoutValue: 'Run rotate again.' });
  } catch (thrown) {
    const error = toDirectoryError(thrown);
    return fail(error.code === 'NoSecretReturned' ? error : refusal(request.appId, services.caller, error, services.callerIsPerson));
  }
  added = created;
  const secret: NewSecret = { appId: app.appId, keyId: created.keyId, endDateTime: created.endDateTime, value: created.secretText };
  added = { ...added, secretText: null };

  for (const handover of services.handovers) {
    try {
      handedOver.push(await handover.deliver(secret));
    } catch (thrown) {
      const cause = thrown instanceof Error ? thrown.message : String(thrown);
      return fail({ code: 'HandoverFailed', status: 0, message: `The new secret could not be handed over (${handover.name}): ${cause}`, next: 'Fix the handover and run rotate again; the old secrets still work.' });
    }
  }

  let problem: { message: string; next: string } | undefined;
  const attempts = Math.max(1, services.verifyAttempts ?? 6);
  for (let i = 0; i < attempts; i++) {
    problem = await services.verify(app.appId, secret.value);
    if (!problem) break;
    if (i < attempts - 1) await sleep(services.verifyDelayMs ?? 5000);
  }
  if (problem) return fail({ code: 'VerifyFailed', status: 0, message: `The new secret did not get a token from the tenant: ${problem.message}`, next: problem.next });

  // The deployed connector is updated last: once it has the new secret, the old ones are no longer needed.
  if (services.updateDeployedSecret) {
    try {
      handedOver.push(await services.updateDeployedSecret(secret));
    } catch (thrown) {
      const cause = thrown instanceof Error ? thrown.message : String(thrown);
      return fail({ code: 'DeployUpdateFailed', status: 0, message: `The deployed connector could not be updated with the new secret: ${cause}`, next: 'Fix the deployment and run rotate again; the old secrets still work.' }, true);
    }
  }

  const replaceable = before.filter((p) => p.keyId !== secret.keyId && ((p.displayName ?? '').startsWith(TOOL_SECRET_PREFIX) || (request.alsoReplace ?? []).includes(p.keyId)));
  const others = before.filter((p) => p.keyId !== secret.keyId && !replaceable.includes(p));
  const removed: SecretSummary[] = [];
  const kept: SecretSummary[] = others.map(summary);
  if (request.keepReplaced) kept.push(...replaceable.map(summary));
  else {
    for (const p of replaceable) {
      try {
        await dir.removePassword(app.id, p.keyId);
        removed.push(summary(p));
      } catch (thrown) {
        const e = toDirectoryError(thrown);
        if (e.status === 404) continue;
        // The new secret works and is handed over: keep it, and say which old one is left.
        return { ok: false, app: { id: app.id, appId: app.appId, displayName: app.displayName }, added: summary(added), handedOver, verified: true, removed, kept: [...kept, ...replaceable.filter((r) => !removed.some((x) => x.keyId === r.keyId)).map(summary)], error: { ...refusal(request.appId, services.caller, e, services.callerIsPerson), next: `The new secret is in place; remove the old secret ${p.keyId} later (rotate again, or the Entra admin center).` } };
      }
    }
  }
  return { ok: true, app: { id: app.id, appId: app.appId, displayName: app.displayName }, added: summary(added), handedOver, verified: true, removed, kept };
}
