/**
 * A parsed JSON file with what the rules and fixes need: the jsonc-parser tree, offset → line/column, and the
 * file's own layout (line ending, indentation) so that fixes change only the bytes they mean to change.
 * Nothing here knows about VS Code.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from './jsonc';

export interface TextEdit {
  /** UTF-16 offset into the analysed text. */
  readonly offset: number;
  readonly length: number;
  readonly content: string;
}

export interface Position {
  /** 0-based. */
  readonly line: number;
  /** 0-based, in UTF-16 code units (what VS Code and jsonc-parser count). */
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface JsonSyntaxError {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
}

export interface JsonDocument {
  readonly text: string;
  /** Undefined when the text is not valid JSON as paconn reads it (see `errors`). */
  readonly root: Node | undefined;
  readonly errors: readonly JsonSyntaxError[];
  readonly eol: '\n' | '\r\n';
  rangeOf(offset: number, length: number): Range;
  positionAt(offset: number): Position;
}

const MESSAGES: Record<string, string> = {
  InvalidSymbol: 'Invalid symbol',
  InvalidNumberFormat: 'Invalid number',
  PropertyNameExpected: 'A property name in double quotes is expected',
  ValueExpected: 'A value is expected',
  ColonExpected: 'A colon is expected',
  CommaExpected: 'A comma is expected',
  CloseBraceExpected: 'A closing brace "}" is expected',
  CloseBracketExpected: 'A closing bracket "]" is expected',
  EndOfFileExpected: 'The file should end here',
  InvalidCommentToken: 'Comments are not allowed: paconn reads this file as plain JSON',
  UnexpectedEndOfComment: 'Unterminated comment',
  UnexpectedEndOfString: 'Unterminated string',
  UnexpectedEndOfNumber: 'Unterminated number',
  InvalidUnicode: 'Invalid unicode escape',
  InvalidEscapeCharacter: 'Invalid escape character',
  InvalidCharacter: 'Invalid character in a string',
};

/**
 * Nesting deeper than this is reported as an error instead of being parsed: jsonc-parser recurses once per level,
 * and no apiProperties.json nests more than a dozen levels.
 */
export const MAX_NESTING = 512;

function nestingExceeds(text: string, limit: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

export function parseJsonDocument(text: string): JsonDocument {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) lineStarts.push(i + 1);
    else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) lineStarts.push(i + 1);
  }
  const positionAt = (offset: number): Position => {
    const clamped = Math.max(0, Math.min(offset, text.length));
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - lineStarts[lo] };
  };
  const rangeOf = (offset: number, length: number): Range => ({
    start: positionAt(offset),
    end: positionAt(offset + length),
  });
  const eol = text.includes('\r\n') ? '\r\n' : '\n';

  const errors: JsonSyntaxError[] = [];
  let root: Node | undefined;
  if (text.charCodeAt(0) === 0xfeff) {
    errors.push({
      offset: 0,
      length: 1,
      message: 'The file starts with a byte-order mark (BOM): paconn cannot read it. Save it as UTF-8 without BOM',
    });
  }
  const tooDeep = nestingExceeds(text, MAX_NESTING);
  if (tooDeep !== undefined) {
    errors.push({ offset: tooDeep, length: 1, message: `The JSON nests deeper than ${MAX_NESTING} levels` });
  } else if (errors.length === 0) {
    const parseErrors: ParseError[] = [];
    const tree = parseTree(text, parseErrors, { disallowComments: true, allowTrailingComma: false });
    for (const e of parseErrors) {
      const name = printParseErrorCode(e.error);
      errors.push({ offset: e.offset, length: Math.max(e.length, 1), message: MESSAGES[name] ?? name });
    }
    if (tree === undefined && errors.length === 0) {
      errors.push({ offset: 0, length: 0, message: 'The file is empty' });
    }
    if (errors.length === 0) root = tree;
  }
  return { text, root, errors, eol, rangeOf, positionAt };
}

/** The property of an object, matched exactly. With duplicate keys the last one wins, as in JSON.parse. */
export function propertyOf(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object' || !node.children) return undefined;
  for (let i = node.children.length - 1; i >= 0; i--) {
    const prop = node.children[i];
    if (prop.children?.[0]?.value === key) return prop;
  }
  return undefined;
}

/** All properties whose key equals `key` ignoring case (used to find authors' casing variants). */
export function propertiesIgnoringCase(node: Node | undefined, key: string): Node[] {
  if (node?.type !== 'object' || !node.children) return [];
  const lower = key.toLowerCase();
  return node.children.filter((p) => typeof p.children?.[0]?.value === 'string' && p.children[0].value.toLowerCase() === lower);
}

export function keyOf(prop: Node): string {
  return prop.children?.[0]?.value as string;
}

export function keyNodeOf(prop: Node): Node {
  return prop.children![0];
}

export function valueOf(prop: Node | undefined): Node | undefined {
  return prop?.children?.[1];
}

/** The value at a key path, exact keys. */
export function valueAt(node: Node | undefined, ...keys: string[]): Node | undefined {
  let current = node;
  for (const key of keys) current = valueOf(propertyOf(current, key));
  return current;
}

/** A scalar's value, or undefined for objects/arrays/missing nodes. */
export function scalar(node: Node | undefined): string | number | boolean | null | undefined {
  if (!node || node.type === 'object' || node.type === 'array' || node.type === 'property') return undefined;
  return node.value as string | number | boolean | null;
}

export function stringValue(node: Node | undefined): string | undefined {
  return node?.type === 'string' ? (node.value as string) : undefined;
}
