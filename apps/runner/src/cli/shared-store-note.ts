/**
 * The end of "no runner store in DIR" when PATCHBAY_STORE is set: scaling.md's walk-through
 * exports it, `keys` and `promote` then use it, and `run`, `eval` and `validate` do not (they read
 * saved pipelines from a data dir's runner store only), so "pass --data DIR" alone leaves a user
 * of a runner on PostgreSQL nowhere to go. Names the variable, never its value (it may hold a password).
 */
export function sharedStoreNote(env: NodeJS.ProcessEnv, remedy: string): string {
  if (!env.PATCHBAY_STORE) return '';
  return `; PATCHBAY_STORE is set, but run, eval and validate read saved pipelines only from the runner store of a data dir, never from a shared store: ${remedy}`;
}
