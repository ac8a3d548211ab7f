/** What a command of the entra-connector command line is; `run.ts` keeps the table of them. */

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliCommand {
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** Gets the arguments after the command name; returns the exit code (EXIT_OK / EXIT_FAILED / EXIT_USAGE). */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
