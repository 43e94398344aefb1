import { z } from 'zod';
import type { PipelineDocument } from '../schema/pipeline';
import type { PortSpec, PortType } from '../nodes/types';
import { pipelineInputs, pipelineOutputs } from '../engine/inputs';

/** `NAME`, `NAME@vN` or `NAME@LABEL` (DESIGN.md, "Composition"); a version is written as VERSION says. */
export const PIPELINE_REF_PATTERN = /^[a-z0-9-]+(?:@[a-z0-9-]+)?$/;

/**
 * A version after `@`: `v` and its number as written plainly (`v2`), so each version has one
 * reference (refs are compared, recorded and listed as strings). `v0` is version 0, which no
 * pipeline has, not a label nobody can create.
 */
const VERSION = /^v(0|[1-9][0-9]*)$/;
/**
 * Every spelling of a version number (`v02`, `V2`, `v2.0`, `v+2`, `2`, and `v2` itself). Digits alone
 * are one: the CLI reads `NAME@2` as version 2, so no label may be all digits (label-name.ts) and
 * `NAME@2` is never a label here either.
 */
const ANY_VERSION_SPELLING = /^[vV]?\+?([0-9]+)(?:\.0+)?$/;

/**
 * When `ref` names a version some other way than `NAME@vN` (`child@v02`, `child@V2`, `child@2`): that
 * number and the reference to write for it (`child@v2`); undefined for any other string.
 */
export function versionSpeltAnotherWay(ref: string): { number: bigint; plain: string } | undefined {
  const at = ref.indexOf('@');
  const spelt = at < 0 ? null : ANY_VERSION_SPELLING.exec(ref.slice(at + 1));
  if (!spelt) return undefined;
  const number = BigInt(spelt[1]);
  const plain = `${ref.slice(0, at)}@v${number}`;
  return plain === ref ? undefined : { number, plain };
}

/** Why a reference that spells a version another way names none, and what to write: "version 2 is "child@v2"". */
export function versionSpellingProblem(ref: string): string | undefined {
  const other = versionSpeltAnotherWay(ref);
  if (!other) return undefined;
  return `"${ref}" is not how a version is written: ${other.number === 0n ? 'versions count from v1' : `version ${other.number} is "${other.plain}"`}`;
}

export const PipelineRefSchema = z
  .string()
  .regex(PIPELINE_REF_PATTERN, 'a pipeline reference is NAME, NAME@vN or NAME@LABEL')
  .check((ctx) => {
    // Only a ref of the right shape: one the pattern refuses has its problem said already.
    const problem = PIPELINE_REF_PATTERN.test(ctx.value) ? versionSpellingProblem(ctx.value) : undefined;
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  })
  .describe('A stored pipeline: NAME (its latest version), NAME@vN or NAME@LABEL');

export type ParsedRef =
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'label'; label: string };

/**
 * Splits a reference; `@v3` is a version, any other slug after `@` a label.
 * `v` and digits, or digits alone, is never a label (no label may look like
 * one): `@v3` is a version, any other spelling (`@v03`, `@3`) no reference at all.
 */
export function parsePipelineRef(ref: string): ParsedRef | undefined {
  if (!PIPELINE_REF_PATTERN.test(ref) || versionSpeltAnotherWay(ref)) return undefined;
  const at = ref.indexOf('@');
  if (at < 0) return { name: ref, kind: 'latest' };
  const name = ref.slice(0, at);
  const tail = ref.slice(at + 1);
  const version = VERSION.exec(tail);
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
