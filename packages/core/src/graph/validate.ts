import {
  EdgeSchema,
  NodeSchema,
  PIPELINE_FORMAT,
  PipelineDocumentSchema,
  type PipelineDocument,
} from '../schema/pipeline';
import { zodIssueProblem, type Problem } from './problems';
import { misplacedDocumentKeyProblems, misplacedNodeKeyProblems } from './config-keys';
import { getNodeType } from '../nodes/index';
import { checkNodes, type DocumentParts } from './validate-nodes';
import { checkEdges } from './validate-edges';
import { checkGraph } from './validate-graph';
import type { PipelineLookup } from '../compose/pipeline-ref';

export { PROBLEM_CODES, type Problem, type ProblemCode } from './problems';
export { configProblems } from './validate-nodes';

export type ParseDocumentResult =
  | { ok: true; document: PipelineDocument }
  | { ok: false; problems: Problem[] };

export interface ValidationResult {
  valid: boolean;
  /** Every problem found, in the order: structure, nodes, edges, inputs, graph. */
  problems: Problem[];
  /** The parsed document (defaults filled in) when its structure is sound, even if it has other problems. */
  document?: PipelineDocument;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Structure only: is this a pipeline document at all (object, format, name,
 * node and edge shapes)? The runner refuses a body that fails this with 400;
 * one that passes can be saved even while `validatePipeline` finds problems.
 */
export function parseDocument(value: unknown): ParseDocumentResult {
  if (!isObject(value)) {
    return { ok: false, problems: [{ path: '$', code: 'not-an-object', message: `a pipeline document is a JSON object, not ${kindOf(value)}` }] };
  }
  const parsed = PipelineDocumentSchema.safeParse(value, { reportInput: true });
  // Parsing drops keys a node does not have: one that is plainly meant as a node's or its config's is refused, not dropped.
  const misplaced = misplacedKeys(value);
  if (parsed.success && misplaced.length === 0) return { ok: true, document: parsed.data };
  return { ok: false, problems: [...(parsed.success ? [] : parsed.error.issues.map((issue) => structureProblem(issue, value))), ...misplaced] };
}

function misplacedKeys(doc: Record<string, unknown>): Problem[] {
  const ofNodes = Array.isArray(doc.nodes)
    ? doc.nodes.flatMap((raw, index) => (isObject(raw) ? misplacedNodeKeyProblems(raw, index, typeof raw.type === 'string' ? getNodeType(raw.type) : undefined) : []))
    : [];
  return [...misplacedDocumentKeyProblems(doc), ...ofNodes];
}

/** A saved version sent or saved whole (what GET /api/pipelines/NAME answers): the pipeline is its `document`. */
function savedVersionHint(doc: Record<string, unknown>): string {
  return isObject(doc.document) && doc.document.format === PIPELINE_FORMAT ? '; this is a saved version, as GET /api/pipelines/NAME answers: its "document" is the pipeline' : '';
}

function structureProblem(issue: Parameters<typeof zodIssueProblem>[0], doc: Record<string, unknown>): Problem {
  const [top, index] = issue.path;
  if (top === 'format' && issue.path.length === 1) {
    const got = typeof doc.format === 'string' ? ` (got "${doc.format.slice(0, 60)}")` : doc.format === undefined ? ` (it is missing${savedVersionHint(doc)})` : '';
    return { path: '$.format', code: 'wrong-format', message: `format must be "${PIPELINE_FORMAT}"${got}` };
  }
  if (top === 'nodes' && typeof index === 'number' && Array.isArray(doc.nodes)) {
    const id = (doc.nodes[index] as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && id !== '') {
      // Named as JSON escapes it, so an id with a line break cannot break the message over lines.
      const shown = JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id).slice(1, -1);
      return zodIssueProblem(issue, 'invalid-document', [], shown, 2);
    }
  }
  return zodIssueProblem(issue, 'invalid-document', []);
}

/**
 * The nodes and edges that parse on their own, so a document with one broken
 * node still gets every other problem reported. Ids of broken nodes are kept
 * so edges to them are not also reported as edges to a missing node.
 */
function salvage(doc: Record<string, unknown>): DocumentParts {
  const parts: DocumentParts = { nodes: [], edges: [], brokenIds: new Set() };
  if (Array.isArray(doc.nodes)) {
    doc.nodes.forEach((raw, index) => {
      const node = NodeSchema.safeParse(raw);
      if (node.success) parts.nodes.push({ node: node.data, index });
      else if (isObject(raw) && typeof raw.id === 'string') parts.brokenIds.add(raw.id);
    });
  }
  if (Array.isArray(doc.edges)) {
    doc.edges.forEach((raw, index) => {
      const edge = EdgeSchema.safeParse(raw);
      if (edge.success) parts.edges.push({ edge: edge.data, index });
    });
  }
  return parts;
}

/**
 * Every problem of a pipeline document at once. Never throws, whatever JSON
 * value it is given; a document is runnable only when `valid` is true.
 */
export interface ValidateOptions {
  /**
   * References of `pipeline` and `map` nodes resolved beforehand
   * (`resolvePipelines` with the runner's store): their ports come from it.
   * Without it, such a node is reported as unresolved.
   */
  pipelines?: PipelineLookup;
}

export function validatePipeline(value: unknown, options: ValidateOptions = {}): ValidationResult {
  try {
    const parsed = parseDocument(value);
    if (!isObject(value)) return { valid: false, problems: parsed.ok ? [] : parsed.problems };
    const problems = parsed.ok ? [] : [...parsed.problems];
    const parts: DocumentParts = parsed.ok
      ? {
          nodes: parsed.document.nodes.map((node, index) => ({ node, index })),
          edges: parsed.document.edges.map((edge, index) => ({ edge, index })),
          brokenIds: new Set(),
        }
      : salvage(value);
    parts.lookup = options.pipelines;
    const nodes = checkNodes(parts);
    const edges = checkEdges(parts, nodes.byId);
    problems.push(...nodes.problems, ...edges.problems, ...checkGraph(nodes.byId, edges.wired));
    // It would run, do nothing and "succeed" with no outputs: say what is missing instead.
    if (Array.isArray(value.nodes) && value.nodes.length === 0) {
      problems.push({ path: '$.nodes', code: 'empty-pipeline', message: 'the pipeline has no nodes: add an input and an output to begin' });
    }
    return { valid: problems.length === 0, problems, ...(parsed.ok ? { document: parsed.document } : {}) };
  } catch (err) {
    // A bug in a check must not take down the caller (the editor validates on every keystroke).
    const message = `validation failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`;
    return { valid: false, problems: [{ path: '$', code: 'internal-error', message }] };
  }
}
