/**
 * `entra-connector setup <connector-dir> …`: the guided setup's checklist engine from the command line. Signs in
 * by device code (code and URL on stderr), runs or resumes the setup (state file without secrets), prints what
 * exists and what is pending. The client secret stays in memory and is printed once only with --print-secret.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../setup/atomicWrite';
import { powerPlatformOf, type Cloud } from '../cloud/clouds';
import { createGraphClient } from '../graph/client';
import { requestLogLine } from '../http/policy';
import { toDirectoryError } from '../graph/errors';
import { asUserFailure, fail } from '../errors';
import { Directory, MICROSOFT_GRAPH_APP_ID } from '../graph/operations';
import { createContext, DEFAULT_SCOPE, DEFAULT_SECRET_DAYS, sameTarget, type SetupContext } from '../setup/context';
import { runSetup } from '../setup/engine';
import { nodeFiles } from '../setup/nodeFiles';
import { findRedirectUrl } from '../setup/redirect';
import { cliStateDirectory, JsonFileStateStore } from '../setup/stateFile';
import { restorePlan, summarize, undoPlan, undoSetup } from '../setup/summary';
import { PowerPlatformFailure, type PowerPlatformClient } from '../powerplatform/client';
import { isRedirectRegistered } from '../powerplatform/redirect';
import { startReturnPage } from '../powerplatform/returnPage';
import { readSettings, SETTINGS_FILE } from '../powerplatform/settings';
import { discardConnection, finishTestConnection, readTestSwagger, startConnection, type ConnectionTarget, type StartedConnection, type TestConnectionResult } from '../powerplatform/testConnection';
import { applyChoices, choicesFromAnswers } from '../wizard/model';
import { defaultAnswers, stepById, type Answers, type ApiAnswer, type ConsentAnswer, type IdentifierUriKind } from '../wizard/steps';
import type { CliCommand, CliIo } from './command';
import { diskConnectorFiles, powerPlatformSession, printDeploy, printTestText, redirectMismatch, reportFailure, testResultJson, type DeployAndRegisterResult } from './deploy';
import { setupDeployer } from '../setup/deployer';
import type { DeployResult } from '../powerplatform/deploy';
import type { CredentialKind } from '../auth/workload';
import { assertDeployableWith } from '../auth/powerPlatform';
import { asUsage, parseCommandSignIn, parseConnectorArgs, UsageError } from './args';
import { AUTH_OPTIONS, AUTH_USAGE, SIGN_IN_OPTIONS, SIGN_IN_USAGE, signInFailure, signInForCommand } from './session';

export { DEFAULT_CLI_CLIENT_ID } from './session';

export const SETUP_USAGE = `Usage: entra-connector setup <connector-dir> [options]

Registers (or reuses) the API app and the connector app in Microsoft Entra ID, grants the connector delegated
access, adds a client secret and writes apiProperties.json. Running it again continues where it stopped.

Service (one of):
  --api-name <name>              a new API app (default: the connector folder's name)
  --existing-api <appId|uri>     an app already in the tenant, or https://graph.microsoft.com
  --scope <scope>                the delegated scope (default user_impersonation; for Graph e.g. "User.Read Mail.Read")
  --identifier-uri <tenant|appId|uri>  Application ID URI of a new API app (default tenant: api://{tenantId}/{name})
  --multi-tenant                 a multi-tenant API app (default single-tenant)
Connector:
  --existing-connector <appId>   reuse a connector app instead of creating one
  --redirect-url <url|text|file> the connector's redirect URL once Power Platform shows it (or an AADSTS50011
                                 message, or a downloaded apiProperties.json holding it)
  --consent admin|user|link      tenant-wide grant, a grant for you only, or an admin-consent link (default admin)
  --secret-days <n>              client secret lifetime in days (default ${DEFAULT_SECRET_DAYS})
  --obo                          on-behalf-of login: enableOnbehalfOfLogin "true"; the connector app gets its own
                                 Application ID URI (api://{its appId}) and scope user_impersonation, with Azure API
                                 Connections (fe053c5f-…) pre-authorized for it; the API app is not changed
  --print-secret                 print the new client secret once
  --secret-file <file>           write the new client secret to this file (mode 0600; not inside the connector folder)
                                 Without one of these two (or --deploy) no client secret is created: its value would be lost.
Power Platform:
  --deploy                       then create or update the connector in Power Platform (the new secret goes there
                                 from memory), read back its redirect URL and register it: nothing left pending
  --environment <name>           the environment to deploy to (default: settings.json's, else the default one)
  --test-connection              then prove it works (with --deploy): a connection is created as soon as the
                                 connector exists; once the setup finished (redirect URL registered, consent granted)
                                 its sign-in link is printed on stderr, and one of the swagger's GET operations is
                                 called through the connector. If the setup does not finish, no link is shown and
                                 that connection is deleted
  --timeout <seconds>            how long --test-connection waits for the sign-in (default 300)
Sign-in:
${AUTH_USAGE}${SIGN_IN_USAGE}Other:
  --state <file>                 where the resumable state is kept (no secrets)
  --undo [--yes]                 remove what this setup created (asks for --yes) and restore the values it
                                 changed in apiProperties.json and the swagger (--keep-files leaves them)
  --json                         print the result as JSON
  --verbose, -v                  log every Graph request (method, path, status, request-id, duration) on stderr
Exit codes: 0 done (with --test-connection: and the call through the connector succeeded), 1 failed (the message
says what to do next), 2 bad usage.
`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GRAPH_URIS = new Set(['https://graph.microsoft.com', 'https://graph.microsoft.us', 'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn']);

interface Parsed {
  dir: string;
  cloud: Cloud;
  tenant: string;
  clientId: string;
  /** `--auth`; without it, the environment decides (a workload identity, else device code). */
  auth?: CredentialKind;
  tenantGiven: boolean;
  json: boolean;
  verbose: boolean;
  printSecret: boolean;
  secretFile?: string;
  undo: boolean;
  keepFiles: boolean;
  yes: boolean;
  statePath?: string;
  /** An option about the API app was given (resuming without one keeps the recorded API). */
  apiGiven: boolean;
  api: { kind: 'new'; name?: string; identifierUri: IdentifierUriKind; customUri?: string; multi: boolean } | { kind: 'existing'; query: string };
  scopes?: string[];
  connector?: string;
  consent: ConsentAnswer;
  secretDays: number;
  /** --secret-days was given (resuming without it keeps the recorded lifetime: another one means another secret). */
  secretDaysGiven: boolean;
  obo: boolean;
  redirectUrl?: string;
  deploy: boolean;
  environment?: string;
  /** --test-connection: a connection signed in to and one GET through the connector once the setup is done. */
  testConnection: boolean;
  timeoutMs: number;
}

function parse(argv: readonly string[]): Parsed {
  const { values, dir: given } = parseConnectorArgs(argv, {
    'api-name': { type: 'string' },
    'existing-api': { type: 'string' },
    scope: { type: 'string' },
    'identifier-uri': { type: 'string' },
    'multi-tenant': { type: 'boolean' },
    'existing-connector': { type: 'string' },
    'redirect-url': { type: 'string' },
    consent: { type: 'string' },
    'secret-days': { type: 'string' },
    obo: { type: 'boolean' },
    'print-secret': { type: 'boolean' },
    deploy: { type: 'boolean' },
    environment: { type: 'string' },
    'test-connection': { type: 'boolean' },
    timeout: { type: 'string' },
    'secret-file': { type: 'string' },
    ...AUTH_OPTIONS,
    ...SIGN_IN_OPTIONS,
    state: { type: 'string' },
    undo: { type: 'boolean' },
    'keep-files': { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (values['api-name'] !== undefined && values['existing-api'] !== undefined) throw new UsageError('Use either --api-name or --existing-api, not both.');
  const consent = (values.consent ?? 'admin') as ConsentAnswer;
  if (!['admin', 'user', 'link'].includes(consent)) throw new UsageError('--consent must be admin, user or link.');
  const secretDays = values['secret-days'] === undefined ? DEFAULT_SECRET_DAYS : Number(values['secret-days']);
  if (!Number.isInteger(secretDays) || secretDays < 1 || secretDays > 3650) throw new UsageError('--secret-days must be a whole number of days between 1 and 3650.');
  const existingConnector = values['existing-connector'];
  if (existingConnector !== undefined && !GUID.test(existingConnector)) throw new UsageError('--existing-connector must be the connector app’s appId (a GUID).');
  const redirectArg = values['redirect-url'];
  let redirectUrl: string | undefined;
  if (redirectArg !== undefined) {
    // The URL, an AADSTS50011 message holding it, or a downloaded apiProperties.json that Power Platform filled in.
    const text = existsSync(redirectArg) && statSync(redirectArg).isFile() ? readFileSync(redirectArg, 'utf8') : redirectArg;
    redirectUrl = findRedirectUrl(text);
    if (!redirectUrl) throw new UsageError('--redirect-url needs the connector’s https redirect URL, an AADSTS50011 message with it, or a downloaded apiProperties.json that has it.');
  }
  if (values.environment !== undefined && !values.deploy) throw new UsageError('--environment goes with --deploy.');
  if (values['test-connection'] && !values.deploy) throw new UsageError('--test-connection goes with --deploy: the connection is made to the connector the setup deploys.');
  if (values['test-connection'] && values.undo) throw new UsageError('--test-connection does not go with --undo.');
  if (values.timeout !== undefined && !values['test-connection']) throw new UsageError('--timeout goes with --test-connection.');
  const timeout = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > 3600) throw new UsageError('--timeout must be between 1 and 3600 seconds.');
  const signInOptions = parseCommandSignIn(values);
  if (values.deploy) asUsage(() => powerPlatformOf(signInOptions.cloud));
  const secretFile = values['secret-file'] === undefined ? undefined : resolve(values['secret-file']);
  const dir = resolve(given);
  if (secretFile && (secretFile === dir || secretFile.startsWith(`${dir}${sep}`))) throw new UsageError('--secret-file must not be inside the connector folder: a secret there ends up committed. Choose a path outside it.');
  const uriOpt = values['identifier-uri'] ?? 'tenant';
  const identifierUri: IdentifierUriKind = uriOpt === 'tenant' || uriOpt === 'appId' ? uriOpt : 'custom';
  if (identifierUri === 'custom' && !/^(api|https):\/\/\S+$/.test(uriOpt)) throw new UsageError('--identifier-uri must be tenant, appId, or an api:// or https:// URI.');
  return {
    dir,
    ...signInOptions,
    json: !!values.json,
    verbose: !!values.verbose,
    printSecret: !!values['print-secret'],
    ...(secretFile ? { secretFile } : {}),
    undo: !!values.undo,
    keepFiles: !!values['keep-files'],
    yes: !!values.yes,
    ...(values.state ? { statePath: resolve(values.state) } : {}),
    apiGiven: ['api-name', 'existing-api', 'scope', 'identifier-uri', 'multi-tenant'].some((k) => values[k as keyof typeof values] !== undefined),
    api: values['existing-api'] !== undefined ? { kind: 'existing', query: values['existing-api'] } : { kind: 'new', ...(values['api-name'] ? { name: values['api-name'] } : {}), identifierUri, ...(identifierUri === 'custom' ? { customUri: uriOpt } : {}), multi: !!values['multi-tenant'] },
    ...(values.scope ? { scopes: values.scope.split(/[\s,]+/).filter(Boolean) } : {}),
    ...(existingConnector ? { connector: existingConnector } : {}),
    consent,
    secretDays,
    secretDaysGiven: values['secret-days'] !== undefined,
    obo: !!values.obo,
    ...(redirectUrl ? { redirectUrl } : {}),
    deploy: !!values.deploy,
    ...(values.environment ? { environment: values.environment } : {}),
    testConnection: !!values['test-connection'],
    timeoutMs: timeout * 1000,
  };
}

function defaultStatePath(dir: string, cloud: Cloud, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha256').update(`${dir}\n${cloud.graphEndpoint}`).digest('hex').slice(0, 16);
  return join(cliStateDirectory(env), `setup-${key}.json`);
}

export async function runSetupCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) io.stderr.write(`entra-connector setup: ${error.message}\n\n`);
      (error.message ? io.stderr : io.stdout).write(SETUP_USAGE);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let pp: Awaited<ReturnType<typeof powerPlatformSession>> | undefined;
  // --test-connection: the connection created as soon as the connector was deployed, and where it was made.
  let early: { target: ConnectionTarget; started: StartedConnection } | undefined;
  try {
    const needsGrants = p.consent !== 'link' || p.undo;
    const scopes = ['User.Read', 'Application.ReadWrite.All', ...(needsGrants ? ['DelegatedPermissionGrant.ReadWrite.All'] : [])];
    const session = await signInForCommand(p, scopes, { env: io.env, say });
    const account = { tenantId: session.tenantId ?? p.tenant };
    const client = createGraphClient({
      graphEndpoint: p.cloud.graphEndpoint,
      getAccessToken: session.getAccessToken,
      ...(p.verbose
        ? { log: (e) => say(requestLogLine('Graph', e).line) }
        : {}),
    });
    const directory = new Directory(client);
    const state = new JsonFileStateStore(p.statePath ?? defaultStatePath(p.dir, p.cloud, io.env));
    const target = { connectorDir: p.dir, tenantId: account.tenantId, cloud: { name: p.cloud.name, loginEndpoint: p.cloud.loginEndpoint, graphEndpoint: p.cloud.graphEndpoint } };
    const saved = await state.load();
    const resumable = saved && sameTarget(saved, target) ? saved : undefined;

    if (p.undo) {
      if (!resumable) {
        say('Nothing to undo: no setup of this connector in this tenant was recorded.');
        return 0;
      }
      const plan = undoPlan(resumable);
      if (plan.length === 0) {
        say('Nothing to undo: this setup created nothing (it only used objects that existed before).');
        return 0;
      }
      // The connector files name the apps about to go: the values the setup recorded go back too (as the wizard offers).
      const restores = p.keepFiles ? [] : await restorePlan(resumable, nodeFiles);
      const restorable = restores.filter((r) => r.change);
      const files = restorable.map((r) => `${r.file} (${r.change?.remove ? 'created by the setup: deleted' : `${r.restored} value(s)`})`).join(' and ');
      const kept = restores.flatMap((r) => r.kept.map((k) => `${r.file}: ${k}`));
      if (!p.yes) {
        say(`This removes ${plan.join(', ')}.${files ? ` It restores ${files} to what they were before the setup (--keep-files leaves them).` : ''} Run again with --undo --yes to confirm.`);
        return 1;
      }
      await undoSetup(resumable, directory, (c) => state.save(c));
      say(`Removed ${plan.join(', ')}.`);
      for (const r of restorable) if (r.change) await nodeFiles.apply(r.change);
      if (files) say(`Restored ${files} to what they were before the setup.`);
      if (kept.length > 0) say(`Kept as they are now: ${kept.join('; ')}.`);
      return 0;
    }

    const wanted = await resolveChoices(p, directory);
    // Resuming, an option not given means "as recorded", not "the default".
    const choices = resumable
      ? {
          ...wanted,
          ...(p.apiGiven ? {} : { api: resumable.choices.api }),
          ...(p.connector ? {} : { connector: resumable.choices.connector }),
          ...(p.secretDaysGiven ? {} : { secretDays: resumable.choices.secretDays }),
          ...(wanted.redirectUrl || !resumable.choices.redirectUrl ? {} : { redirectUrl: resumable.choices.redirectUrl }),
        }
      : wanted;
    // --deploy: the setup's own deploy step (as the wizard's) deploys, reads the redirect URL back and registers it.
    if (p.deploy) Object.assign(choices, { deploy: p.environment ? { environment: p.environment } : {} });
    // A first run records its setup identity before anything else: a second run of the same connector started at the
    // same time joins it (same identity, so the same apps) instead of making its own.
    const fresh = resumable ? undefined : createContext({ ...target, choices });
    const claimed = fresh ? await state.claim(fresh) : undefined;
    const ctx: SetupContext = resumable ?? (claimed && sameTarget(claimed, target) ? claimed : (fresh as SetupContext));
    if (resumable) {
      say('Continuing the setup recorded for this connector.');
      const reset = applyChoices(resumable, choices);
      for (const step of reset) say(`Your options changed “${stepById(step).title}”: that step and the ones after it run again (apps this setup created are found again by their unique name, not duplicated).`);
    }
    const secrets = new Map<string, string>();
    // The Power Apps connector API takes a user's token only: a pipeline identity stops here with the supported pattern.
    if (p.deploy) assertDeployableWith(session.kind);
    pp = p.deploy ? await powerPlatformSession(p, say) : undefined;
    const ppClient = pp?.client;
    const objectId = pp?.objectId ?? '';
    let deployed: DeployResult | undefined;
    const deployer = ppClient
      ? setupDeployer({ client: ppClient, objectId: async () => objectId, files: diskConnectorFiles, secret: async (clientId) => secrets.get(clientId), onProgress: say })
      : undefined;
    const result = await runSetup(ctx, {
      directory,
      state,
      files: nodeFiles,
      // --deploy hands the secret to Power Platform (in the create request), so it may be created for that too.
      secrets:
        p.printSecret || p.secretFile || p.deploy
          ? {
              store: async (clientId, value) => {
                if (p.secretFile) await writeFileAtomic(p.secretFile, `${value}\n`, { mode: 0o600 });
                secrets.set(clientId, value);
              },
            }
          : { unavailable: 'No client secret was created: its value would have been lost. Run again with --deploy (it goes to the deployed connector), --print-secret (shown once) or --secret-file <file> (written with mode 0600) to receive it.' },
      ...(deployer
        ? {
            deployer: {
              prepare: (input) => deployer.prepare(input),
              deploy: async (input) => {
                deployed = await deployer.deploy(input);
                // The connection needs only the connector: it is created now, beside the redirect URL's registration
                // and the rest of the setup. Its consent link waits until the setup is done (see below).
                if (p.testConnection && ppClient && !early) {
                  const target = { client: ppClient, environment: deployed.environment, connectorId: deployed.connectorId };
                  early = { target, started: startConnection(target) };
                }
                return deployed;
              },
            },
          }
        : {}),
      onProgress: (step, status) => {
        if (!p.json && status.state !== 'running') say(`${status.state.padEnd(7)} ${step}${status.detail ? `: ${status.detail}` : ''}`);
      },
    });
    const secret = result.ctx.objects.connectorApp ? secrets.get(result.ctx.objects.connectorApp.appId) : undefined;
    const appId = result.ctx.objects.connectorApp?.appId;
    const deployment: DeployAndRegisterResult | undefined = deployed
      ? { ...deployed, ...(appId ? { connectorAppId: appId } : {}), redirectRegistered: !!deployed.redirectUrl && result.ctx.objects.redirectUri === deployed.redirectUrl }
      : undefined;
    const summary = summarize(result.ctx);
    const deploymentJson = deployment
      ? { connectorId: deployment.connectorId, environment: deployment.environment, redirectUrl: deployment.redirectUrl, redirectRegistered: deployment.redirectRegistered, created: deployment.created, secretSent: deployment.secretSent }
      : undefined;
    // The user is sent to sign in only once the setup is done: the redirect URL on the connector app (else AADSTS50011)
    // and the consent granted (else the sign-in asks for a consent the user may not be able to give).
    const finished = result.ok && summary.pending.length === 0 && !!deployment?.redirectRegistered;
    const runTest = async (): Promise<{ json: Record<string, unknown>; result?: TestConnectionResult } | undefined> => {
      if (!p.testConnection) return undefined;
      if (!finished || !early || !pp) {
        const gone = early ? await dropEarlyConnection(early) : undefined;
        early = undefined;
        const failure = { message: `The connection test did not run: the setup did not finish${gone ? `; ${gone.sentence}` : ''}.`, next: 'Fix what the setup reports, then run it again with --test-connection (it continues where it stopped).' };
        return { json: { ok: false, ...(gone ? { connection: gone.connectionName, deleted: gone.deleted } : {}), failure } };
      }
      const { target, started } = early;
      early = undefined;
      const r = await proveConnection(p, pp.client, directory, target, started, say);
      return { json: testResultJson(r, target), result: r };
    };
    if (p.json) {
      const connection = (await runTest())?.json;
      if (p.printSecret && secret && io.env.GITHUB_ACTIONS === 'true') io.stdout.write(`::add-mask::${secret}\n`);
      io.stdout.write(`${JSON.stringify({ ok: result.ok, ...summary, failures: result.failures, ...(deploymentJson ? { deployment: deploymentJson } : {}), ...(connection ? { connection } : {}), ...(p.printSecret && secret ? { clientSecret: secret } : {}) }, null, 2)}\n`);
      return result.ok && (!connection || connection.ok === true) ? 0 : 1;
    }
    for (const f of result.failures) io.stdout.write(`Failed: ${f.step}: ${f.error.message}\nNext: ${f.error.next}\n`);
    if (summary.connectorApp) io.stdout.write(`Connector app (client ID): ${summary.connectorApp.appId}\n`);
    if (summary.resourceUri) io.stdout.write(`Resource URL: ${summary.resourceUri}\n`);
    if (summary.adminConsentUrl) io.stdout.write(`Admin consent needed: ${summary.adminConsentUrl}\n`);
    if (deployment) printDeploy(io, false, deployment);
    for (const item of summary.pending) if (!result.failures.some((f) => f.step === item.step)) io.stdout.write(`Pending ${item.step}: ${item.detail}\n`);
    if (p.printSecret && secret) {
      // GitHub hides a value from the rest of the job's log once it has seen it in an add-mask command.
      if (io.env.GITHUB_ACTIONS === 'true') io.stdout.write(`::add-mask::${secret}\n`);
      io.stdout.write(`Client secret (shown once, store it now): ${secret}\n`);
    }
    if (p.secretFile && secret) io.stdout.write(`Client secret written to ${p.secretFile} (mode 0600).\n`);
    const connection = await runTest();
    if (connection?.result) printTestText(io, connection.result);
    else if (connection) {
      const f = connection.json.failure as { message: string; next: string };
      io.stdout.write(`${f.message}\nNext: ${f.next}\n`);
    }
    return result.ok && (!connection || connection.json.ok === true) ? 0 : 1;
  } catch (error) {
    // A setup stopped by an error never shows the consent link; the connection made for it goes.
    if (early) {
      const gone = await dropEarlyConnection(early);
      early = undefined;
      say(`The connection test did not run: the setup did not finish; ${gone.sentence}.`);
    }
    if (error instanceof UsageError) {
      io.stderr.write(`entra-connector setup: ${error.message}\n`);
      return 2;
    }
    const signIn = signInFailure(error);
    if (signIn) {
      io.stderr.write(`entra-connector setup: ${signIn.message}\nNext: ${signIn.next}\n`);
      return 1;
    }
    if (error instanceof PowerPlatformFailure) return reportFailure(io, 'setup', error);
    const e = asUserFailure(error) ?? toDirectoryError(error);
    io.stderr.write(`entra-connector setup: ${e.message}\nNext: ${e.next}\n`);
    return 1;
  } finally {
    pp?.session.dispose();
  }
}

/** Deletes the connection started for a test that will not run, and says so in a sentence. */
async function dropEarlyConnection(early: { target: ConnectionTarget; started: StartedConnection }): Promise<{ connectionName: string; deleted: boolean; sentence: string }> {
  const gone = await discardConnection(early.target, early.started);
  const name = early.started.connectionName;
  const sentence = gone.deleted
    ? `the connection ${name} created for the test was deleted`
    : gone.created
      ? `the connection ${name} created for the test could not be deleted (${gone.reason ?? 'no answer'}): delete it in the maker portal (Connections)`
      : `no connection was left behind (its creation had failed: ${gone.reason ?? 'no answer'})`;
  return { connectionName: name, deleted: gone.deleted, sentence };
}

/**
 * The connection test of `--test-connection`, from the connection created beside the setup: test-connection's steps
 * (src/powerplatform/testConnection.ts), the consent link on stderr, the browser's return on a loopback page. The
 * directory is the setup's own sign-in: a sign-in that never comes back is checked against the app's redirect URLs
 * without a second device code. An error is the result's failure (the setup's result is still printed).
 */
async function proveConnection(p: Parsed, client: PowerPlatformClient, directory: Directory, target: ConnectionTarget, started: StartedConnection, say: (line: string) => void): Promise<TestConnectionResult> {
  const page = await startReturnPage();
  try {
    const settings = readSettings(await diskConnectorFiles.readText(join(p.dir, SETTINGS_FILE)));
    const swagger = await readTestSwagger(diskConnectorFiles, join(p.dir, settings.apiDefinition));
    return await finishTestConnection(started, {
      ...target,
      swagger,
      returnUrl: page.url,
      returned: page.returned,
      openConsent: (link) => say(`Sign in to the connection: open ${link}`),
      diagnose: () => redirectMismatch(client, target.environment, target.connectorId, (appId, url) => isRedirectRegistered(directory, appId, url)),
      timeoutMs: p.timeoutMs,
      onProgress: say,
    });
  } catch (error) {
    const e = asUserFailure(error) ?? toDirectoryError(error);
    return { ok: false, connectionName: started.connectionName, failure: { message: e.message, next: e.next } };
  } finally {
    page.close();
  }
}

/** The options as the wizard's answers (one answer shape), then the engine's choices through the same step table. */
async function resolveChoices(p: Parsed, directory: Directory) {
  const folder = p.dir.split(/[\\/]/).pop() ?? 'Connector';
  let api: ApiAnswer;
  let graphResource = 'https://graph.microsoft.com';
  if (p.api.kind === 'new') {
    api = {
      kind: 'new',
      displayName: p.api.name ?? `${folder} API`,
      identifierUri: p.api.identifierUri,
      ...(p.api.customUri ? { customUri: p.api.customUri } : {}),
      scope: p.scopes?.[0] ?? DEFAULT_SCOPE,
      audience: p.api.multi ? 'multi' : 'single',
    };
  } else {
    const q = p.api.query.replace(/\/+$/, '');
    if (GRAPH_URIS.has(q.toLowerCase()) || q.toLowerCase() === MICROSOFT_GRAPH_APP_ID) {
      if (!p.scopes?.length) throw new UsageError('With Microsoft Graph, name its delegated scopes with --scope (e.g. --scope "User.Read").');
      if (GRAPH_URIS.has(q.toLowerCase())) graphResource = q;
      api = { kind: 'microsoft', scopes: p.scopes };
    } else {
      const found = await directory.findApplications(q);
      if (found.length !== 1) {
        fail(
          found.length === 0 ? 'ApiAppNotFound' : 'ApiAppAmbiguous',
          found.length === 0 ? `No app matching "${q}" is registered in this tenant.` : `${found.length} apps match "${q}".`,
          'Pass the API app’s appId or its exact Application ID URI to --existing-api.',
        );
      }
      api = { kind: 'existing', appId: (found[0] as { appId: string }).appId, ...(p.scopes?.[0] ? { scope: p.scopes[0] } : {}) };
    }
  }
  // Steps without a CLI option take the wizard's default (the site: secured with `secure-service` instead).
  const answers: Answers = {
    ...defaultAnswers({ connectorName: folder }),
    api,
    connector: p.connector ? { kind: 'existing', appId: p.connector } : { kind: 'new', displayName: `${folder} connector` },
    consent: { consent: p.consent, obo: p.obo },
    secret: { secretDays: p.secretDays },
    redirect: { redirectUrl: p.redirectUrl ?? '' },
  };
  return choicesFromAnswers(answers, graphResource);
}

export const setupCommand: CliCommand = {
  name: 'setup',
  summary: 'register the API and connector apps, grant consent, add a secret, write apiProperties.json',
  run: runSetupCommand,
};
