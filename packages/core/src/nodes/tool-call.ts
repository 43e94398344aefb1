import type { CallRecord, NodeContext } from '../engine/context';
import { errorMessage, MAX_ERROR_CHARS } from '../engine/error-message';

/** Room left for what a node puts before a call's error in its own (`tool "x" failed: `), so that one is not cut again. */
const PREFIX_ROOM = 200;

/**
 * Calls one tool through the context and returns its call record (result or
 * error) so a tool node and an agent report calls the same way. Never throws
 * except on cancellation; the caller decides what a failure means.
 */
export async function callTool(ctx: NodeContext, name: string, args: unknown): Promise<CallRecord> {
  const started = performance.now();
  const call: CallRecord = { kind: 'tool', name, input: args, durationMs: 0 };
  try {
    call.output = await ctx.tools.call(name, args, { signal: ctx.signal, deadline: ctx.deadline, onWaiting: (waiting) => ctx.report({ waiting }) });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
    // Bounded as a node's error is: a tool can throw megabytes (a custom tool's string, a server's page), and the
    // record goes into the trace, the run's events and an agent's next request.
    call.error = errorMessage(err, MAX_ERROR_CHARS - PREFIX_ROOM);
  }
  call.durationMs = Math.round(performance.now() - started);
  ctx.report({ call });
  return call;
}
