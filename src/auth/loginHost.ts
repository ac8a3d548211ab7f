import { authorityHost, type Cloud } from '../cloud/clouds';

/** Where the confirmed custom login hosts are remembered: the user's global state, never a workspace's. */
export const CONFIRMED_LOGIN_HOSTS_KEY = 'entraConnector.confirmedLoginHosts';

export interface HostMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/**
 * Before the first sign-in to a custom cloud, the user confirms its login host once: the authorization code, the PKCE
 * verifier and the refresh token go there. Microsoft's own clouds need no confirmation. The answer is remembered per
 * host, so a changed endpoint asks again.
 */
export async function confirmLoginHost(cloud: Cloud, memento: HostMemento, ask: (host: string) => PromiseLike<boolean>): Promise<boolean> {
  if (cloud.name !== 'Custom') return true;
  const host = authorityHost(cloud);
  const confirmed = memento.get<unknown>(CONFIRMED_LOGIN_HOSTS_KEY);
  const hosts = Array.isArray(confirmed) ? confirmed.filter((h): h is string => typeof h === 'string') : [];
  if (hosts.includes(host)) return true;
  if (!(await ask(host))) return false;
  await memento.update(CONFIRMED_LOGIN_HOSTS_KEY, [...hosts, host]);
  return true;
}

/**
 * Whether a URL that came from a server or a file may be opened in the browser: `https:` only, with no user name or
 * password in it. Anything else (`file:`, `command:`, `vscode:`, `javascript:`, plain http) is refused.
 */
export function isOpenableUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && parsed.hostname !== '';
}
