/**
 * Which file-system events can change the set of connector folders, beyond a watcher on the connector files
 * themselves. Two cases that watcher misses:
 * - a folder created with its files at once (`paconn download`, `git checkout`, an unzip): on Linux the recursive
 *   watcher may report only the folder, since the file was written before the new folder was watched
 *   (parcel-bundler/watcher#243, microsoft/vscode#227252);
 * - a folder deleted with its files: VS Code reports the folder's deletion only, not each file's.
 * Paths are URI paths ('/'-separated).
 */

/** Folders whose content never holds a connector the views show (findConnectorFolders skips node_modules too). */
const IGNORED_SEGMENTS = new Set(['node_modules', '.git']);

/** Whether something created at `path` may be (or hold) a new connector folder: anything outside ignored folders. */
export function mayHoldConnector(path: string): boolean {
  return !path.split('/').some((segment) => IGNORED_SEGMENTS.has(segment));
}

/** Whether deleting `removed` removes one of the known connector folders (the folder itself, or a folder above it). */
export function removesConnector(removed: string, connectorFolders: readonly string[]): boolean {
  const prefix = removed.endsWith('/') ? removed : `${removed}/`;
  return connectorFolders.some((folder) => folder === removed || folder.startsWith(prefix));
}

/**
 * Whether folders created meanwhile call for a re-read: one that is not a connector folder the view already lists.
 * A connector folder made with its file is usually listed by the file's own event first; its folder's event then
 * adds nothing.
 */
export function addsFolders(createdFolders: readonly string[], connectorFolders: readonly string[]): boolean {
  const known = new Set(connectorFolders.map((f) => f.replace(/\/+$/, '')));
  return createdFolders.some((f) => !known.has(f.replace(/\/+$/, '')));
}
