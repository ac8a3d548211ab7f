/**
 * One signal for "the product changed the tenant": every write (the guided setup and its Undo, tree actions,
 * Rotate, the explainer's and the quick fixes' repairs, the CLI through its state file) reports it here, and the
 * registration views re-read what it affects. A view that shows something no longer true is the bug this prevents.
 */
import * as vscode from 'vscode';

export type DirectoryWriter = 'wizard' | 'tree' | 'explainer' | 'quickFix' | 'cli';

export interface DirectoryWrite {
  readonly by: DirectoryWriter;
  /** The Connectors view already shows the change (applied from Graph's answer); only a settling re-read is due. */
  readonly connectorsShown?: boolean;
}

const emitter = new vscode.EventEmitter<DirectoryWrite>();

export const onDidWriteDirectory = emitter.event;

export function directoryWritten(write: DirectoryWrite): void {
  emitter.fire(write);
}
