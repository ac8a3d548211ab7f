/**
 * The CLI's saved setup context: a JSON file (written atomically, mode 0600) that never holds a secret. The
 * extension keeps the same context in workspaceState instead.
 */
import { link, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CONTEXT_VERSION, STEP_IDS, connectorName, legacyUniqueNamesFor, uniqueNamesFor, upgradeContext, withAllSteps, type SetupContext } from './context';
import { isValidTenant } from '../auth/settings';
import { UserFailure } from '../errors';
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GRANT_ID = /^[A-Za-z0-9_-]{1,200}$/;

/** A state file that is not one this tool wrote: the message names the field, `next` says what to do. */
function stateFileError(path: string, problem: string): UserFailure {
  return new UserFailure({
    code: 'StateFileRejected',
    message: `The setup state file ${path} was not used: ${problem}.`,
    next: `Delete ${path} (the setup then starts afresh and finds nothing to undo), or pass another --state file.`,
  });
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks a parsed state file before anything acts on it (Undo deletes the objects it names): the shape this tool
 * writes, object IDs that are GUIDs, and uniqueNames that are the ones this tool derives from the folder, tenant and
 * setup identity. Returns the problem, or undefined when the file is sound.
 */
export function stateProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'it is not a JSON object';
  if (typeof value.runId !== 'string' || !GUID.test(value.runId)) return 'runId is not a GUID';
  if (typeof value.connectorDir !== 'string' || value.connectorDir === '') return 'connectorDir is missing';
  if (typeof value.tenantId !== 'string' || !isValidTenant(value.tenantId)) return 'tenantId is not a tenant ID or domain';
  const cloud = value.cloud;
  if (!isObject(cloud) || typeof cloud.name !== 'string' || typeof cloud.loginEndpoint !== 'string' || typeof cloud.graphEndpoint !== 'string') return 'cloud is incomplete';
  if (!isObject(value.choices) || !isObject(value.choices.api) || !isObject(value.choices.connector)) return 'choices are incomplete';
  const names = value.uniqueNames;
  const folder = connectorName({ connectorDir: value.connectorDir });
  const derived = [uniqueNamesFor(folder, value.tenantId, value.runId), legacyUniqueNamesFor(folder, value.tenantId)];
  if (!isObject(names) || !derived.some((d) => names.api === d.api && names.client === d.client)) return 'its uniqueNames are not the ones this tool derives for that folder, tenant and setup';
  if (!isObject(value.objects) || !isObject(value.intents) || !isObject(value.steps)) return 'objects, intents or steps are missing';
  if (!STEP_IDS.every((id) => id === 'deploy' || isObject((value.steps as Json)[id]))) return 'a step is missing';
  const o = value.objects;
  const microsoft = (value.choices.api as Json).kind === 'microsoft';
  const ids: Array<[string, unknown, RegExp]> = [];
  for (const key of ['apiApp', 'connectorApp'] as const) {
    const app = o[key];
    if (app === undefined) continue;
    if (!isObject(app)) return `objects.${key} is not an object`;
    if (!(key === 'apiApp' && microsoft && app.id === '')) ids.push([`objects.${key}.id`, app.id, GUID]);
    ids.push([`objects.${key}.appId`, app.appId, GUID]);
    if (typeof app.created !== 'boolean') return `objects.${key}.created is not true or false`;
  }
  for (const key of ['apiSp', 'connectorSp'] as const) if (o[key] !== undefined) ids.push([`objects.${key}.id`, isObject(o[key]) ? o[key].id : undefined, GUID]);
  if (o.grant !== undefined) ids.push(['objects.grant.id', isObject(o.grant) ? o.grant.id : undefined, GRANT_ID]);
  if (o.password !== undefined) ids.push(['objects.password.keyId', isObject(o.password) ? o.password.keyId : undefined, GUID]);
  for (const [name, id, pattern] of ids) if (typeof id !== 'string' || !pattern.test(id)) return `${name} is not an object ID this tool records`;
  return undefined;
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
    // The file decides which objects Undo deletes: one that others may write, or of another shape, is not used.
    const { mode } = await stat(this.path);
    if (process.platform !== 'win32' && (mode & 0o022) !== 0) throw stateFileError(this.path, 'other users may write to it');
    let parsed: unknown;
    try {
      parsed = upgradeContext(JSON.parse(text));
    } catch {
      throw stateFileError(this.path, 'it is not JSON');
    }
    if (isObject(parsed) && parsed.version !== CONTEXT_VERSION) return undefined;
    const problem = stateProblem(parsed);
    if (problem) throw stateFileError(this.path, problem);
    return withAllSteps(parsed as unknown as SetupContext);
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

  /**
   * Records a new setup only if no state file exists yet, atomically (a hard link of a complete temporary file):
   * of two first runs of the same connector started at once, one wins and the other continues with the winner's
   * context — the same setup identity, so the same apps. Returns the context to run.
   */
  async claim(ctx: SetupContext): Promise<SetupContext> {
    assertNoSecret(ctx);
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.claim.tmp`;
    await writeFile(tmp, `${JSON.stringify(ctx, null, 2)}\n`, { mode: 0o600 });
    try {
      await link(tmp, this.path);
      return ctx;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return (await this.load()) ?? ctx;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}

/** An in-memory store (tests, and callers that persist elsewhere). Saves deep copies. */
export class MemoryStateStore implements StateStore {
  private saved: string | undefined;
  saves = 0;
  async load(): Promise<SetupContext | undefined> {
    return this.saved ? withAllSteps(JSON.parse(this.saved) as SetupContext) : undefined;
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
