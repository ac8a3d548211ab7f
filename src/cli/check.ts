/**
 * `entra-connector check <file|dir>... [--json] [--fix] [--cloud <name>] [--online]`: the apiProperties.json
 * diagnostics; with --online, after a device-code sign-in, also the directory checks (the app registrations,
 * service principals and grants the file names).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { keepLineEndings, writeFileAtomic } from '../setup/atomicWrite';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLOUD_NAMES, isCloudName, knownCloud } from '../cloud/clouds';
import { toJson, type ConnectorDiagnostic, type DiagnosticJson } from '../connector/diagnostic';
import { applyTextEdits } from '../connector/edits';
import { decodeFile } from '../connector/files';
import type { TextEdit } from '../connector/jsonDocument';
import { analyzeOnline, type DirectoryLookup, type OnlineOptions } from '../connector/online';
import { ArmClient, armScope } from '../service/arm';
import { swaggerHost } from '../service/apiTarget';
import { readSiteAuth } from '../service/predict';
import { asUserFailure, describeError } from '../errors';
import { redirectUrlOf } from '../powerplatform/deploy';
import { readSettings, SETTINGS_FILE } from '../powerplatform/settings';
import { powerPlatformSession } from './deploy';
import { analyzeApiProperties, type AnalysisOptions } from '../connector/rules';
import { createGraphClient, GraphPermission } from '../graph/client';
import { asAuthFailure } from '../auth/errors';
import { toDirectoryError } from '../graph/errors';
import { Directory } from '../graph/operations';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';
import { refusal, ROTATE_PERMISSION } from '../setup/rotate';
import { AUTH_OPTIONS, AUTH_USAGE, parseAuthOption, parseSignInOptions, SIGN_IN_OPTIONS, SIGN_IN_USAGE, signInFailure, signInForCommand, SignInUsageError, type CommandSession, type SignInOptions } from './session';

const FILE_NAME = 'apiProperties.json';
const SWAGGER_NAME = 'apiDefinition.swagger.json';
const SKIP_DIRS = new Set(['node_modules', '.git', '.vscode-test', 'dist', 'out']);

function collect(path: string, found: string[]): void {
  const stat = statSync(path);
  if (stat.isFile()) {
    found.push(path);
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) collect(join(path, entry.name), found);
    else if (entry.isFile() && entry.name === FILE_NAME) found.push(join(path, entry.name));
  }
}

function analyzeFile(path: string, base: AnalysisOptions): { text: string; encoding: string; diagnostics: ConnectorDiagnostic[] } {
  const { text, encoding } = decodeFile(readFileSync(path));
  const swaggerPath = join(dirname(path), SWAGGER_NAME);
  const swaggerText = basename(path) === FILE_NAME && existsSync(swaggerPath) ? readFileSync(swaggerPath, 'utf8') : undefined;
  return { text, encoding, diagnostics: analyzeApiProperties(text, { ...base, encoding, swaggerText }) };
}

/** Applies every unattended fix, a pass at a time (a fix can reveal the next), never overlapping edits in one pass. */
export function fixText(text: string, options: AnalysisOptions): { text: string; applied: string[] } {
  const applied: string[] = [];
  let current = text;
  for (let pass = 0; pass < 10; pass++) {
    const edits: TextEdit[] = [];
    for (const d of analyzeApiProperties(current, options)) {
      const fix = d.fixes.find((f) => f.unattended);
      if (!fix) continue;
      const overlaps = fix.edits.some((e) => edits.some((o) => e.offset < o.offset + o.length + 1 && o.offset < e.offset + e.length + 1));
      if (overlaps) continue;
      edits.push(...fix.edits);
      applied.push(`${d.code}: ${fix.title}`);
    }
    if (edits.length === 0) break;
    current = applyTextEdits(current, edits);
  }
  return { text: current, applied };
}

const USAGE = `Usage: entra-connector check <file|dir>... [--json] [--fix] [--cloud <name>] [--online [--service] [sign-in options]]

Checks apiProperties.json files (directories are searched recursively) and prints
  path:line:column severity code message
with the fixes available. Exits 1 when any error is found, 2 on a usage error.
  --json            print {files: [{path, diagnostics: [...]}], summary} instead
  --fix             apply the fixes that are safe without review, then report what is left
                    (secrets are never moved by the CLI: use the VS Code quick fix)
  --cloud <name>    check loginUri against this cloud (${CLOUD_NAMES.join(', ')}); with --online, also the
                    cloud to sign in to
  --online          also check the files against the tenant (app registrations, redirect URIs, permissions,
                    consent, secrets): signs in by device code (the code and URL are printed on stderr) and
                    reads the directory only (Application.ReadWrite.All and DelegatedPermissionGrant.ReadWrite.All
                    are the narrowest Graph permissions that read app registrations and grants with this client).
                    Signed in as a pipeline (app-only, ${ROTATE_PERMISSION} on the connector app it owns) it checks
                    the connector app itself: client ID, tenant, redirect URI, secrets
  --service         with --online, also read the authentication (Easy Auth) of the App Service site serving the
                    swagger's host, through Azure Resource Manager (read only; one more consent), and say whether
                    calls through the connector will get 401 (token audience or issuer) or 403 (client app)
Sign-in (with --online):
${AUTH_USAGE}${SIGN_IN_USAGE}`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        fix: { type: 'boolean' },
        online: { type: 'boolean' },
        service: { type: 'boolean' },
        ...AUTH_OPTIONS,
        ...SIGN_IN_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr.write(`entra-connector check: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (positionals.length === 0) {
    io.stderr.write(`entra-connector check: give a file or directory.\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.service && !values.online) {
    io.stderr.write('entra-connector check: --service goes with --online.\n');
    return EXIT_USAGE;
  }
  const options: AnalysisOptions = {};
  let signInOptions: (SignInOptions & { auth?: ReturnType<typeof parseAuthOption>; tenantGiven: boolean }) | undefined;
  if (values.online) {
    try {
      signInOptions = { ...parseSignInOptions(values), auth: parseAuthOption(values.auth), tenantGiven: values.tenant !== undefined };
    } catch (error) {
      if (!(error instanceof SignInUsageError)) throw error;
      io.stderr.write(`entra-connector check: ${error.message}\n`);
      return EXIT_USAGE;
    }
    Object.assign(options, { cloud: { name: signInOptions.cloud.name, loginEndpoint: signInOptions.cloud.loginEndpoint } });
  } else if (SIGN_IN_KEYS.some((k) => k !== 'cloud' && values[k] !== undefined) || values.auth !== undefined) {
    io.stderr.write('entra-connector check: the sign-in options go with --online.\n');
    return EXIT_USAGE;
  } else if (values.cloud !== undefined) {
    if (!isCloudName(values.cloud) || values.cloud === 'Custom') {
      io.stderr.write(`entra-connector check: unknown cloud "${values.cloud}"; use one of ${CLOUD_NAMES.filter((c) => c !== 'Custom').join(', ')}.\n`);
      return EXIT_USAGE;
    }
    const cloud = knownCloud(values.cloud);
    Object.assign(options, { cloud: { name: cloud.name, loginEndpoint: cloud.loginEndpoint } });
  }
  const files: string[] = [];
  for (const p of positionals) {
    if (!existsSync(p)) {
      io.stderr.write(`entra-connector check: ${p}: no such file or directory.\n`);
      return EXIT_USAGE;
    }
    collect(p, files);
  }

  let session: CommandSession | undefined;
  let directory: DirectoryLookup | undefined;
  if (signInOptions) {
    const say = (line: string) => io.stderr.write(`${line}\n`);
    try {
      session = await signInForCommand(signInOptions, [GraphPermission.user, GraphPermission.apps, GraphPermission.grants], { env: io.env, say });
    } catch (error) {
      const failure = signInFailure(error) ?? toDirectoryError(error);
      io.stderr.write(`entra-connector check: ${failure.message}\nNext: ${failure.next}\n`);
      return EXIT_FAILED;
    }
    directory = new Directory(createGraphClient({ graphEndpoint: signInOptions.cloud.graphEndpoint, getAccessToken: session.getAccessToken }));
    if (session.kind !== 'device') {
      say(`App-only sign-in: checking the connector app itself (client ID, tenant, redirect URI, secrets); the resource, permission and consent checks need a person's sign-in.`);
    }
  }
  const appOnly = !!session && session.kind !== 'device';
  try {
    const deployed = signInOptions ? deployedRedirectUrls(signInOptions, (line) => void io.stderr.write(`${line}\n`)) : undefined;
    const service = signInOptions && session && values.service ? serviceSettings(signInOptions, session, (line) => void io.stderr.write(`${line}\n`)) : undefined;
    try {
      return await checkFiles(files, options, { json: !!values.json, fix: !!values.fix, connectorAppOnly: appOnly }, directory, io, deployed?.lookup, service);
    } finally {
      deployed?.dispose();
    }
  } catch (error) {
    const signIn = asAuthFailure(error);
    const raw = signIn ? { message: signIn.message, next: signIn.next } : toDirectoryError(error);
    const failure = appOnly && 'status' in raw ? refusal('named in apiProperties.json', session?.principal, raw) : raw;
    io.stderr.write(`entra-connector check: the directory checks failed: ${failure.message}\nNext: ${failure.next}\n`);
    return EXIT_FAILED;
  } finally {
    session?.dispose();
  }
}

/**
 * The redirect URL of each deployed connector (a folder whose settings.json records a connectorId), read from Power
 * Platform after one more sign-in — only when some folder has a deployment. Lookup failures leave the URL unknown.
 */
function deployedRedirectUrls(signIn: SignInOptions, say: (line: string) => void): { lookup: (dir: string) => Promise<string | undefined>; dispose(): void } {
  let pp: Promise<Awaited<ReturnType<typeof powerPlatformSession>> | undefined> | undefined;
  return {
    lookup: async (dir) => {
      const settings = readSettings(existsSync(join(dir, SETTINGS_FILE)) ? readFileSync(join(dir, SETTINGS_FILE), 'utf8') : undefined);
      if (!settings.connectorId || !settings.environment) return undefined;
      pp ??= powerPlatformSession(signIn, say).catch((error: unknown) => {
        say(`The deployed connectors' redirect URLs could not be read (${error instanceof Error ? error.message : String(error)}).`);
        return undefined;
      });
      const session = await pp;
      const connector = await session?.client.getConnector(settings.environment, settings.connectorId).catch(() => undefined);
      return redirectUrlOf(connector);
    },
    dispose: () => void pp?.then((s) => s?.session.dispose()),
  };
}

/**
 * `--service`: the Easy Auth settings of the site serving each connector's swagger host, read through Azure Resource
 * Manager (one more consent, asked only with --service), so the online rules can predict the 401/403 a connection's
 * calls will get. A site that cannot be found or read is said on stderr and left unchecked.
 */
function serviceSettings(signIn: SignInOptions, session: CommandSession, say: (line: string) => void): (dir: string) => OnlineOptions['service'] {
  const arm = new ArmClient({ armEndpoint: signIn.cloud.armEndpoint, getAccessToken: (_scopes, o) => session.getAccessToken([armScope(signIn.cloud.armEndpoint)], o) });
  return (dir) => {
    const swaggerPath = join(dir, SWAGGER_NAME);
    const host = existsSync(swaggerPath) ? swaggerHost(readFileSync(swaggerPath, 'utf8')) : undefined;
    if (!host || !session.tenantId) return undefined;
    return {
      loginEndpoint: signIn.cloud.loginEndpoint,
      tenantId: session.tenantId,
      settings: async () => {
        try {
          return await readSiteAuth(arm, host);
        } catch (error) {
          const failure = asUserFailure(error);
          say(`The API's site (${host}) was not checked: ${failure ? describeError(failure) : error instanceof Error ? error.message : String(error)}`);
          return undefined;
        }
      },
    };
  };
}

const SIGN_IN_KEYS = Object.keys(SIGN_IN_OPTIONS) as (keyof typeof SIGN_IN_OPTIONS)[];

async function checkFiles(
  files: readonly string[],
  options: AnalysisOptions,
  flags: { json: boolean; fix: boolean; connectorAppOnly: boolean },
  directory: DirectoryLookup | undefined,
  io: CliIo,
  deployed?: (dir: string) => Promise<string | undefined>,
  service?: (dir: string) => OnlineOptions['service'],
): Promise<number> {
  const values = flags;
  const report: Array<{ path: string; diagnostics: DiagnosticJson[]; fixed?: string[] }> = [];
  const totals = { files: files.length, error: 0, warning: 0, information: 0, fixed: 0 };
  for (const path of files) {
    let fixed: string[] | undefined;
    if (values.fix) {
      const first = analyzeFile(path, options);
      if (first.encoding === 'utf-8') {
        const swagger = join(dirname(path), SWAGGER_NAME);
        const result = fixText(first.text, { ...options, swaggerText: existsSync(swagger) ? readFileSync(swagger, 'utf8') : undefined });
        if (result.text !== first.text) {
          await writeFileAtomic(path, keepLineEndings(first.text, result.text));
          fixed = result.applied;
          totals.fixed += result.applied.length;
        }
      }
    }
    const { text, diagnostics: offline } = analyzeFile(path, options);
    // The directory checks run on what the file says now; a file that is not JSON has nothing to look up.
    const deployedRedirectUrl = directory && deployed ? await deployed(dirname(path)) : undefined;
    const site = service?.(dirname(path));
    const online = directory && !offline.some((d) => d.code === 'invalid-json') ? await analyzeOnline(text, directory, { now: new Date(), ...(flags.connectorAppOnly ? { connectorAppOnly: true } : {}), ...(deployedRedirectUrl ? { deployedRedirectUrl } : {}), ...(site ? { service: site } : {}) }) : [];
    const diagnostics = [...offline, ...online].sort((a, b) => a.offset - b.offset);
    for (const d of diagnostics) totals[d.severity]++;
    report.push({ path, diagnostics: diagnostics.map(toJson), ...(fixed ? { fixed } : {}) });
  }

  if (values.json) {
    io.stdout.write(`${JSON.stringify({ files: report, summary: totals }, null, 2)}\n`);
  } else {
    for (const file of report) {
      for (const f of file.fixed ?? []) io.stdout.write(`${file.path}: fixed ${f}\n`);
      for (const d of file.diagnostics) {
        io.stdout.write(`${file.path}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}\n`);
        for (const title of d.fixes) io.stdout.write(`    fix available: ${title}\n`);
      }
    }
    io.stdout.write(
      `${totals.files} file${totals.files === 1 ? '' : 's'} checked: ${totals.error} error(s), ${totals.warning} warning(s), ${totals.information} information` +
        `${values.fix ? `; ${totals.fixed} fix(es) applied` : ''}.\n`,
    );
  }
  return totals.error > 0 ? EXIT_FAILED : EXIT_OK;
}

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'check apiProperties.json files: <file|dir>... [--json] [--fix] [--cloud <name>] [--online]',
  run,
};
