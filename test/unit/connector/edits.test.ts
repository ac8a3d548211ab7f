// One JSON-editing module: the setup's jsonc edits and the quick fixes read the file's layout the same way.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { detectFormatting, indentUnit, insertProperty, minimalEdit, setJson, applyTextEdits } from '../../../src/connector/edits';
import { parseJsonDocument } from '../../../src/connector/jsonDocument';

// The first indented line is nested deeper than the file's step: a detector that reads only that line says 4.
const DEEP_FIRST = '{"info": {\n    "title": "x"\n  },\n  "properties": {}\n}\n';

describe('one layout detector', () => {
  it('reads the indentation step, not the first indented line', () => {
    assert.equal(indentUnit(DEEP_FIRST), '  ');
    assert.deepEqual(detectFormatting(DEEP_FIRST), { insertSpaces: true, tabSize: 2, eol: '\n' });
    assert.deepEqual(detectFormatting('{\r\n\t"a": 1\r\n}'), { insertSpaces: false, tabSize: 4, eol: '\r\n' });
    assert.deepEqual(detectFormatting('{"a": 1}'), { insertSpaces: true, tabSize: 2, eol: '\n' });
    assert.equal(indentUnit('{\n  "a": {\n\t"stray": 1,\n    "b": 2\n  }\n}'), '  ', 'a stray tab does not turn a space-indented file into a tab-indented one');
  });

  it('a key added by the setup (jsonc modify) and by a quick fix (hand-written edit) is indented alike', () => {
    const bySetup = setJson(DEEP_FIRST, ['added'], { k: 1 });
    const doc = parseJsonDocument(DEEP_FIRST);
    const byFix = applyTextEdits(DEEP_FIRST, [insertProperty(doc, doc.root!, 'added', { k: 1 })]);
    assert.match(bySetup, /\n {2}"added": \{\n {4}"k": 1\n {2}\}/);
    assert.match(byFix, /\n {2}"added": \{\n {4}"k": 1\n {2}\}/);
  });

  it('keeps a BOM and turns a change into one minimal edit', () => {
    assert.equal(setJson('\uFEFF{"a": 1}', ['a'], 2), '\uFEFF{"a": 2}');
    assert.deepEqual(minimalEdit('{"a": 1, "b": 2}', '{"a": 3, "b": 2}'), [{ offset: 6, length: 1, content: '3' }]);
    assert.deepEqual(minimalEdit('same', 'same'), []);
  });
});
