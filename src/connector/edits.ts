/**
 * The one place that edits JSON files (apiProperties.json, the swagger, local.settings.json, policy templates):
 * format-preserving edits whose inserted text follows the file's own line ending and indentation, detected once
 * here. The quick fixes use the hand-written edits below, which touch only the bytes of the value, key or property
 * they change (jsonc-parser's `modify` re-formats the lines it touches, which can rewrite an author's unusual
 * spacing nearby); the setup and the service step use {@link setJson}, `modify` with the same formatting.
 */
import { applyEdits, modify, parseTree, type FormattingOptions, type JSONPath, type Node, type ParseError } from './jsonc';
import type { JsonDocument, TextEdit } from './jsonDocument';

function lineStartOf(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** The whitespace before `offset` on its line, or undefined when something else precedes it on that line. */
function ownLineIndent(text: string, offset: number): string | undefined {
  const start = lineStartOf(text, offset);
  const before = text.slice(start, offset);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

/**
 * The indentation step the file uses: a tab when most indented lines start with one, else the smallest run of
 * leading spaces (2 for a flat file). Reads the first 200 indented lines.
 */
export function indentUnit(text: string): string {
  let smallest = 0;
  let tabs = 0;
  let spaces = 0;
  const re = /(?:^|\n)([ \t]+)\S/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && tabs + spaces < 200) {
    if (m[1].startsWith('\t')) {
      tabs++;
      continue;
    }
    spaces++;
    const run = /^ */.exec(m[1])![0].length;
    if (smallest === 0 || run < smallest) smallest = run;
  }
  if (tabs > spaces) return '\t';
  return smallest > 0 ? ' '.repeat(smallest) : '  ';
}

/** The file's layout as jsonc-parser formatting options: its indentation unit (at most 8 spaces) and line ending. */
export function detectFormatting(text: string): FormattingOptions {
  const unit = indentUnit(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return unit === '\t' ? { insertSpaces: false, tabSize: 4, eol } : { insertSpaces: true, tabSize: Math.min(unit.length, 8), eol };
}

/** Sets (or with `undefined` removes) the value at `path` with jsonc-parser, in the file's own layout. Keeps a BOM. */
export function setJson(text: string, path: JSONPath, value: unknown, options: { isArrayInsertion?: boolean } = {}): string {
  // A BOM is kept as it was (the rules elsewhere report it); the edit is computed on the text after it.
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  return bom + applyEdits(body, modify(body, path, value, { formattingOptions: detectFormatting(body), ...options }));
}

/** Parses strictly enough to refuse a file we cannot edit safely; returns the reason or undefined. */
export function jsonProblem(text: string): string | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !root) return `it is not valid JSON (offset ${errors[0]?.offset ?? 0})`;
  if (root.type !== 'object') return 'it is not a JSON object';
  return undefined;
}

/** One edit from `before` to `after`: the changed middle only (common prefix and suffix kept). */
export function minimalEdit(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  return [{ offset: start, length: endB - start, content: after.slice(start, endA) }];
}

function serialize(value: unknown, doc: JsonDocument, baseIndent: string, multiline: boolean): string {
  if (!multiline || value === null || typeof value !== 'object') return JSON.stringify(value);
  return JSON.stringify(value, null, indentUnit(doc.text)).split('\n').join(doc.eol + baseIndent);
}

export function replaceValue(valueNode: Node, value: unknown): TextEdit {
  return { offset: valueNode.offset, length: valueNode.length, content: JSON.stringify(value) };
}

export function renameKey(prop: Node, newKey: string): TextEdit {
  const key = prop.children![0];
  return { offset: key.offset, length: key.length, content: JSON.stringify(newKey) };
}

/** Removes a property and its separator, taking its whole line with it when it sits on a line of its own. */
export function removeProperty(doc: JsonDocument, prop: Node): TextEdit {
  const text = doc.text;
  const parent = prop.parent!;
  const siblings = parent.children!;
  const index = siblings.indexOf(prop);
  const end = prop.offset + prop.length;
  if (index < siblings.length - 1) {
    const next = siblings[index + 1];
    const propIndent = ownLineIndent(text, prop.offset);
    const nextIndent = ownLineIndent(text, next.offset);
    if (propIndent !== undefined && nextIndent !== undefined) {
      const from = lineStartOf(text, prop.offset);
      const to = lineStartOf(text, next.offset);
      return { offset: from, length: to - from, content: '' };
    }
    return { offset: prop.offset, length: next.offset - prop.offset, content: '' };
  }
  if (index > 0) {
    const previous = siblings[index - 1];
    const from = previous.offset + previous.length;
    return { offset: from, length: end - from, content: '' };
  }
  const open = parent.offset + 1;
  const close = parent.offset + parent.length - 1;
  return { offset: open, length: close - open, content: '' };
}

/** Adds `"key": value` as the last property of an object, in the object's own layout. */
export function insertProperty(doc: JsonDocument, object: Node, key: string, value: unknown): TextEdit {
  const text = doc.text;
  const children = object.children ?? [];
  if (children.length > 0) {
    const last = children[children.length - 1];
    const at = last.offset + last.length;
    const indent = ownLineIndent(text, last.offset);
    if (indent === undefined) {
      return { offset: at, length: 0, content: `, ${JSON.stringify(key)}: ${serialize(value, doc, '', false)}` };
    }
    return {
      offset: at,
      length: 0,
      content: `,${doc.eol}${indent}${JSON.stringify(key)}: ${serialize(value, doc, indent, true)}`,
    };
  }
  const open = object.offset + 1;
  const close = object.offset + object.length - 1;
  const objectLineIndent = /^[ \t]*/.exec(text.slice(lineStartOf(text, object.offset)))![0];
  const inner = `${objectLineIndent}${indentUnit(text)}`;
  return {
    offset: open,
    length: close - open,
    content: `${doc.eol}${inner}${JSON.stringify(key)}: ${serialize(value, doc, inner, true)}${doc.eol}${objectLineIndent}`,
  };
}

/** Applies non-overlapping edits (any order). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.offset - a.offset);
  let result = text;
  for (const e of sorted) result = result.slice(0, e.offset) + e.content + result.slice(e.offset + e.length);
  return result;
}
