/**
 * Registers a deployed connector's redirect URL on its connector app: read, merge, write (a PATCH of `web` replaces
 * the whole list, so every URI already there is sent back). When the connector moved from the shared legacy URL to
 * its own URL (`redirectMode: GlobalPerConnector`), the new URL is registered first and the old one removed after,
 * so sign-ins keep working in between.
 */
import type { Application, Directory } from '../graph/operations';
import { registerRedirectUri, removeRedirectUri } from '../registrations/actions';

/**
 * The shared URL every connector used before per-connector URLs: the consent host's bare `/redirect`
 * (`https://global.consent.azure-apim.net/redirect`, older `msmanaged-na.consent…`); a per-connector URL has the
 * connector's name after it.
 */
export function isLegacySharedRedirect(url: string): boolean {
  try {
    return /\/redirect\/?$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

export interface RedirectRegistration {
  readonly appId: string;
  readonly redirectUrl: string;
  /** True when this call added it (false: it was already registered). */
  readonly added: boolean;
  /** The URL removed after the new one was in place, if any. */
  readonly removed?: string;
}

export async function registerRedirectUrl(
  directory: Directory,
  appId: string,
  redirectUrl: string,
  options: { previous?: string; removePrevious?: boolean; read?: Promise<Application | undefined> } = {},
): Promise<RedirectRegistration> {
  // The same read-merge-write as every other redirect URI change (src/registrations/actions.ts); the read may have
  // been started beside the deployment.
  const { redirectUris: list, added } = await registerRedirectUri(directory, appId, redirectUrl, options.read);
  const previous = options.previous;
  if (previous && previous !== redirectUrl && options.removePrevious && list.includes(previous)) {
    // Read again inside removeRedirectUri: the list may have changed since; only that one URL goes, the new one stays.
    const after = await removeRedirectUri(directory, appId, previous);
    if (after.redirectUris.includes(redirectUrl)) return { appId, redirectUrl, added, removed: previous };
  }
  return { appId, redirectUrl, added };
}

/** Whether the connector app has this redirect URL registered (a Web redirect URI). */
export async function isRedirectRegistered(directory: Directory, appId: string, redirectUrl: string): Promise<boolean> {
  const app = await directory.getApplicationByAppId(appId);
  return !!app?.web?.redirectUris?.includes(redirectUrl);
}

/**
 * After a deployment: registers the redirect URL Power Platform reported; when the connector moved from the shared
 * legacy URL to its own, the legacy URL is removed after the new one is in place. `read`: the connector app as read
 * while the connector was being deployed (the read of the read-merge-write, off the chain of round trips).
 */
export async function registerDeployedRedirect(directory: Directory, appId: string, deployed: { redirectUrl?: string; previousRedirectUrl?: string }, read?: Promise<Application | undefined>): Promise<RedirectRegistration | undefined> {
  if (!deployed.redirectUrl) return undefined;
  const moved = !!deployed.previousRedirectUrl && isLegacySharedRedirect(deployed.previousRedirectUrl) && !isLegacySharedRedirect(deployed.redirectUrl);
  return registerRedirectUrl(directory, appId, deployed.redirectUrl, { ...(moved ? { previous: deployed.previousRedirectUrl!, removePrevious: true } : {}), ...(read ? { read } : {}) });
}
