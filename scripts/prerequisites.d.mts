// Types for scripts/prerequisites.mjs, so its decision logic can be unit-tested from TypeScript.
export type PrerequisiteName = 'chromium' | 'rg' | 'g++' | 'make' | 'python3';
export interface MachineProbes {
  has(name: PrerequisiteName): boolean;
  platform: string;
  uid: number;
  osRelease: string;
  hasAptGet: boolean;
}
export type PrerequisitePlan =
  | { action: 'none'; missing: PrerequisiteName[]; packages: string[] }
  | { action: 'install' | 'explain'; missing: PrerequisiteName[]; packages: string[]; command: string; line: string };
export const PREREQUISITES: Record<PrerequisiteName, { command: string; pkg: string; path?: () => string }>;
export function isDebianLike(osRelease: string | undefined): boolean;
export function planPrerequisites(names: readonly PrerequisiteName[], env: MachineProbes): PrerequisitePlan;
export function machine(): MachineProbes;
export function requirePrerequisites(names: readonly PrerequisiteName[], env?: MachineProbes): void;
