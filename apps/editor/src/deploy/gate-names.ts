import type { StoredSuite } from '../lib/evals-api';

type Gate = NonNullable<StoredSuite['suite']['gate']>;

/**
 * The gates a promotion with this suite applies, named as the verdict names them (the evals package's
 * check names). A suite that sets none gets fail-on regression, as the runner's promotion gives it.
 */
function gateNames(gate: Gate | undefined): { names: string[]; byDefault: boolean } {
  const names = [
    ...(gate?.failOn === 'regression' ? ['fail-on regression'] : []),
    ...(gate?.minPassRate !== undefined ? [`min-pass-rate ${gate.minPassRate}`] : []),
    ...Object.entries(gate?.maxDrop ?? {}).map(([scorer, drop]) => `max-drop ${scorer}=${drop}`),
  ];
  return names.length ? { names, byDefault: false } : { names: ['fail-on regression'], byDefault: true };
}

/** "gate: fail-on regression, the default" or "gates: fail-on regression, min-pass-rate 0.9". */
export function gateWords(gate: Gate | undefined): string {
  const { names, byDefault } = gateNames(gate);
  return `${names.length === 1 ? 'gate' : 'gates'}: ${names.join(', ')}${byDefault ? ', the default' : ''}`;
}

/** The gates that apply to a version alone, where a label is not set yet and there is nothing to compare it with. */
export function gatesAlone(gate: Gate | undefined): string[] {
  return gate?.minPassRate !== undefined ? [`min-pass-rate ${gate.minPassRate}`] : [];
}
