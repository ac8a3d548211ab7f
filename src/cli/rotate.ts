/**
 * `entra-connector rotate <connector-dir> [--days N]`: a new client secret for the connector app, handed over,
 * verified against the tenant's token endpoint, then the secrets it replaces removed (src/setup/rotate.ts). Made for
 * pipelines: signs in as a workload identity with Application.ReadWrite.OwnedBy on the app it owns, prints no
 * secret unless asked, masks it in GitHub Actions logs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { assertDeployableWith } from '../auth/powerPlatform';
import { trySecret } from '../auth/workload';
import { asUserFailure } from '../errors';
import { updateDeployedSecret } from '../powerplatform/deploy';
import { diskConnectorFiles, powerPlatformSession } from './deploy';
import { readApiProperties } from '../connector/model';
import { stringValue, valueOf } from '../connector/jsonDocument';
import { isGuid } from '../connector/values';
import { createGraphClient, GraphPermission } from '../graph/client';
import { Directory } from '../graph/operations';
import { rotateSecret, type NewSecret, type RotateResult, type SecretHandover, type UpdateDeployedSecret } from '../setup/rotate';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';
import { parseCommandSignIn, parseConnectorArgs, UsageError, type CommandSignIn } from './args';
import { AUTH_OPTIONS, AUTH_USAGE, SIGN_IN_OPTIONS, SIGN_IN_USAGE, signInFailure, signInForCommand } from './session';

export const ROTATE_USAGE = `Usage: entra-connector rotate <connector-dir> [--days N] <where the secret goes> [options]

Adds a client secret to the connector app named by <connector-dir>/apiProperties.json (its clientId), hands it
over, checks that it gets a token from the tenant, and only then removes the secrets it replaces: the ones this tool
added before ("Entra Connector …") and any --replace key ID. Other secrets are never touched. If a step fails the
new secret is taken back and the old ones keep working.

Where the new secret goes (at least one):
  --print-secret                 print it on stdout (masked with ::add-mask:: when GITHUB_ACTIONS=true)
  --secret-file <path>           write it to a file with mode 0600 (atomically)
  --update-connector             update the connector deployed from <connector-dir> (its settings.json) in Power
                                 Platform with the new secret, before the old one is removed. Needs a person's
                                 sign-in (--auth device): the Power Apps connector API takes no app-only tokens.
  --handover-command <command>   run a shell command with ENTRA_CONNECTOR_SECRET_FILE (a 0600 file holding the
                                 secret, deleted afterwards), ENTRA_CONNECTOR_CLIENT_ID, ENTRA_CONNECTOR_SECRET_KEY_ID
                                 and ENTRA_CONNECTOR_SECRET_EXPIRES set; e.g. an "az keyvault secret set" that stores
                                 it where the connector reads it. A non-zero exit stops the rotation.
Rotation:
  --days <N>                     lifetime of the new secret in days (default 180)
  --replace <keyId>              also remove this secret once the new one works (repeatable)
  --keep-replaced                keep the old secrets (remove them in a later run)
Sign-in (a pipeline's identity needs the Microsoft Graph application permission Application.ReadWrite.OwnedBy and
to own the connector app; "entra-connector automate" sets that up):
${AUTH_USAGE}${SIGN_IN_USAGE}Output:
  --json                         print the result as JSON (no secret unless --print-secret)
Exit codes: 0 rotated, 1 failed (the message says what to do next), 2 bad usage.
`;

export interface RotateCommandDeps {
  /** The deployed connector's update; by default, with --update-connector, Power Platform's (src/powerplatform). */
  readonly updateDeployedSecret?: UpdateDeployedSecret;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly verifyDelayMs?: number;
}

/** The connector app's client ID: the first Microsoft Entra `oAuthSettings.clientId` in apiProperties.json. */
export function connectorClientId(text: string): string | undefined {
  for (const token of readApiProperties(text).tokens) {
    if (!token.isEntra) continue;
    const id = stringValue(valueOf(token.prop('clientId')));
    if (id && isGuid(id)) return id;
  }
  return undefined;
}

/** Writes `text` to `path` atomically (a temporary file in the same folder, then a rename), by default with mode 0600. */
export async function writeSecretFile(path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function runHandoverCommand(command: string, secret: NewSecret, io: CliIo): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'entra-connector-'));
  const file = join(dir, 'secret');
  return writeSecretFile(file, secret.value)
    .then(
      () =>
        new Promise<void>((done, reject) => {
          const child = spawn(command, {
            shell: true,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...io.env, ENTRA_CONNECTOR_SECRET_FILE: file, ENTRA_CONNECTOR_CLIENT_ID: secret.appId, ENTRA_CONNECTOR_SECRET_KEY_ID: secret.keyId, ENTRA_CONNECTOR_SECRET_EXPIRES: secret.endDateTime },
          });
          // The command's output goes to stderr: stdout stays the command's result (e.g. --json).
          child.stdout.on('data', (c: Buffer) => io.stderr.write(c.toString('utf8')));
          child.stderr.on('data', (c: Buffer) => io.stderr.write(c.toString('utf8')));
          child.on('error', reject);
          child.on('close', (code, signal) => (code === 0 ? done() : reject(new Error(`the handover command exited with ${signal ?? `code ${code}`}`))));
        }),
    )
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}

interface Parsed {
  dir: string;
  days: number;
  print: boolean;
  file?: string;
  command?: string;
  replace: string[];
  keepReplaced: boolean;
  updateConnector: boolean;
  json: boolean;
  signIn: CommandSignIn;
}

function parse(argv: readonly string[]): Parsed {
  const { values, dir: given } = parseConnectorArgs(argv, {
    days: { type: 'string' },
    'print-secret': { type: 'boolean' },
    'secret-file': { type: 'string' },
    'handover-command': { type: 'string' },
    replace: { type: 'string', multiple: true },
    'keep-replaced': { type: 'boolean' },
    'update-connector': { type: 'boolean' },
    json: { type: 'boolean' },
    ...AUTH_OPTIONS,
    ...SIGN_IN_OPTIONS,
  });
  const days = values.days === undefined ? 180 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 730) throw new UsageError('--days must be a whole number of days from 1 to 730.');
  const replace = values.replace ?? [];
  const bad = replace.find((k) => !isGuid(k));
  if (bad) throw new UsageError(`--replace takes a secret's key ID (a GUID), not "${bad}".`);
  if (!values['print-secret'] && !values['secret-file'] && !values['handover-command'] && !values['update-connector']) {
    throw new UsageError('Say where the new secret goes: --update-connector, --print-secret, --secret-file <path> or --handover-command <command>. Without one, removing the old secret would leave the connector with none.');
  }
  const signIn = parseCommandSignIn(values);
  return {
    dir: resolve(given),
    days,
    print: !!values['print-secret'],
    ...(values['secret-file'] ? { file: resolve(values['secret-file']) } : {}),
    ...(values['handover-command'] ? { command: values['handover-command'] } : {}),
    replace,
    keepReplaced: !!values['keep-replaced'],
    updateConnector: !!values['update-connector'],
    json: !!values.json,
    signIn,
  };
}

function describeResult(r: RotateResult): string[] {
  const lines: string[] = [];
  const name = r.app ? `${r.app.displayName} (${r.app.appId})` : 'the connector app';
  if (r.added) lines.push(`${r.ok ? 'Added' : 'Added, then took back,'} secret ${r.added.keyId} of ${name}, valid until ${(r.added.endDateTime ?? '').slice(0, 10)}.`);
  for (const h of r.handedOver) lines.push(`Handed over: ${h}.`);
  if (r.verified) lines.push('Verified: a token request with the new secret succeeded.');
  for (const s of r.removed) lines.push(`Removed the replaced secret ${s.keyId}${s.displayName ? ` "${s.displayName}"` : ''}.`);
  for (const s of r.kept) lines.push(`Kept secret ${s.keyId}${s.displayName ? ` "${s.displayName}"` : ''}${s.endDateTime ? ` (until ${s.endDateTime.slice(0, 10)})` : ''}.`);
  return lines;
}

export async function runRotate(argv: readonly string[], io: CliIo, deps: RotateCommandDeps = {}): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) io.stderr.write(`entra-connector rotate: ${error.message}\n\n`);
    (error.message ? io.stderr : io.stdout).write(ROTATE_USAGE);
    return error.message ? EXIT_USAGE : EXIT_OK;
  }
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const fail = (message: string, next: string, json?: unknown): number => {
    io.stderr.write(`entra-connector rotate: ${message}\nNext: ${next}\n`);
    if (p.json) io.stdout.write(`${JSON.stringify(json ?? { ok: false, error: { message, next } }, null, 2)}\n`);
    return EXIT_FAILED;
  };

  let text: string;
  try {
    text = await readFile(join(p.dir, 'apiProperties.json'), 'utf8');
  } catch {
    io.stderr.write(`entra-connector rotate: ${p.dir} has no readable apiProperties.json.\n`);
    return EXIT_USAGE;
  }
  const appId = connectorClientId(text);
  if (!appId) return fail(`apiProperties.json in ${p.dir} names no connector app: its Microsoft Entra oAuthSettings.clientId is not an application ID.`, 'Run "entra-connector setup" first, or put the connector app’s client ID in apiProperties.json.');

  // Power Platform takes no app-only tokens: refuse before signing in (or, below, before anything changes) rather than
  // add a secret the connector can never be given.
  const appOnlyRefusal = (kind: Parameters<typeof assertDeployableWith>[0]): number | undefined => {
    if (!p.updateConnector || deps.updateDeployedSecret) return undefined;
    try {
      assertDeployableWith(kind);
      return undefined;
    } catch (error) {
      const f = asUserFailure(error);
      if (!f) throw error;
      return fail(f.message, f.next);
    }
  };
  if (p.signIn.auth) {
    const refused = appOnlyRefusal(p.signIn.auth);
    if (refused !== undefined) return refused;
  }

  let session;
  try {
    session = await signInForCommand(p.signIn, [GraphPermission.user, GraphPermission.apps], { env: io.env, say, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  } catch (error) {
    const f = signInFailure(error);
    if (!f) throw error;
    return fail(f.message, f.next);
  }
  let updateDeployed = deps.updateDeployedSecret;
  if (p.updateConnector && !updateDeployed) {
    const refused = appOnlyRefusal(session.kind);
    if (refused !== undefined) return refused;
    let pp: Awaited<ReturnType<typeof powerPlatformSession>>;
    try {
      pp = await powerPlatformSession(p.signIn, say);
    } catch (error) {
      const f = signInFailure(error) ?? asUserFailure(error);
      if (!f) throw error;
      return fail(f.message, f.next);
    }
    updateDeployed = async (secret) => {
      const r = await updateDeployedSecret({ dir: p.dir, files: diskConnectorFiles, client: pp.client, objectId: pp.objectId, secret: secret.value, onProgress: say });
      return `the deployed connector ${r.connectorId} (${r.environment}) now uses it`;
    };
  }
  const githubActions = io.env.GITHUB_ACTIONS === 'true';
  let printed: string | undefined;
  const handovers: SecretHandover[] = [];
  if (p.print) {
    handovers.push({
      name: 'stdout',
      deliver: async (secret) => {
        // GitHub hides a value from the rest of the job's log once it has seen it in an add-mask command.
        if (githubActions) io.stdout.write(`::add-mask::${secret.value}\n`);
        printed = secret.value;
        return githubActions ? 'printed on stdout (masked in the GitHub Actions log)' : 'printed on stdout';
      },
    });
  }
  if (p.file) {
    const file = p.file;
    handovers.push({ name: 'secret file', deliver: async (secret) => (await writeSecretFile(file, `${secret.value}\n`), `written to ${file} (mode 0600)`) });
  }
  if (p.command) {
    const command = p.command;
    handovers.push({ name: 'handover command', deliver: async (secret) => (await runHandoverCommand(command, secret, io), 'the handover command succeeded') });
  }

  try {
    const tenantId = session.tenantId ?? p.signIn.tenant;
    const directory = new Directory(createGraphClient({ graphEndpoint: p.signIn.cloud.graphEndpoint, getAccessToken: session.getAccessToken }));
    const result = await rotateSecret(
      { appId, days: p.days, alsoReplace: p.replace, keepReplaced: p.keepReplaced },
      {
        directory,
        handovers,
        ...(updateDeployed ? { updateDeployedSecret: updateDeployed } : {}),
        caller: session.principal,
        callerIsPerson: session.kind === 'device',
        verify: async (id, secret) => {
          const problem = await trySecret(p.signIn.cloud, tenantId, id, secret, { ...(deps.fetch ? { fetch: deps.fetch } : {}) });
          return problem && { message: problem.message, next: problem.next };
        },
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.verifyDelayMs !== undefined ? { verifyDelayMs: deps.verifyDelayMs } : {}),
        log: say,
      },
    );
    if (p.json) io.stdout.write(`${JSON.stringify({ ...result, signedInAs: session.principal, ...(printed !== undefined && result.ok ? { secret: printed } : {}) }, null, 2)}\n`);
    else {
      for (const line of describeResult(result)) io.stdout.write(`${line}\n`);
      if (printed !== undefined && result.ok) io.stdout.write(`${printed}\n`);
    }
    if (!result.ok) {
      const e = result.error!;
      io.stderr.write(`entra-connector rotate: ${e.message}\nNext: ${e.next}\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } finally {
    session.dispose();
  }
}

export function createRotateCommand(deps: RotateCommandDeps = {}): CliCommand {
  return {
    name: 'rotate',
    summary: 'rotate the connector app’s client secret: add, hand over, verify, then remove the replaced ones',
    run: (argv, io) => runRotate(argv, io, deps),
  };
}

export const rotateCommand: CliCommand = createRotateCommand();
