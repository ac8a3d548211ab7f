import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGraphClient, permissionForPath, type GraphLogEntry } from '../../../src/graph/client';
import { fromAadsts, fromGraphError, isReplicationLag, toDirectoryError } from '../../../src/graph/errors';
import { Directory } from '../../../src/graph/operations';

interface Seen {
  method: string;
  url: string;
  redirect?: string;
  auth: string | null;
  prefer: string | null;
  body: string | undefined;
}

/** A fetch that answers from a script, recording what it was sent. */
function scripted(answers: ((req: Seen) => Response | Promise<Response>)[]) {
  const seen: Seen[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers as HeadersInit);
    const req: Seen = {
      method: (init?.method ?? 'GET').toUpperCase(),
      url: String(input),
      auth: headers.get('Authorization'),
      prefer: headers.get('Prefer'),
      body: typeof init?.body === 'string' ? init.body : undefined,
      ...(init?.redirect ? { redirect: init.redirect } : {}),
    };
    seen.push(req);
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${req.method} ${req.url}`);
    return next(req);
  }) as typeof fetch;
  return { fetchFn, seen };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'request-id': `rid-${status}`, ...headers },
  });
}

function graphError(status: number, code: string, message: string, details?: unknown[]) {
  return json(status, { error: { code, message, ...(details ? { details } : {}), innerError: { 'request-id': 'rid-e' } } });
}

function setup(answers: Parameters<typeof scripted>[0], tokens: string[] = ['tok-1', 'tok-2', 'tok-3']) {
  const { fetchFn, seen } = scripted(answers);
  const log: GraphLogEntry[] = [];
  const sleeps: number[] = [];
  const asked: { scopes: string[]; force: boolean }[] = [];
  const client = createGraphClient({
    graphEndpoint: 'https://127.0.0.2:4443/graph',
    getAccessToken: async (scopes, options) => {
      asked.push({ scopes, force: !!options?.forceRefresh });
      return tokens[Math.min(asked.length - 1, tokens.length - 1)] as string;
    },
    log: (e) => log.push(e),
    fetch: fetchFn,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { client, seen, log, sleeps, asked, dir: new Directory(client, { sleep: async (ms) => void sleeps.push(ms), replication: { attempts: 4, delayMs: 10 } }) };
}

describe('Graph client middleware', () => {
  it('sends requests to the configured endpoint with a bearer for the narrowest scope of the path', async () => {
    const t = setup([() => json(200, { value: [] }), () => json(200, { value: [] }), () => json(200, { id: 'u', userPrincipalName: 'a@b' })]);
    await t.client.api('/applications').get();
    await t.client.api('/oauth2PermissionGrants').get();
    await t.client.api('/me').get();
    assert.equal(t.seen[0]?.url, 'https://127.0.0.2:4443/graph/v1.0/applications');
    assert.equal(t.seen[0]?.auth, 'Bearer tok-1');
    assert.deepEqual(
      t.asked.map((a) => a.scopes),
      [
        ['https://127.0.0.2:4443/graph/Application.ReadWrite.All'],
        ['https://127.0.0.2:4443/graph/DelegatedPermissionGrant.ReadWrite.All'],
        ['https://127.0.0.2:4443/graph/User.Read'],
      ],
    );
  });

  it('retries 429 honouring Retry-After, then succeeds; logs every attempt without the token', async () => {
    const t = setup([() => graphError(429, 'TooManyRequests', 'slow down'), () => json(200, { value: [] })]);
    await t.client.api('/applications').get();
    assert.equal(t.seen.length, 2);
    assert.deepEqual(t.sleeps, [1000]);
    t.seen.length = 0;
    const t2 = setup([() => json(429, {}, { 'Retry-After': '7' }), () => json(200, { value: [] })]);
    await t2.client.api('/applications').get();
    assert.deepEqual(t2.sleeps, [7000]);
    assert.deepEqual(
      t2.log.map((l) => [l.method, l.path, l.status, l.requestId]),
      [
        ['GET', '/applications', 429, 'rid-429'],
        ['GET', '/applications', 200, 'rid-200'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(t2.log), /tok-|Bearer/);
  });

  it('is bounded: gives up after the retries and surfaces the error as a value', async () => {
    const t = setup(Array.from({ length: 5 }, () => () => graphError(503, 'ServiceUnavailable', 'down')));
    await assert.rejects(t.client.api('/applications').get(), (e) => toDirectoryError(e).status === 503);
    assert.equal(t.seen.length, 5);
  });

  it('never repeats a POST after a 503 or a lost connection (it may have been executed)', async () => {
    const t = setup([() => graphError(503, 'ServiceUnavailable', 'down')]);
    await assert.rejects(t.client.api('/applications').post({ displayName: 'x' }));
    assert.equal(t.seen.length, 1);
    const t2 = setup([
      () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      },
    ]);
    await assert.rejects(t2.client.api('/applications/1/addPassword').post({}), (e) => toDirectoryError(e).code === 'ECONNRESET');
    assert.equal(t2.seen.length, 1);
    assert.equal(t2.log[0]?.networkError, 'ECONNRESET');
  });

  it('repeats an idempotent PATCH after a lost connection and a 409 concurrency violation', async () => {
    const t = setup([
      () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      },
      () => graphError(409, 'Directory_ConcurrencyViolation', 'busy'),
      () => json(204, undefined),
    ]);
    await t.client.api('/applications/1').patch({ displayName: 'x' });
    assert.equal(t.seen.length, 3);
  });

  it('asks for a fresh token once when the token is rejected (expired)', async () => {
    const t = setup([() => graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'), () => json(200, { value: [] })]);
    await t.client.api('/applications').get();
    assert.deepEqual(t.seen.map((s) => s.auth), ['Bearer tok-1', 'Bearer tok-2']);
    assert.equal(t.asked[1]?.force, true);
  });

  it('a failed sign-in becomes a SignInRequired value with a next step, not an unexpected error', async () => {
    const { fetchFn, seen } = scripted([]);
    const client = createGraphClient({
      graphEndpoint: 'https://graph.microsoft.com',
      getAccessToken: async () => {
        throw new Error('You are not signed in to Microsoft Entra. Run "Entra Connector: Sign In".');
      },
      fetch: fetchFn,
    });
    await assert.rejects(client.api('/applications').get(), (e) => {
      const v = toDirectoryError(e);
      return v.code === 'SignInRequired' && v.status === 401 && /not signed in/.test(v.message) && /Sign in again/.test(v.next);
    });
    assert.equal(seen.length, 0);
  });

  it('does not retry a read whose sign-in was refused, so the user is asked once', async () => {
    const { fetchFn, seen } = scripted([]);
    let asked = 0;
    const client = createGraphClient({
      graphEndpoint: 'https://graph.microsoft.com',
      getAccessToken: async () => {
        asked++;
        throw new Error('You declined the permission Application.ReadWrite.All.');
      },
      fetch: fetchFn,
      sleep: async () => undefined,
    });
    await assert.rejects(client.api('/applications').get(), (e) => toDirectoryError(e).code === 'SignInRequired');
    assert.equal(asked, 1);
    assert.equal(seen.length, 0);
  });

  it('follows @odata.nextLink only on the Graph host the request went to: a link elsewhere is refused before a token is asked for', async () => {
    const t = setup([() => json(200, { value: [{ id: 'o1' }], '@odata.nextLink': 'https://collector.example/v1.0/applications/x/owners?$skiptoken=1' })]);
    await assert.rejects(t.dir.listOwners('x'), (e: unknown) => /collector\.example/.test(String((e as Error).message ?? e)) || /collector\.example/.test(JSON.stringify(e)));
    assert.equal(t.seen.length, 1, 'the link was not followed');
    assert.equal(t.asked.length, 1, 'no token was asked for the other host');
    await assert.rejects(t.client.api('https://127.0.0.2:4444/graph/v1.0/applications').get(), 'another port is another host');
    await assert.rejects(t.client.api('https://127.0.0.2:4443/other/v1.0/applications').get(), 'another path is not Graph');
    assert.equal(t.seen.length, 1);
  });

  it('refuses redirects: fetch is told not to follow them and a 3xx is an error', async () => {
    const t = setup([() => new Response(null, { status: 302, headers: { location: 'https://collector.example/' } })]);
    await assert.rejects(t.client.api('/applications').get());
    assert.equal(t.seen.length, 1);
    assert.equal(t.seen[0]?.redirect, 'manual');
  });

  it('maps permission by path', () => {
    assert.equal(permissionForPath('/applications(uniqueName=\'x\')'), 'Application.ReadWrite.All');
    assert.equal(permissionForPath('/servicePrincipals/1'), 'Application.ReadWrite.All');
    assert.equal(permissionForPath('/oauth2PermissionGrants?$filter=x'), 'DelegatedPermissionGrant.ReadWrite.All');
    assert.equal(permissionForPath('/organization'), 'User.Read');
  });
});

describe('Directory operations', () => {
  it('upserts an app by uniqueName with Prefer: create-if-missing (201 created, 204 found + read back)', async () => {
    const app = { id: 'o1', appId: 'a1', displayName: 'API' };
    const t = setup([() => json(201, app), () => json(204, undefined), () => json(200, app)]);
    const first = await t.dir.upsertApplication('entra-connector-x-api', { displayName: 'API' });
    assert.deepEqual(first, { value: app, created: true });
    assert.equal(t.seen[0]?.method, 'PATCH');
    assert.equal(t.seen[0]?.prefer, 'create-if-missing');
    assert.equal(t.seen[0]?.url, "https://127.0.0.2:4443/graph/v1.0/applications(uniqueName='entra-connector-x-api')");
    const second = await t.dir.upsertApplication('entra-connector-x-api', { displayName: 'API' });
    assert.equal(second.created, false);
    assert.equal(second.value.appId, 'a1');
  });

  it('reads an existing service principal and writes nothing to it (an upsert would replace its tags)', async () => {
    const t = setup([() => json(200, { id: 'sp1', appId: 'a1', tags: ['HideApp'] })]);
    const sp = await t.dir.ensureServicePrincipal('a1');
    assert.equal(sp.created, false);
    assert.equal(sp.value.id, 'sp1');
    assert.deepEqual(t.seen.map((r) => r.method), ['GET']);
  });

  it('creates a missing service principal with POST, retrying through replication lag (NoBackingApplicationObject)', async () => {
    const t = setup([
      () => graphError(404, 'Request_ResourceNotFound', 'not found'),
      () => graphError(400, 'Request_BadRequest', 'does not reference a valid application object', [{ code: 'NoBackingApplicationObject' }]),
      () => json(201, { id: 'sp1', appId: 'a1' }),
    ]);
    const sp = await t.dir.ensureServicePrincipal('a1');
    assert.deepEqual(sp, { value: { id: 'sp1', appId: 'a1' }, created: true });
    assert.deepEqual(t.seen.map((r) => r.method), ['GET', 'POST', 'POST']);
  });

  it('adopts a service principal created meanwhile (409) instead of failing', async () => {
    const t = setup([
      () => graphError(404, 'Request_ResourceNotFound', 'not found'),
      () => graphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'already in use'),
      () => json(200, { id: 'sp9', appId: 'a1' }),
    ]);
    const sp = await t.dir.ensureServicePrincipal('a1');
    assert.deepEqual(sp, { value: { id: 'sp9', appId: 'a1' }, created: false });
  });

  it('does not retry a real 400', async () => {
    const t = setup([() => graphError(404, 'Request_ResourceNotFound', 'not found'), () => graphError(400, 'Request_BadRequest', 'Invalid value')]);
    await assert.rejects(t.dir.ensureServicePrincipal('a1'), (e) => toDirectoryError(e).code === 'Request_BadRequest');
    assert.equal(t.seen.length, 2);
  });

  it('escapes identifier URIs in filters so the client does not mistake them for a host', async () => {
    const t = setup([() => json(200, { value: [] })]);
    await t.dir.findApplications("https://contoso.example/api's");
    assert.equal(t.seen[0]?.url, "https://127.0.0.2:4443/graph/v1.0/applications?$filter=identifierUris/any(u:u eq 'https%3A//contoso.example/api''s')&$select=id,appId,displayName,uniqueName,identifierUris,signInAudience,api,web,requiredResourceAccess,passwordCredentials,tags");
  });

  it('reads several objects in one $batch, 404 as undefined', async () => {
    const t = setup([
      (req) => {
        const body = JSON.parse(req.body ?? '{}');
        assert.equal(body.requests.length, 2);
        return json(200, { responses: [{ id: '2', status: 404, body: { error: { code: 'Request_ResourceNotFound' } } }, { id: '1', status: 200, body: { id: 'x' } }] });
      },
    ]);
    assert.deepEqual(await t.dir.batchGet(['/applications/x', '/applications/y']), [{ id: 'x' }, undefined]);
  });
});

describe('Graph and AADSTS errors as values', () => {
  it('gives a cause and a next step, with the request id, never a token', () => {
    const e = fromGraphError(403, { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', innerError: { 'request-id': 'r1' } });
    assert.equal(e.code, 'Authorization_RequestDenied');
    assert.match(e.message, /lacks the directory role/);
    assert.match(e.next, /Application Administrator/);
    assert.equal(e.requestId, 'r1');
    const leaked = fromGraphError(401, { code: 'InvalidAuthenticationToken', message: 'bad token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc' });
    assert.doesNotMatch(leaked.message, /eyJ/);
  });

  it('prefers detail codes and recognises replication lag', () => {
    const e = fromGraphError(400, { code: 'Request_BadRequest', message: 'x', details: [{ code: 'NoBackingApplicationObject' }] });
    assert.equal(e.code, 'NoBackingApplicationObject');
    assert.ok(isReplicationLag(e));
    assert.ok(isReplicationLag(fromGraphError(404, { code: 'Request_ResourceNotFound' })));
    assert.ok(!isReplicationLag(fromGraphError(403, { code: 'Authorization_RequestDenied' })));
  });

  it('explains the secret lifetime policy', () => {
    const e = fromGraphError(400, { code: 'CredentialInvalidLifetimeAsPerAppPolicy', message: 'Credential lifetime exceeds the max value allowed as per assigned policy.' });
    assert.match(e.next, /--secret-days/);
  });

  it('maps AADSTS codes from sign-in messages', () => {
    const e = fromAadsts("AADSTS50011: The redirect URI 'https://global.consent.azure-apim.net/redirect/x' specified in the request does not match");
    assert.equal(e.code, 'AADSTS50011');
    assert.match(e.next, /Redirect URL/);
    assert.equal(fromAadsts('AADSTS50194: Application is not configured as a multi-tenant application.').code, 'AADSTS50194');
    assert.equal(fromAadsts('something else').code, 'SignInFailed');
  });

  it('maps unknown statuses and network failures with a next step', () => {
    assert.match(fromGraphError(418, undefined).message, /418/);
    const net = toDirectoryError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    assert.equal(net.status, 0);
    assert.match(net.next, /network/);
  });
});
