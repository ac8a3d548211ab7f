// What the emulator-backed tests repeat: the emulated tenant and a temporary folder for a suite, and a Graph client /
// Directory signed in as one of the tenant's users (real tokens from the emulator's admin token endpoint).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { adminTokenSource, startEmulator, type Endpoints, type InProcessOptions, type RunningEmulator } from '../../emulator/src';
import { createGraphClient, type GraphClientOptions } from '../../src/graph/client';
import { Directory } from '../../src/graph/operations';
import { scanRunForSecrets } from '../reliability/scan.mjs';

export const ADMIN = 'admin@contoso.example';
export const MAKER = 'maker@contoso.example';

export interface Tenant {
  readonly emu: RunningEmulator;
  readonly ep: Endpoints;
  /** A fresh temporary folder, removed after the suite ('' without `temp`). */
  readonly work: string;
}

/**
 * Starts the emulated tenant (and a temporary folder named `temp…`) before the suite's tests, stops and removes them
 * after; `use` receives them once started, e.g. `useTenant({ temp: 'entra-x-' }, (t) => ({ ep, work } = t))`.
 */
export function useTenant(
  options: { temp?: string; emulator?: InProcessOptions; /** Runs after the suite, while the tenant still answers (e.g. a scan for leaked secrets). */ beforeStop?: (tenant: Tenant) => Promise<void> },
  use: (tenant: Tenant) => void,
): void {
  let tenant: Tenant | undefined;
  before(async () => {
    const emu = await startEmulator({ port: 0, ...options.emulator });
    tenant = { emu, ep: emu.endpoints, work: options.temp ? mkdtempSync(join(tmpdir(), options.temp)) : '' };
    use(tenant);
  });
  after(async () => {
    try {
      if (tenant && options.beforeStop) await options.beforeStop(tenant);
    } finally {
      await tenant?.emu.stop();
      if (tenant?.work) rmSync(tenant.work, { recursive: true, force: true });
    }
  });
}

/**
 * A `beforeStop` for {@link useTenant}: every secret and token the tenant handed out is searched for in the suite's
 * temporary folder and in `outputs` (what the suite's commands printed); the suite fails on any hit.
 */
export function noLeaks(outputs: readonly { name: string; text: string }[]): (tenant: Tenant) => Promise<void> {
  return async (tenant) => {
    const { hits, summary } = await scanRunForSecrets({ emulator: tenant.ep, dirs: [tenant.work], texts: [...outputs] });
    assert.deepEqual(hits, [], summary);
  };
}

/** A temporary folder named `prefix…` for the suite, removed after it; `use` receives its path. */
export function useTempDir(prefix: string, use: (dir: string) => void): void {
  let dir = '';
  before(() => use((dir = mkdtempSync(join(tmpdir(), prefix)))));
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

export interface GraphOptions extends Partial<Omit<GraphClientOptions, 'graphEndpoint' | 'getAccessToken'>> {
  /** The signed-in user; default the tenant's admin. */
  readonly user?: string;
  /** Sees every token handed out. */
  readonly onToken?: (token: string) => void;
}

/** A Graph client for the emulated tenant, signed in as `user`. */
export function graphClientFor(ep: Endpoints, options: GraphOptions = {}) {
  const { user = ADMIN, onToken, ...rest } = options;
  return createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: adminTokenSource(ep, user, onToken), ...rest });
}

/** A Directory for the emulated tenant; replication waits are short (the emulator replicates within milliseconds). */
export function directoryFor(ep: Endpoints, options: GraphOptions & { readonly replication?: { attempts: number; delayMs: number }; readonly sleep?: (ms: number) => Promise<void> } = {}): Directory {
  const { replication = { attempts: 30, delayMs: 50 }, sleep, ...graph } = options;
  return new Directory(graphClientFor(ep, { retry: { maxDelayMs: 20 }, ...graph }), { replication, ...(sleep ? { sleep } : {}) });
}
