// The measures that need a real VS Code (code-server + Chromium): run bench/vscode.ts under tsx with a time limit and
// return its JSON, or say why they were not measured.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const LIMIT_MS = Number(process.env.ENTRA_BENCH_VSCODE_TIMEOUT_MS ?? 600_000);

export async function measureInVsCode({ say, caPath, root }) {
  const script = join(root, 'bench', 'vscode.ts');
  if (!existsSync(script)) return { notMeasured: 'bench/vscode.ts is missing' };
  say(`VS Code measures (code-server + Chromium, up to ${LIMIT_MS / 1000} s)…`);
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }, LIMIT_MS);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (process.env.ENTRA_BENCH_VERBOSE) process.stderr.write(d);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop();
      try {
        if (code === 0 && line) return resolve(JSON.parse(line));
      } catch {
        /* fall through */
      }
      resolve({ notMeasured: signal ? `stopped after ${LIMIT_MS / 1000} s (set ENTRA_BENCH_VSCODE_TIMEOUT_MS)` : `bench/vscode.ts failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}` });
    });
  });
}
