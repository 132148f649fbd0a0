/** Row helpers shared by the fakes. */

/** Copies of the rows, sorted by id (as the SQL repositories list them). */
export const byId = <T extends { id: string }>(rows: readonly T[]) =>
  [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => structuredClone(r));
