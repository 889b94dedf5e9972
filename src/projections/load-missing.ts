/**
 * Fills `known` with what `query` finds of the ids it does not hold yet, and null for the rest: a
 * planner batch's caches load each id once, absent ones included.
 */
export async function loadMissing<V>(known: Map<string, V | null>, ids: Iterable<string>, query: (ids: string[]) => Promise<Map<string, V>>): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !known.has(id));
  if (missing.length === 0) return;
  const found = await query(missing);
  for (const id of missing) known.set(id, found.get(id) ?? null);
}
