// Pure parts: the Easy Auth and CORS plans, local.settings.json Host.CORS, the setheader Origin policy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addOriginPolicy } from '../../../src/service/connectorPolicy';
import { APIM_ORIGIN, isValidOrigin, planCors, POWER_PLATFORM_ORIGINS } from '../../../src/service/cors';
import { apiAudiences, planEasyAuth, tenantIssuer } from '../../../src/service/easyAuth';
import { addLocalCorsOrigins } from '../../../src/service/localSettings';

const TARGET = { clientId: 'app-1', issuer: 'https://login.microsoftonline.com/t/v2.0', audiences: ['api://t/x', 'app-1'] };

describe('Easy Auth plan', () => {
  it('keeps existing audiences, warns when another app or issuer is replaced, and lists kept open paths', () => {
    const current = {
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: ['/health'] },
      identityProviders: {
        azureActiveDirectory: { enabled: true, registration: { clientId: 'old-app', openIdIssuer: 'https://sts.windows.net/t/' }, validation: { allowedAudiences: ['api://legacy', 'API://T/X/'] } },
        google: { enabled: true },
      },
      platform: { enabled: true },
    };
    const plan = planEasyAuth(current, TARGET);
    assert.deepEqual(plan.changes.map((c) => c.path), [
      'identityProviders.azureActiveDirectory.registration.clientId',
      'identityProviders.azureActiveDirectory.registration.openIdIssuer',
      'identityProviders.azureActiveDirectory.validation.allowedAudiences',
    ]);
    assert.deepEqual((plan.after.identityProviders as { azureActiveDirectory: { validation: { allowedAudiences: string[] } } }).azureActiveDirectory.validation.allowedAudiences, ['api://legacy', 'API://T/X/', 'app-1']);
    assert.equal(plan.warnings.length, 4);
    assert.match(plan.warnings.join('\n'), /old-app/);
    assert.match(plan.warnings.join('\n'), /\/health/);
    assert.match(plan.warnings.join('\n'), /google/);
    assert.deepEqual(plan.before, current, 'the plan does not mutate what it was given');
  });

  it('from no settings at all produces the full configuration', () => {
    const plan = planEasyAuth(undefined, TARGET);
    assert.equal(plan.changes.length, 7);
    assert.deepEqual(planEasyAuth(plan.after, TARGET).changes, []);
  });

  it('issuer and audiences helpers', () => {
    assert.equal(tenantIssuer('https://login.microsoftonline.us/', 'tid'), 'https://login.microsoftonline.us/tid/v2.0');
    // v1 tokens (requestedAccessTokenVersion null/1) carry the sts issuer; Azure China's v2 issuer host is login.partner.
    assert.equal(tenantIssuer('https://login.microsoftonline.com', 'tid', 1), 'https://sts.windows.net/tid/');
    assert.equal(tenantIssuer('https://login.chinacloudapi.cn', 'tid', 2), 'https://login.partner.microsoftonline.cn/tid/v2.0');
    assert.equal(tenantIssuer('https://login.chinacloudapi.cn', 'tid', 1), 'https://sts.chinacloudapi.cn/tid/');
    assert.deepEqual(apiAudiences('app-1', ['api://app-1', 'api://app-1/']), ['api://app-1', 'app-1']);
  });
});

describe('CORS plan', () => {
  it('appends only missing origins (case and trailing slash ignored) and keeps the order of the existing ones', () => {
    const plan = planCors({ allowedOrigins: ['https://b.example', 'HTTPS://MAKE.POWERAPPS.COM/'], supportCredentials: true });
    assert.deepEqual(plan.added, [APIM_ORIGIN, 'https://make.powerautomate.com']);
    assert.deepEqual(plan.after.allowedOrigins, ['https://b.example', 'HTTPS://MAKE.POWERAPPS.COM/', APIM_ORIGIN, 'https://make.powerautomate.com']);
    assert.equal(plan.after.supportCredentials, true);
    assert.deepEqual(plan.warnings, []);
  });

  it('warns about "*" and never adds something that is not an origin', () => {
    const plan = planCors({ allowedOrigins: ['*'], supportCredentials: false }, [...POWER_PLATFORM_ORIGINS, 'javascript:alert(1)', 'https://x.example/path']);
    assert.deepEqual(plan.added, [...POWER_PLATFORM_ORIGINS]);
    assert.match(plan.warnings[0]!, /every origin/);
    assert.match(plan.warnings[1]!, /javascript:alert\(1\)/);
    assert.ok(isValidOrigin('https://*.azure-apim.net') && isValidOrigin('http://localhost:7071') && !isValidOrigin('https://*'));
  });
});

describe('local.settings.json Host.CORS', () => {
  const file = '{\r\n\t"IsEncrypted": false,\r\n\t"Values": {\r\n\t\t"AzureWebJobsStorage": "UseDevelopmentStorage=true",\r\n\t\t"FUNCTIONS_WORKER_RUNTIME": "node"\r\n\t},\r\n\t"Host": {\r\n\t\t"LocalHttpPort": 7071,\r\n\t\t"CORS": "http://localhost:3000"\r\n\t}\r\n}';

  it('appends the origins to the comma-separated list and changes nothing else in the file', () => {
    const edit = addLocalCorsOrigins(file, POWER_PLATFORM_ORIGINS);
    assert.deepEqual(edit.added, [...POWER_PLATFORM_ORIGINS]);
    const expected = file.replace('"CORS": "http://localhost:3000"', `"CORS": "http://localhost:3000,${POWER_PLATFORM_ORIGINS.join(',')}"`);
    assert.equal(edit.text, expected);
    assert.equal(addLocalCorsOrigins(edit.text, POWER_PLATFORM_ORIGINS).text, undefined, 'a second run changes nothing');
  });

  it('adds Host.CORS when the file has no Host, in the file’s own indentation', () => {
    const text = '{\n    "IsEncrypted": false,\n    "Values": {}\n}\n';
    const edit = addLocalCorsOrigins(text, ['https://make.powerapps.com']);
    assert.equal(edit.text, '{\n    "IsEncrypted": false,\n    "Values": {},\n    "Host": {\n        "CORS": "https://make.powerapps.com"\n    }\n}\n');
  });

  it('creates the file when it does not exist, and refuses to touch a broken one', () => {
    const created = addLocalCorsOrigins(undefined, ['https://make.powerapps.com']);
    assert.deepEqual(JSON.parse(created.text!), { IsEncrypted: false, Values: {}, Host: { CORS: 'https://make.powerapps.com' } });
    const broken = addLocalCorsOrigins('{ "Host": ', ['https://make.powerapps.com']);
    assert.equal(broken.text, undefined);
    assert.match(broken.warnings[0]!, /not valid JSON/);
  });
});

describe('setheader Origin policy in apiProperties.json', () => {
  it('adds policyTemplateInstances when absent, preserving CRLF and the rest of the file', () => {
    const text = '{\r\n  "properties": {\r\n    "iconBrandColor": "#007ee5",\r\n    "capabilities": []\r\n  }\r\n}\r\n';
    const edit = addOriginPolicy(text, 'https://make.powerautomate.com');
    assert.ok(edit.text);
    assert.ok(!/[^\r]\n/.test(edit.text), 'only CRLF line endings');
    const parsed = JSON.parse(edit.text) as { properties: { iconBrandColor: string; policyTemplateInstances: { templateId: string; parameters: Record<string, string> }[] } };
    assert.equal(parsed.properties.iconBrandColor, '#007ee5');
    assert.equal(parsed.properties.policyTemplateInstances[0]!.templateId, 'setheader');
    assert.equal(parsed.properties.policyTemplateInstances[0]!.parameters['x-ms-apimTemplateParameter.name'], 'Origin');
    assert.equal(parsed.properties.policyTemplateInstances[0]!.parameters['x-ms-apimTemplateParameter.value'], 'https://make.powerautomate.com');
    assert.equal(parsed.properties.policyTemplateInstances[0]!.parameters['x-ms-apimTemplate-policySection'], 'Request');
    assert.ok(edit.text.startsWith('{\r\n  "properties": {\r\n    "iconBrandColor": "#007ee5",\r\n    "capabilities": []'));
  });

  it('appends to an existing list and leaves an existing Origin policy alone', () => {
    const text = JSON.stringify({ properties: { policyTemplateInstances: [{ templateId: 'setheader', title: 'x', parameters: { 'x-ms-apimTemplateParameter.name': 'Cookie', 'x-ms-apimTemplateParameter.value': 'a' } }] } }, null, 2);
    const edit = addOriginPolicy(text, 'https://make.powerapps.com');
    const list = (JSON.parse(edit.text!) as { properties: { policyTemplateInstances: { parameters: Record<string, string> }[] } }).properties.policyTemplateInstances;
    assert.deepEqual(list.map((p) => p.parameters['x-ms-apimTemplateParameter.name']), ['Cookie', 'Origin']);
    const again = addOriginPolicy(edit.text!, 'https://other.example');
    assert.equal(again.text, undefined);
    assert.equal(again.existing, 'https://make.powerapps.com');
    assert.match(addOriginPolicy('{"properties": {"policyTemplateInstances": {}}}', 'https://a.example').problem ?? '', /not an array/);
  });
});
