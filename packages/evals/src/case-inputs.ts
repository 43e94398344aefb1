import { checkInputs, parseInputValue, pipelineInputs, type PipelineDocument } from '@patchbay/core';

/**
 * A case's `input` as the pipeline's `{name: value}`: an object maps by name; any
 * other value goes to the pipeline's only input. Text for a number, boolean or
 * JSON input (a CSV cell) is read as that type. Returns the problem otherwise.
 */
export function caseInputs(doc: PipelineDocument, input: unknown): CaseInputs {
  return caseInputsFor(doc)(input);
}

type CaseInputs = { inputs: Record<string, unknown> } | { problem: string };

/** caseInputs for one document, its declared inputs read once: it runs for every case, twice. */
export function caseInputsFor(doc: PipelineDocument): (input: unknown) => CaseInputs {
  const declared = pipelineInputs(doc);
  return (input) => {
    let inputs: Record<string, unknown>;
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
      inputs = { ...(input as Record<string, unknown>) };
    } else if (declared.length === 1) {
      inputs = { [declared[0].name]: input };
    } else {
      return { problem: `input must be an object of {name: value} (the pipeline has ${declared.length} inputs: ${declared.map((d) => d.name).join(', ') || 'none'})` };
    }
    for (const d of declared) {
      const v = inputs[d.name];
      if (typeof v === 'string' && d.valueType !== 'string') {
        const parsed = parseInputValue(v, d.valueType);
        if (parsed.ok) inputs[d.name] = parsed.value;
      }
    }
    const problems = checkInputs(doc, inputs, { unknown: 'error', declared });
    if (problems.length) return { problem: problems[0].message };
    return { inputs };
  };
}
