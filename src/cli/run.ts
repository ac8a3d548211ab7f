/** The entra-connector command line: commands over the same engine as the extension. No VS Code here. */

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage: entra-connector <command> [options]

Commands:
  --version        print the version
  --help           print this help
`;

declare const __VERSION__: string | undefined;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '--version') {
    io.stdout.write(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'dev'}\n`);
    return EXIT_OK;
  }
  io.stderr.write(`entra-connector: unknown command "${command}". Run "entra-connector --help".\n`);
  return EXIT_USAGE;
}
