import type { NodeTrace } from './trace';

/** The engine's events, in the order DESIGN.md gives; the runner sends the same ones as SSE. */
export type RunEvent =
  | { type: 'run.started'; runId: string; at: number; inputs: Record<string, unknown> }
  | { type: 'node.started'; runId: string; nodeId: string; at: number; attempt: number }
  /** `step`: an agent's step (1-based) the text belongs to; an llm's tokens have none. */
  | { type: 'node.token'; runId: string; nodeId: string; text: string; step?: number }
  | { type: 'node.completed'; runId: string; nodeId: string; at: number; durationMs: number; trace: NodeTrace }
  | { type: 'node.failed'; runId: string; nodeId: string; at: number; error: string; trace: NodeTrace }
  | { type: 'node.skipped'; runId: string; nodeId: string; at: number }
  | { type: 'run.completed'; runId: string; at: number; durationMs: number; outputs: Record<string, unknown> }
  | { type: 'run.failed'; runId: string; at: number; durationMs: number; error: string; nodeId?: string; cancelled?: boolean };

export type RunEventType = RunEvent['type'];

/** True for the event that ends a run's stream. */
export const isLastRunEvent = (event: RunEvent): boolean => event.type === 'run.completed' || event.type === 'run.failed';
