import type { RunEvent } from '@patchbay/core';
import { oneLine } from './problem-lines';

/**
 * Writes each node's outcome as it happens (`✓ answer  12 ms`, `✗ answer  3 ms  why`,
 * `- branch  skipped`, `↻ flaky  attempt 2`), ids padded to one column.
 * Tokens are not echoed: stdout carries the outputs, stderr the progress.
 */
export function runProgress(write: (line: string) => void, nodeIds: string[]): (event: RunEvent) => void {
  const width = Math.max(0, ...nodeIds.map((id) => id.length));
  const pad = (id: string) => id.padEnd(width);
  return (event) => {
    switch (event.type) {
      case 'node.started':
        if (event.attempt > 1) write(`↻ ${pad(event.nodeId)}  attempt ${event.attempt}\n`);
        break;
      case 'node.completed':
        write(`✓ ${pad(event.nodeId)}  ${Math.round(event.durationMs)} ms\n`);
        break;
      case 'node.failed':
        write(`✗ ${pad(event.nodeId)}  ${Math.round(event.trace.durationMs ?? 0)} ms  ${oneLine(event.error)}\n`);
        break;
      case 'node.skipped':
        write(`- ${pad(event.nodeId)}  skipped\n`);
        break;
    }
  };
}
