// The folder events the Connectors view follows beyond its connector-file watcher (src/connector/folderEvents.ts).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { addsFolders, mayHoldConnector, removesConnector } from '../../../src/connector/folderEvents';

describe('folder events that change the connector folders', () => {
  it('a folder created anywhere but in node_modules or .git may hold a connector', () => {
    assert.equal(mayHoldConnector('/ws/Explained Redirect'), true);
    assert.equal(mayHoldConnector('/ws/connectors/new.one'), true);
    assert.equal(mayHoldConnector('/ws/node_modules/pkg'), false);
    assert.equal(mayHoldConnector('/ws/app/node_modules/pkg/dist'), false);
    assert.equal(mayHoldConnector('/ws/.git/objects/ab'), false);
    assert.equal(mayHoldConnector('/ws/.github/workflows'), true, '.github is not .git');
  });

  it('deleting a connector folder or a folder above it removes the connector; a sibling with a longer name does not', () => {
    const folders = ['/ws/Contoso Invoices', '/ws/group/Orders'];
    assert.equal(removesConnector('/ws/Contoso Invoices', folders), true);
    assert.equal(removesConnector('/ws/group', folders), true);
    assert.equal(removesConnector('/ws/group/', folders), true);
    assert.equal(removesConnector('/ws/Contoso', folders), false, 'a prefix of the name is not a parent folder');
    assert.equal(removesConnector('/ws/Contoso Invoices/apiDefinition.swagger.json', folders), false, 'a file in it is the file watcher’s');
    assert.equal(removesConnector('/ws/other', folders), false);
  });

  it('created folders call for a re-read unless each is a connector folder already listed', () => {
    const listed = ['/ws/Contoso Invoices', '/ws/group/Orders'];
    assert.equal(addsFolders(['/ws/Contoso Invoices'], listed), false, 'listed by its file’s event already');
    assert.equal(addsFolders(['/ws/group/Orders/'], listed), false);
    assert.equal(addsFolders(['/ws/Contoso Invoices', '/ws/New One'], listed), true, 'one not listed yet');
    assert.equal(addsFolders(['/ws/group'], listed), true, 'a parent may hold a connector whose file event was missed');
    assert.equal(addsFolders([], listed), false, 'no folder among the created paths');
  });
});
