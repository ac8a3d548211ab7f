// Installs the test VS Code — code-server 4.100.3 (VS Code 1.100.3, the last release for Node 20) — offline,
// into an ignored cache folder (.cache/code-server, or $ENTRA_CODE_SERVER_DIR), once; later runs reuse it.
// code-server's own postinstall downloads binaries from GitHub, which this kind of machine cannot reach, so
// the install runs with --ignore-scripts and does that work here: native modules are built with node-gyp
// against the local Node headers, and ripgrep comes from Debian's `ripgrep` package.
// Usage: node scripts/install-code-server.mjs [--force]
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CODE_SERVER_DIR,
  CODE_SERVER_ENTRY,
  CODE_SERVER_MARKER,
  CODE_SERVER_VERSION,
  codeServerInstalled,
  requirePrerequisites,
} from './codeServer.mjs';

const force = process.argv.includes('--force');
if (codeServerInstalled() && !force) {
  console.log(`code-server ${CODE_SERVER_VERSION} is already installed in ${CODE_SERVER_DIR}`);
  process.exit(0);
}
requirePrerequisites(['rg', 'g++', 'make', 'python3']);

const started = Date.now();
const step = (msg) => console.log(`[install-code-server ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);

function run(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status}) in ${cwd}:\n${(r.stdout || '').slice(-3000)}\n${(r.stderr || '').slice(-3000)}`);
    process.exit(1);
  }
  return r.stdout;
}

/** node-gyp as shipped with npm, or from the registry through npx. */
function nodeGyp() {
  const npmDir = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(npmDir) ? [process.execPath, [npmDir]] : ['npx', ['--yes', 'node-gyp']];
}

/** Local Node headers (Debian's nodejs ships them in /usr/include/node); without them node-gyp would download them. */
function nodedirArgs() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
}

function gypRebuild(dir, extra = []) {
  const [cmd, pre] = nodeGyp();
  run(cmd, [...pre, 'rebuild', '-j', '2', ...nodedirArgs(), ...extra], dir, `node-gyp rebuild (${dir})`);
}

if (force || existsSync(CODE_SERVER_DIR)) rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
mkdirSync(CODE_SERVER_DIR, { recursive: true });
writeFileSync(join(CODE_SERVER_DIR, 'package.json'), JSON.stringify({ name: 'entra-connector-test-vscode', private: true }, null, 2));

const npm = 'npm';
const quiet = ['--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
step(`npm install code-server@${CODE_SERVER_VERSION} (without its download scripts)…`);
run(npm, ['install', `code-server@${CODE_SERVER_VERSION}`, ...quiet], CODE_SERVER_DIR, 'npm install code-server');

const csDir = join(CODE_SERVER_DIR, 'node_modules', 'code-server');
const vscodeDir = join(csDir, 'lib', 'vscode');
step('npm install in lib/vscode (VS Code server dependencies)…');
run(npm, ['install', '--omit=dev', ...quiet], vscodeDir, 'npm install (lib/vscode)');

for (const mod of ['@parcel/watcher', '@vscode/spdlog', 'native-watchdog', 'node-pty', '@vscode/deviceid']) {
  const dir = join(vscodeDir, 'node_modules', mod);
  if (!existsSync(join(dir, 'binding.gyp'))) continue;
  step(`building native module ${mod}…`);
  gypRebuild(dir);
}

step('ripgrep from Debian…');
const rgSource = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
const rgTarget = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
mkdirSync(dirname(rgTarget), { recursive: true });
copyFileSync(rgSource, rgTarget);
chmodSync(rgTarget, 0o755);

const asar = join(vscodeDir, 'node_modules.asar');
if (!existsSync(asar)) symlinkSync('node_modules', asar);

step('npm install in lib/vscode/extensions (built-in extensions)…');
run(npm, ['install', '--omit=dev', ...quiet], join(vscodeDir, 'extensions'), 'npm install (lib/vscode/extensions)');

const argon2 = join(CODE_SERVER_DIR, 'node_modules', 'argon2');
if (existsSync(join(argon2, 'binding.gyp'))) {
  step('building native module argon2…');
  gypRebuild(argon2, ['--module_name=argon2', '--module_path=lib/binding/napi-v3', '--napi_build_version=3']);
  const built = join(argon2, 'build', 'Release', 'argon2.node');
  const target = join(argon2, 'lib', 'binding', 'napi-v3', 'argon2.node');
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(built, target);
  }
}

step('checking the installation…');
const version = run(process.execPath, [CODE_SERVER_ENTRY, '--config', join(CODE_SERVER_DIR, 'config.yaml'), '--version'], CODE_SERVER_DIR, 'code-server --version')
  .split('\n')
  .find((l) => l.startsWith(CODE_SERVER_VERSION));
if (!version) {
  console.error(`code-server --version does not report ${CODE_SERVER_VERSION}.`);
  process.exit(1);
}
writeFileSync(CODE_SERVER_MARKER, CODE_SERVER_VERSION + '\n');
step(`done: code-server ${version} in ${CODE_SERVER_DIR}`);
