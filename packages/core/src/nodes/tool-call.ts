import type { CallRecord, NodeContext } from '../engine/context';

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
    call.error = err instanceof Error ? err.message : String(err);
  }
  call.durationMs = Math.round(performance.now() - started);
  ctx.report({ call });
  return call;
}
