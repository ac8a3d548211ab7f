// `npm run emulator -- [--port N] [--host H] [--latency-ms N] [--faults <json>] [--seed <json>]`
// Runs the emulated tenant in the foreground and prints exactly one JSON line (the endpoints) when ready.
import { startEmulator } from './server';
import type { EmulatorOptions } from './types';

function usage(message: string): never {
  console.error(`emulator: ${message}\nusage: npm run emulator -- [--port N] [--host H] [--latency-ms N] [--faults <json>] [--seed <json>]`);
  process.exit(2);
}

function parseArgs(argv: string[]): EmulatorOptions {
  const options: EmulatorOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    const number = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) usage(`${flag} must be a non-negative integer`);
      return v;
    };
    const object = () => {
      try {
        const v = JSON.parse(value()) as unknown;
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        return v as Record<string, unknown>;
      } catch {
        return usage(`${flag} must be a JSON object`);
      }
    };
    switch (flag) {
      case '--port':
        options.port = number();
        break;
      case '--host':
        options.host = value();
        break;
      case '--latency-ms':
        options.latencyMs = number();
        break;
      case '--faults':
        options.faults = object();
        break;
      case '--seed':
        options.seed = object();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
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
