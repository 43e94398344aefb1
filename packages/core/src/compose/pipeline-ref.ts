import { z } from 'zod';
import type { PipelineDocument } from '../schema/pipeline';
import type { PortSpec, PortType } from '../nodes/types';
import { pipelineInputs, pipelineOutputs } from '../engine/inputs';

/** `NAME`, `NAME@vN` or `NAME@LABEL` (DESIGN.md, "Composition"). */
export const PIPELINE_REF_PATTERN = /^[a-z0-9-]+(?:@[a-z0-9-]+)?$/;

export const PipelineRefSchema = z
  .string()
  .regex(PIPELINE_REF_PATTERN, 'a pipeline reference is NAME, NAME@vN or NAME@LABEL')
  .describe('A stored pipeline: NAME (its latest version), NAME@vN or NAME@LABEL');

export type ParsedRef =
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'label'; label: string };

/**
 * Splits a reference; `@v3` is a version, any other slug after `@` a label.
 * `v` and digits is always a version (no label may look like one), so `@v0`
 * is version 0, which no pipeline has, not a label nobody can create.
 */
export function parsePipelineRef(ref: string): ParsedRef | undefined {
  if (!PIPELINE_REF_PATTERN.test(ref)) return undefined;
  const at = ref.indexOf('@');
  if (at < 0) return { name: ref, kind: 'latest' };
  const name = ref.slice(0, at);
  const tail = ref.slice(at + 1);
  const version = /^v([0-9]+)$/.exec(tail);
  return version ? { name, kind: 'version', version: Number(version[1]) } : { name, kind: 'label', label: tail };
}

/** A reference resolved to one stored version (the runner's store answers these). */
export interface ResolvedPipeline {
  name: string;
  version: number;
  /** The label it was reached through, when the reference named one. */
  label?: string;
  document: PipelineDocument;
  /** The version's own validation problems as stored (it cannot be called while it has any). */
  problems?: { path: string; message: string }[];
}

/**
 * Resolves references against a pipeline store. The runner provides one (its
 * version and label stores); the editor reaches it through the API. Returns
 * a reason instead of a version when the reference does not resolve.
 */
export interface PipelineResolver {
  resolve(ref: string): Promise<ResolvedPipeline | { error: string }>;
}

/** A child as one run sees it: resolved once when the run starts. */
export interface ChildPipeline extends ResolvedPipeline {
  ref: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
}

/**
 * References resolved for one document and everything it calls, in the shape
 * ports and validation read synchronously. An entry with `error` is a reference
 * that does not resolve (or closes a cycle; `chain` names it).
 */
export interface PipelineLookup {
  get(ref: string): ChildPipeline | { error: string; chain?: string[] } | undefined;
}

const VALUE_TYPES: readonly string[] = ['string', 'number', 'boolean', 'json', 'documents', 'messages'];

/** A stored pipeline's interface as ports: its inputs (required unless defaulted) and its outputs. */
export function interfacePorts(doc: Pick<PipelineDocument, 'nodes'>): { inputs: PortSpec[]; outputs: PortSpec[] } {
  return {
    inputs: pipelineInputs(doc).map((input) => ({
      name: input.name,
      type: (VALUE_TYPES.includes(input.valueType) ? input.valueType : 'any') as PortType,
      required: input.required,
      ...(input.description ? { description: input.description } : {}),
    })),
    outputs: pipelineOutputs(doc).map((name) => ({ name, type: 'any' as const })),
  };
}

/** The resolved child or undefined (an error entry or no lookup at all). */
export function childOf(lookup: PipelineLookup | undefined, ref: string | undefined): ChildPipeline | undefined {
  if (!lookup || !ref) return undefined;
  const entry = lookup.get(ref);
  return entry && !('error' in entry) ? entry : undefined;
}
