/**
 * The entra-connector command line: commands over the same engine as the extension. No VS Code here.
 * To add a command, write a `CliCommand` in its own module and add it to COMMANDS.
 */
import { automateCommand } from './automate';
import { checkCommand } from './check';
import { deployCommand, testConnectionCommand } from './deploy';
import { EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';
import { explainCommand } from './explain';
import { rotateCommand } from './rotate';
import { secureServiceCommand } from './secureService';
import { setupCommand } from './setup';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';

export const COMMANDS: readonly CliCommand[] = [automateCommand, checkCommand, deployCommand, explainCommand, rotateCommand, secureServiceCommand, setupCommand, testConnectionCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 9) + 2;
  return `Usage: entra-connector <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}
  ${'--version'.padEnd(width)}print the version
  ${'--help'.padEnd(width)}print this help ("entra-connector <command> --help" for a command's)

Exit codes: 0 ok, 1 failed (e.g. errors found), 2 usage error.
`;
}

declare const __VERSION__: string | undefined;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage());
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '--version') {
    io.stdout.write(`${typeof __VERSION__ === 'string' ? __VERSION__ : 'dev'}\n`);
    return EXIT_OK;
  }
  const found = COMMANDS.find((c) => c.name === command);
  if (!found) {
    io.stderr.write(`entra-connector: unknown command "${command}". Run "entra-connector --help".\n`);
    return EXIT_USAGE;
  }
  return found.run(rest, io);
}
