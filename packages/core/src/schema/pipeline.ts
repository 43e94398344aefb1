import { z } from 'zod';
import { TYPE_WORDS } from '../graph/zod-issue-words';
import { timeLimitMs } from './time-limit';

/** The document format every Patchbay pipeline carries. */
export const PIPELINE_FORMAT = 'patchbay.pipeline/v1';

export const NODE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/**
 * The longest node id. An id is repeated in every edge, trace, streamed event and problem
 * message about its node; a 10,000-character one would bloat them all and read as noise.
 */
export const MAX_NODE_ID_LENGTH = 100;
export const PIPELINE_NAME_PATTERN = /^[a-z0-9-]+$/;
/** The one length limit of a pipeline name: refused at creation, so every route can take any name that exists. */
export const MAX_PIPELINE_NAME_LENGTH = 200;
/** An edge end: `<nodeId>.<port>`. */
export const EDGE_END_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*$/;
/** The longest port name, for the same reason as MAX_NODE_ID_LENGTH: it is repeated in every edge, trace and message about it. */
export const MAX_PORT_NAME_LENGTH = 100;

/** Why a port name is too long to be one, in words; undefined when it is not. */
export function portNameLengthProblem(name: string): string | undefined {
  return name.length > MAX_PORT_NAME_LENGTH ? `a port name is at most ${MAX_PORT_NAME_LENGTH} characters (this one has ${name.length})` : undefined;
}

/** An edge end that fits EDGE_END_PATTERN and whose parts are no longer than a node id and a port name may be. */
const EdgeEndSchema = z
  .string({
    // Graph tools keep an end as an object ({node, port}, {source, sourceHandle}): say what text it is here.
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? `edge end must be text "<nodeId>.<port>", e.g. "question.value" (it is ${Array.isArray(issue.input) ? 'a list' : issue.input === null ? 'null' : typeof issue.input === 'boolean' ? 'a boolean' : (TYPE_WORDS[typeof issue.input] ?? typeof issue.input)})`
        : undefined,
  })
  .regex(EDGE_END_PATTERN, 'edge end must be "<nodeId>.<port>"')
  .superRefine((end, ctx) => {
    if (!EDGE_END_PATTERN.test(end)) return; // said above
    const { node, port } = parseEdgeEnd(end);
    const problem =
      node.length > MAX_NODE_ID_LENGTH ? `a node id is at most ${MAX_NODE_ID_LENGTH} characters (this one has ${node.length})` : portNameLengthProblem(port);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  // JSON Schema says the same with a bounded pattern (the message above is for people).
  .meta({ pattern: `^[A-Za-z][A-Za-z0-9_-]{0,${MAX_NODE_ID_LENGTH - 1}}\\.[A-Za-z_][A-Za-z0-9_-]{0,${MAX_PORT_NAME_LENGTH - 1}}$` });

/**
 * How far from the origin a node may sit on the canvas. Far beyond any drawn pipeline, and well
 * inside what a browser lays out (Chromium stops at about ±33 million px): a node at ±1e308
 * would leave the editor no view that fits it.
 */
export const MAX_POSITION = 10_000_000;
const coordinate = z
  .number()
  .min(-MAX_POSITION, `a canvas position is a number from -${MAX_POSITION} to ${MAX_POSITION}`)
  .max(MAX_POSITION, `a canvas position is a number from -${MAX_POSITION} to ${MAX_POSITION}`);

export const PositionSchema = z.object({ x: coordinate, y: coordinate });

export const NodeSchema = z.object({
  id: z.string().regex(NODE_ID_PATTERN, 'a node id starts with a letter and has only letters, digits, "_" and "-"').max(MAX_NODE_ID_LENGTH),
  type: z.string().min(1),
  label: z.string().optional(),
  position: PositionSchema.optional(),
  /** Per node type; checked against that type's config schema by validation. */
  config: z.record(z.string(), z.unknown()).default({}),
  /** Any node may set a time limit per attempt and a number of retries. */
  timeoutMs: timeLimitMs().optional(),
  retries: z.number().int().min(0).max(10).optional(),
});

export const EdgeSchema = z.object({ from: EdgeEndSchema, to: EdgeEndSchema });

export const PipelineDocumentSchema = z.object({
  format: z.literal(PIPELINE_FORMAT),
  name: z
    .string()
    .regex(PIPELINE_NAME_PATTERN, 'a pipeline name is a slug: [a-z0-9-]+')
    .max(MAX_PIPELINE_NAME_LENGTH, `name must be at most ${MAX_PIPELINE_NAME_LENGTH} characters`),
  title: z.string().optional(),
  description: z.string().optional(),
  nodes: z.array(NodeSchema),
  edges: z.array(EdgeSchema).default([]),
});

export type Position = z.infer<typeof PositionSchema>;
export type PipelineNode = z.infer<typeof NodeSchema>;
export type PipelineEdge = z.infer<typeof EdgeSchema>;
export type PipelineDocument = z.infer<typeof PipelineDocumentSchema>;

/** Splits `"node.port"` into its two parts (the port is everything after the first dot). */
export function parseEdgeEnd(end: string): { node: string; port: string } {
  const dot = end.indexOf('.');
  return { node: end.slice(0, dot), port: end.slice(dot + 1) };
}
