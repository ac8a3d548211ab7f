/**
 * Securing the service's site: read its Easy Auth and CORS settings, show what would change, and apply only that.
 * Running it again changes nothing (no write is sent when nothing differs). Before writing, the settings are read
 * again: if someone changed them since the preview, nothing is written and the user is asked to look again.
 */
import { WEB_API_VERSION, type ArmClient } from './arm';
import { planCors, POWER_PLATFORM_ORIGINS, readCors, type CorsPlan } from './cors';
import { planEasyAuth, sameJson, type EasyAuthPlan, type EasyAuthTarget } from './easyAuth';
import { UserFailure } from '../errors';
import type { ArmError } from './errors';
import type { Site } from './sites';

export interface SecureOptions {
  /** Configure authentication (Easy Auth v2). Default true. */
  readonly auth?: boolean;
  /** Configure CORS. Default true. */
  readonly cors?: boolean;
  /** Required when `auth` is on. */
  readonly target?: EasyAuthTarget;
  /** Origins to allow; default the Power Platform origins. */
  readonly origins?: readonly string[];
}

export interface SecurePlan {
  readonly site: Site;
  readonly easyAuth?: EasyAuthPlan;
  readonly cors?: CorsPlan;
}

export interface SecureResult {
  readonly site: Site;
  /** What was written: `false` when it already matched. */
  readonly easyAuthChanged: boolean;
  readonly corsChanged: boolean;
  readonly plan: SecurePlan;
}

interface ConfigResource {
  properties?: Record<string, unknown>;
}

const authPath = (site: Site) => `${site.id}/config/authsettingsV2`;
const webPath = (site: Site) => `${site.id}/config/web`;

export async function planSecureService(arm: ArmClient, site: Site, options: SecureOptions): Promise<SecurePlan> {
  const doAuth = options.auth !== false;
  const doCors = options.cors !== false;
  if (doAuth && !options.target) throw new Error('The API app (client ID, issuer, audiences) is needed to configure authentication.');
  const [auth, web] = await Promise.all([
    doAuth ? arm.get<ConfigResource>(authPath(site), WEB_API_VERSION) : undefined,
    doCors ? arm.get<ConfigResource>(webPath(site), WEB_API_VERSION) : undefined,
  ]);
  return {
    site,
    ...(auth && options.target ? { easyAuth: planEasyAuth(auth.properties, options.target) } : {}),
    ...(web ? { cors: planCors(readCors(web.properties), options.origins ?? POWER_PLATFORM_ORIGINS) } : {}),
  };
}

/** True when applying the plan would write something. */
export function hasChanges(plan: SecurePlan): boolean {
  return (plan.easyAuth?.changes.length ?? 0) > 0 || (plan.cors?.added.length ?? 0) > 0;
}

export async function applySecureService(arm: ArmClient, plan: SecurePlan): Promise<SecureResult> {
  const { site } = plan;
  let easyAuthChanged = false;
  let corsChanged = false;
  if (plan.easyAuth && plan.easyAuth.changes.length > 0) {
    const now = await arm.get<ConfigResource>(authPath(site), WEB_API_VERSION);
    if (!sameJson(now.properties ?? {}, plan.easyAuth.before)) throw changedSincePreview(site, 'authentication');
    // PUT replaces the whole resource: `after` is the settings as read, with only the planned fields changed.
    await arm.put(authPath(site), WEB_API_VERSION, { properties: plan.easyAuth.after });
    easyAuthChanged = true;
  }
  if (plan.cors && plan.cors.added.length > 0) {
    const now = await arm.get<ConfigResource>(webPath(site), WEB_API_VERSION);
    if (!sameJson(readCors(now.properties), plan.cors.before)) throw changedSincePreview(site, 'CORS');
    // PATCH of config/web: only `cors` is sent, every other site setting stays as it is.
    await arm.patch(webPath(site), WEB_API_VERSION, { properties: { cors: { allowedOrigins: plan.cors.after.allowedOrigins, supportCredentials: plan.cors.after.supportCredentials } } });
    corsChanged = true;
  }
  return { site, easyAuthChanged, corsChanged, plan };
}

function changedSincePreview(site: Site, what: string): UserFailure<ArmError> {
  return new UserFailure({
    code: 'ChangedSincePreview',
    status: 0,
    message: `The ${what} settings of ${site.name} changed after the preview was shown; nothing was written.`,
    next: 'Run the command again to see the current settings and the change.',
  });
}

/** Lines for a terminal or a log: what changes, field by field. */
export function describePlan(plan: SecurePlan): string[] {
  const lines: string[] = [`Site: ${plan.site.name} (${plan.site.kind}) ${plan.site.id}`];
  if (plan.easyAuth) {
    if (plan.easyAuth.changes.length === 0) lines.push('Authentication: already configured, no change.');
    else {
      lines.push('Authentication (config/authsettingsV2):');
      for (const c of plan.easyAuth.changes) lines.push(`  ${c.path}: ${JSON.stringify(c.before) ?? '(not set)'} → ${JSON.stringify(c.after)}`);
    }
    for (const w of plan.easyAuth.warnings) lines.push(`  Note: ${w}`);
  }
  if (plan.cors) {
    if (plan.cors.added.length === 0) lines.push('CORS: every origin is already allowed, no change.');
    else lines.push(`CORS (config/web): allow ${plan.cors.added.join(', ')} (keeping ${plan.cors.before.allowedOrigins.length ? plan.cors.before.allowedOrigins.join(', ') : 'no other origins'}).`);
    for (const w of plan.cors.warnings) lines.push(`  Warning: ${w}`);
  }
  return lines;
}
