import type { NodeReport } from './context';
import type { NodeTrace } from './trace';

/**
 * Folds what a node reports into its trace: the last model named wins, usage
 * adds up across calls, cost adds up but turns null (unknown) as soon as one
 * call's cost is unknown — a sum with an unknown part is not a price.
 */
export function applyReport(trace: NodeTrace, report: NodeReport): void {
  if (report.model !== undefined) trace.model = report.model;
  if (report.finishReason !== undefined) trace.finishReason = report.finishReason;
  if (report.usage) {
    const sum = trace.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    trace.usage = {
      promptTokens: sum.promptTokens + report.usage.promptTokens,
      completionTokens: sum.completionTokens + report.usage.completionTokens,
      totalTokens: sum.totalTokens + report.usage.totalTokens,
    };
  } else if (report.usage === null && trace.usage === undefined) {
    trace.usage = null;
  }
  if (report.costUsd === null) trace.costUsd = null;
  else if (report.costUsd !== undefined && trace.costUsd !== null) trace.costUsd = (trace.costUsd ?? 0) + report.costUsd;
  if (report.call) (trace.calls ??= []).push(report.call);
  if (report.child) trace.child = report.child;
  if (report.item) (trace.items ??= []).push(report.item);
}
