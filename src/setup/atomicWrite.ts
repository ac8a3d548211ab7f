/**
 * The CLI's file writes: never a half-written connector file or local.settings.json (a crash, a full disk or a
 * concurrent reader sees the old file or the new one), and the file's own line endings and mode kept.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * `after` with the line endings of `before`: a file whose lines all end in CRLF stays CRLF where an edit inserted
 * bare LFs. A file that mixes both is left as the edit made it (no unrelated line changes).
 */
export function keepLineEndings(before: string | undefined, after: string): string {
  if (before === undefined || !before.includes('\r\n') || /(^|[^\r])\n/.test(before)) return after;
  return after.replace(/\r?\n/g, '\r\n');
}

/** Writes `text` to a temporary file next to `path` (same mode as the file it replaces), then renames it over. */
export async function writeFileAtomic(path: string, text: string, options: { mode?: number } = {}): Promise<void> {
  let mode = options.mode;
  if (mode === undefined) {
    try {
      mode = (await stat(path)).mode & 0o777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx', ...(mode !== undefined ? { mode } : {}) });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
