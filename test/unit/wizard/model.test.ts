// The wizard's pure logic: pre-filled answers, answers → engine choices, what a changed answer resets, page order,
// and the view state derived from a context (which must carry no secret-like field).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MICROSOFT_GRAPH_APP_ID } from '../../../src/graph/operations';
import { createContext } from '../../../src/setup/context';
import { parseWebviewMessage } from '../../../src/protocol';
import { choicesFromAnswers, defaultAnswers, deriveViewState, existingClientId, nextPage, plannedRedo, previousPage, reachable, reviewFacts, stepsToReset } from '../../../src/wizard/model';

const CORPUS = join(__dirname, '../../fixtures/setup/aad-corpus');
const SAMPLE = join(__dirname, '../../fixtures/workspaces/sample/Contoso Invoices/apiProperties.json');

describe('wizard model', () => {
  it('pre-fills names from the folder, and an existing connector app from an aad apiProperties.json', () => {
    const fresh = defaultAnswers('Contoso Invoices', readFileSync(SAMPLE, 'utf8'));
    assert.deepEqual(fresh.connector, { kind: 'new', displayName: 'Contoso Invoices connector' });
    assert.equal(fresh.api.kind === 'new' && fresh.api.displayName, 'Contoso Invoices API');
    const text = readFileSync(join(CORPUS, 'custom-connectors/Snowflake/apiProperties.json'), 'utf8');
    const id = existingClientId(text);
    assert.match(id ?? '', /^[0-9a-f]{8}-/);
    assert.deepEqual(defaultAnswers('Snowflake', text).connector, { kind: 'existing', appId: id });
    // A placeholder client ID is not an app to reuse.
    assert.equal(existingClientId(readFileSync(join(CORPUS, 'custom-connectors/Office365Groups/apiProperties.json'), 'utf8')), undefined);
    assert.equal(existingClientId('{ not json'), undefined);
  });

  it('every default answer passes the host’s own validation', () => {
    const a = defaultAnswers('Contoso Invoices');
    assert.deepEqual(a.site, { kind: 'skip' }, 'step 7 starts as Skip');
    for (const page of ['api', 'connector', 'consent', 'secret', 'redirect', 'site'] as const) {
      assert.equal(parseWebviewMessage({ type: 'answer', page, value: a[page] }).ok, true, page);
    }
  });

  it('turns answers into engine choices', () => {
    const a = defaultAnswers('Contoso Invoices');
    const c = choicesFromAnswers({ ...a, api: { kind: 'new', displayName: 'X', identifierUri: 'custom', customUri: 'https://contoso.com/x', scope: 's', audience: 'multi' }, redirect: { redirectUrl: 'https://r.example/redirect/1' } }, 'https://graph.microsoft.com');
    assert.deepEqual(c.api, { kind: 'new', displayName: 'X', identifierUri: { kind: 'custom', uri: 'https://contoso.com/x' }, scope: 's', audience: 'AzureADMultipleOrgs' });
    assert.equal(c.redirectUrl, 'https://r.example/redirect/1');
    const g = choicesFromAnswers({ ...a, api: { kind: 'microsoft', scopes: ['User.Read'] } }, 'https://graph.microsoft.us/');
    assert.deepEqual(g.api, { kind: 'microsoft', appId: MICROSOFT_GRAPH_APP_ID, resourceUri: 'https://graph.microsoft.us', scopes: ['User.Read'] });
    assert.equal(choicesFromAnswers(a, 'x').redirectUrl, undefined);
  });

  it('a changed answer resets the earliest affected step only', () => {
    const a = defaultAnswers('C');
    const base = choicesFromAnswers(a, 'g');
    assert.deepEqual(stepsToReset(base, base), []);
    assert.deepEqual(stepsToReset(base, choicesFromAnswers({ ...a, api: { kind: 'microsoft', scopes: ['User.Read'] } }, 'g')), ['api'], 'the API step');
    assert.deepEqual(stepsToReset(base, choicesFromAnswers({ ...a, connector: { kind: 'new', displayName: 'Other' } }, 'g')), ['connector']);
    assert.deepEqual(stepsToReset(base, choicesFromAnswers({ ...a, consent: { consent: 'link', obo: false } }, 'g')), ['consent']);
    assert.deepEqual(stepsToReset(base, choicesFromAnswers({ ...a, secret: { secretDays: 30 } }, 'g')), ['secret'], 'another lifetime means another secret');
    assert.deepEqual(stepsToReset(base, choicesFromAnswers({ ...a, consent: { consent: 'admin', obo: true } }, 'g')), [], 'on-behalf-of is reconciled by its task');
  });

  it('orders pages and says which are reachable', () => {
    assert.equal(nextPage('api', false), 'signIn');
    assert.equal(nextPage('signIn', true), 'api');
    assert.equal(nextPage('redirect', true), 'deploy');
    assert.equal(nextPage('deploy', true), 'site');
    assert.equal(previousPage('site'), 'deploy');
    assert.equal(nextPage('site', true), 'review');
    assert.equal(previousPage('review'), 'site');
    const required = ['api', 'connector', 'consent', 'secret', 'redirect'] as const;
    // The site page (step 7) is optional: it and review open once the required pages are answered.
    assert.equal(reachable('site', ['api', 'connector'], false, true), false);
    assert.equal(reachable('site', required, false, true), true);
    // So is the deploy page: it opens with them, and the setup may run from it.
    assert.equal(reachable('deploy', ['api', 'connector', 'consent', 'secret'], false, true), false);
    assert.equal(reachable('deploy', required, false, true), true);
    assert.equal(reachable('review', required, false, true), true);
    assert.equal(previousPage('connector'), 'api');
    assert.equal(previousPage('api'), 'api');
    assert.equal(reachable('review', ['api'], false, true), false);
    assert.equal(reachable('connector', ['api'], false, true), true);
    assert.equal(reachable('secret', ['api'], false, true), false);
    assert.equal(reachable('summary', ['api', 'connector', 'consent', 'secret', 'redirect'], false, true), false);
    assert.equal(reachable('api', [], false, false), false);
  });

  it('the review page: the real Application ID URI, and what a run redoes after an answer changed', () => {
    const tenant = '5e7c0de0-a11c-4e55-8c0f-000000000001';
    const answers = defaultAnswers('Contoso Invoices');
    const choices = choicesFromAnswers(answers, 'https://graph.microsoft.com');
    // Before any run: the URI this tenant gives, not a template.
    assert.deepEqual(reviewFacts(answers, choices, undefined, tenant), { identifierUri: `api://${tenant}/contoso-invoices-api` });
    const ctx = createContext({ connectorDir: '/w/Contoso Invoices', tenantId: tenant, cloud: { name: 'AzureCloud', loginEndpoint: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' }, choices });
    ctx.objects = {
      apiApp: { id: 'o1', appId: 'a1', displayName: 'API', created: true, scopeIds: ['s'], scopeValues: ['user_impersonation'], resourceUri: 'api://contoso.example/invoices', identifierUri: 'api://contoso.example/invoices' },
      connectorApp: { id: 'o2', appId: 'a2', displayName: 'Conn', created: true },
      password: { keyId: 'k1', endDateTime: '2027-05-01T00:00:00Z', displayName: 'Entra Connector setup x', created: true },
    };
    for (const id of ['api', 'connector', 'consent', 'secret', 'properties'] as const) ctx.steps[id] = { state: 'done' };
    // After a run: the URI the run recorded.
    assert.deepEqual(reviewFacts(answers, choices, ctx, tenant), { identifierUri: 'api://contoso.example/invoices' });
    const appIdAnswers = { ...answers, api: { ...answers.api, identifierUri: 'appId' as const } } as typeof answers;
    assert.deepEqual(reviewFacts(appIdAnswers, choicesFromAnswers(appIdAnswers, 'g'), ctx, tenant), { identifierUri: 'api://a1' }, 'the same app, found again by its unique name');
    assert.deepEqual(plannedRedo(ctx, choices), [], 'nothing changed');
    const ninety = choicesFromAnswers({ ...answers, secret: { secretDays: 90 } }, 'https://graph.microsoft.com');
    const [secret, then] = plannedRedo(ctx, ninety);
    assert.match(secret ?? '', /^The client secret: lifetime 180 → 90 days, so a new secret valid 90 days is added and stored .*then the one this setup added before \(key k1, valid until 2027-05-01\) is removed/);
    assert.equal(then, 'Then run again: apiProperties.json.');
    const v = deriveViewState({ connectorName: 'c', connectorPath: 'c', page: 'review', answers: { ...answers, secret: { secretDays: 90 } }, answered: [], ctx, running: false, secretStored: true, files: [], choices: ninety });
    assert.deepEqual(v.redo, [secret, then]);
    assert.deepEqual(v.review?.[0], ['API', 'New API app “Contoso Invoices API”, scope user_impersonation, single tenant, URI api://contoso.example/invoices']);
  });

  it('derives the view from a context without any secret-like field', () => {
    const ctx = createContext({ connectorDir: '/w/Contoso Invoices', tenantId: 't', cloud: { name: 'AzureCloud', loginEndpoint: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' }, choices: choicesFromAnswers(defaultAnswers('Contoso Invoices'), 'https://graph.microsoft.com') });
    ctx.objects = {
      apiApp: { id: 'o1', appId: 'a1', displayName: 'API', created: true, scopeIds: ['s'], scopeValues: ['user_impersonation'], resourceUri: 'api://t/api' },
      connectorApp: { id: 'o2', appId: 'a2', displayName: 'Conn', created: false },
      password: { keyId: 'k1', endDateTime: '2027-05-01T00:00:00Z', displayName: 'Entra Connector setup x', created: true },
    };
    ctx.steps.secret = { state: 'done', detail: 'Added a client secret' };
    ctx.steps.consent = { state: 'failed', detail: 'x', error: { code: 'Authorization_RequestDenied', status: 403, message: 'Denied.', next: 'Ask an admin.' } };
    const v = deriveViewState({ connectorName: 'Contoso Invoices', connectorPath: 'Contoso Invoices', page: 'summary', answers: defaultAnswers('Contoso Invoices'), answered: ['api'], ctx, running: false, secretStored: true, files: ['Contoso Invoices/apiProperties.json'], adminCenterLink: (id) => `https://entra.microsoft.com/#app/${id}` });
    assert.equal(v.steps.find((s) => s.id === 'consent')?.error?.next, 'Ask an admin.');
    assert.deepEqual(v.summary?.objects.map((o) => [o.id, o.created, !!o.link]), [['a1', true, true], ['a2', false, true], ['k1', true, false]]);
    assert.equal(v.summary?.secretStored, true);
    assert.equal(v.summary?.site, undefined, 'no site chosen: nothing about step 7 in the summary');
    const siteId = '/subscriptions/5e7c0de0-a11c-4e55-8c0f-00000000c0de/resourceGroups/rg/providers/Microsoft.Web/sites/api';
    ctx.steps.site = { state: 'done', detail: 'api: authentication set (5 fields); CORS now allows https://*.azure-apim.net.' };
    const withSite = deriveViewState({ connectorName: 'c', connectorPath: 'c', page: 'summary', answers: { ...defaultAnswers('c'), site: { kind: 'site', siteId } }, answered: [], ctx, running: false, secretStored: false, files: [] });
    assert.deepEqual(withSite.summary?.site, { id: siteId, state: 'done', detail: ctx.steps.site.detail });
    assert.equal(withSite.steps.find((s) => s.id === 'site')?.detail, ctx.steps.site.detail);
    const walk = (x: unknown, path: string): void => {
      if (x && typeof x === 'object') for (const [k, val] of Object.entries(x)) {
        assert.ok(!/secretText|password$|token$|^value$/i.test(k), `secret-like field ${path}.${k}`);
        walk(val, `${path}.${k}`);
      }
    };
    walk(v, 'view');
    // A step left "running" by a closed window shows as pending.
    ctx.steps.api = { state: 'running' };
    assert.equal(deriveViewState({ connectorName: 'c', connectorPath: 'c', page: 'summary', answers: defaultAnswers('c'), answered: [], ctx, running: false, secretStored: false, files: [] }).steps[0]?.state, 'pending');
  });
});
