// Shared helpers for the scripts and test runners that launch a real VS Code (code-server) with the extension:
// where the test VS Code lives, prerequisite checks, the emulated tenant, user settings, launching and stopping.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_VERSION = '4.100.3';
/** The test VS Code is installed once per clone into an ignored folder; ENTRA_CODE_SERVER_DIR may point elsewhere. */
export const CODE_SERVER_DIR = resolve(process.env.ENTRA_CODE_SERVER_DIR || join(ROOT, '.cache', 'code-server'));
export const CODE_SERVER_MARKER = join(CODE_SERVER_DIR, '.installed');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SAMPLE_WORKSPACE = join(ROOT, 'test', 'fixtures', 'workspaces', 'sample');
export const EMULATOR_CLI = join(ROOT, 'emulator', 'src', 'cli.ts');

export function readManifest() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}

export { requirePrerequisites } from './prerequisites.mjs';

export function codeServerInstalled() {
  return existsSync(CODE_SERVER_MARKER) && readFileSync(CODE_SERVER_MARKER, 'utf8').trim() === CODE_SERVER_VERSION
    && existsSync(CODE_SERVER_ENTRY);
}

/** Installs the test VS Code when it is not there yet (see scripts/install-code-server.mjs). */
export function ensureCodeServer() {
  if (codeServerInstalled()) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'install-code-server.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('Could not install the test VS Code (code-server); see the output above.');
    process.exit(r.status || 1);
  }
}

export function freePort(host = '127.0.0.1') {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Kills a detached child and everything it started (its process group). */
export function killTree(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => {
      killTree(child, 'SIGKILL');
      res();
    }, ms);
    child.once('exit', () => {
      clearTimeout(t);
      res();
    });
  });
}

/**
 * Starts the emulated tenant when the project has it (emulator/src/cli.ts) and returns
 * `{ endpoints, line, stop() }`, or undefined when there is no emulator in this checkout.
 */
export async function startEmulatorProcess({ log = () => {}, timeoutMs = 60_000 } = {}) {
  if (!existsSync(EMULATOR_CLI)) return undefined;
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, EMULATOR_CLI, '--port', '0'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    log(String(d));
  });
  let line;
  try {
    line = await new Promise((res, rej) => {
      let buf = '';
      const onExit = (code) => {
        clearTimeout(timer);
        rej(new Error(`The emulated tenant exited (code ${code}) before it was ready.\n${stderr}`));
      };
      const onData = (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const t = l.trim();
          if (!t.startsWith('{')) continue;
          try {
            JSON.parse(t);
          } catch {
            continue;
          }
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.off('exit', onExit);
          res(t);
          return;
        }
      };
      const timer = setTimeout(() => rej(new Error(`The emulated tenant did not start within ${timeoutMs / 1000}s.\n${stderr}`)), timeoutMs);
      child.stdout.on('data', onData);
      child.once('exit', onExit);
    });
  } catch (err) {
    killTree(child, 'SIGKILL');
    throw err;
  }
  child.stdout.resume();
  return {
    endpoints: JSON.parse(line),
    line,
    async stop() {
      killTree(child);
      await waitForExit(child, 5000);
    },
  };
}

/** Copies the sample connector workspace to a fresh temp folder so that tests and demos may write to it. */
export function copySampleWorkspace(base) {
  const dir = join(base, 'workspace');
  cpSync(SAMPLE_WORKSPACE, dir, { recursive: true });
  return dir;
}

/**
 * VS Code's proxy agent, with `http.systemCertificates` on (the default), replaces Node's CA list with the OS store
 * for the extension host's https and fetch, so NODE_EXTRA_CA_CERTS (the emulated tenant's CA) would be ignored.
 * Off, the extension host uses Node's own store, which includes NODE_EXTRA_CA_CERTS. A user's VS Code with a private
 * cloud has its CA in the OS store instead; either way the product code is the same.
 */
const MACHINE_SETTINGS = { 'http.systemCertificates': false };

/**
 * Machine-scoped settings: in a remote window (code-server) the extension host reads them from Machine/settings.json,
 * not from the user's settings, which the workbench reads. `workbench.welcomePage.walkthroughs.openOnInstall` is one:
 * written to both, the extension's first-run walkthrough (src/vscode/walkthrough.ts) and VS Code agree on it.
 */
const MACHINE_SCOPED = ['http.systemCertificates', 'workbench.welcomePage.walkthroughs.openOnInstall'];

/** Writes `<userDataDir>/User/settings.json`: no first-run noise, and the emulated tenant as a custom cloud. */
export function seedUserSettings(userDataDir, endpoints, extra = {}) {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'window.commandCenter': false,
    ...MACHINE_SETTINGS,
    ...(endpoints
      ? {
          'entraConnector.cloud': 'Custom',
          'entraConnector.customCloud': {
            loginEndpoint: endpoints.loginEndpoint,
            graphEndpoint: endpoints.graphEndpoint,
            armEndpoint: endpoints.armEndpoint,
            ...(endpoints.powerAppsEndpoint ? { powerAppsEndpoint: endpoints.powerAppsEndpoint, flowEndpoint: endpoints.flowEndpoint } : {}),
          },
          ...(endpoints.tenantId ? { 'entraConnector.signIn.tenant': endpoints.tenantId } : {}),
        }
      : {}),
    ...extra,
  };
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // The (remote) extension host reads machine-scoped settings such as http.* from Machine/settings.json.
  mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
  const machine = Object.fromEntries(MACHINE_SCOPED.filter((k) => k in settings).map((k) => [k, settings[k]]));
  writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
  return settings;
}

/** Copies the built extension into `<extensionsDir>/<publisher>.<name>-<version>` (an unpacked install). */
export function installUnpacked(extensionsDir) {
  const m = readManifest();
  const target = join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`);
  mkdirSync(target, { recursive: true });
  for (const f of ['package.json', 'dist', 'media', 'README.md', 'LICENSE', 'package.nls.json', 'l10n']) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(target, f), { recursive: true });
  }
  // The host bundle is self-contained except for dependencies esbuild leaves external; none today.
  return target;
}

export function makeTempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

/**
 * How code-server lets people in. With a password (npm start on a shared machine: any local user can reach a
 * loopback port, and the workbench has a terminal running as you) it asks for it; the password goes in through the
 * environment (`PASSWORD`, which only you and root can read), never the command line or a file. The test runners,
 * whose browser cannot type it, run without one for the few minutes of a run.
 */
export function codeServerAuth(password) {
  if (password === undefined) return { mode: 'none', env: {} };
  if (typeof password !== 'string' || password.length < 16) throw new Error('The code-server password must be at least 16 characters.');
  return { mode: 'password', env: { PASSWORD: password } };
}

/** A random password for code-server (printed to the user's own terminal only). */
export function randomPassword() {
  return randomBytes(18).toString('base64url');
}

/**
 * Launches code-server on a free loopback port and resolves when it answers HTTP.
 * Returns `{ url, port, userDataDir, extensionsDir, stop(), output() }`.
 */
export async function startCodeServer({
  baseDir,
  workspaceDir,
  env = {},
  host = '127.0.0.1',
  port,
  log = () => {},
  timeoutMs = 90_000,
  password,
}) {
  const userDataDir = join(baseDir, 'user-data');
  const extensionsDir = join(baseDir, 'extensions');
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const p = port ?? (await freePort(host));
  const config = join(baseDir, 'code-server.yaml');
  const auth = codeServerAuth(password);
  writeFileSync(config, `# Isolated from ~/.config/code-server; the command line sets the rest.\nauth: ${auth.mode}\n`, { mode: 0o600 });
  const args = [
    CODE_SERVER_ENTRY,
    '--config', config,
    '--auth', auth.mode,
    '--bind-addr', `${host}:${p}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
  ];
  if (workspaceDir) args.push(workspaceDir);
  let output = '';
  const child = spawn(process.execPath, args, {
    cwd: baseDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, ...auth.env, VSCODE_PROXY_URI: '' },
  });
  const onData = (d) => {
    output += d;
    log(String(d));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = `http://${host}:${p}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (code ${child.exitCode}) before it was ready:\n${output}`);
    try {
      const res = await fetch(`${url}healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      killTree(child, 'SIGKILL');
      throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000}s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port: p,
    host,
    userDataDir,
    extensionsDir,
    child,
    output: () => output,
    async stop() {
      killTree(child);
      await waitForExit(child, 5000);
    },
  };
}

/**
 * The workbench URL. With `extensionDevelopmentPath`/`extensionTestsPath` (local paths) it carries them in the
 * `payload` query parameter as `vscode-remote://` URIs — the way @vscode/test-web does — so that the extension
 * host loads the extension under development and runs the test module inside itself.
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const u = new URL(server.url);
  const authority = `${server.host}:${server.port}`;
  const remote = (p) => `vscode-remote://${authority}${encodeURI(p)}`;
  if (folder) u.searchParams.set('folder', folder);
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  if (payload.length > 0) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}
