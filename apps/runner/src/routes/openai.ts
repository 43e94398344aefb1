import { createRoute, z } from '@hono/zod-openapi';
import { answerOutput, answerSource, answersWithLastStep, answerText, chatInputs, lastAllowedStep, streamingSource, type ChatMessage } from '../deploy/chat-mapping';
import { startServedRun, type ServedOutcome } from '../deploy/served-run';
import { chatStream, runFailedMessage, toOpenAIFinishReason, toOpenAIUsage } from '../deploy/chat-stream';
import { resolveServed } from '../deploy/served-version';
import { assertCanAnswerJson, jsonAnswer } from '../deploy/chat-response-format';
import { parseModelId } from '../deploy/model-id';
import { LABEL_PATTERN } from '../deploy/label-name';
import { assertMayServe, callerOf, keyNameOf, mayServe } from '../http/caller';
import { HttpProblem } from '../http/problem';
import type { RouteModule } from './route-module';
import { chatSamplingFields } from './chat-sampling-fields';

const OpenAIErrorSchema = z
  .object({ error: z.object({ message: z.string(), type: z.string(), code: z.string().nullable(), param: z.string().nullable() }) })
  .openapi('OpenAIError');
const openaiErrors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'OpenAI-shaped error', content: { 'application/json': { schema: OpenAIErrorSchema } } }]));

/** A /v1 model id: `NAME`, `NAME@LABEL` or `NAME@vN` (model-id.ts reads it). */
const ModelId = z.string().min(1).max(300);

/** A content part: a text part's `text` must be a string; other parts (images, audio) pass and are not read. */
const ContentPart = z
  .object({ type: z.string(), text: z.unknown().optional() })
  .catchall(z.unknown())
  .superRefine((part, ctx) => {
    if (part.type === 'text' && typeof part.text !== 'string') ctx.addIssue({ code: 'custom', path: ['text'], message: 'a text part needs "text" as a string' });
  });
// null or left out: an assistant turn with tool calls has no content.
const MessageContent = z
  .union([z.string(), z.array(ContentPart)], { error: 'content is a string or a list of content parts ({type: "text", text})' })
  .nullable()
  .optional();

const ChatRequest = z
  .object({
    model: ModelId.openapi({ description: '`NAME` (its production label), `NAME@LABEL` or `NAME@vN`, exactly (`v2`, never `v02` or `V2`)' }),
    messages: z.array(z.object({ role: z.string(), content: MessageContent }).catchall(z.unknown())).min(1),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).catchall(z.unknown()).nullable().optional(),
    // A pipeline run gives one answer: a client asking for several would read choices that are not there.
    n: z
      .literal(1, { error: 'a pipeline answers with one choice: n is 1 or left out (send the request again for another answer)' })
      .nullable()
      .optional(),
    // Asking for JSON: honoured when the pipeline's answer is JSON (chat-response-format.ts), refused when it is text.
    response_format: z
      .object({ type: z.enum(['text', 'json_object', 'json_schema'], { error: 'response_format.type is "text", "json_object" or "json_schema"' }) })
      .catchall(z.unknown())
      .nullable()
      .optional(),
    // What a pipeline's answer has not got: asked for, a client would read nulls where it expects them.
    logprobs: z.literal(false, { error: "a pipeline's answer has no token log probabilities: logprobs is false or left out" }).nullable().optional(),
    top_logprobs: z.literal(0, { error: "a pipeline's answer has no token log probabilities: top_logprobs is 0 or left out" }).nullable().optional(),
    modalities: z
      .array(z.string())
      .refine((list) => list.every((m) => m === 'text'), { error: 'a pipeline answers with text only: modalities is ["text"] or left out' })
      .nullable()
      .optional(),
    audio: z.null({ error: 'a pipeline answers with text only: audio output cannot be asked for' }).optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional().openapi({ description: "Other inputs by name, parsed by the input's type" }),
    // A pipeline never calls the request's tools: a client that made a call the answer would wait for one that never comes.
    tool_choice: z
      .enum(['auto', 'none'], { error: 'a pipeline answers with its output\'s text and calls none of the request\'s tools: tool_choice is "auto", "none" or left out' })
      .nullable()
      .optional(),
    // The older spelling of tool_choice, refused alike.
    function_call: z
      .enum(['auto', 'none'], { error: 'a pipeline answers with its output\'s text and calls none of the request\'s functions: function_call is "auto", "none" or left out' })
      .nullable()
      .optional(),
    // Checked for their type and range, then left to the pipeline's own config.
    ...chatSamplingFields,
  })
  // Fields this runner does not know are taken and left alike.
  .catchall(z.unknown())
  .openapi('ChatCompletionRequest');

const chat = createRoute({
  method: 'post',
  path: '/v1/chat/completions',
  operationId: 'createChatCompletion',
  tags: ['openai'],
  summary: 'Call a pipeline as if it were a chat model (OpenAI-compatible)',
  description:
    "The last user message goes to the pipeline's one required string input (or, with none, its one string input with a default left unset); `metadata` gives other inputs; a json input named `messages` gets the whole list. The answer is the pipeline's one output (or `answer`). `stream: true` streams chat.completion.chunk events and `[DONE]`.",
  request: { body: { required: true, content: { 'application/json': { schema: ChatRequest } } } },
  responses: {
    200: { description: 'A chat.completion (or, streaming, chat.completion.chunk events)', content: { 'application/json': { schema: z.unknown() }, 'text/event-stream': { schema: z.string() } } },
    ...openaiErrors(400, 401, 403, 404, 422, 502),
  },
});

const models = createRoute({
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  tags: ['openai'],
  summary: 'Servable pipelines as OpenAI models: NAME (with a production label) and NAME@LABEL',
  responses: { 200: { description: 'A list of models', content: { 'application/json': { schema: z.unknown() } } }, ...openaiErrors(401) },
});

const model = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  operationId: 'retrieveModel',
  tags: ['openai'],
  summary: 'One model: any id a chat completion can call (NAME, NAME@LABEL, NAME@vN), listed or not',
  // Any text: an id no chat can call (one past the chat's 300 characters too) is the chat's 404 model_not_found.
  request: { params: z.object({ model: z.string().openapi({ param: { name: 'model', in: 'path' } }) }) },
  responses: { 200: { description: 'The model', content: { 'application/json': { schema: z.unknown() } } }, ...openaiErrors(400, 401, 403, 404, 422) },
});

/** A failed run's 502 carries its id as every answer does: the failure is what a client most wants the trace of. */
function runFailed(outcome: ServedOutcome, runId: string): HttpProblem {
  return new HttpProblem(502, runFailedMessage(outcome, runId), { type: 'run-failed', headers: { 'x-run-id': runId } });
}

export const openaiRoutes: RouteModule = {
  name: 'openai',
  register(app, deps) {
    const { store, runs, redactor } = deps;
    const json = (body: unknown, headers: Record<string, string> = {}) => new Response(redactor.redact(JSON.stringify(body)), { status: 200, headers: { 'content-type': 'application/json', ...headers } });

    app.openapi(chat, async (c) => {
      const body = c.req.valid('json');
      const ref = parseModelId(body.model);
      assertMayServe(c, ref.name);
      // a bare NAME (kind "latest" in core, where it composes the latest version) serves its production label here
      const target = await resolveServed(store, { pipeline: ref.name, label: ref.kind === 'label' ? ref.label : undefined, version: ref.kind === 'version' ? ref.version : undefined });
      const output = answerOutput(target.document);
      const format = body.response_format?.type ?? 'text';
      assertCanAnswerJson(target.document, output, format);
      const answer = format === 'text' ? undefined : (value: unknown, runId: string) => jsonAnswer(value, format, runId);
      const inputs = chatInputs(target.document, body.messages as ChatMessage[], body.metadata ?? {});
      const created = Math.floor(Date.now() / 1000);
      const answerNode = answerSource(target.document, output)?.node.id;
      const who = { source: 'openai' as const, keyName: keyNameOf(c), traceparent: c.req.header('traceparent'), left: c.req.raw.signal, answerNode };

      if (!body.stream) {
        const served = await startServedRun(runs, target, inputs, { ...who, whole: true });
        const outcome = await served.outcome;
        if (outcome.status !== 'succeeded') throw runFailed(outcome, served.id);
        const made = answer ? answer(outcome.outputs?.[output], served.id) : { text: answerText(outcome.outputs?.[output]) };
        if ('problem' in made) throw new HttpProblem(502, made.problem, { type: 'response-format-unmet', headers: { 'x-run-id': served.id } });
        return json({
          id: served.id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: made.text, refusal: null }, finish_reason: toOpenAIFinishReason(outcome), logprobs: null }],
          usage: toOpenAIUsage(outcome.usage),
        }, { 'x-run-id': served.id }) as never;
      }

      const tokenNode = streamingSource(target.document, output);
      const stream = chatStream({ model: body.model, created, output, tokenNode, lastStepAnswers: answersWithLastStep(target.document, tokenNode), liveFromStep: lastAllowedStep(target.document, tokenNode), includeUsage: body.stream_options?.include_usage === true, answer, redact: redactor.redact });
      // Revoking the key ends the stream, and cancels the run as a client that left does.
      const caller = callerOf(c);
      const watched = caller.kind === 'key' ? deps.keyRevocations?.watch(caller.hash) : undefined;
      let served: Awaited<ReturnType<typeof startServedRun>>;
      try {
        served = await startServedRun(runs, target, inputs, watched ? { ...who, left: AbortSignal.any([who.left, watched.signal]) } : who, stream.onEvent);
      } catch (err) {
        watched?.release();
        throw err;
      }
      if (watched) void served.outcome.finally(() => watched.release());
      const revoked = watched && caller.kind === 'key' ? { signal: watched.signal, key: caller.name } : undefined;
      return new Response(stream.body(served.id, served.outcome, revoked), {
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', 'x-run-id': served.id },
      }) as never;
    });

    // The SDKs' models.retrieve: what a chat with this id would run, or the chat's own refusal (404 model_not_found, 403, 422).
    app.openapi(model, async (c) => {
      const id = c.req.valid('param').model;
      const ref = parseModelId(id);
      assertMayServe(c, ref.name);
      const served = await resolveServed(store, { pipeline: ref.name, label: ref.kind === 'label' ? ref.label : undefined, version: ref.kind === 'version' ? ref.version : undefined });
      // created as the list gives it: when the label last moved; for a version, when it was saved.
      const at = served.label ? (await store.labels.get(served.pipeline, served.label))?.movedAt : (await store.versions.get(served.pipeline, served.version))?.createdAt;
      return json(modelObject(id, at ?? new Date().toISOString())) as never;
    });

    app.openapi(models, async (c) => {
      const caller = callerOf(c);
      const data: ModelObject[] = [];
      for (const { pipeline, label, movedAt } of await store.labels.all()) {
        // An all-digit label from an older runner names no model: NAME@2 is version 2 spelt another way.
        if (!mayServe(caller, pipeline) || !LABEL_PATTERN.test(label)) continue;
        if (label === 'production') data.push(modelObject(pipeline, movedAt));
        data.push(modelObject(`${pipeline}@${label}`, movedAt));
      }
      return json({ object: 'list', data }) as never;
    });
  },
};

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** An OpenAI model object for a served id; `created` in seconds, from an ISO time (a label's move, a version's save). */
function modelObject(id: string, at: string): ModelObject {
  return { id, object: 'model', created: Math.floor(Date.parse(at) / 1000), owned_by: 'patchbay' };
}
