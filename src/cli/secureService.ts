/**
 * `entra-connector secure-service <connector-dir> --site <resourceId|url>`: App Service / Functions authentication
 * (Easy Auth v2 with the API app, unauthenticated → 401) and CORS for Power Platform, through Azure Resource
 * Manager. Signs in by device code (code and URL on stderr) or, in a pipeline, as a workload identity (`--auth`;
 * app-only: an Azure RBAC role that allows Microsoft.Web/sites/config/write on the site, and Microsoft Graph
 * Application.Read.All to read the API app), prints the change field by field, applies it.
 */
import { readFile } from 'node:fs/promises';
import { keepLineEndings, writeFileAtomic } from '../setup/atomicWrite';
import { switchesProvider } from '../service/setupStep';
import { join, resolve } from 'node:path';
import { asUserFailure } from '../errors';
import type { Cloud } from '../cloud/clouds';
import { createGraphClient } from '../graph/client';
import { Directory } from '../graph/operations';
import { connectorClientId, connectorResource, isApiAppUnknown, resolveApiTarget, swaggerHost } from '../service/apiTarget';
import { ArmClient, armScope } from '../service/arm';
import { addOriginPolicy } from '../service/connectorPolicy';
import { isValidOrigin, POWER_PLATFORM_ORIGINS, TEST_CONSOLE_ORIGINS } from '../service/cors';
import { toArmError } from '../service/errors';
import { addLocalCorsOrigins } from '../service/localSettings';
import { applySecureService, describePlan, hasChanges, planSecureService } from '../service/secure';
import { resolveSite } from '../service/sites';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';
import { parseCommandSignIn, parseConnectorArgs, UsageError, type CommandSignIn } from './args';
import { AUTH_OPTIONS, AUTH_USAGE, SIGN_IN_OPTIONS, SIGN_IN_USAGE, signInFailure, signInForCommand } from './session';

export { DEFAULT_CLI_CLIENT_ID } from './session';

export const SECURE_SERVICE_USAGE = `Usage: entra-connector secure-service <connector-dir> [--site <resourceId|url>] [options]

Secures the API's App Service or Function App through Azure Resource Manager: authentication with the API app
(Easy Auth v2: sign-in required, unauthenticated calls get 401, tokens for the API's identifier URI or appId) and
CORS for Power Platform (${POWER_PLATFORM_ORIGINS.join(', ')}), keeping the site's other settings and origins.
Running it again changes nothing.

Site:
  --site <resourceId|url>        /subscriptions/…/providers/Microsoft.Web/sites/NAME, or the API's URL
                                 (default: the host in <connector-dir>/apiDefinition.swagger.json)
  --cors-only | --auth-only      configure only one of the two
  --origin <origin>              another origin to allow (repeatable)
API app (default: from the connector's resource URL in apiProperties.json):
  --api-app-id <appId>  --api-uri <identifier URI>
Files:
  --origin-policy [<origin>]     add the setheader Origin policy to apiProperties.json (default ${TEST_CONSOLE_ORIGINS[1]})
  --functions-project <dir>      add the origins to <dir>/local.settings.json Host.CORS
Sign-in (app-only: an Azure role allowing Microsoft.Web/sites/config/write on the site, e.g. Website Contributor,
and Microsoft Graph Application.Read.All to read the API app):
${AUTH_USAGE}${SIGN_IN_USAGE}Other:
  --dry-run                      show the change, write nothing
  --replace-provider             allowed to switch a site whose Microsoft provider names another app or issuer
  --json                         print the result as JSON
Exit codes: 0 done, 1 failed (the message says what to do next), 2 bad usage.
`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Parsed {
  dir: string;
  site?: string;
  auth: boolean;
  cors: boolean;
  origins: string[];
  apiAppId?: string;
  apiUri?: string;
  originPolicy?: string;
  functionsProject?: string;
  signIn: CommandSignIn;
  cloud: Cloud;
  dryRun: boolean;
  replaceProvider: boolean;
  json: boolean;
}

function parse(argv: readonly string[]): Parsed {
  // `--origin-policy` takes an optional value: a bare flag is turned into the default origin.
  const args = [...argv];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--origin-policy' && (i + 1 >= args.length || args[i + 1]!.startsWith('--'))) args.splice(i + 1, 0, TEST_CONSOLE_ORIGINS[1]!);
  }
  const { values, dir: given } = parseConnectorArgs(args, {
    site: { type: 'string' },
    'cors-only': { type: 'boolean' },
    'auth-only': { type: 'boolean' },
    origin: { type: 'string', multiple: true },
    'api-app-id': { type: 'string' },
    'api-uri': { type: 'string' },
    'origin-policy': { type: 'string' },
    'functions-project': { type: 'string' },
    ...AUTH_OPTIONS,
    ...SIGN_IN_OPTIONS,
    'dry-run': { type: 'boolean' },
    'replace-provider': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values['cors-only'] && values['auth-only']) throw new UsageError('Use --cors-only or --auth-only, not both.');
  const origins = values.origin ?? [];
  const bad = [...origins, ...(values['origin-policy'] ? [values['origin-policy']] : [])].filter((o) => !isValidOrigin(o) || o === '*');
  if (bad.length > 0) throw new UsageError(`Not an origin (scheme://host[:port]): ${bad.join(', ')}.`);
  const apiAppId = values['api-app-id'];
  if (apiAppId !== undefined && !GUID.test(apiAppId)) throw new UsageError('--api-app-id must be the API app’s application (client) ID, a GUID.');
  const signIn = parseCommandSignIn(values);
  return {
    dir: resolve(given),
    ...(values.site ? { site: values.site } : {}),
    auth: !values['cors-only'],
    cors: !values['auth-only'],
    origins,
    ...(apiAppId ? { apiAppId } : {}),
    ...(values['api-uri'] ? { apiUri: values['api-uri'] } : {}),
    ...(values['origin-policy'] ? { originPolicy: values['origin-policy'] } : {}),
    ...(values['functions-project'] ? { functionsProject: resolve(values['functions-project']) } : {}),
    signIn,
    cloud: signIn.cloud,
    dryRun: !!values['dry-run'],
    replaceProvider: !!values['replace-provider'],
    json: !!values.json,
  };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function runSecureService(argv: readonly string[], io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) io.stderr.write(`entra-connector secure-service: ${error.message}\n\n`);
      (error.message ? io.stderr : io.stdout).write(SECURE_SERVICE_USAGE);
      return error.message ? EXIT_USAGE : EXIT_OK;
    }
    throw error;
  }
  const say = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const propertiesPath = join(p.dir, 'apiProperties.json');
    const propertiesText = await readOptional(propertiesPath);
    const swaggerText = await readOptional(join(p.dir, 'apiDefinition.swagger.json'));
    const siteInput = p.site ?? (swaggerText ? swaggerHost(swaggerText) : undefined);
    if (!siteInput) throw new UsageError('Give the site with --site (its resource ID or the API’s URL): the connector has no swagger host to find it by.');

    const session = await signInForCommand(p.signIn, [armScope(p.cloud.armEndpoint)], { env: io.env, say });
    try {
      const getAccessToken = (scopes: string[]) => session.getAccessToken(scopes);
      const tenantId = session.tenantId ?? p.signIn.tenant;
      const arm = new ArmClient({ armEndpoint: p.cloud.armEndpoint, getAccessToken });
      const site = await resolveSite(arm, siteInput);
      const target = p.auth
        ? await resolveApiTarget(
            { ...(p.apiAppId ? { appId: p.apiAppId } : {}), ...(p.apiUri ? { identifierUri: p.apiUri } : {}), ...(propertiesText ? { resource: connectorResource(propertiesText), connectorClientId: connectorClientId(propertiesText) } : {}) },
            { loginEndpoint: p.cloud.loginEndpoint, tenantId, directory: async () => new Directory(createGraphClient({ graphEndpoint: p.cloud.graphEndpoint, getAccessToken })) },
          )
        : undefined;
      const origins = [...POWER_PLATFORM_ORIGINS, ...p.origins];
      const plan = await planSecureService(arm, site, { auth: p.auth, cors: p.cors, origins, ...(target ? { target } : {}) });
      if (!p.json) for (const line of describePlan(plan)) io.stdout.write(`${line}\n`);
      if (!p.dryRun && !p.replaceProvider && switchesProvider(plan)) {
        io.stderr.write(`entra-connector secure-service: ${site.name} already signs users in with another app or issuer; nothing was changed.\nNext: check the change above, then run again with --replace-provider to switch it.\n`);
        return 1;
      }
      const result = p.dryRun || !hasChanges(plan) ? undefined : await applySecureService(arm, plan);

      const files: { path: string; change: string }[] = [];
      if (p.originPolicy && propertiesText !== undefined) {
        const edit = addOriginPolicy(propertiesText, p.originPolicy);
        if (edit.problem) say(edit.problem);
        else if (edit.existing !== undefined) files.push({ path: propertiesPath, change: `already has an Origin policy (${edit.existing}); left as it is` });
        else if (edit.text) {
          if (!p.dryRun) await writeFileAtomic(propertiesPath, keepLineEndings(propertiesText, edit.text));
          files.push({ path: propertiesPath, change: `setheader Origin ${p.originPolicy}` });
        }
      } else if (p.originPolicy) say(`No apiProperties.json in ${p.dir}: the Origin policy was not added.`);
      if (p.functionsProject && p.cors) {
        const path = join(p.functionsProject, 'local.settings.json');
        const current = await readOptional(path);
        const edit = addLocalCorsOrigins(current, origins);
        for (const w of edit.warnings) say(w);
        if (edit.text) {
          // local.settings.json holds connection strings: replaced atomically, its mode kept (a new one is 0600).
          if (!p.dryRun) await writeFileAtomic(path, keepLineEndings(current, edit.text), current === undefined ? { mode: 0o600 } : {});
          files.push({ path, change: `Host.CORS + ${edit.added.join(', ')}` });
        } else if (edit.added.length === 0 && edit.warnings.length === 0) files.push({ path, change: 'Host.CORS already allows every origin' });
      }

      if (p.json) {
        io.stdout.write(`${JSON.stringify({ ok: true, dryRun: p.dryRun, site: plan.site, easyAuth: plan.easyAuth, cors: plan.cors, applied: { easyAuth: result?.easyAuthChanged ?? false, cors: result?.corsChanged ?? false }, files }, null, 2)}\n`);
      } else {
        for (const f of files) io.stdout.write(`${p.dryRun ? 'Would change' : 'Changed'} ${f.path}: ${f.change}\n`);
        io.stdout.write(p.dryRun ? 'Dry run: nothing was written.\n' : result ? `Done: ${[result.easyAuthChanged && 'authentication', result.corsChanged && 'CORS'].filter(Boolean).join(' and ')} updated on ${site.name}.\n` : `Nothing to change on ${site.name}.\n`);
      }
      return EXIT_OK;
    } finally {
      session.dispose();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`entra-connector secure-service: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const signIn = signInFailure(error);
    if (isApiAppUnknown(error) || signIn) {
      const { message, next } = signIn ?? (error as { message: string; next: string });
      io.stderr.write(`entra-connector secure-service: ${message}\nNext: ${next}\n`);
      return EXIT_FAILED;
    }
    const e = asUserFailure(error)?.error ?? toArmError(error);
    io.stderr.write(`entra-connector secure-service: ${e.message}\nNext: ${e.next}\n`);
    if (p.json) io.stdout.write(`${JSON.stringify({ ok: false, error: e }, null, 2)}\n`);
    return EXIT_FAILED;
  }
}

export const secureServiceCommand: CliCommand = {
  name: 'secure-service',
  summary: 'secure the API’s App Service / Function App: Easy Auth with the API app, CORS for Power Platform',
  run: runSecureService,
};
