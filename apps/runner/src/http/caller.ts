import type { Context } from 'hono';
import { HttpProblem } from './problem';

/**
 * Who is calling, as the auth middleware found out: the admin (the token, or
 * nobody needed one), or a serving key with its name and pipeline scope.
 */
export type Caller = { kind: 'admin' } | { kind: 'key'; name: string; pipelines: string[] | null; /** The key's SHA-256 (hex): the key itself, where a name may be given again. */ hash: string };

const ADMIN: Caller = { kind: 'admin' };

export function setCaller(c: Context, caller: Caller): void {
  c.set('caller' as never, caller as never);
}

export function callerOf(c: Context): Caller {
  return (c.get('caller' as never) as Caller | undefined) ?? ADMIN;
}

/** The key's name to record on a run (null for the admin). */
export function keyNameOf(c: Context): string | null {
  const caller = callerOf(c);
  return caller.kind === 'key' ? caller.name : null;
}

/** A serving key reaches only its own pipelines: 403 for any other. */
export function assertMayServe(c: Context, pipeline: string): void {
  const caller = callerOf(c);
  if (caller.kind === 'key' && caller.pipelines && !caller.pipelines.includes(pipeline)) {
    throw new HttpProblem(403, `serving key "${caller.name}" may not call pipeline "${pipeline}" (it may call: ${caller.pipelines.join(', ')})`, { type: 'forbidden' });
  }
}

export function mayServe(caller: Caller, pipeline: string): boolean {
  return caller.kind === 'admin' || !caller.pipelines || caller.pipelines.includes(pipeline);
}
