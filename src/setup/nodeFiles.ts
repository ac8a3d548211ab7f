/** Connector files on the local disk, for the CLI: edits are applied to the text read and the file is replaced atomically. */
import { readFile, rm } from 'node:fs/promises';
import { applyEdits } from 'jsonc-parser';
import type { SetupFiles } from './engine';
import { keepLineEndings, writeFileAtomic } from './atomicWrite';

export const nodeFiles: SetupFiles = {
  async read(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async apply(change) {
    if (change.remove) return rm(change.path, { force: true });
    const text = change.before === undefined ? change.after : keepLineEndings(change.before, applyEdits(change.before, [...change.edits]));
    await writeFileAtomic(change.path, text);
  },
};
