import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { confirmLoginHost, isOpenableUrl, CONFIRMED_LOGIN_HOSTS_KEY } from '../../../src/auth/loginHost';
import { cacheKey } from '../../../src/auth/secretCache';
import { resolveCloud } from '../../../src/cloud/clouds';

function memento(initial: Record<string, unknown> = {}) {
  const values = new Map(Object.entries(initial));
  return { values, get: <T>(key: string) => values.get(key) as T | undefined, update: async (key: string, value: unknown) => void values.set(key, value) };
}

const custom = (login: string) => resolveCloud('Custom', { loginEndpoint: login, graphEndpoint: 'https://graph.example.test', armEndpoint: 'https://arm.example.test' });

describe('the login host of a custom cloud', () => {
  it('is confirmed once per host: a no stops, a yes is remembered, another host asks again; Microsoft clouds never ask', async () => {
    const m = memento();
    const asked: string[] = [];
    const no = async (host: string) => (asked.push(host), false);
    const yes = async (host: string) => (asked.push(host), true);
    assert.equal(await confirmLoginHost(custom('https://login.one.example'), m, no), false);
    assert.equal(m.values.has(CONFIRMED_LOGIN_HOSTS_KEY), false);
    assert.equal(await confirmLoginHost(custom('https://login.one.example'), m, yes), true);
    assert.equal(await confirmLoginHost(custom('https://login.one.example/'), m, no), true, 'remembered');
    assert.equal(await confirmLoginHost(custom('https://login.two.example'), m, no), false, 'another host asks again');
    assert.deepEqual(asked, ['login.one.example', 'login.one.example', 'login.two.example']);
    assert.equal(await confirmLoginHost(resolveCloud('AzureCloud', undefined), m, no), true);
  });

  it('keys the token cache by cloud, login host and client: another host never reads the same tokens', () => {
    const client = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
    assert.notEqual(cacheKey(custom('https://login.one.example'), client), cacheKey(custom('https://login.two.example'), client));
    assert.equal(cacheKey(resolveCloud('AzureCloud', undefined), client), `entraConnector.msal.AzureCloud.login.microsoftonline.com.${client}`);
  });
});

describe('URLs from a server or a file', () => {
  it('only https: URLs without credentials are opened', () => {
    assert.equal(isOpenableUrl('https://microsoft.com/devicelogin'), true);
    for (const url of ['http://microsoft.com/devicelogin', 'file:///etc/passwd', 'command:workbench.action.terminal.new', 'vscode://settings', 'javascript:alert(1)', 'https://user:pw@evil.example/', 'not a url', '']) {
      assert.equal(isOpenableUrl(url), false, url);
    }
  });
});
