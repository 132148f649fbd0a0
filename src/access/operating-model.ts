/**
 * A tenant's operating model decides which organisation holds its tenant-admin and
 * integration-developer roles: the customer itself, or the provider running it for them.
 */
import type { Role } from './roles.js';

/** The operating models. */
export const OPERATING_MODELS = ['customer-managed', 'provider-managed'] as const;

/** An operating model. */
export type OperatingModel = (typeof OPERATING_MODELS)[number];

/** Which side holds a tenant-scoped role under each model. */
const HOLDER: Record<
  OperatingModel,
  Record<'tenant-admin' | 'integration-developer', 'customer' | 'provider'>
> = {
  'customer-managed': { 'tenant-admin': 'customer', 'integration-developer': 'customer' },
  'provider-managed': { 'tenant-admin': 'provider', 'integration-developer': 'provider' },
};

/** The tenant facts the rule needs. */
export interface TenantOrganisation {
  operatingModel: OperatingModel;
  customerOrganisation: string;
}

/** The organisation that must hold `role` on `tenant`; undefined for roles the model does not govern. */
export function holderOrganisation(
  tenant: TenantOrganisation,
  role: Role,
  providerOrganisation: string,
): string | undefined {
  if (role !== 'tenant-admin' && role !== 'integration-developer') return undefined;
  return HOLDER[tenant.operatingModel][role] === 'customer'
    ? tenant.customerOrganisation
    : providerOrganisation;
}

/** True when a person of `organisation` may be given `role` on `tenant`. */
export function mayHold(
  tenant: TenantOrganisation,
  role: Role,
  organisation: string,
  providerOrganisation: string,
): boolean {
  const holder = holderOrganisation(tenant, role, providerOrganisation);
  return holder === undefined || holder === organisation;
}
