import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainSignInError, findRelatedConnectors, KNOWN_AADSTS_CODES } from '../../../src/connector/explain';

// Messages as Entra ID prints them (wording from the sign-in page and token endpoint errors).
const M50011 = "AADSTS50011: The redirect URI 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f1234567890abcdef' specified in the request does not match the redirect URIs configured for the application '11111111-2222-3333-4444-555555555555'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this. Trace ID: 0a1b2c3d-0000-4000-8000-000000000001 Correlation ID: 0a1b2c3d-0000-4000-8000-000000000002 Timestamp: 2025-03-01 10:11:12Z";
const M500011 = 'AADSTS500011: The resource principal named api://contoso-invoices was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.';
const M650057 = 'AADSTS650057: Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client\'s application registration. Client app ID: 11111111-2222-3333-4444-555555555555(Contoso Invoices connector). Resource value from request: api://contoso-invoices. Resource app ID: 99999999-8888-7777-6666-555555555555. List of valid resources from app registration: 00000003-0000-0000-c000-000000000000.';
const M700016 = "AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.";
const M65001 = "AADSTS65001: The user or administrator has not consented to use the application with ID '11111111-2222-3333-4444-555555555555' named 'Contoso Invoices connector'. Send an interactive authorization request for this user and resource.";
const M50194 = "AADSTS50194: Application '11111111-2222-3333-4444-555555555555'(Contoso Invoices connector) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.";
const M7000215 = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-2222-3333-4444-555555555555'.";
const M50020 = "AADSTS50020: User account 'someone@fabrikam.example' from identity provider 'live.com' does not exist in tenant 'Contoso' and cannot access the application '11111111-2222-3333-4444-555555555555'(Contoso Invoices connector) in that tenant.";

test('AADSTS50011: extracts the redirect URI and client ID and offers to register that URI on that app', () => {
  const e = explainSignInError(M50011);
  assert.equal(e.code, 'AADSTS50011');
  assert.equal(e.known, true);
  assert.equal(e.rule, 'redirect-uri-not-registered');
  assert.equal(e.extracted.redirectUri, 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f1234567890abcdef');
  assert.equal(e.extracted.clientId, '11111111-2222-3333-4444-555555555555');
  assert.equal(e.extracted.traceId, '0a1b2c3d-0000-4000-8000-000000000001');
  assert.equal(e.extracted.correlationId, '0a1b2c3d-0000-4000-8000-000000000002');
  assert.equal(e.extracted.timestamp, '2025-03-01 10:11:12Z');
  assert.deepEqual(e.actions[0], { kind: 'add-redirect-uri', appId: '11111111-2222-3333-4444-555555555555', redirectUri: e.extracted.redirectUri });
});

test('AADSTS500011 and 650057: the resource (and resource app ID) are extracted', () => {
  const a = explainSignInError(M500011);
  assert.equal(a.rule, 'resource-not-found');
  assert.equal(a.extracted.resource, 'api://contoso-invoices');
  assert.equal(a.extracted.tenant, 'Contoso');
  const b = explainSignInError(M650057);
  assert.equal(b.rule, 'permission-missing');
  assert.equal(b.extracted.resource, 'api://contoso-invoices');
  assert.equal(b.extracted.resourceAppId, '99999999-8888-7777-6666-555555555555');
  assert.equal(b.extracted.clientId, '11111111-2222-3333-4444-555555555555');
  assert.equal(b.extracted.clientName, 'Contoso Invoices connector');
});

test('AADSTS700016, 65001, 50194, 7000215, 50020: code, title and what the message names', () => {
  const cases: Array<[string, string, Partial<Record<string, string>>]> = [
    [M700016, 'client-app-not-found', { clientId: '11111111-2222-3333-4444-555555555555', tenant: 'Contoso' }],
    [M65001, 'consent-missing', { clientId: '11111111-2222-3333-4444-555555555555', clientName: 'Contoso Invoices connector' }],
    [M50194, 'tenant-common-single-tenant', { clientId: '11111111-2222-3333-4444-555555555555', clientName: 'Contoso Invoices connector' }],
    [M7000215, '', { clientId: '11111111-2222-3333-4444-555555555555' }],
    [M50020, '', { user: 'someone@fabrikam.example', tenant: 'Contoso', clientId: '11111111-2222-3333-4444-555555555555' }],
  ];
  for (const [message, rule, extracted] of cases) {
    const e = explainSignInError(message);
    assert.equal(e.known, true, message);
    assert.ok(e.title && e.meaning && e.cause && e.fix);
    assert.equal(e.rule ?? '', rule, message);
    for (const [k, v] of Object.entries(extracted)) assert.equal((e.extracted as Record<string, string>)[k], v, `${e.code} ${k}`);
  }
});

test('every catalogued code has a title, meaning, cause and fix', () => {
  assert.ok(KNOWN_AADSTS_CODES.length >= 12);
  for (const code of ['AADSTS50011', 'AADSTS500011', 'AADSTS650057', 'AADSTS700016', 'AADSTS65001', 'AADSTS50194', 'AADSTS7000215', 'AADSTS90008', 'AADSTS65002', 'AADSTS70011', 'AADSTS50020', 'AADSTS700054']) {
    assert.ok(KNOWN_AADSTS_CODES.includes(code), code);
    const e = explainSignInError(`${code}: something`);
    assert.equal(e.known, true);
    for (const field of [e.title, e.meaning, e.cause, e.fix]) assert.ok(field.length > 10, code);
  }
});

test('unknown codes, no code, and junk input are answered, never thrown on', () => {
  const unknown = explainSignInError('AADSTS999999: whatever');
  assert.equal(unknown.known, false);
  assert.equal(unknown.code, 'AADSTS999999');
  assert.match(unknown.fix, /error\?code=999999/);
  const none = explainSignInError('it does not work');
  assert.equal(none.code, undefined);
  assert.equal(none.known, false);
  for (const junk of ['', '\u0000'.repeat(100), 'AADSTS', 'x'.repeat(1_000_000), "redirect URI '"]) explainSignInError(junk);
});

test('findRelatedConnectors: the workspace connector whose clientId the error names, and why', () => {
  const clean = readFileSync(join(__dirname, '..', '..', 'fixtures', 'rules', 'clean.json'), 'utf8');
  const shared = readFileSync(join(__dirname, '..', '..', 'fixtures', 'rules', 'redirect-mode-shared.json'), 'utf8');
  const other = clean.replace('11111111-2222-3333-4444-555555555555', 'aaaaaaaa-2222-3333-4444-555555555555').replace(/api:\/\/contoso-invoices/g, 'api://other');
  const files = [{ path: 'a/apiProperties.json', text: clean }, { path: 'b/apiProperties.json', text: other }, { path: 'c/apiProperties.json', text: 'garbage' }];
  const related = findRelatedConnectors(explainSignInError(M50011), files);
  assert.deepEqual(related.map((r) => r.path), ['a/apiProperties.json']);
  assert.match(related[0].reason, /own \(GlobalPerConnector\) URL/);
  const sharedMsg = M50011.replace(/redirect\/contoso-20invoices-5f1234567890abcdef/, 'redirect');
  const r2 = findRelatedConnectors(explainSignInError(sharedMsg), [{ path: 's', text: shared }]);
  assert.match(r2[0].reason, /shared one: this connector uses redirectMode "Global"/);
  const byResource = findRelatedConnectors(explainSignInError(M500011), files);
  assert.deepEqual(byResource.map((r) => r.path), ['a/apiProperties.json']);
});

test('input without a code is explained from its wording (or says what is missing), never "See Microsoft\'s description"', () => {
  const reply = explainSignInError("The reply URL specified in the request does not match the reply URLs configured for the application: '11111111-2222-3333-4444-555555555555'.");
  assert.equal(reply.code, undefined);
  assert.equal(reply.likely?.code, 'AADSTS50011');
  assert.equal(reply.title, 'Redirect URI mismatch');
  assert.match(reply.meaning, /^No AADSTS code in the text, but its wording/);
  assert.equal(explainSignInError('error=invalid_client&error_description=Invalid client secret provided').likely?.code, 'AADSTS7000215');
  assert.equal(explainSignInError('The user or administrator has not consented to use the application').likely?.code, 'AADSTS65001');
  const guid = explainSignInError('Sign-in failed for client 11111111-2222-3333-4444-555555555555');
  assert.equal(guid.known, false);
  assert.equal(guid.extracted.clientId, '11111111-2222-3333-4444-555555555555');
  for (const e of [reply, guid, explainSignInError('it does not work')]) assert.doesNotMatch(e.cause, /See Microsoft/);
});
