// The system packages the test VS Code and the browser tests need, and what to do when some are missing, so that a
// fresh machine passes with the README's two commands alone (`npm test`, `npm start`): as root on Debian or Ubuntu
// they are installed with apt-get (saying so in one line); anywhere else one line names the packages and the
// command, and the process exits non-zero. The decision is a pure function of injected probes (unit-tested).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Each prerequisite: how to find it, and the Debian/Ubuntu package that provides it. */
export const PREREQUISITES = {
  chromium: { command: 'chromium', path: () => process.env.CHROMIUM_PATH || '/usr/bin/chromium', pkg: 'chromium' },
  rg: { command: 'rg', pkg: 'ripgrep' },
  'g++': { command: 'g++', pkg: 'g++' },
  make: { command: 'make', pkg: 'make' },
  python3: { command: 'python3', pkg: 'python3' },
};

/** True on Debian, Ubuntu and their derivatives (/etc/os-release `ID` or `ID_LIKE`). */
export function isDebianLike(osRelease) {
  const field = (name) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(osRelease ?? '')?.[1] ?? '';
  return [field('ID'), ...field('ID_LIKE').split(/\s+/)].some((id) => id === 'debian' || id === 'ubuntu');
}

/**
 * What to do about `names`: `{ action: 'none' }`, `{ action: 'install', packages, command, line }` (root on a
 * Debian-like Linux with apt-get) or `{ action: 'explain', packages, command, line }`.
 * `env`: `{ has(name) → boolean, platform, uid, osRelease, hasAptGet }`.
 */
export function planPrerequisites(names, env) {
  const missing = names.filter((n) => !env.has(n));
  if (missing.length === 0) return { action: 'none', missing, packages: [] };
  const packages = [...new Set(missing.map((n) => PREREQUISITES[n].pkg))];
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const debian = env.platform === 'linux' && isDebianLike(env.osRelease) && env.hasAptGet;
  if (debian && env.uid === 0) {
    return { action: 'install', missing, packages, command, line: `Installing ${packages.join(', ')} with apt-get (needed by the test VS Code and the browser tests; running as root on Debian/Ubuntu).` };
  }
  const how = debian ? `sudo apt-get update && sudo ${command}` : `install ${packages.join(', ')} with your system's package manager`;
  return { action: 'explain', missing, packages, command, line: `Missing prerequisite: ${missing.join(', ')} — ${how}, then run the command again.` };
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The real machine's probes. */
export function machine() {
  return {
    has: (name) => {
      const p = PREREQUISITES[name];
      return p.path ? existsSync(p.path()) : onPath(p.command);
    },
    platform: process.platform,
    uid: typeof process.getuid === 'function' ? process.getuid() : -1,
    osRelease: existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '',
    hasAptGet: onPath('apt-get'),
  };
}

/** Makes sure `names` are there: installs them (root on Debian/Ubuntu) or prints one line and exits 2. */
export function requirePrerequisites(names, env = machine()) {
  const plan = planPrerequisites(names, env);
  if (plan.action === 'none') return;
  if (plan.action === 'explain') {
    console.error(plan.line);
    process.exit(2);
  }
  console.log(plan.line);
  const apt = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  const ok = spawnSync('apt-get', ['update', '-qq'], apt).status === 0 && spawnSync('sh', ['-c', `${plan.command} -qq`], apt).status === 0;
  const still = names.filter((n) => !env.has(n));
  if (!ok || still.length > 0) {
    console.error(`Could not install ${plan.packages.join(', ')} with apt-get; run "${plan.command}" yourself, then run the command again.`);
    process.exit(2);
  }
}
