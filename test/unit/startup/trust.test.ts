// The manifest's trust declarations and the wizard's bounded preview texts (issue 14, item 10).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PreviewTexts } from '../../../src/wizard/previews';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
  private?: boolean;
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: string }; virtualWorkspaces?: unknown };
};

describe('the manifest', () => {
  it('does not run in untrusted or virtual workspaces, says why, and cannot be published to the npm registry', () => {
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, false);
    assert.match(manifest.capabilities?.untrustedWorkspaces?.description ?? '', /trusted workspaces/);
    assert.equal(manifest.capabilities?.virtualWorkspaces, false);
    assert.equal(manifest.private, true);
  });
});

describe("the wizard's preview texts", () => {
  it('are bounded: the oldest go first, a re-set one becomes the newest, a closed one is dropped', () => {
    const p = new PreviewTexts(4);
    for (let i = 0; i < 10; i++) p.set(`preview:/${i}`, `text ${i}`);
    assert.equal(p.size, 4);
    assert.equal(p.get('preview:/5'), undefined);
    assert.equal(p.get('preview:/9'), 'text 9');
    p.set('preview:/6', 'again');
    p.set('preview:/10', 'text 10');
    assert.equal(p.get('preview:/6'), 'again', 'refreshed, so kept');
    assert.equal(p.get('preview:/7'), undefined);
    p.delete('preview:/10');
    assert.equal(p.size, 3);
  });
});
