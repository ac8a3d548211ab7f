/**
 * Deploying a connector folder to Power Platform the way paconn does (README.md): pick the environment (the one
 * remembered in settings.json, else the default), validate the swagger, upload the icon, create or update the
 * connector, remember it in settings.json, and read back its redirect URL. The client secret goes into the request
 * body only: it comes from the caller's memory (SecretStorage / the CLI run) and is never written, logged or returned.
 */
import { join } from 'node:path';
import { PowerPlatformFailure, type ConnectorResource, type Environment, type PowerPlatformClient } from './client';
import { readSettings, SETTINGS_FILE, writeSettings } from './settings';

/** How the deployment reads and writes the connector's files (VS Code: workspace.fs + WorkspaceEdit; CLI: the disk). */
export interface ConnectorFiles {
  readText(path: string): Promise<string | undefined>;
  readBytes(path: string): Promise<Uint8Array | undefined>;
  writeText(path: string, text: string): Promise<void>;
}

export interface DeployInput {
  readonly dir: string;
  readonly files: ConnectorFiles;
  readonly client: PowerPlatformClient;
  /** The signed-in user's object ID (validateApiSwagger and the icon storage are per user). */
  readonly objectId: string;
  /** An environment name; default: settings.json's, else the default environment. */
  readonly environment?: string;
  /** Update this connector; default: settings.json's, else one already deployed from this folder, else create. */
  readonly connectorId?: string;
  /** The connector app's client secret, in memory only. Required to create; an update without it keeps the deployed one. */
  readonly secret?: string;
  readonly onProgress?: (line: string) => void;
}

export interface DeployResult {
  readonly connectorId: string;
  readonly environment: string;
  readonly environmentDisplayName?: string;
  readonly created: boolean;
  /** The connector's redirect URL, read back from Power Platform (never computed). */
  readonly redirectUrl?: string;
  /** The redirect URL before this update, when it changed (e.g. shared legacy URL → per-connector URL). */
  readonly previousRedirectUrl?: string;
  readonly runtimeUrl?: string;
  readonly changedTime?: string;
  readonly secretSent: boolean;
  readonly warnings: readonly string[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function parseJson(text: string, file: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new PowerPlatformFailure('InvalidFile', 0, `${file} is not valid JSON (paconn and Power Platform read it with a plain JSON parser).`, `Fix ${file} (the Problems view shows where), then deploy again.`);
  }
  if (!isObject(value)) throw new PowerPlatformFailure('InvalidFile', 0, `${file} is not a JSON object.`, `Fix ${file}, then deploy again.`);
  return value;
}

export function oauthSettingsOf(props: Json): Json | undefined {
  const cp = isObject(props.connectionParameters) ? props.connectionParameters : undefined;
  const token = cp && isObject(cp.token) ? cp.token : undefined;
  return token && isObject(token.oAuthSettings) ? token.oAuthSettings : undefined;
}

/** The redirect URL Power Platform reports for a deployed connector. */
export function redirectUrlOf(connector: ConnectorResource | undefined): string | undefined {
  const url = connector?.properties.connectionParameters?.token?.oAuthSettings?.redirectUrl;
  return typeof url === 'string' && url ? url : undefined;
}

/** The request body paconn sends: the whole apiProperties.json object, completed from the swagger, with the secret only here. */
export function connectorBody(apiProperties: Json, swagger: Json, o: { environment: string; create: boolean; iconUri?: string; scriptUri?: string; secret?: string }): Json {
  const body = structuredClone(apiProperties);
  const props: Json = isObject(body.properties) ? body.properties : (body.properties = {});
  props.openApiDefinition = swagger;
  const schemes = Array.isArray(swagger.schemes) && typeof swagger.schemes[0] === 'string' ? swagger.schemes[0] : 'https';
  props.backendService = { serviceUrl: `${schemes}://${String(swagger.host ?? '')}${typeof swagger.basePath === 'string' ? swagger.basePath : ''}` };
  props.environment = { name: o.environment };
  const info = isObject(swagger.info) ? swagger.info : {};
  if (typeof info.description === 'string') props.description = info.description;
  if (o.create && typeof info.title === 'string') props.displayName = info.title;
  if (o.iconUri) props.iconUri = o.iconUri;
  if (o.scriptUri) props.scriptDefinitionUrl = o.scriptUri;
  if (o.secret) {
    const oauth = oauthSettingsOf(props);
    if (oauth) oauth.clientSecret = o.secret;
    const sets = isObject(props.connectionParameterSets) ? props.connectionParameterSets : undefined;
    for (const set of Array.isArray(sets?.values) ? sets.values : []) {
      const token = isObject(set) && isObject(set.parameters) && isObject(set.parameters.token) ? set.parameters.token : undefined;
      if (token && isObject(token.oAuthSettings)) token.oAuthSettings.clientSecret = o.secret;
    }
  }
  return body;
}

async function chooseEnvironment(client: PowerPlatformClient, wanted: string | undefined): Promise<Environment> {
  const all = await client.listEnvironments();
  if (all.length === 0) throw new PowerPlatformFailure('NoEnvironment', 0, 'You have no Power Platform environment to deploy to.', 'Ask an administrator for the Environment Maker role in an environment.');
  if (!wanted) return all[0]!;
  const found = all.find((e) => e.name.toLowerCase() === wanted.toLowerCase() || e.displayName.toLowerCase() === wanted.toLowerCase());
  if (!found) {
    throw new PowerPlatformFailure('EnvironmentNotAvailable', 403, `The environment "${wanted}" is not one you can deploy to. Yours: ${all.map((e) => `${e.displayName} (${e.name})`).join(', ')}.`, 'Pick one of your environments, or ask its administrator for the Environment Maker role.');
  }
  return found;
}

type Validation = { errors: string[]; warnings: string[] };

/** A promise whose rejection is handled where it is awaited, not reported as unhandled while it waits for that. */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * The requests of a deployment that need nothing from the connector's apps: the environment, the swagger's
 * validation, the connector deployed before (by its recorded ID, else the environment's list), the icon's upload.
 * Started at once (the guided setup starts them beside its directory work), awaited by {@link deployConnector} when
 * it needs them; a failure surfaces there, with its cause. One deployment uses them; a retried one looks up again.
 */
export interface DeployLookups {
  readonly dir: string;
  /** settings.json as it was read: a deployment that finds it changed since looks up again. */
  readonly settingsText: Promise<string | undefined>;
  readonly environment: string | undefined;
  readonly connectorId: string | undefined;
  readonly env: Promise<Environment>;
  /** The recorded connector (by ID; undefined: it is gone) or, without one, the environment's connectors. */
  readonly deployed: Promise<{ readonly byId: string; readonly connector: ConnectorResource | undefined } | { readonly list: readonly ConnectorResource[] }>;
  readonly uploads: Promise<{ iconUri?: string; scriptUri?: string; icon: boolean; script: boolean }>;
  /** Power Platform's verdict on this swagger text (each text validated once). */
  validate(text: string, swagger: Json): Promise<Validation>;
}

export function startDeployLookups(input: Pick<DeployInput, 'dir' | 'files' | 'client' | 'objectId' | 'environment' | 'connectorId'> & {
  /** The swagger as it will be deployed (the setup knows what it writes into it); default: as it is now. */
  readonly swaggerText?: string;
}): DeployLookups {
  const settingsText = later(input.files.readText(join(input.dir, SETTINGS_FILE)));
  const settings = later(settingsText.then(readSettings));
  const env = later(settings.then((s) => chooseEnvironment(input.client, input.environment ?? s.environment)));
  const deployed = later(
    Promise.all([settings, env]).then(async ([s, e]) => {
      // The environment named by the caller wins; a connector remembered in another environment is not reused there.
      const byId = input.connectorId ?? (s.environment && s.environment.toLowerCase() !== e.name.toLowerCase() ? undefined : s.connectorId);
      return byId ? { byId, connector: await input.client.getConnector(e.name, byId) } : { list: await input.client.listConnectors(e.name) };
    }),
  );
  const uploads = later(
    settings.then(async (s) => {
      const [icon, script] = await Promise.all([input.files.readBytes(join(input.dir, s.icon)), input.files.readBytes(join(input.dir, s.script))]);
      if (!icon && !script) return { icon: false, script: false };
      const sas = await input.client.generateResourceStorage(input.objectId, (await env).name);
      const [iconUri, scriptUri] = await Promise.all([
        icon ? input.client.uploadBlob(sas, s.icon, icon, s.icon.toLowerCase().endsWith('.png') ? 'image/png' : 'application/octet-stream') : undefined,
        script ? input.client.uploadBlob(sas, s.script, script, 'text/plain') : undefined,
      ]);
      return { icon: !!icon, script: !!script, ...(iconUri ? { iconUri } : {}), ...(scriptUri ? { scriptUri } : {}) };
    }),
  );
  const validations = new Map<string, Promise<Validation>>();
  const validate = (text: string, swagger: Json): Promise<Validation> => {
    let v = validations.get(text);
    if (!v) validations.set(text, (v = later(input.client.validateSwagger(input.objectId, swagger))));
    return v;
  };
  // The swagger's validation needs nothing but the swagger: it starts now too.
  const swaggerNow = input.swaggerText !== undefined ? Promise.resolve(input.swaggerText) : settings.then((s) => input.files.readText(join(input.dir, s.apiDefinition)));
  void swaggerNow
    .then((text) => {
      if (text === undefined) return;
      const swagger = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
      if (isObject(swagger)) void validate(text, swagger);
    })
    .catch(() => undefined);
  return { dir: input.dir, settingsText, environment: input.environment, connectorId: input.connectorId, env, deployed, uploads, validate };
}

export async function deployConnector(input: DeployInput & { readonly lookups?: DeployLookups }): Promise<DeployResult> {
  const say = input.onProgress ?? (() => undefined);
  const settingsPath = join(input.dir, SETTINGS_FILE);
  const settingsText = await input.files.readText(settingsPath);
  const settings = readSettings(settingsText);
  const propsText = await input.files.readText(join(input.dir, settings.apiProperties));
  if (propsText === undefined) throw new PowerPlatformFailure('MissingFile', 0, `${settings.apiProperties} is missing in ${input.dir}.`, 'Run the guided setup (or `entra-connector setup`) first: it writes apiProperties.json.');
  const swaggerText = await input.files.readText(join(input.dir, settings.apiDefinition));
  if (swaggerText === undefined) throw new PowerPlatformFailure('MissingFile', 0, `${settings.apiDefinition} is missing in ${input.dir}.`, 'Add the API definition (OpenAPI 2.0) next to apiProperties.json.');
  const apiProperties = parseJson(propsText, settings.apiProperties);
  const swagger = parseJson(swaggerText, settings.apiDefinition);

  // Lookups started earlier are used when they were made for this very deployment (same folder, same target, same
  // settings.json); otherwise they start now, side by side.
  const early = input.lookups;
  const reuse = !!early && early.dir === input.dir && early.environment === input.environment && early.connectorId === input.connectorId && (await early.settingsText.catch(() => null)) === settingsText;
  const lookups = reuse ? early : startDeployLookups({ ...input, swaggerText });
  const env = await lookups.env;
  say(`Environment: ${env.displayName} (${env.name})`);

  const validation = await lookups.validate(swaggerText, swagger);
  if (validation.errors.length > 0) {
    throw new PowerPlatformFailure('InvalidSwagger', 400, `Power Platform refuses ${settings.apiDefinition}: ${validation.errors.join(' ')}`, `Fix ${settings.apiDefinition}, then deploy again.`);
  }
  say('Swagger validated.');

  const props = isObject(apiProperties.properties) ? apiProperties.properties : {};
  const clientId = oauthSettingsOf(props)?.clientId;
  const title = isObject(swagger.info) && typeof swagger.info.title === 'string' ? swagger.info.title : undefined;
  const found = await lookups.deployed;
  let connectorId: string | undefined;
  let existing: ConnectorResource | undefined;
  if ('byId' in found) {
    connectorId = found.byId;
    existing = found.connector;
    if (!existing) {
      throw new PowerPlatformFailure('ConnectorNotFound', 404, `The connector ${connectorId} is not in environment ${env.displayName}.`, 'Deploy without --connector-id to create it, or remove connectorId from settings.json if it was deleted.');
    }
  } else {
    // A create is never retried blindly: one deployed before from this folder (same title, same client ID) is updated.
    existing = found.list.find((c) => c.properties.displayName === title && c.properties.connectionParameters?.token?.oAuthSettings?.clientId === clientId);
    connectorId = existing?.name;
  }
  const create = !existing;
  if (create && oauthSettingsOf(props) && !input.secret) {
    throw new PowerPlatformFailure('SecretRequired', 0, 'Creating the connector needs the connector app’s client secret, and none is at hand (it is kept in memory or the editor’s secret storage only, never in a file).', 'Add a new client secret (guided setup or `entra-connector setup`), then deploy in the same run.');
  }

  const warnings = validation.warnings.map((w) => `Swagger: ${w}`);
  const { iconUri, scriptUri, icon, script } = await lookups.uploads;
  if (iconUri) say('Icon uploaded.');

  const body = connectorBody(apiProperties, swagger, { environment: env.name, create, ...(iconUri ? { iconUri } : {}), ...(scriptUri ? { scriptUri } : {}), ...(input.secret ? { secret: input.secret } : {}) });
  const previousRedirectUrl = redirectUrlOf(existing);
  let saved: ConnectorResource;
  if (create) {
    saved = await input.client.createConnector(env.name, body);
    say(`Created connector ${saved.name}.`);
  } else {
    saved = await input.client.updateConnector(env.name, connectorId!, body);
    say(`Updated connector ${connectorId}${input.secret ? ' with the new client secret' : ' (the deployed client secret is kept)'}.`);
  }
  const id = saved.name ?? connectorId!;
  // Remembered right away: a second run finds this connector even if what follows fails.
  await input.files.writeText(settingsPath, writeSettings(settingsText, {
    connectorId: id,
    environment: env.name,
    apiProperties: settings.apiProperties,
    apiDefinition: settings.apiDefinition,
    ...(icon ? { icon: settings.icon } : {}),
    ...(script ? { script: settings.script } : {}),
  }));
  // The platform fills in the redirect URL when it saves the connector and answers with the saved connector: the URL
  // is taken from that answer (never computed), or read back when the answer lacks it — or when the body sent one
  // itself (a `redirectUrl` left in apiProperties.json), which an answer might only echo.
  const sentRedirect = oauthSettingsOf(isObject(body.properties) ? body.properties : {})?.redirectUrl;
  const readBack = redirectUrlOf(saved) && sentRedirect === undefined ? saved : ((await input.client.getConnector(env.name, id)) ?? saved);
  const redirectUrl = redirectUrlOf(readBack);
  return {
    connectorId: id,
    environment: env.name,
    environmentDisplayName: env.displayName,
    created: create,
    ...(redirectUrl ? { redirectUrl } : {}),
    ...(previousRedirectUrl && previousRedirectUrl !== redirectUrl ? { previousRedirectUrl } : {}),
    ...(typeof readBack.properties.primaryRuntimeUrl === 'string' ? { runtimeUrl: readBack.properties.primaryRuntimeUrl } : {}),
    ...(typeof readBack.properties.changedTime === 'string' ? { changedTime: readBack.properties.changedTime } : {}),
    secretSent: !!input.secret,
    warnings,
  };
}

/**
 * Updates a deployed connector with a new client secret and nothing else changed in what it was deployed from
 * (for the rotation engine: add a secret, `updateDeployedSecret`, verify, then remove the old secret).
 */
export async function updateDeployedSecret(input: Omit<DeployInput, 'secret' | 'environment' | 'connectorId'> & { secret: string }): Promise<DeployResult> {
  const settings = readSettings(await input.files.readText(join(input.dir, SETTINGS_FILE)));
  if (!settings.connectorId || !settings.environment) {
    throw new PowerPlatformFailure('NotDeployed', 0, `The connector in ${input.dir} has not been deployed from here (no connectorId in settings.json).`, 'Deploy it first (Deploy Connector to Power Platform / entra-connector deploy).');
  }
  return deployConnector({ ...input, environment: settings.environment, connectorId: settings.connectorId });
}

/** The signed-in user's object ID, read from their Power Apps token (as paconn does). */
export function objectIdOf(accessToken: string): string {
  try {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown };
    if (typeof claims.oid === 'string' && claims.oid) return claims.oid;
  } catch {
    // fall through
  }
  throw new PowerPlatformFailure('NoObjectId', 0, 'The Power Platform sign-in did not say who you are (no object ID in the token).', 'Sign in with a work account of the tenant, then retry.');
}
