import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keepLineEndings, writeFileAtomic } from '../../../src/setup/atomicWrite';

const dir = mkdtempSync(join(tmpdir(), 'entra-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the CLI's file writes", () => {
  it('replace the file in one rename, keep its mode, and leave no temporary file', async () => {
    const path = join(dir, 'local.settings.json');
    writeFileSync(path, '{"Values":{"Conn":"x"}}\n', { mode: 0o600 });
    await writeFileAtomic(path, '{"Values":{"Conn":"x"},"Host":{"CORS":"https://a"}}\n');
    assert.equal(readFileSync(path, 'utf8'), '{"Values":{"Conn":"x"},"Host":{"CORS":"https://a"}}\n');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['local.settings.json']);
  });

  it('keep CRLF line endings where an edit inserted LFs; a mixed file is left as edited', () => {
    assert.equal(keepLineEndings('{\r\n  "a": 1\r\n}\r\n', '{\r\n  "a": 1,\n  "b": 2\r\n}\r\n'), '{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n');
    assert.equal(keepLineEndings('{\n  "a": 1\n}\n', '{\n  "a": 1,\n  "b": 2\n}\n'), '{\n  "a": 1,\n  "b": 2\n}\n');
    assert.equal(keepLineEndings('{\r\n  "a": 1\n}\n', '{\r\n  "a": 1,\n  "b": 2\n}\n'), '{\r\n  "a": 1,\n  "b": 2\n}\n');
    assert.equal(keepLineEndings(undefined, 'x\n'), 'x\n');
  });
});
