/**
 * `entra-connector deploy <dir>` and `entra-connector test-connection <dir>`: the connector folder to Power Platform
 * (paconn's create/update over the Power Apps REST API), its redirect URL read back and registered on the connector
 * app, and a real connection proving a user's sign-in reaches the API. Power Platform is signed in to through the
 * Azure CLI public client (as paconn does), the directory through the Graph client; both by device code on stderr.
 * The client secret is only ever in this process's memory.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asAuthFailure } from '../auth/errors';
import { powerPlatformOf } from '../cloud/clouds';
import { createGraphClient } from '../graph/client';
import { toDirectoryError } from '../graph/errors';
import { Directory } from '../graph/operations';
import { AZURE_CLI_CLIENT_ID, PowerPlatformClient, PowerPlatformFailure } from '../powerplatform/client';
import { deployConnector, objectIdOf, oauthSettingsOf, type ConnectorFiles, type DeployResult } from '../powerplatform/deploy';
import { isRedirectRegistered, registerDeployedRedirect } from '../powerplatform/redirect';
import { startReturnPage } from '../powerplatform/returnPage';
import { readSettings, SETTINGS_FILE } from '../powerplatform/settings';
import { readTestSwagger, testConnection, type TestConnectionResult } from '../powerplatform/testConnection';
import type { CliCommand, CliIo } from './command';
import { asUsage, parseConnectorArgs, UsageError } from './args';
import { deviceCodeSignIn, parseSignInOptions, SIGN_IN_OPTIONS, SIGN_IN_USAGE, type CliSession, type SignInOptions } from './session';
import { addSecret } from '../registrations/actions';

const GRAPH_SCOPES = ['User.Read', 'Application.ReadWrite.All'];

/** The connector's files on disk; settings.json is replaced atomically (written next to it, then renamed). */
export const diskConnectorFiles: ConnectorFiles = {
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async readBytes(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async writeText(path, text) {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  },
};

/** Power Platform sign-in for a CLI run: the Azure CLI client, Power Apps scope first (API Hub asked for later). */
export async function powerPlatformSession(options: SignInOptions, say: (line: string) => void): Promise<{ session: CliSession; client: PowerPlatformClient; objectId: string }> {
  const pp = powerPlatformOf(options.cloud);
  say('Power Platform sign-in (Azure CLI client, as paconn):');
  const session = await deviceCodeSignIn({ ...options, clientId: AZURE_CLI_CLIENT_ID }, [pp.powerAppsScope], say);
  const powerAppsToken = () => session.getAccessToken([pp.powerAppsScope]);
  const client = new PowerPlatformClient({
    powerAppsEndpoint: pp.powerAppsEndpoint,
    flowEndpoint: pp.flowEndpoint,
    powerAppsToken,
    ...(pp.apiHubScope ? { apiHubToken: () => session.getAccessToken([pp.apiHubScope!]) } : {}),
  });
  return { session, client, objectId: objectIdOf(await powerAppsToken()) };
}

export interface DeployAndRegisterResult extends DeployResult {
  readonly connectorAppId?: string;
  readonly redirectRegistered: boolean;
  readonly redirectRemoved?: string;
}

/** Deploys, then registers the redirect URL read back on the connector app (merge; a legacy URL removed only after). */
export async function deployAndRegister(o: {
  dir: string;
  client: PowerPlatformClient;
  objectId: string;
  directory: Directory;
  environment?: string;
  connectorId?: string;
  secret?: string;
  say: (line: string) => void;
}): Promise<DeployAndRegisterResult> {
  const settings = readSettings(await diskConnectorFiles.readText(join(o.dir, SETTINGS_FILE)));
  const propsText = await diskConnectorFiles.readText(join(o.dir, settings.apiProperties));
  let appId: unknown;
  try {
    appId = propsText ? oauthSettingsOf((JSON.parse(propsText.replace(/^\uFEFF/, '')) as { properties?: Record<string, unknown> }).properties ?? {})?.clientId : undefined;
  } catch {
    // The deployment says what is wrong with the file.
  }
  // The connector app is read for the redirect URL's read-merge-write while the connector is deployed.
  const read = typeof appId === 'string' ? o.directory.getApplicationByAppId(appId) : undefined;
  read?.catch(() => undefined);
  const result = await deployConnector({ dir: o.dir, files: diskConnectorFiles, client: o.client, objectId: o.objectId, ...(o.environment ? { environment: o.environment } : {}), ...(o.connectorId ? { connectorId: o.connectorId } : {}), ...(o.secret ? { secret: o.secret } : {}), onProgress: o.say });
  if (!result.redirectUrl || typeof appId !== 'string') return { ...result, redirectRegistered: false };
  const reg = (await registerDeployedRedirect(o.directory, appId, result, read))!;
  o.say(reg.added ? `Registered the redirect URL ${result.redirectUrl} on the connector app.` : `The redirect URL ${result.redirectUrl} is registered on the connector app.`);
  if (reg.removed) o.say(`Removed the shared legacy redirect URL ${reg.removed} (the connector now uses its own).`);
  return { ...result, connectorAppId: appId, redirectRegistered: true, ...(reg.removed ? { redirectRemoved: reg.removed } : {}) };
}

function usageFor(name: 'deploy' | 'test-connection'): string {
  return name === 'deploy'
    ? `Usage: entra-connector deploy <connector-dir> [options]

Creates or updates the custom connector in Power Platform from the folder (apiProperties.json, the swagger, icon.png),
remembers it in paconn's settings.json (connectorId, environment, file names; no secret), reads back the connector's
redirect URL and registers it on the connector app.

  --environment <name>           environment name or display name (default: settings.json's, else the default one)
  --connector-id <id>            update this connector (default: settings.json's)
  --new-secret                   add a new client secret to the connector app and deploy it (needed to create the
                                 connector outside "setup --deploy"; never printed or written)
  --json                         print the result as JSON
Sign-in:
${SIGN_IN_USAGE}Exit codes: 0 deployed, 1 failed (the message says what to do next), 2 bad usage.
`
    : `Usage: entra-connector test-connection <connector-dir> [options]

Creates a connection to the deployed connector for you, prints its sign-in link on stderr and waits until you signed
in, then calls one of the swagger's GET operations through the connector and prints the status and the first bytes.

  --timeout <seconds>            how long to wait for the sign-in (default 300)
  --json                         print the result as JSON
Sign-in:
${SIGN_IN_USAGE}Exit codes: 0 the call through the connector succeeded, 1 it failed (explained), 2 bad usage.
`;
}


function parse(name: 'deploy' | 'test-connection', argv: readonly string[]) {
  const { values, dir: given } = parseConnectorArgs(argv, {
    ...SIGN_IN_OPTIONS,
    environment: { type: 'string' },
    'connector-id': { type: 'string' },
    'new-secret': { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (name === 'test-connection' && (values.environment || values['connector-id'] || values['new-secret'])) throw new UsageError('test-connection uses the deployment in settings.json; deploy first.');
  const timeout = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > 3600) throw new UsageError('--timeout must be between 1 and 3600 seconds.');
  const signIn: SignInOptions = asUsage(() => parseSignInOptions(values));
  asUsage(() => powerPlatformOf(signIn.cloud));
  return {
    dir: resolve(given),
    signIn,
    ...(values.environment ? { environment: values.environment } : {}),
    ...(values['connector-id'] ? { connectorId: values['connector-id'] } : {}),
    newSecret: !!values['new-secret'],
    json: !!values.json,
    timeoutMs: timeout * 1000,
  };
}

/** Errors of these commands as the two lines every command prints: the cause, then the next step. */
export function reportFailure(io: CliIo, command: string, error: unknown): number {
  const auth = asAuthFailure(error);
  if (auth) {
    io.stderr.write(`entra-connector ${command}: ${auth.message}\nNext: ${auth.next}\n`);
    return 1;
  }
  if (error instanceof PowerPlatformFailure) {
    io.stderr.write(`entra-connector ${command}: ${error.message}\nNext: ${error.next}\n`);
    return 1;
  }
  const own = error as { message?: string; next?: string };
  const e = own.next ? { message: own.message ?? '', next: own.next } : toDirectoryError(error);
  io.stderr.write(`entra-connector ${command}: ${e.message}\nNext: ${e.next}\n`);
  return 1;
}

async function graphDirectory(signIn: SignInOptions, say: (line: string) => void): Promise<{ directory: Directory; session: CliSession }> {
  say('Directory sign-in (to register the redirect URL):');
  const session = await deviceCodeSignIn(signIn, GRAPH_SCOPES, say);
  return { directory: new Directory(createGraphClient({ graphEndpoint: signIn.cloud.graphEndpoint, getAccessToken: session.getAccessToken })), session };
}

export async function runDeployCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let p;
  try {
    p = parse('deploy', argv);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) io.stderr.write(`entra-connector deploy: ${error.message}\n\n`);
      (error.message ? io.stderr : io.stdout).write(usageFor('deploy'));
      return error.message ? 2 : 0;
    }
    throw error;
  }
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  const sessions: CliSession[] = [];
  try {
    const graph = await graphDirectory(p.signIn, say);
    sessions.push(graph.session);
    let secret: string | undefined;
    if (p.newSecret) secret = await addConnectorSecret(graph.directory, p.dir, say);
    const pp = await powerPlatformSession(p.signIn, say);
    sessions.push(pp.session);
    const result = await deployAndRegister({ dir: p.dir, client: pp.client, objectId: pp.objectId, directory: graph.directory, ...(p.environment ? { environment: p.environment } : {}), ...(p.connectorId ? { connectorId: p.connectorId } : {}), ...(secret ? { secret } : {}), say });
    printDeploy(io, p.json, result);
    return 0;
  } catch (error) {
    return reportFailure(io, 'deploy', error);
  } finally {
    for (const s of sessions) s.dispose();
  }
}

/** `--new-secret`: a new client secret on the connector app named in apiProperties.json, for this run's memory only. */
async function addConnectorSecret(directory: Directory, dir: string, say: (line: string) => void): Promise<string> {
  const settings = readSettings(await diskConnectorFiles.readText(join(dir, SETTINGS_FILE)));
  const text = await diskConnectorFiles.readText(join(dir, settings.apiProperties));
  const appId = text ? oauthSettingsOf(((JSON.parse(text.replace(/^\uFEFF/, '')) as { properties?: Record<string, unknown> }).properties) ?? {})?.clientId : undefined;
  if (typeof appId !== 'string') throw new PowerPlatformFailure('NoConnectorApp', 0, `${settings.apiProperties} names no connector app (clientId).`, 'Run "entra-connector setup" first.');
  const app = await directory.getApplicationByAppId(appId);
  if (!app) throw new PowerPlatformFailure('NoConnectorApp', 0, `The connector app ${appId} is not in this tenant.`, 'Run "entra-connector setup" to register it.');
  // Named like every secret this tool adds, so that a later rotation knows it may replace it.
  const created = await addSecret(directory, app.id, 180, { label: `Entra Connector deploy ${new Date().toISOString().slice(0, 10)}` });
  say(`Added a client secret (ends ${created.endDateTime.slice(0, 10)}) to the connector app; it goes to Power Platform only.`);
  return created.secretText;
}

export function printDeploy(io: CliIo, json: boolean, r: DeployAndRegisterResult): void {
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok: true, connectorId: r.connectorId, environment: r.environment, environmentDisplayName: r.environmentDisplayName, created: r.created, redirectUrl: r.redirectUrl, redirectRegistered: r.redirectRegistered, ...(r.redirectRemoved ? { redirectRemoved: r.redirectRemoved } : {}), secretSent: r.secretSent, changedTime: r.changedTime, warnings: r.warnings }, null, 2)}\n`);
    return;
  }
  io.stdout.write(`${r.created ? 'Created' : 'Updated'} connector ${r.connectorId} in ${r.environmentDisplayName ?? r.environment}.\n`);
  if (r.redirectUrl) io.stdout.write(`Redirect URL: ${r.redirectUrl} (${r.redirectRegistered ? 'registered on the connector app' : 'NOT registered'})\n`);
  for (const w of r.warnings) io.stdout.write(`Warning: ${w}\n`);
}

export async function runTestConnectionCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let p;
  try {
    p = parse('test-connection', argv);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) io.stderr.write(`entra-connector test-connection: ${error.message}\n\n`);
      (error.message ? io.stderr : io.stdout).write(usageFor('test-connection'));
      return error.message ? 2 : 0;
    }
    throw error;
  }
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  const settings = readSettings(await diskConnectorFiles.readText(join(p.dir, SETTINGS_FILE)));
  if (!settings.connectorId || !settings.environment) {
    io.stderr.write(`entra-connector test-connection: ${p.dir} has no deployment recorded (settings.json has no connectorId).\nNext: Deploy it first: entra-connector deploy "${p.dir}".\n`);
    return 1;
  }
  let pp: Awaited<ReturnType<typeof powerPlatformSession>> | undefined;
  const page = await startReturnPage();
  try {
    pp = await powerPlatformSession(p.signIn, say);
    const swagger = await readTestSwagger(diskConnectorFiles, join(p.dir, settings.apiDefinition));
    const result = await testConnection({
      client: pp.client,
      environment: settings.environment,
      connectorId: settings.connectorId,
      swagger,
      returnUrl: page.url,
      returned: page.returned,
      openConsent: (link) => say(`Sign in to the connection: open ${link}`),
      diagnose: () => diagnoseRedirect(p.signIn, pp!.client, settings.environment!, settings.connectorId!, say),
      timeoutMs: p.timeoutMs,
      onProgress: say,
    });
    printTest(io, p.json, result, settings);
    return result.ok ? 0 : 1;
  } catch (error) {
    return reportFailure(io, 'test-connection', error);
  } finally {
    page.close();
    pp?.session.dispose();
  }
}

/**
 * When the sign-in never comes back, the usual cause is the one the sign-in page shows as AADSTS50011: the
 * connector's redirect URL is not registered on its app. Checked read-only, after a directory sign-in.
 */
async function diagnoseRedirect(signIn: SignInOptions, client: PowerPlatformClient, environment: string, connectorId: string, say: (line: string) => void): Promise<string | undefined> {
  return redirectMismatch(client, environment, connectorId, async (appId, url) => {
    say('The sign-in did not come back. To check the connector app’s redirect URLs, sign in to the directory:');
    const session = await deviceCodeSignIn(signIn, GRAPH_SCOPES, say);
    try {
      return await isRedirectRegistered(new Directory(createGraphClient({ graphEndpoint: signIn.cloud.graphEndpoint, getAccessToken: session.getAccessToken })), appId, url);
    } finally {
      session.dispose();
    }
  });
}

/**
 * The AADSTS50011 message the sign-in page shows when the deployed connector's redirect URL is not on its app, or
 * undefined (registered, or it could not be checked). `registered` reads the app (read-only).
 */
export async function redirectMismatch(client: PowerPlatformClient, environment: string, connectorId: string, registered: (appId: string, url: string) => Promise<boolean>): Promise<string | undefined> {
  const connector = await client.getConnector(environment, connectorId).catch(() => undefined);
  const url = connector?.properties.connectionParameters?.token?.oAuthSettings?.redirectUrl;
  const appId = connector?.properties.connectionParameters?.token?.oAuthSettings?.clientId;
  if (!url || !appId) return undefined;
  try {
    if (await registered(appId, url)) return undefined;
  } catch {
    return undefined;
  }
  return `AADSTS50011: The redirect URI '${url}' specified in the request does not match the redirect URIs configured for the application '${appId}'.`;
}

/** test-connection's JSON (also `setup --test-connection`'s `connection` object). */
export function testResultJson(r: TestConnectionResult, deployment: { connectorId?: string; environment?: string }): Record<string, unknown> {
  return {
    ok: r.ok,
    connectorId: deployment.connectorId,
    environment: deployment.environment,
    connection: r.connectionName,
    operation: r.operation,
    status: r.status,
    firstBytes: r.firstBytes,
    ...(r.failure ? { failure: { message: r.failure.message, next: r.failure.next, ...(r.failure.explanation ? { code: r.failure.explanation.code, title: r.failure.explanation.title, cause: r.failure.explanation.cause } : {}) } } : {}),
  };
}

/** test-connection's text: the GET's status and first bytes, or the failure, its explanation and the next step. */
export function printTestText(io: CliIo, r: TestConnectionResult): void {
  if (r.ok) {
    io.stdout.write(`Connection works: GET ${r.operation?.path} through the connector → ${r.status}\n${r.firstBytes ?? ''}\n`);
    return;
  }
  io.stdout.write(`Connection test failed: ${r.failure?.message}\n`);
  if (r.failure?.explanation?.known) io.stdout.write(`${r.failure.explanation.title}: ${r.failure.explanation.cause}\n`);
  io.stdout.write(`Next: ${r.failure?.next}\n`);
}

function printTest(io: CliIo, json: boolean, r: TestConnectionResult, settings: { connectorId?: string; environment?: string }): void {
  if (json) io.stdout.write(`${JSON.stringify(testResultJson(r, settings), null, 2)}\n`);
  else printTestText(io, r);
}

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'create or update the connector in Power Platform and register its redirect URL',
  run: runDeployCommand,
};

export const testConnectionCommand: CliCommand = {
  name: 'test-connection',
  summary: 'sign in to a new connection and call the API through the deployed connector',
  run: runTestConnectionCommand,
};
