import { runCli } from './run';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`entra-connector: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
