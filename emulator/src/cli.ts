// `npm run emulator -- [--port N] [--host H] [--latency-ms N] [--faults <json>] [--seed <json>]`
// Runs the emulated tenant in the foreground and prints exactly one JSON line (the endpoints) when ready.
import { parseArgs, USAGE, UsageError } from './cli-args';
import { startEmulator } from './server';

async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`emulator: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  let running;
  try {
    running = await startEmulator(options);
  } catch (e) {
    console.error(`emulator: could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(running.endpoints)}\n`);
  const stop = () => {
    void running.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
