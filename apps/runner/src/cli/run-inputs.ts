import { checkInputs, parseInputValue, pipelineInputs, type PipelineDocument, type Problem } from '@patchbay/core';
import { UsageError } from './command';

/**
 * The run's inputs from `--inputs JSON` and any number of `--input NAME=VALUE`
 * (which win over --inputs). Each --input value is read as its input's
 * valueType (a number must be a number). Returns problems with paths
 * `$.inputs.NAME` for a missing, ill-typed or unknown input; throws UsageError
 * for a flag that cannot be read at all.
 */
export function runInputs(doc: PipelineDocument, inputsJson: string | undefined, inputFlags: string[] = []): { inputs: Record<string, unknown>; problems: Problem[] } {
  let inputs: Record<string, unknown> = {};
  if (inputsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputsJson);
    } catch (err) {
      throw new UsageError(`--inputs is not JSON: ${(err as Error).message.split('\n')[0]}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--inputs must be a JSON object of {name: value}');
    inputs = { ...(parsed as Record<string, unknown>) };
  }
  const declared = new Map(pipelineInputs(doc).map((input) => [input.name, input]));
  const problems: Problem[] = [];
  const failed = new Set<string>();
  for (const flag of inputFlags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input expects NAME=VALUE, got "${flag}"`);
    const name = flag.slice(0, eq);
    const text = flag.slice(eq + 1);
    const input = declared.get(name);
    if (!input) {
      setOwn(inputs, name, text); // checkInputs reports it as unknown, beside any unknown name from --inputs
      continue;
    }
    const parsed = parseInputValue(text, input.valueType);
    if (parsed.ok) {
      setOwn(inputs, name, parsed.value);
    } else {
      delete inputs[name];
      failed.add(name);
      problems.push({ path: `$.inputs.${name}`, code: 'input-type', message: `input "${name}" (${input.valueType}): ${parsed.message}` });
    }
  }
  // An input whose --input value did not parse is reported once, not again as missing.
  const reportedAlready = (p: Problem) => p.code === 'missing-input' && [...failed].some((name) => p.message.startsWith(`input "${name}" `));
  problems.push(...checkInputs(doc, inputs, { unknown: 'error' }).filter((p) => !reportedAlready(p)));
  return { inputs, problems };
}

/** Defined, not assigned: `--input __proto__=x` is an own key (reported as unknown), not a prototype change. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
