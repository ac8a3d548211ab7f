// Command-line arguments of `npm run emulator` (kept apart from cli.ts so tests can parse without starting a server).
import type { EmulatorOptions } from './types';

export class UsageError extends Error {}

export const USAGE = 'usage: npm run emulator -- [--port N] [--host H] [--latency-ms N] [--faults <json>] [--seed <json>]';

function usage(message: string): never {
  throw new UsageError(message);
}

export function parseArgs(argv: string[]): EmulatorOptions {
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
