import type { RunEvent } from '@patchbay/core';
import { answerText } from './chat-mapping';
import type { ServedOutcome, Usage } from './served-run';

export const toOpenAIUsage = (u: Usage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens });

/**
 * The answer's `finish_reason`: `length` when the model node that feeds it was cut off by its token limit, or
 * `content_filter` when the provider's filter withheld the rest (a client then knows the answer is not whole, as
 * from a model), otherwise `stop`: the pipeline ran to its end.
 */
export const toOpenAIFinishReason = (outcome: ServedOutcome): 'length' | 'content_filter' | 'stop' =>
  outcome.finishReason === 'length' || outcome.finishReason === 'content_filter' ? outcome.finishReason : 'stop';

/** How a run that did not succeed is told, in the stream as in a whole answer (502 run_failed). */
export const runFailedMessage = (outcome: ServedOutcome, runId: string) =>
  `the pipeline run ${runId} ${outcome.status === 'cancelled' ? 'was cancelled' : 'failed'}: ${outcome.error ?? 'no reason given'}`;

export interface ChatStreamOptions {
  /** The `model` as the client named it, echoed in each chunk. */
  model: string;
  created: number;
  /** The output that answers, and the model node whose tokens feed it straight (streamed as they come), if any. */
  output: string;
  tokenNode: string | undefined;
  /**
   * The token node answers with its last step's text (an agent with tools): a step's text is held
   * until the node ends; a step that ends in tool calls is followed by another, and its text dropped.
   */
  lastStepAnswers?: boolean;
  /**
   * With `lastStepAnswers`, the agent's last allowed step (its maxSteps): its text can only be the answer (tool
   * calls asked for there end the run failed), so it streams as it comes.
   */
  liveFromStep?: number;
  /**
   * The client sent `stream_options.include_usage`: OpenAI then says `usage: null` on every chunk, the stop
   * chunk too, and ends with a chunk of no choices carrying the usage, which SDKs and frameworks read. A
   * client that did not ask gets the deploy issue's shape: usage on the stop chunk.
   */
  includeUsage?: boolean;
  /** The answer's text from the output's value, or why it cannot be sent (a JSON response_format it does not meet); default answerText. */
  answer?: (value: unknown, runId: string) => { text: string } | { problem: string };
  redact: (json: string) => string;
}

/**
 * A served run's answer as `chat.completion.chunk` events: a role chunk, the
 * token node's text as it comes (or the whole answer as one chunk when no
 * tokens came), a final chunk with the finish reason and usage, `[DONE]`. `onEvent` takes the run's
 * events from the moment it starts (tokens before the stream opens wait for
 * it); `body` is the response body once the run's id is known.
 *
 * Sent text cannot be taken back: when the token node is retried after some
 * of its text went out, the retry's tokens are held, and at the end only the
 * rest of the answer is sent if the answer goes on from what was sent; if
 * not, the stream ends with an error rather than with a text that is not the
 * answer (the run, and its answer, are recorded as usual). A stream whose key is
 * revoked ends with an `invalid_api_key` error at once.
 *
 * An agent's answer is its last step's text, not what it wrote before calling
 * tools: with `lastStepAnswers`, a step's tokens are held, dropped when a later
 * step (or attempt) begins, and sent as they came when the node completes.
 */
export function chatStream(options: ChatStreamOptions) {
  const encoder = new TextEncoder();
  let runId = '';
  let sent = '';
  let retried = false;
  let started = false;
  /** The retry was the whole run's, taken up by another worker (not the token node's own `retries`). */
  let restarted = false;
  const early: string[] = [];
  let token: (text: string) => void = (text) => void early.push(text);
  const noUsage = options.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = noUsage) =>
    options.redact(JSON.stringify({ id: runId, object: 'chat.completion.chunk', created: options.created, model: options.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra }));
  const error = (message: string, code: string, type = 'server_error') => JSON.stringify({ error: { message: options.redact(message), type, code, param: null } });

  // The token node's current step and its text so far, while it is not yet known to be the answer.
  let held: { step: number | undefined; texts: string[] } = { step: undefined, texts: [] };
  const send = (text: string) => {
    sent += text;
    token(text);
  };

  function onEvent(event: RunEvent): void {
    // A second run.started: scaled out, the run was taken up by another worker after its own died, and runs again
    // from the start; what went out of the first attempt's answer is then held to the new one, as after a retry.
    if (event.type === 'run.started') {
      if (started) {
        held = { step: undefined, texts: [] };
        if (sent !== '') retried = restarted = true;
      }
      started = true;
      return;
    }
    if (!('nodeId' in event) || event.nodeId !== options.tokenNode) return;
    if (event.type === 'node.started' && event.attempt > 1) {
      held = { step: undefined, texts: [] };
      if (sent !== '') retried = true;
    } else if (event.type === 'node.token' && event.text && !retried) {
      if (!options.lastStepAnswers || (event.step !== undefined && options.liveFromStep !== undefined && event.step >= options.liveFromStep)) {
        // The live step is the answer: what an earlier step wrote before its tool calls is dropped, not sent at the end.
        held = { step: undefined, texts: [] };
        return send(event.text);
      }
      if (event.step !== held.step) held = { step: event.step, texts: [] };
      held.texts.push(event.text);
    } else if (event.type === 'node.completed' && options.lastStepAnswers) {
      held.texts.forEach(send);
      held = { step: undefined, texts: [] };
    }
  }

  /** `revoked`: the serving key the stream was opened with, aborted when it is revoked (key-revocations.ts). */
  function body(id: string, outcome: Promise<ServedOutcome>, revoked?: { signal: AbortSignal; key: string }): ReadableStream<Uint8Array> {
    runId = id;
    // False once the stream is closed, by us or by the client leaving: nothing is written to it after that.
    let open = true;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (data: string) => open && controller.enqueue(encoder.encode(`data: ${data}\n\n`));
        const close = () => {
          if (open) controller.close();
          open = false;
        };
        send(chunk({ role: 'assistant', content: '' }, null));
        token = (text) => send(chunk({ content: text }, null));
        if (early.length > 0) token(early.join(''));
        // A revoked key receives nothing more: the stream ends with why, as a 401 would have said it.
        const onRevoked = () => {
          send(error(`serving key "${revoked!.key}" was revoked: this stream ends here`, 'invalid_api_key', 'authentication_error'));
          close();
        };
        if (revoked?.signal.aborted) onRevoked();
        else revoked?.signal.addEventListener('abort', onRevoked, { once: true });
        void outcome.finally(() => revoked?.signal.removeEventListener('abort', onRevoked));
        void outcome.then((end) => {
          if (end.status !== 'succeeded') {
            send(error(runFailedMessage(end, runId), 'run_failed'));
            return close();
          }
          const made = options.answer ? options.answer(end.outputs?.[options.output], runId) : { text: answerText(end.outputs?.[options.output]) };
          if ('problem' in made) {
            send(error(made.problem, 'response_format_unmet'));
            return close();
          }
          const answer = made.text;
          if (sent === '') {
            // Not from a streaming node (or nothing streamed): the whole answer as one chunk.
            send(chunk({ content: answer }, null));
          } else if (retried || end.fromRecord) {
            // Retried, or read from the record after the live events stopped short: what was sent may not be all of it.
            if (!answer.startsWith(sent)) {
              const message = restarted
                ? `run ${runId} was started again on another worker (the one running it stopped) after part of its answer was streamed, and answered otherwise: the text streamed so far is not its answer; ask again`
                : retried
                ? `node "${options.tokenNode}" was retried after part of its answer was streamed, and the retry answered otherwise: the text streamed so far is not the answer of run ${runId}; ask again`
                : `some of the answer's text was lost on its way (the queue's Redis restarted): the text streamed so far is not the answer of run ${runId}; ask again`;
              send(error(message, retried ? 'answer_retried' : 'answer_lost'));
              return close();
            }
            if (answer.length > sent.length) send(chunk({ content: answer.slice(sent.length) }, null));
          }
          const usage = toOpenAIUsage(end.usage);
          // Asked for, usage comes once, on the last chunk, as OpenAI sends it (clients that add up every chunk's count it once).
          send(chunk({}, toOpenAIFinishReason(end), { usage: options.includeUsage ? null : usage }));
          if (options.includeUsage) send(options.redact(JSON.stringify({ id: runId, object: 'chat.completion.chunk', created: options.created, model: options.model, choices: [], usage })));
          send('[DONE]');
          close();
        });
      },
      cancel() {
        open = false;
      },
    });
  }

  return { onEvent, body };
}
