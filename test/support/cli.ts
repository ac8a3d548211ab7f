// What the CLI tests repeat: `entra-connector` run in-process against the emulated tenant, with a person at the other
// end who approves the device code it shows and signs in to the connection link it prints, and the cloud flags that
// point it at the emulator.
import { cpSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { approveDevice, signInAsBrowser, type BrowserResult, type Endpoints } from '../../emulator/src';
import { runCli } from '../../src/cli/run';
import { ADMIN } from './tenant';

/** The sample connector the CLI tests set up. */
export const SAMPLE = join(__dirname, '../fixtures/workspaces/sample/Contoso Invoices');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Where each connection sign-in printed on stderr ended in the "browser". */
  readonly browser: BrowserResult[];
}

export interface CliOptions {
  /** The CLI's environment (default empty: no pipeline variables). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Who approves a device code and signs in to a connection link shown on stderr (default the tenant's admin);
   * `false`: nobody is there, as in a pipeline (a run that asks waits until its own timeout).
   */
  readonly user?: string | false;
  /** The approving user also consents for the whole organization (where that user may). */
  readonly consentForOrg?: boolean;
  /** Whether the user accepts the connection's consent prompt in the "browser" (default true). */
  readonly accept?: boolean;
  /** Receives the run's stdout and stderr, named after the command (e.g. for a scan for leaked secrets afterwards). */
  readonly record?: { name: string; text: string }[];
}

/**
 * Runs `entra-connector args` in-process against the emulated tenant `ep`; a device code shown on stderr is approved
 * as `user`, a "Sign in to the connection" link is signed in to as `user`, and the run ends when both are done.
 */
export async function runCliAgainst(ep: Endpoints, args: string[], options: CliOptions = {}): Promise<CliRun> {
  const { env = {}, user = ADMIN, consentForOrg, accept, record } = options;
  let stdout = '';
  let stderr = '';
  const pending: Promise<unknown>[] = [];
  const browser: BrowserResult[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        if (user === false) return true;
        const device = /enter the code (\S+)/.exec(t);
        if (device) pending.push(approveDevice(ep, user, { userCode: device[1], ...(consentForOrg ? { consentForOrg } : {}) }));
        const link = /Sign in to the connection: open (\S+)/.exec(t);
        if (link) pending.push(signInAsBrowser(link[1]!, { username: user, ca: ep.caCertPath, ...(accept === undefined ? {} : { accept }) }).then((r) => browser.push(r)));
        return true;
      },
    },
    env,
  });
  await Promise.all(pending);
  record?.push({ name: `${args[0]} stdout`, text: stdout }, { name: `${args[0]} stderr`, text: stderr });
  return { code, stdout, stderr, browser };
}

/**
 * The flags that point the CLI at the emulated tenant as a custom cloud; `powerPlatform` adds the Power Apps and Flow
 * endpoints, `tenant: false` leaves the tenant to the environment (a pipeline's AZURE_TENANT_ID).
 */
export function cloudArgs(ep: Endpoints, options: { powerPlatform?: boolean; tenant?: boolean } = {}): string[] {
  return [
    '--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint,
    ...(options.powerPlatform ? ['--powerapps-url', ep.powerAppsEndpoint, '--flow-url', ep.flowEndpoint] : []),
    ...(options.tenant === false ? [] : ['--tenant', ep.tenantId]),
  ];
}

/** A fresh copy of the sample connector named `name`, in its own folder under `work`. */
export function connectorCopy(work: string, name = 'Contoso Invoices'): string {
  const dir = join(mkdtempSync(join(work, 'ws-')), name);
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
}

/** Every file below `dir`. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}
