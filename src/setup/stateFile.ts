/**
 * The CLI's saved setup context: a JSON file (written atomically, mode 0600) that never holds a secret. The
 * extension keeps the same context in workspaceState instead.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { CONTEXT_VERSION, type SetupContext } from './context';
import type { StateStore } from './engine';

/** Keys that must never reach a state file, whatever a caller put in the context. */
const FORBIDDEN = /secret(text)?$|password$|token$|^authorization$/i;

function assertNoSecret(value: unknown, path = ''): void {
  if (Array.isArray(value)) value.forEach((v, i) => assertNoSecret(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN.test(k) && typeof v === 'string') throw new Error(`Refusing to save a secret-like field (${path}.${k}) in the setup state.`);
      assertNoSecret(v, `${path}.${k}`);
    }
  }
}

export class JsonFileStateStore implements StateStore {
  constructor(readonly path: string) {}

  async load(): Promise<SetupContext | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = JSON.parse(text) as SetupContext;
    return parsed.version === CONTEXT_VERSION ? parsed : undefined;
  }

  async save(ctx: SetupContext): Promise<void> {
    assertNoSecret(ctx);
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(ctx, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** An in-memory store (tests, and callers that persist elsewhere). Saves deep copies. */
export class MemoryStateStore implements StateStore {
  private saved: string | undefined;
  saves = 0;
  async load(): Promise<SetupContext | undefined> {
    return this.saved ? (JSON.parse(this.saved) as SetupContext) : undefined;
  }
  async save(ctx: SetupContext): Promise<void> {
    assertNoSecret(ctx);
    this.saved = JSON.stringify(ctx);
    this.saves++;
  }
  async clear(): Promise<void> {
    this.saved = undefined;
  }
}

/** Where the CLI keeps its setup states (`$XDG_STATE_HOME/entra-connector`, else `~/.local/state/entra-connector`). */
export function cliStateDirectory(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'entra-connector');
}
