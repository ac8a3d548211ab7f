/** `entra-connector explain "<AADSTS message>" [--json]`: what a sign-in error means for a connector. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { explainSignInError, type Extracted } from '../connector/explain';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './command';

const USAGE = `Usage: entra-connector explain "<sign-in error message>" [--json]
       entra-connector explain - [--json]      (read the message from standard input)

Explains an AADSTS error for a Power Platform custom connector: meaning, likely cause, fix, and what the
message names (redirect URI, client ID, resource, tenant). Exits 1 when no known AADSTS code is found.
`;

const LABELS: Record<keyof Extracted, string> = {
  redirectUri: 'redirect URI',
  clientId: 'client ID',
  clientName: 'client name',
  resource: 'resource',
  resourceAppId: 'resource app ID',
  tenant: 'tenant',
  user: 'user',
  scope: 'scope',
  traceId: 'trace ID',
  correlationId: 'correlation ID',
  timestamp: 'timestamp',
};

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    io.stderr.write(`entra-connector explain: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (parsed.positionals.length === 0) {
    io.stderr.write(`entra-connector explain: give the error message.\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const message = parsed.positionals.length === 1 && parsed.positionals[0] === '-' ? readFileSync(0, 'utf8') : parsed.positionals.join(' ');
  const e = explainSignInError(message);
  if (parsed.values.json) {
    io.stdout.write(`${JSON.stringify(e, null, 2)}\n`);
  } else {
    const lines = [
      `${e.code ?? 'No AADSTS code'}: ${e.title}`,
      `Meaning: ${e.meaning}`,
      `Likely cause: ${e.cause}`,
      `Fix: ${e.fix}`,
    ];
    const found = (Object.keys(LABELS) as Array<keyof Extracted>).filter((k) => e.extracted[k] !== undefined);
    if (found.length > 0) lines.push('From the message:', ...found.map((k) => `  ${LABELS[k]}: ${e.extracted[k]}`));
    if (e.rule) lines.push(`"entra-connector check" finds this before sign-in as: ${e.rule}`);
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return e.known ? EXIT_OK : EXIT_FAILED;
}

export const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'explain an AADSTS sign-in error: "<message>" [--json]',
  run,
};
