// The mapping of MSAL/Entra errors to one sentence with a cause and a next step, on MSAL's own error classes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { AuthFailure, networkFailure, toAuthFailure } from '../../../src/auth/errors';
import { explainScopes } from '../../../src/auth/consent';
import { resolveCloud } from '../../../src/cloud/clouds';
import { fromAadsts } from '../../../src/graph/errors';
import { explainSignInError } from '../../../src/connector/explain';

const context = {
  loginEndpoint: 'https://login.microsoftonline.us',
  clientId: '14d82eec-204b-4c2f-b7e8-296a70dab67e',
  tenant: 'contoso.example',
  adminConsentUrl: () => 'https://login.microsoftonline.us/contoso.example/v2.0/adminconsent?client_id=x',
};

describe('sign-in error messages', () => {
  it('AADSTS65002 names the client, the resource and the setting to change (no consent can fix it)', () => {
    const e = toAuthFailure(new ServerError('invalid_request', '', "AADSTS65002: Consent between first party application '14d82eec-204b-4c2f-b7e8-296a70dab67e' and first party resource '797f4846-ba00-4fd7-ba43-dac1f8f63013' must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API. Trace ID: 1"), context);
    assert.equal(e.kind, 'notPreAuthorized');
    assert.match(e.message, /Microsoft Graph Command Line Tools \(14d82eec-204b-4c2f-b7e8-296a70dab67e\)/);
    assert.match(e.message, /not pre-authorized for Azure Resource Manager \(AADSTS65002\)/);
    assert.match(e.message, /entraConnector\.signIn\.clientId/);
    assert.match(e.message, /Microsoft Azure CLI/);
    assert.equal(e.details.setting, 'entraConnector.signIn.clientId');
    assert.equal(e.details.adminConsentUrl, undefined, 'no admin-consent link: consent cannot fix it');
  });

  it('AADSTS codes are read whole: AADSTS7000218 is not AADSTS700021 (or any other prefix)', () => {
    const e = toAuthFailure(new ServerError('invalid_client', '', "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."), context);
    assert.equal(e.details.aadsts, 'AADSTS7000218');
    const g = fromAadsts("AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    assert.equal(g.code, 'AADSTS7000218');
    assert.equal(explainSignInError('AADSTS7000218: The request body must contain ...').code, 'AADSTS7000218');
    assert.equal(toAuthFailure(new ServerError('invalid_client', '', 'AADSTS7000822: something new'), context).details.aadsts, 'AADSTS7000822');
    assert.notEqual(toAuthFailure(new ServerError('invalid_client', '', 'AADSTS7000822: something new'), context).kind, 'sessionExpired', '7000822 is not 700082');
  });

  it('an expired refresh token (AADSTS700082) says to sign in again', () => {
    const e = toAuthFailure(new ServerError('invalid_grant', '', 'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2026-01-01 and was inactive for 90.00:00:00. Trace ID: 1 Correlation ID: 2'), context);
    assert.equal(e.kind, 'sessionExpired');
    assert.equal(e.message, 'Your sign-in has expired or is no longer valid (AADSTS700082). Run "Entra Connector: Sign In" to sign in again.');
  });

  it('MFA or a password change demanded by the tenant (interaction_required) also asks to sign in again', () => {
    const e = toAuthFailure(new InteractionRequiredAuthError('interaction_required', '', 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.'), context);
    assert.equal(e.kind, 'sessionExpired');
    assert.match(e.message, /AADSTS50076/);
  });

  it('a refused consent carries the admin-consent link; a Conditional Access block names the client ID setting', () => {
    const refused = toAuthFailure(new ServerError('invalid_grant', '', 'AADSTS65001: The user or administrator has not consented to use the application.', 'consent_required'), context);
    assert.equal(refused.kind, 'consentRefused');
    assert.equal(refused.details.adminConsentUrl, context.adminConsentUrl());
    const blocked = toAuthFailure(new ServerError('access_denied', '', 'AADSTS53003: Access has been blocked by Conditional Access policies.'), context);
    assert.equal(blocked.kind, 'blockedByPolicy');
    assert.match(blocked.nextStep, /entraConnector\.signIn\.clientId/);
  });

  it('an unknown failure keeps its code and first sentence but drops trace and correlation IDs', () => {
    const e = toAuthFailure(new ServerError('temporarily_unavailable', '', 'AADSTS90000: The service is temporarily unavailable. Try later. Trace ID: abc Correlation ID: def'), context);
    assert.equal(e.kind, 'other');
    assert.match(e.message, /^Sign-in failed \(AADSTS90000\): The service is temporarily unavailable\. Try again/);
    assert.doesNotMatch(e.message, /Trace ID|Correlation ID/);
  });

  it('network failures say unreachable or untrusted with the host, and pass AuthFailures through unchanged', () => {
    assert.equal(networkFailure('ENOTFOUND', 'https://login.contoso.example/x').message.startsWith('Could not reach the sign-in endpoint login.contoso.example (ENOTFOUND).'), true);
    assert.equal(networkFailure('CERT_HAS_EXPIRED', 'https://login.contoso.example').kind, 'untrustedCertificate');
    const same = new AuthFailure('cancelled', 'x', 'y');
    assert.equal(toAuthFailure(same, context), same);
  });

  it('explains each permission before the consent screen', () => {
    const cloud = resolveCloud('AzureCloud');
    const { permissions, explanation } = explainScopes(cloud, ['https://graph.microsoft.com/Application.ReadWrite.All', 'offline_access']);
    assert.deepEqual(permissions, ['Application.ReadWrite.All']);
    assert.match(explanation, /^Application\.ReadWrite\.All: to register the API and connector apps/);
  });

  it('explains the Azure Resource Manager permission asked for when securing the service', () => {
    const cloud = resolveCloud('AzureCloud');
    const { permissions, explanation } = explainScopes(cloud, ['https://management.azure.com/user_impersonation']);
    assert.deepEqual(permissions, ['Azure Resource Manager user_impersonation']);
    assert.match(explanation, /App Service or Function App/);
    assert.doesNotMatch(explanation, /needed by the step you started/);
  });
});
