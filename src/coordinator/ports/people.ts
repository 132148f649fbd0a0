/** Who holds which role, as the workflow needs it to address people. */

/** A person to notify, with the scope of the role they hold. */
export interface RoleHolder {
  userId: string;
  email: string | null;
  scopeId: string;
}

/** Reading role holders. */
export interface PeopleRepo {
  /** Users holding `role` on one of `scopeIds` ('' for global roles), by user id. */
  holders(role: string, scopeIds: readonly string[]): Promise<RoleHolder[]>;
  /** Removes every role binding on a scope (when the tenant or sender goes away). */
  unbindScope(scopeId: string): Promise<void>;
}
