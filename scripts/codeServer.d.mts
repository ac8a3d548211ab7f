// Types for scripts/codeServer.mjs, so TypeScript tests (test/e2e/support.ts) can use the launcher helpers.
import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export const CODE_SERVER_VERSION: string;
export const CODE_SERVER_DIR: string;
export const CODE_SERVER_ENTRY: string;
export const CHROMIUM: string;
export const CHROMIUM_ARGS: string[];
export const SAMPLE_WORKSPACE: string;
export const EMULATOR_CLI: string;

/** The emulator's JSON line, as agreed: endpoints, tenant, CA and seeded accounts. */
export interface EmulatorEndpoints {
  loginEndpoint: string;
  graphEndpoint: string;
  armEndpoint: string;
  adminEndpoint: string;
  /** Random per start: admin calls send `Authorization: Bearer <adminToken>`. */
  adminToken: string;
  powerAppsEndpoint: string;
  flowEndpoint: string;
  /** The VM metadata endpoint (IMDS) stand-in, plain HTTP. */
  imdsEndpoint: string;
  tenantId: string;
  caCertPath: string;
  accounts: { username: string; roles: string[] }[];
}
export interface EmulatorProcess {
  endpoints: EmulatorEndpoints;
  line: string;
  stop(): Promise<void>;
}
export interface CodeServer {
  url: string;
  port: number;
  host: string;
  userDataDir: string;
  extensionsDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function readManifest(): { name: string; publisher: string; version: string; [key: string]: unknown };
export function requirePrerequisites(names: ('chromium' | 'rg' | 'g++' | 'make' | 'python3')[]): void;
export function codeServerInstalled(): boolean;
export function ensureCodeServer(): void;
export function freePort(host?: string): Promise<number>;
export function killTree(child: ChildProcess, signal?: NodeJS.Signals): void;
export function startEmulatorProcess(options?: { log?: (s: string) => void; timeoutMs?: number }): Promise<EmulatorProcess | undefined>;
export function copySampleWorkspace(base: string): string;
export function seedUserSettings(userDataDir: string, endpoints?: EmulatorEndpoints, extra?: Record<string, unknown>): Record<string, unknown>;
export function installUnpacked(extensionsDir: string): string;
export function makeTempDir(prefix: string): string;
export function removeDir(dir: string): void;
export function startCodeServer(options: {
  baseDir: string;
  workspaceDir?: string;
  env?: Record<string, string>;
  host?: string;
  port?: number;
  log?: (s: string) => void;
  timeoutMs?: number;
  /** code-server asks for it (npm start); without one it lets anyone on the loopback port in (test runs only). */
  password?: string;
}): Promise<CodeServer>;
export function codeServerAuth(password?: string): { mode: 'none' | 'password'; env: Record<string, string> };
export function randomPassword(): string;
export function workbenchUrl(
  server: Pick<CodeServer, 'url' | 'host' | 'port'>,
  options?: { folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string },
): string;
