/** jsonc-parser `modify` with the file's own indentation and line ending, applied to the text. */
import { applyEdits, modify, parseTree, type JSONPath, type ParseError } from 'jsonc-parser';
import { indentUnit } from '../connector/edits';

export function formattingOf(text: string): { insertSpaces: boolean; tabSize: number; eol: string } {
  const unit = indentUnit(text);
  return { insertSpaces: unit !== '\t', tabSize: unit === '\t' ? 1 : unit.length, eol: /\r\n/.test(text) ? '\r\n' : '\n' };
}

export function setJson(text: string, path: JSONPath, value: unknown, options: { isArrayInsertion?: boolean } = {}): string {
  // A BOM is kept as it was (the rules elsewhere report it); the edit is computed on the text after it.
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  return bom + applyEdits(body, modify(body, path, value, { formattingOptions: formattingOf(body), ...options }));
}

/** Parses strictly enough to refuse a file we cannot edit safely; returns the reason or undefined. */
export function jsonProblem(text: string): string | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !root) return `it is not valid JSON (offset ${errors[0]?.offset ?? 0})`;
  if (root.type !== 'object') return 'it is not a JSON object';
  return undefined;
}
