import { DEFAULT_AGENT_MAX_STEPS, getNodeType, parseInputValue, pipelineInputs, pipelineOutputs, type PipelineDocument } from '@patchbay/core';
import { DomainError } from '../domain-errors';

/** A chat message as OpenAI clients send it: content is a string or a list of parts. */
export interface ChatMessage {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

/** The text of a message: a string, or its text parts joined; undefined when it has none (no content, or only image parts). */
export function messageText(message: ChatMessage): string | undefined {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.filter((part): part is { type: 'text'; text: string } => !!part && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string');
  return texts.length > 0 ? texts.map((part) => part.text).join('') : undefined;
}

/**
 * A pipeline's inputs from a chat request: an input of type `json` named
 * `messages` gets the whole list; `metadata` values (strings) are parsed by
 * their input's type; the last user message's text goes to the one required
 * string input left (or, when there is none, the one string input with a default
 * left). Another shape is refused naming the input that is missing.
 */
/** An input the request cannot fill, with the request field it is about (OpenAI's error `param`). */
const inputMissing = (message: string, path: string) => new DomainError('input-missing', message, { errors: [{ path, message }] });

export function chatInputs(doc: PipelineDocument, messages: ChatMessage[], metadata: Record<string, string> = {}): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const declared = pipelineInputs(doc);
  for (const input of declared) {
    if (input.name === 'messages' && (input.valueType === 'json' || input.valueType === 'messages')) {
      inputs.messages = messages;
      continue;
    }
    if (!Object.hasOwn(metadata, input.name)) continue;
    const parsed = parseInputValue(metadata[input.name], input.valueType);
    if (!parsed.ok) throw inputMissing(`metadata.${input.name}: input "${input.name}" (${input.valueType}): ${parsed.message}`, `$.metadata.${input.name}`);
    inputs[input.name] = parsed.value;
  }
  const open = declared.filter((input) => input.required && !Object.hasOwn(inputs, input.name));
  const forText = open.filter((input) => input.valueType === 'string');
  const other = open.find((input) => input.valueType !== 'string') ?? forText[1];
  if (other) {
    throw inputMissing(`pipeline "${doc.name}" needs input "${other.name}" (${other.valueType}), which a chat message cannot fill: give it in metadata`, '$.metadata');
  }
  // With no required string input open (and no `messages` input taking the list), the message goes to the one
  // string input with a default that metadata left unset, rather than being dropped for that default.
  const withDefault = declared.filter((input) => input.valueType === 'string' && !input.required && !Object.hasOwn(inputs, input.name));
  const takesMessages = Object.hasOwn(inputs, 'messages');
  const target = forText.length === 1 ? forText[0] : !takesMessages && withDefault.length === 1 ? withDefault[0] : undefined;
  if (target) {
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    if (!lastUser) throw inputMissing(`input "${target.name}" takes the last user message, and there is none in messages`, '$.messages');
    const text = messageText(lastUser);
    // Not an empty question in its place: the caller sent something this pipeline cannot read.
    if (text === undefined) throw inputMissing(`input "${target.name}" takes the last user message's text, and the last user message has no text (a string, or parts of type "text")`, '$.messages');
    // An image (or audio, a file) the pipeline never sees would be answered as if it were not there.
    if (!takesMessages) assertTextOnly(doc, target.name, messages.lastIndexOf(lastUser), lastUser);
    inputs[target.name] = text;
  } else if (!takesMessages && withDefault.length > 1) {
    throw inputMissing(`pipeline "${doc.name}" has string inputs ${withDefault.map((i) => `"${i.name}"`).join(', ')}, none required, so which takes the user message is not clear: give all but one in metadata`, '$.metadata');
  } else if (!takesMessages && !declared.some((input) => input.valueType === 'string')) {
    throw new DomainError('input-missing', `pipeline "${doc.name}" has no string input to take the user message (nor a json input named "messages")`);
  }
  return inputs;
}

/** Refuses a message with parts other than text when only its text goes to the pipeline. */
function assertTextOnly(doc: PipelineDocument, input: string, index: number, message: ChatMessage): void {
  if (!Array.isArray(message.content)) return;
  const at = message.content.findIndex((part) => !part || typeof part !== 'object' || part.type !== 'text');
  if (at < 0) return;
  const path = `messages[${index}].content[${at}]`;
  const type = (message.content[at] as { type?: unknown } | null)?.type;
  const text = `${path} is ${typeof type === 'string' ? `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type}` : 'a'} part: pipeline "${doc.name}" reads only the text of the last user message (input "${input}"), so it would answer without it; send text only, or give the pipeline a json input named "messages", which gets every part`;
  throw new DomainError('content-unsupported', text, { errors: [{ path: `$.${path}`, message: text }] });
}

/** The output that answers a chat: the only one, or the one named `answer`. */
export function answerOutput(doc: PipelineDocument): string {
  const outputs = pipelineOutputs(doc);
  if (outputs.length === 1) return outputs[0];
  if (outputs.includes('answer')) return 'answer';
  throw new DomainError('output-unclear', `pipeline "${doc.name}" has ${outputs.length} outputs (${outputs.join(', ')}) and none named "answer": a chat answer needs one`);
}

/** The answer as chat text: a string as is, anything else as JSON. */
export function answerText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** The node and output port that feed the answer output, if it is wired. */
export function answerSource(doc: PipelineDocument, output: string): { node: PipelineDocument['nodes'][number]; port: string } | undefined {
  const outNode = doc.nodes.find((n) => n.type === 'output' && (n.config as { name?: unknown }).name === output);
  if (!outNode) return undefined;
  const edge = doc.edges.find((e) => e.to === `${outNode.id}.value`);
  if (!edge) return undefined;
  const [from, port] = [edge.from.slice(0, edge.from.lastIndexOf('.')), edge.from.slice(edge.from.lastIndexOf('.') + 1)];
  const node = doc.nodes.find((n) => n.id === from);
  return node ? { node, port } : undefined;
}

/** The model node whose text feeds the answer output directly (its tokens can be streamed), if there is one. */
export function streamingSource(doc: PipelineDocument, output: string): string | undefined {
  const source = answerSource(doc, output);
  // a node type says which output streams its text (llm, agent: `text`)
  return source && getNodeType(source.node.type)?.streamedOutput === source.port ? source.node.id : undefined;
}

/** The agent's last allowed step (its maxSteps, 5 by default): text there can only be the answer. */
export function lastAllowedStep(doc: PipelineDocument, nodeId: string | undefined): number | undefined {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (node?.type !== 'agent') return undefined;
  const maxSteps = (node.config as { maxSteps?: unknown }).maxSteps;
  return typeof maxSteps === 'number' ? maxSteps : DEFAULT_AGENT_MAX_STEPS;
}

/**
 * True when the node answers with its last step's text and may take more than one step: an agent with
 * tools, whose steps before the last end in tool calls (their text is not the answer).
 */
export function answersWithLastStep(doc: PipelineDocument, nodeId: string | undefined): boolean {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const tools = (node?.config as { tools?: unknown } | undefined)?.tools;
  return node?.type === 'agent' && Array.isArray(tools) && tools.length > 0;
}
