// What the connector-folder commands (setup, rotate, automate, deploy, test-connection, secure-service) parse alike:
// the strict argument parse with one <connector-dir>, and the sign-in options turned into a usage error when bad.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { asSettingFailure } from '../cloud/clouds';
import { describeError } from '../errors';
import { parseAuthOption, parseSignInOptions, SignInUsageError, type SignInOptions } from './session';

/** Bad usage: the command prints the message (none for --help) and its usage, and exits with EXIT_USAGE. */
export class UsageError extends Error {}

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

type Parsed<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: T & typeof HELP }>>;

/**
 * Parses `argv` strictly with `options` (and --help/-h); throws UsageError for an unknown option, for --help ('')
 * and unless exactly one <connector-dir> is given. Returns the values and that folder as given.
 */
export function parseConnectorArgs<T extends ParseArgsOptionsConfig>(argv: readonly string[], options: T): { values: Parsed<T>['values']; dir: string } {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...options, ...HELP } }) as Parsed<T>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if ((values as { help?: boolean }).help) throw new UsageError('');
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Missing <connector-dir>.' : `Unexpected argument "${positionals[1]}".`);
  return { values, dir: positionals[0] as string };
}

/** Runs `parse` (sign-in option checks); a bad sign-in option or cloud setting becomes a UsageError. */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SignInUsageError) throw new UsageError(error.message);
    const setting = asSettingFailure(error);
    if (setting) throw new UsageError(describeError(setting));
    throw error;
  }
}

export type CommandSignIn = SignInOptions & { auth?: ReturnType<typeof parseAuthOption>; tenantGiven: boolean };

/** The sign-in options with --auth (for the commands that also take a pipeline's credential). */
export function parseCommandSignIn(values: Parameters<typeof parseSignInOptions>[0] & { auth?: string | undefined }): CommandSignIn {
  return asUsage(() => ({ ...parseSignInOptions(values), auth: parseAuthOption(values.auth), tenantGiven: values.tenant !== undefined }));
}
