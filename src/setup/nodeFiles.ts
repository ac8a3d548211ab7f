/** Connector files on the local disk, for the CLI: edits are applied to the text read and the file is rewritten. */
import { readFile, writeFile } from 'node:fs/promises';
import { applyEdits } from 'jsonc-parser';
import type { SetupFiles } from './engine';

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
    const text = change.before === undefined ? change.after : applyEdits(change.before, [...change.edits]);
    await writeFile(change.path, text, 'utf8');
  },
};
