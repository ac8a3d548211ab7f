/**
 * `entra-connector automate <connector-dir> --github <owner/repo> [--branch main | --environment prod]`: sets up a
 * pipeline identity that may rotate the connector app's secret (src/setup/automate.ts) and writes the scheduled
 * GitHub Actions workflow that does it (src/setup/workflow.ts). Azure DevOps or any other OIDC issuer:
 * `--issuer <url> --subject <subject>` (the workflow file is GitHub's; other pipelines run `entra-connector rotate`).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createGraphClient, GraphPermission } from '../graph/client';
import { toDirectoryError } from '../graph/errors';
import { Directory } from '../graph/operations';
import { automateRotation, type AutomateResult } from '../setup/automate';
import { GITHUB_ISSUER, githubRotationWorkflow, githubSubject, isCron, parseKeyVault, workflowInputFailure, workflowPath, type KeyVaultTarget } from '../setup/workflow';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';
import { connectorClientId, writeSecretFile } from './rotate';
import { parseCommandSignIn, parseConnectorArgs, UsageError, type CommandSignIn } from './args';
import { AUTH_OPTIONS, AUTH_USAGE, SIGN_IN_OPTIONS, SIGN_IN_USAGE, signInFailure, signInForCommand } from './session';

export const AUTOMATE_USAGE = `Usage: entra-connector automate <connector-dir> --github <owner/repo> [--branch <name> | --environment <name>]
                                (--key-vault <vault>[/<secret>] | --handover-command <command>) [options]
       entra-connector automate <connector-dir> --issuer <url> --subject <subject> [options]

Makes rotating the connector app's client secret a pipeline's job, with no secret stored anywhere:
  1. an app registration for the pipeline (found again on the next run) with a federated identity credential that
     trusts exactly the pipeline's OIDC subject (audience api://AzureADTokenExchange);
  2. its service principal made an owner of the connector app;
  3. the Microsoft Graph application permission Application.ReadWrite.OwnedBy granted to it (it can change only
     the apps it owns) — or, when you may not grant it, the link an administrator opens;
  4. with --github, the workflow .github/workflows/rotate-<connector>.yml: scheduled, permissions id-token: write
     and contents: read, running "entra-connector rotate" signed in by GitHub's OIDC token.
Running it again changes nothing.

Pipeline:
  --github <owner/repo>          GitHub Actions (issuer ${GITHUB_ISSUER}; with --issuer, GitHub Enterprise
                                 Server's https://HOST/_services/token or an enterprise's own issuer)
  --branch <name>                the job runs on this branch (default main; scheduled runs use the default branch)
  --environment <name>           the job uses this GitHub environment (its name is in the OIDC subject instead)
  --issuer <url> --subject <s>   any other OIDC issuer, e.g. Azure DevOps: the service connection's "Issuer" and
                                 "Subject identifier" (https://vstoken.dev.azure.com/{org id},
                                 sc://{org}/{project}/{service connection})
Where the rotated secret goes (the workflow):
  --key-vault <vault>[/<secret>] store it in Azure Key Vault, where a solution's secret environment variable reads
                                 it (the pipeline app needs "Key Vault Secrets Officer" on the vault)
  --handover-command <command>   any other command (see "entra-connector rotate --help")
Workflow:
  --days <N>                     lifetime of each new secret (default 90)
  --schedule <cron>              when to rotate, UTC (default "17 3 1 * *": monthly)
  --repo-root <dir>              where .github/ is (default: the git repository holding <connector-dir>)
  --force                        replace a workflow file that differs from the one this would write
  --dry-run                      show what would be done; change nothing
Sign-in (a person who owns the connector app; granting the Graph permission takes a Privileged Role Administrator
or Global Administrator):
${AUTH_USAGE}${SIGN_IN_USAGE}Output:
  --json                         print the result as JSON
Exit codes: 0 done (or pending an administrator's grant: see the link), 1 failed, 2 bad usage.
`;

const DEFAULT_SCHEDULE = '17 3 1 * *';

interface Parsed {
  dir: string;
  github?: string;
  branch?: string;
  environment?: string;
  issuer: string;
  subject: string;
  label: string;
  keyVault?: string;
  handoverCommand?: string;
  days: number;
  schedule: string;
  repoRoot?: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  signIn: CommandSignIn;
}

function parse(argv: readonly string[]): Parsed {
  const { values, dir: given } = parseConnectorArgs(argv, {
    github: { type: 'string' },
    branch: { type: 'string' },
    environment: { type: 'string' },
    issuer: { type: 'string' },
    subject: { type: 'string' },
    'key-vault': { type: 'string' },
    'handover-command': { type: 'string' },
    days: { type: 'string' },
    schedule: { type: 'string' },
    'repo-root': { type: 'string' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    ...AUTH_OPTIONS,
    ...SIGN_IN_OPTIONS,
  });
  const days = values.days === undefined ? 90 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 730) throw new UsageError('--days must be a whole number of days from 1 to 730.');
  const schedule = values.schedule ?? DEFAULT_SCHEDULE;
  if (!isCron(schedule)) throw new UsageError(`--schedule "${schedule}" is not a cron schedule (five fields, UTC).`);
  let issuer: string;
  let subject: string;
  let label: string;
  try {
    if (values.github !== undefined) {
      if (values.subject !== undefined) throw new UsageError('--github sets the subject from the repository and --branch or --environment: leave out --subject.');
      issuer = values.issuer ?? GITHUB_ISSUER;
      if (!/^https:\/\//.test(issuer)) throw new UsageError('--issuer must be an https URL.');
      subject = githubSubject(values.github, { ...(values.branch !== undefined ? { branch: values.branch } : {}), ...(values.environment !== undefined ? { environment: values.environment } : {}) });
      label = `${values.github} (${values.environment ?? values.branch ?? 'main'})`;
      if (!values['key-vault'] && !values['handover-command']) {
        throw new UsageError('Say where the workflow puts each new secret: --key-vault <vault>[/<secret>] (a solution\'s secret environment variable reads it from there) or --handover-command <command>.');
      }
    } else {
      if (!values.issuer || !values.subject) throw new UsageError('Give --github <owner/repo>, or --issuer <url> and --subject <subject> for another pipeline.');
      if (values.branch !== undefined || values.environment !== undefined) throw new UsageError('--branch and --environment go with --github.');
      let url: URL;
      try {
        url = new URL(values.issuer);
      } catch {
        throw new UsageError(`--issuer "${values.issuer}" is not a URL.`);
      }
      if (url.protocol !== 'https:') throw new UsageError('--issuer must be an https URL (Entra fetches the issuer\'s keys from it).');
      if (values.subject.length > 600) throw new UsageError('--subject is longer than the 600 characters Entra accepts.');
      issuer = values.issuer;
      subject = values.subject;
      label = subject;
    }
    if (values['key-vault'] && values['handover-command']) throw new UsageError('Give --key-vault or --handover-command, not both.');
  } catch (error) {
    throw workflowInputFailure(error) ? new UsageError((error as Error).message) : error;
  }
  const signIn = parseCommandSignIn(values);
  return {
    dir: resolve(given),
    ...(values.github ? { github: values.github } : {}),
    ...(values.branch ? { branch: values.branch } : {}),
    ...(values.environment ? { environment: values.environment } : {}),
    issuer,
    subject,
    label,
    ...(values['key-vault'] ? { keyVault: values['key-vault'] } : {}),
    ...(values['handover-command'] ? { handoverCommand: values['handover-command'] } : {}),
    days,
    schedule,
    ...(values['repo-root'] ? { repoRoot: resolve(values['repo-root']) } : {}),
    force: !!values.force,
    dryRun: !!values['dry-run'],
    json: !!values.json,
    signIn,
  };
}

/** The nearest folder above `dir` holding `.git`, else undefined. */
function gitRoot(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

async function connectorName(dir: string): Promise<string> {
  try {
    const swagger = JSON.parse(await readFile(join(dir, 'apiDefinition.swagger.json'), 'utf8')) as { info?: { title?: unknown } };
    if (typeof swagger.info?.title === 'string' && swagger.info.title.trim()) return swagger.info.title.trim();
  } catch {
    // No swagger, or not JSON: the folder's name will do.
  }
  return dir.split(sep).pop() || 'connector';
}

declare const __VERSION__: string | undefined;

function describe(r: AutomateResult): string[] {
  const verb = (s: string) => (s === 'created' ? 'Created' : s === 'found' ? 'Already there:' : 'Pending:');
  return [
    `${verb(r.pipelineApp.state)} pipeline app "${r.pipelineApp.displayName}" (appId ${r.pipelineApp.appId}) and its service principal ${r.servicePrincipal.id}.`,
    `${verb(r.federatedCredential.state)} federated credential "${r.federatedCredential.name}" for ${r.federatedCredential.subject} (issuer ${r.federatedCredential.issuer}).`,
    `${verb(r.owner.state)} the pipeline is an owner of connector app ${r.owner.connectorApp}.`,
    r.permission.state === 'pending'
      ? `Pending: ${r.permission.name} for the pipeline app. ${r.permission.reason ?? ''} An administrator grants it here: ${r.permission.adminConsentUrl}`
      : `${verb(r.permission.state)} Microsoft Graph ${r.permission.name} granted to the pipeline app.`,
  ];
}

export async function runAutomate(argv: readonly string[], io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) io.stderr.write(`entra-connector automate: ${error.message}\n\n`);
    (error.message ? io.stderr : io.stdout).write(AUTOMATE_USAGE);
    return error.message ? EXIT_USAGE : EXIT_OK;
  }
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const fail = (message: string, next: string): number => {
    io.stderr.write(`entra-connector automate: ${message}\nNext: ${next}\n`);
    if (p.json) io.stdout.write(`${JSON.stringify({ ok: false, error: { message, next } }, null, 2)}\n`);
    return EXIT_FAILED;
  };

  let text: string;
  try {
    text = await readFile(join(p.dir, 'apiProperties.json'), 'utf8');
  } catch {
    io.stderr.write(`entra-connector automate: ${p.dir} has no readable apiProperties.json.\n`);
    return EXIT_USAGE;
  }
  const connectorAppId = connectorClientId(text);
  if (!connectorAppId) return fail(`apiProperties.json in ${p.dir} names no connector app (oAuthSettings.clientId).`, 'Run "entra-connector setup" first.');
  const name = await connectorName(p.dir);
  const root = p.github ? (p.repoRoot ?? gitRoot(p.dir)) : undefined;
  if (p.github && !root) return fail(`${p.dir} is not inside a git repository, so there is no place for .github/workflows.`, 'Give --repo-root <dir>.');
  if (root && relative(root, p.dir).startsWith('..')) return fail(`${p.dir} is not inside --repo-root ${root}.`, 'Give the repository that holds the connector.');

  if (p.dryRun) {
    io.stdout.write(`Would set up a pipeline app trusting ${p.subject} (issuer ${p.issuer}), make it an owner of connector app ${connectorAppId} and grant it Application.ReadWrite.OwnedBy${root ? `; would write ${join(root, workflowPath(name))}` : ''}. Nothing was changed.\n`);
    return EXIT_OK;
  }
  let session;
  try {
    session = await signInForCommand(p.signIn, [GraphPermission.user, GraphPermission.apps], { env: io.env, say });
  } catch (error) {
    const f = signInFailure(error);
    if (!f) throw error;
    return fail(f.message, f.next);
  }
  try {
    const tenantId = session.tenantId ?? p.signIn.tenant;
    const client = createGraphClient({ graphEndpoint: p.signIn.cloud.graphEndpoint, getAccessToken: session.getAccessToken });
    const directory = new Directory(client);
    const result = await automateRotation({ connectorAppId, connectorName: name, tenantId, issuer: p.issuer, subject: p.subject, pipelineLabel: p.label, cloud: p.signIn.cloud }, { directory, graph: client });

    let workflow: { path: string; state: 'written' | 'unchanged' | 'differs' } | undefined;
    if (root && p.github) {
      let keyVault: KeyVaultTarget | undefined;
      if (p.keyVault) {
        try {
          keyVault = parseKeyVault(p.keyVault, name);
        } catch (error) {
          const failure = workflowInputFailure(error);
          if (failure) return fail(failure.message, failure.next);
          throw error;
        }
      }
      const content = githubRotationWorkflow({
        connectorName: name,
        connectorDir: relative(root, p.dir).split(sep).join('/') || '.',
        tenantId,
        clientId: result.pipelineApp.appId,
        cloud: p.signIn.cloud,
        days: p.days,
        schedule: p.schedule,
        ...(p.environment ? { environment: p.environment } : {}),
        ...(keyVault ? { keyVault } : {}),
        ...(p.handoverCommand ? { handoverCommand: p.handoverCommand } : {}),
        cliVersion: typeof __VERSION__ === 'string' ? __VERSION__ : 'latest',
      });
      const path = join(root, workflowPath(name));
      const before = existsSync(path) ? await readFile(path, 'utf8') : undefined;
      if (before === content) workflow = { path, state: 'unchanged' };
      else if (before !== undefined && !p.force) workflow = { path, state: 'differs' };
      else {
        await mkdir(dirname(path), { recursive: true });
        // Atomic like a secret file, but readable: the workflow holds no secret, only IDs.
        await writeSecretFile(path, content, 0o644);
        workflow = { path, state: 'written' };
      }
    }

    if (p.json) io.stdout.write(`${JSON.stringify({ ok: true, ...result, ...(workflow ? { workflow } : {}) }, null, 2)}\n`);
    else {
      for (const line of describe(result)) io.stdout.write(`${line}\n`);
      if (workflow) io.stdout.write(workflow.state === 'written' ? `Wrote ${workflow.path}: commit and push it.\n` : workflow.state === 'unchanged' ? `${workflow.path} is up to date.\n` : `${workflow.path} exists and differs from what automate would write; left as it is (--force replaces it).\n`);
      if (p.keyVault) io.stdout.write('Give the pipeline app the "Key Vault Secrets Officer" role on the vault, and point the connector\'s client secret at a secret environment variable that reads it.\n');
    }
    if (workflow?.state === 'differs') {
      io.stderr.write(`entra-connector automate: ${workflow.path} exists with other content.\nNext: compare it, then rerun with --force to replace it.\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } catch (error) {
    const e = toDirectoryError(error);
    return fail(e.message, e.next);
  } finally {
    session.dispose();
  }
}

export const automateCommand: CliCommand = {
  name: 'automate',
  summary: 'let a pipeline rotate the connector’s secret: federated pipeline identity, ownership, OwnedBy, workflow',
  run: runAutomate,
};
