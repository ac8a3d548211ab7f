/**
 * What the signed-in account may do, from its directory roles (`GET /me/memberOf/microsoft.graph.directoryRole`,
 * User.Read). Role template IDs and what each role may consent to: Microsoft Learn, "Microsoft Entra built-in roles"
 * (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference). Application
 * Administrator and Cloud Application Administrator may grant tenant-wide consent to delegated permissions (not to
 * Microsoft Graph application permissions), as may Global Administrator and Privileged Role Administrator.
 */
export interface DirectoryRoleRef {
  readonly displayName?: string | null;
  readonly roleTemplateId?: string | null;
}

const TENANT_CONSENT_ROLES: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
};

export interface ConsentAbility {
  /** The account may grant tenant-wide (admin) consent to delegated permissions. */
  readonly tenantWide: boolean;
  /** Why, in one sentence a person understands. */
  readonly reason: string;
}

export function consentAbility(roles: readonly DirectoryRoleRef[]): ConsentAbility {
  const granting = roles.map((r) => (r.roleTemplateId ? TENANT_CONSENT_ROLES[r.roleTemplateId.toLowerCase()] : undefined)).filter((n): n is string => !!n);
  if (granting.length > 0) return { tenantWide: true, reason: `Your account is ${granting[0]}, a role that may consent for the whole organization.` };
  const names = roles.map((r) => r.displayName).filter((n): n is string => !!n);
  return {
    tenantWide: false,
    reason: `Your account has ${names.length > 0 ? `the role${names.length === 1 ? '' : 's'} ${names.join(', ')}, none of which` : 'no directory role that'} may consent for the whole organization (Application Administrator, Cloud Application Administrator or Global Administrator can).`,
  };
}
