/**
 * Proving a deployed connector works end to end, as a user of it would: create a connection for the signed-in user,
 * send them through its consent link (the platform's sign-in with the connector app, its redirect URL and the
 * resource), wait until the connection is connected, then call one of the swagger's GET operations through the
 * connector's runtime URL and report the status and the answer's first bytes. A failure is explained with the
 * sign-in error explainer (src/connector/explain.ts), the same one a pasted AADSTS message gets.
 */
import { randomBytes } from 'node:crypto';
import { explainSignInError, type Explanation } from '../connector/explain';
import { PowerPlatformFailure, type PowerPlatformClient } from './client';

type Json = Record<string, unknown>;

export interface GetOperation {
  readonly operationId?: string;
  /** Below the swagger's basePath, e.g. `/invoices`. */
  readonly path: string;
}

/** The swagger a connection test picks its GET from, read from `path` (an empty one when the file is missing). */
export async function readTestSwagger(files: { readText(path: string): Promise<string | undefined> }, path: string): Promise<Json> {
  const text = await files.readText(path);
  return text ? (JSON.parse(text.replace(/^\uFEFF/, '')) as Json) : {};
}

/** The first GET operation a test can call without inventing values: no required path, query or header parameter. */
export function pickGetOperation(swagger: Json): GetOperation | undefined {
  const paths = swagger.paths && typeof swagger.paths === 'object' ? (swagger.paths as Record<string, Json>) : {};
  for (const [path, item] of Object.entries(paths)) {
    const get = item && typeof item === 'object' ? (item.get as Json | undefined) : undefined;
    if (!get || typeof get !== 'object') continue;
    const params = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(get.parameters) ? get.parameters : [])] as Json[];
    if (path.includes('{') || params.some((p) => p && p.required === true)) continue;
    return { path, ...(typeof get.operationId === 'string' ? { operationId: get.operationId } : {}) };
  }
  return undefined;
}

export interface TestConnectionInput extends ConnectionTarget {
  readonly swagger: Json;
  /** Where the consent host sends the browser when the sign-in is done (a loopback page, or the product's own). */
  readonly returnUrl: string;
  /** Shows / opens the consent link (never logged elsewhere: it carries no secret, but it is the user's sign-in). */
  openConsent(link: string): Promise<void> | void;
  /** The code the return page received, if the caller listens there (confirmConsentCode is then sent). */
  readonly returned?: Promise<{ code?: string; error?: string; error_description?: string }>;
  /** A cause found by the diagnostics when the sign-in never comes back (e.g. the redirect URL is not registered). */
  diagnose?(): Promise<string | undefined>;
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The user cancelled: stop waiting for the sign-in (pass the same signal to `sleep`, so that it wakes up). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (line: string) => void;
}

export interface TestConnectionResult {
  readonly ok: boolean;
  readonly connectionName: string;
  readonly operation?: GetOperation;
  /** The status of the GET through the connector. */
  readonly status?: number;
  readonly firstBytes?: string;
  /** The user cancelled the wait for the sign-in. */
  readonly cancelled?: boolean;
  /** What went wrong, in a sentence, and what to do. */
  readonly failure?: { readonly message: string; readonly next: string; readonly explanation?: Explanation };
}

/** For the user, in one line: the GET's status and the answer's first bytes, or the cause and the fix. */
export function describeTestResult(result: TestConnectionResult): string {
  if (result.ok) return `GET ${result.operation?.path ?? ''} through the connector → ${result.status ?? ''}. ${(result.firstBytes ?? '').slice(0, 200)}`.trim();
  const e = result.failure?.explanation;
  return e?.known ? `${e.title}: ${e.cause} ${e.fix}` : `${result.failure?.message ?? 'The connection test failed.'} ${result.failure?.next ?? ''}`.trim();
}

function failed(connectionName: string, message: string, next: string, extra: Partial<TestConnectionResult> = {}): TestConnectionResult {
  const explanation = /AADSTS\d+/.test(message) ? explainSignInError(message) : undefined;
  return {
    ok: false,
    connectionName,
    ...extra,
    failure: { message, next: explanation?.known ? explanation.fix : next, ...(explanation ? { explanation } : {}) },
  };
}

/** How often the status is read while a return page waits for the browser (which says itself when it is done). */
const RETURN_POLL_MS = 10_000;

function cancelled(connectionName: string, operation: GetOperation | undefined): TestConnectionResult {
  return { ...failed(connectionName, 'The connection test was cancelled before the sign-in finished.', 'Run Test Connection again and finish the sign-in in the browser.', operation ? { operation } : {}), cancelled: true };
}

type Status = { status: string; error?: { code?: string; message?: string } } | undefined;

/** Signed in, or failed with the sign-in's own error (not just "not signed in yet"). */
const settled = (s: Status): boolean => s?.status === 'Connected' || (s?.status === 'Error' && s.error?.code !== 'Unauthenticated');

/** Where a connection is made: the signed-in client, the environment and the deployed connector. */
export interface ConnectionTarget {
  readonly client: PowerPlatformClient;
  readonly environment: string;
  readonly connectorId: string;
}

/** A connection whose creation has started (beside the connector's read, for its runtime URL). */
export interface StartedConnection {
  readonly connectionName: string;
  /** The connection exists and the connector was read; rejects with the first of their failures. */
  readonly ready: Promise<{ readonly runtimeUrl?: string }>;
}

/**
 * Creates the connection (PUT) and reads the connector, both at once: neither needs the other. Nothing is shown to the
 * user yet — `finishTestConnection` asks for the consent link, so a caller may start this before the connector app is
 * ready for a sign-in (its redirect URL registered, consent granted) and show the link only once it is.
 */
export function startConnection(target: ConnectionTarget): StartedConnection {
  const connectionName = randomBytes(16).toString('hex');
  const ready = (async () => {
    const [connector, created] = await Promise.allSettled([target.client.getConnector(target.environment, target.connectorId), target.client.createConnection(target.environment, target.connectorId, connectionName)]);
    if (connector.status === 'rejected') throw connector.reason;
    if (!connector.value) throw new PowerPlatformFailure('ConnectorNotFound', 404, `The connector ${target.connectorId} is not in environment ${target.environment}.`, 'Deploy the connector first.');
    if (created.status === 'rejected') throw created.reason;
    const runtimeUrl = connector.value.properties.primaryRuntimeUrl;
    return runtimeUrl ? { runtimeUrl } : {};
  })();
  // Observed by whoever continues (or discards) it; until then a failure must not be an unhandled rejection.
  ready.catch(() => undefined);
  return { connectionName, ready };
}

/**
 * A connection started early that will not be signed in to (the setup it was started beside did not finish): deleted,
 * so that nothing unusable is left in the user's connections. Best effort: `deleted` false with the reason otherwise.
 */
export async function discardConnection(target: ConnectionTarget, started: StartedConnection): Promise<{ deleted: boolean; created: boolean; reason?: string }> {
  try {
    await started.ready;
  } catch (failed) {
    // Not created (or the connector could not be read): try anyway, a PUT may have been committed without its answer.
    // Only the platform's 404 says there is nothing to delete.
    return target.client.deleteConnection(target.environment, target.connectorId, started.connectionName).then(
      () => ({ deleted: true, created: true }),
      (error: unknown) =>
        error instanceof PowerPlatformFailure && error.status === 404
          ? { deleted: false, created: false, reason: failed instanceof Error ? failed.message : String(failed) }
          : { deleted: false, created: true, reason: error instanceof Error ? error.message : String(error) },
    );
  }
  try {
    await target.client.deleteConnection(target.environment, target.connectorId, started.connectionName);
    return { deleted: true, created: true };
  } catch (error) {
    return { deleted: false, created: true, reason: error instanceof Error ? error.message : String(error) };
  }
}

export async function testConnection(input: TestConnectionInput): Promise<TestConnectionResult> {
  return finishTestConnection(startConnection(input), input);
}

/**
 * The rest of the test from a started connection: its consent link (shown through `openConsent`), the wait for the
 * browser, the code confirmed, the status read and one GET through the connector; a failure explained.
 */
export async function finishTestConnection(started: StartedConnection, input: TestConnectionInput): Promise<TestConnectionResult> {
  const say = input.onProgress ?? (() => undefined);
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = input.timeoutMs ?? 300_000;
  const pollMs = input.pollMs ?? 1000;
  const operation = pickGetOperation(input.swagger);
  const { connectionName } = started;
  const { runtimeUrl } = await started.ready;
  say(`Created connection ${connectionName}; sign in to it in the browser.`);
  const link = await input.client.getConsentLink(input.environment, input.connectorId, connectionName, input.returnUrl);
  if (operation && runtimeUrl) input.client.prepareRuntimeCall();
  await input.openConsent(link);

  // The browser comes back to the return page when the sign-in is done (with the code, or the sign-in's error): then
  // the code is confirmed. Meanwhile the connection's status is read now and then, for a sign-in finished elsewhere or
  // stopped on the platform's side; without a return page, every pollMs.
  const back = input.returned?.then((r) => r, () => undefined);
  const waitMs = back ? Math.max(pollMs, RETURN_POLL_MS) : pollMs;
  const deadline = Date.now() + timeoutMs;
  const read = async (): Promise<Status> => (await input.client.getConnection(input.environment, input.connectorId, connectionName)).properties.statuses?.[0];
  let confirmed = false;
  let returnedError: string | undefined;
  let status: Status;
  let call: Promise<{ status: number; firstBytes: string }> | undefined;
  for (;;) {
    const nap = Math.max(0, Math.min(back ? waitMs : pollMs, deadline - Date.now()));
    const r = back ? await Promise.race([back, sleep(nap).then(() => 'poll' as const)]) : (await sleep(nap), 'poll' as const);
    if (input.signal?.aborted) return cancelled(connectionName, operation);
    if (r !== 'poll') {
      if (r?.code) {
        await input.client.confirmConsentCode(input.environment, input.connectorId, connectionName, r.code).catch(() => undefined);
        confirmed = true;
        // Back from the sign-in: the status is read beside the call through the connection (a call that works proves
        // the sign-in; the status explains one that does not).
        if (operation && runtimeUrl) (call = input.client.callThroughConnector(runtimeUrl, connectionName, operation.path)).catch(() => undefined);
      } else if (r?.error) {
        returnedError = r.error_description ?? r.error;
      }
      status = await read();
      break;
    }
    status = await read();
    if (settled(status) || Date.now() >= deadline) break;
  }
  // A call made before the connection was connected says nothing about it.
  if (status?.status !== 'Connected') call = undefined;
  // The platform may still be finishing the sign-in it was sent back from: wait for it as long as the test may.
  while (!settled(status) && !returnedError && Date.now() < deadline) {
    await sleep(pollMs);
    if (input.signal?.aborted) return cancelled(connectionName, operation);
    status = await read();
  }
  if (status?.status !== 'Connected') {
    if (status?.status === 'Error' && status.error?.code !== 'Unauthenticated') {
      return failed(connectionName, status.error?.message ?? 'The connection failed to sign in.', 'Check the connector app, its secret and the resource in apiProperties.json, then deploy again.', operation ? { operation } : {});
    }
    const cause = returnedError ?? (await input.diagnose?.());
    return failed(
      connectionName,
      cause ?? `The sign-in to the connection did not finish within ${Math.round(timeoutMs / 1000)} s.`,
      'Open the consent link again and finish the sign-in; if the sign-in page shows an AADSTS error, paste it into "Explain Sign-in Error".',
      operation ? { operation } : {},
    );
  }
  say(`The connection is connected${confirmed ? ' (consent code confirmed)' : ''}.`);
  if (!operation) return failed(connectionName, 'The swagger has no GET operation without required parameters to try.', 'Add one (e.g. a health or list operation) or test from a flow.');
  if (!runtimeUrl) return failed(connectionName, 'Power Platform reported no runtime URL for the connector.', 'Retry in a minute; the connector may still be provisioning.', { operation });
  const answer = await (call ?? input.client.callThroughConnector(runtimeUrl, connectionName, operation.path));
  if (answer.status >= 200 && answer.status < 300) return { ok: true, connectionName, operation, status: answer.status, firstBytes: answer.firstBytes };
  const why =
    answer.status === 401
      ? 'The API refused the connection’s token (401): its Easy Auth does not accept this audience or issuer. The API app’s Application ID URI / appId must be in allowedAudiences and the issuer must be the tenant’s.'
      : answer.status === 403
        ? 'The API accepted the token but refused the caller (403): the connector app is not among the allowed client applications (Easy Auth defaultAuthorizationPolicy.allowedApplications) or the user lacks a role.'
        : `The API answered ${answer.status} through the connector.`;
  return failed(connectionName, why, answer.status === 401 || answer.status === 403 ? 'Run "Secure the API" (entra-connector secure-service) to set the audiences and allowed clients, then test again.' : 'Check the API itself.', { operation, status: answer.status, firstBytes: answer.firstBytes });
}
