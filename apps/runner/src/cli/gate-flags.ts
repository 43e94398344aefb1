import type { Gate } from '@patchbay/evals';
import { UsageError } from './command';

/** The gate flags of a command's options (patchbay eval, compare). */
export const GATE_OPTIONS = {
  'fail-on': { type: 'string' },
  'min-pass-rate': { type: 'string' },
  'max-drop': { type: 'string', multiple: true },
} as const;

/** The gate `--fail-on regression`, `--min-pass-rate X` and `--max-drop SCORER=DELTA` (repeatable) set. */
export function gateFlags(values: Record<string, any>): Gate {
  const gate: Gate = {};
  if (values['fail-on'] !== undefined) {
    if (values['fail-on'] !== 'regression') throw new UsageError(`--fail-on must be "regression", got "${values['fail-on']}"`);
    gate.failOn = 'regression';
  }
  if (values['min-pass-rate'] !== undefined) {
    const x = Number(values['min-pass-rate']);
    if (!(x >= 0 && x <= 1) || values['min-pass-rate'].trim() === '') throw new UsageError(`--min-pass-rate must be a number from 0 to 1, got "${values['min-pass-rate']}"`);
    gate.minPassRate = x;
  }
  for (const spec of (values['max-drop'] ?? []) as string[]) {
    const m = /^(.+)=(.+)$/.exec(spec);
    const delta = m ? Number(m[2]) : NaN;
    if (!m || !(delta >= 0)) throw new UsageError(`--max-drop must be SCORER=DELTA with DELTA ≥ 0, got "${spec}"`);
    gate.maxDrop = { ...(gate.maxDrop ?? {}), [m[1]]: delta };
  }
  return gate;
}
