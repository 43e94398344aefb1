import type { RunEvent } from '@patchbay/core';
import { HttpProblem } from '../http/problem';
import { sseResponse, type SseSink } from '../http/sse';
import type { AppDeps } from './route-module';

type Deps = Pick<AppDeps, 'runs' | 'store' | 'redactor'>;

/**
 * A run's events as SSE (`id: <seq>`, `event: <type>`, `data: <json>`): a live
 * run's past events replayed and then the rest as they happen; a finished
 * run's recorded events. Ends after run.completed or run.failed.
 */
export async function runEventsResponse(deps: Deps, id: string, fromSeq: number, headers: Record<string, string> = {}): Promise<Response> {
  const send = (sink: SseSink, event: RunEvent, seq: number) =>
    sink.send({ id: seq, event: event.type, data: deps.redactor.redact(JSON.stringify(event)) });
  if (deps.runs.isActive(id)) {
    return sseResponse(
      (sink) => {
        const unsubscribe = deps.runs.subscribe(id, fromSeq, (event, seq) => send(sink, event, seq), () => sink.close());
        // The run ended between the check and the subscription: its events are in the store by now.
        if (!unsubscribe) {
          void deps.store.runs.events(id).then(
            (events) => replay(sink, events ?? [], fromSeq, send),
            () => sink.close(), // the store is closing: the runner is stopping
          );
        }
        return unsubscribe;
      },
      { headers },
    );
  }
  const events = await deps.store.runs.events(id);
  if (!events) throw new HttpProblem(404, `there is no run "${id}"`);
  return sseResponse((sink) => replay(sink, events, fromSeq, send), { headers });
}

function replay(sink: SseSink, events: RunEvent[], fromSeq: number, send: (sink: SseSink, event: RunEvent, seq: number) => void) {
  for (let seq = Math.max(0, fromSeq); seq < events.length; seq++) send(sink, events[seq], seq);
  sink.close();
}

/** `Last-Event-ID: 7` resumes after event 7. */
export function resumeFrom(lastEventId: string | undefined): number {
  const n = Number(lastEventId);
  return lastEventId !== undefined && lastEventId !== '' && Number.isInteger(n) && n >= 0 ? n + 1 : 0;
}
