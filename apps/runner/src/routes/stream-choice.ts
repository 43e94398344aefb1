import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';

/** `?stream=` of the routes that start a run (POST /api/runs, POST /api/pipelines/:name/run). */
export const StreamQuery = z.object({
  stream: z.enum(['true', 'false', '1', '0']).optional().openapi({ description: 'true: answer with the run\'s events as Server-Sent Events; false: not, whatever Accept says. Absent: as Accept asks (text/event-stream streams)' }),
});

/** Whether such a route answers with the run's events: `?stream=` when given, else `Accept: text/event-stream`. Both routes decide alike. */
export function wantsEventStream(c: Context, stream: z.infer<typeof StreamQuery>['stream']): boolean {
  if (stream !== undefined) return stream === 'true' || stream === '1';
  return /text\/event-stream/i.test(c.req.header('accept') ?? '');
}
