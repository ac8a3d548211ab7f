/**
 * Bad input never throws: each case must complete and give a sensible answer. No timing assertions here
 * (speed is measured by `npm run bench`); a hang would fail the run through node:test's own timeout below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeApiProperties } from '../../../src/connector/rules';
import { decodeFile } from '../../../src/connector/files';

const clean = readFileSync(join(__dirname, '..', '..', 'fixtures', 'rules', 'clean.json'), 'utf8');
const codes = (text: string) => analyzeApiProperties(text).map((d) => d.code);
const generous = { timeout: 60_000 };

test('empty, whitespace, scalars and arrays', generous, () => {
  assert.deepEqual(codes(''), ['invalid-json']);
  assert.deepEqual(codes('   \n'), ['invalid-json']);
  assert.deepEqual(codes('null'), []);
  assert.deepEqual(codes('[]'), []);
  assert.deepEqual(codes('"properties"'), []);
  assert.deepEqual(codes('{"properties": {"connectionParameters": []}}'), []);
  assert.deepEqual(codes('{"properties": {"connectionParameters": {"token": {"type": "oauthSetting", "oAuthSettings": 5}}}}'), []);
  assert.deepEqual(codes('{"properties": {"connectionParameters": {"token": {"type": "oauthSetting"}}}}'), []);
});

test('a file truncated at every position gives invalid-json and nothing else', generous, () => {
  for (let i = 0; i < clean.length - 1; i++) {
    const got = codes(clean.slice(0, i));
    assert.deepEqual(got, ['invalid-json'], `cut at ${i}`);
  }
});

test('10,000 levels of nesting are reported, not a stack overflow', generous, () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  assert.deepEqual(codes(deep), ['invalid-json']);
  const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  assert.deepEqual(codes(deepObject), ['invalid-json']);
  const deepInside = clean.replace('"scopes": []', `"scopes": ${'['.repeat(10_000)}${']'.repeat(10_000)}`);
  assert.match(analyzeApiProperties(deepInside)[0].message, /nests deeper/);
});

test('a 5 MB file is analysed', generous, () => {
  const filler = JSON.stringify('x'.repeat(1000));
  const big = clean.replace('"iconBrandColor": "#007ee5"', `"iconBrandColor": "#007ee5", "capabilities": [${Array(5000).fill(filler).join(',')}]`);
  assert.ok(big.length > 5_000_000);
  assert.deepEqual(codes(big), []);
});

test('duplicate keys: the last one wins, as in JSON.parse', generous, () => {
  const dup = clean.replace('"redirectMode": "GlobalPerConnector",', '"redirectMode": "GlobalPerConnector",\n"redirectMode": "Global",');
  assert.deepEqual(codes(dup), ['redirect-mode-shared']);
  const dup2 = clean.replace('"redirectMode": "GlobalPerConnector",', '"redirectMode": "Global",\n"redirectMode": "GlobalPerConnector",');
  assert.deepEqual(codes(dup2), []);
});

test('BOM and UTF-16 files are decoded and reported, never thrown on', generous, () => {
  const bom = decodeFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(clean)]));
  assert.deepEqual(analyzeApiProperties(bom.text).map((d) => d.code), ['invalid-json']);
  const le = decodeFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(clean, 'utf16le')]));
  assert.equal(le.encoding, 'utf-16le');
  assert.deepEqual(analyzeApiProperties(le.text, { encoding: le.encoding }).map((d) => d.code), ['invalid-json']);
  assert.match(analyzeApiProperties(le.text, { encoding: le.encoding })[0].message, /UTF-16/);
  assert.deepEqual(analyzeApiProperties(le.text).map((d) => d.code), ['invalid-json'], 'its BOM alone makes it invalid');
  const swapped = Buffer.from(clean, 'utf16le');
  swapped.swap16();
  const be = decodeFile(Buffer.concat([Buffer.from([0xfe, 0xff]), swapped]));
  assert.equal(be.encoding, 'utf-16be');
  assert.deepEqual(analyzeApiProperties(be.text, { encoding: be.encoding }).map((d) => d.code), ['invalid-json']);
  const utf8 = decodeFile(Buffer.from(clean));
  assert.equal(utf8.encoding, 'utf-8');
  assert.equal(utf8.text, clean);
});

test('random garbage never throws and gives only invalid-json', generous, () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = '{}[]",:0123456789.-eEtrufalsn \n\t\\/\u00e9\ud83d';
  for (let n = 0; n < 2000; n++) {
    const len = Math.floor(rand() * 200);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const ds = analyzeApiProperties(s);
    let valid = true;
    try {
      JSON.parse(s);
    } catch {
      valid = false;
    }
    if (!valid) assert.deepEqual(ds.map((d) => d.code), ['invalid-json'], JSON.stringify(s));
  }
});

test('mutating the clean file one character at a time never throws', generous, () => {
  const replacements = ['', '"', '{', '}', '[', ']', ',', ':', 'x', '0', 'null'];
  for (let i = 0; i < clean.length; i += 3) {
    for (const r of replacements) analyzeApiProperties(clean.slice(0, i) + r + clean.slice(i + 1));
  }
});
