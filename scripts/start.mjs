// npm start: builds the extension, starts the emulated tenant (when the checkout has one), and serves a real VS Code
// (code-server) with the extension under development and a temp copy of the sample connector workspace.
// Prints the URL to open; Ctrl-C (or SIGTERM) stops everything.
//   npm start                         code-server on 127.0.0.1:<free port>  (--port N to choose), behind a random
//                                     password printed here only (other users of the machine can reach the port)
//   npm start -- --desktop            a local desktop VS Code (`code` on PATH) instead of code-server
//   npm start -- --no-emulator        without the emulated tenant (your settings choose the cloud)
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  ROOT,
  copySampleWorkspace,
  ensureCodeServer,
  makeTempDir,
  randomPassword,
  removeDir,
  seedUserSettings,
  startCodeServer,
  startEmulatorProcess,
  workbenchUrl,
} from './codeServer.mjs';

/** `npm start` is the product as a new user meets it: its Get Started walkthrough opens on the first activation. */
const FIRST_RUN = { 'workbench.welcomePage.walkthroughs.openOnInstall': true };

const argv = process.argv.slice(2);
const desktop = argv.includes('--desktop');
const withEmulator = !argv.includes('--no-emulator');
const portArg = argv.indexOf('--port');
const port = portArg >= 0 ? Number(argv[portArg + 1]) : undefined;
if (portArg >= 0 && !(port > 0 && port < 65536)) {
  console.error('--port needs a number between 1 and 65535.');
  process.exit(2);
}

let codeBinary;
if (desktop) {
  codeBinary = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).stdout.trim();
  if (!codeBinary) {
    console.error('Desktop VS Code was not found: no `code` command on PATH. Install VS Code, or run `npm start` without --desktop to use code-server.');
    process.exit(2);
  }
} else {
  ensureCodeServer();
}

console.log('Building…');
const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

const base = makeTempDir('entra-start-');
let emulator;
let server;
let desktopChild;
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  desktopChild?.kill('SIGTERM');
  await server?.stop().catch(() => {});
  await emulator?.stop().catch(() => {});
  removeDir(base);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  emulator = withEmulator ? await startEmulatorProcess() : undefined;
  const workspaceDir = copySampleWorkspace(base);
  const env = emulator ? { ENTRA_EMULATOR: emulator.line, NODE_EXTRA_CA_CERTS: emulator.endpoints.caCertPath } : {};

  if (desktop) {
    // A separate profile (user-data-dir) so that the emulator's settings never touch the user's own VS Code.
    const userDataDir = join(base, 'user-data');
    seedUserSettings(userDataDir, emulator?.endpoints, FIRST_RUN);
    desktopChild = spawn(codeBinary, ['--wait', '--new-window', `--user-data-dir=${userDataDir}`, `--extensionDevelopmentPath=${ROOT}`, workspaceDir], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    desktopChild.on('exit', () => void stop(0));
    console.log(`\nDesktop VS Code started with the extension under development and ${workspaceDir}.`);
  } else {
    seedUserSettings(join(base, 'user-data'), emulator?.endpoints, FIRST_RUN);
    // Other users of this machine can reach 127.0.0.1 too: code-server asks for a password only you see.
    const password = randomPassword();
    server = await startCodeServer({ baseDir: base, env, port, password });
    server.child.on('exit', (code) => {
      if (!stopping) {
        console.error(`code-server exited (code ${code}).\n${server.output().slice(-3000)}`);
        void stop(1);
      }
    });
    const url = workbenchUrl(server, { folder: workspaceDir, extensionDevelopmentPath: ROOT });
    console.log('\nEntra Connector is running in VS Code (code-server). Open:\n');
    console.log(`  ${url}\n`);
    console.log(`Password (for this run only; keep it to yourself): ${password}\n`);
  }
  if (emulator) {
    console.log(`Emulated tenant ${emulator.endpoints.tenantId} at ${emulator.endpoints.loginEndpoint}`);
    for (const a of emulator.endpoints.accounts ?? []) console.log(`  account: ${a.username}  (${(a.roles ?? []).join(', ')})`);
  } else {
    console.log(withEmulator ? 'No emulated tenant in this checkout yet; running without it.' : 'Running without the emulated tenant.');
  }
  console.log(`Workspace: ${workspaceDir} (a temp copy of test/fixtures/workspaces/sample)`);
  console.log('Press Ctrl-C to stop.');
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  await stop(1);
}
