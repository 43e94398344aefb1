import type { ChatMessage, ToolCall } from '../../engine/services';
import { LinearRegex } from '../../nodes/linear-regex';
import type { ScriptedRule } from '../config/workspace-config';
import { I_DONT_KNOW } from './offline-extractive';

export type { ScriptedRule };

interface CompiledRule extends ScriptedRule {
  regex: LinearRegex;
}

/**
 * Compiles the rules once; a bad regex is named by its rule number. A rule matches messages users write (a served
 * pipeline's), in time linear in them: one that no linear-time engine runs is refused (the config says so first).
 */
export function compileScriptedRules(rules: readonly ScriptedRule[]): CompiledRule[] {
  return rules.map((rule, i) => {
    try {
      return { ...rule, regex: new LinearRegex(new RegExp(rule.match, 'g')) };
    } catch (err) {
      throw new Error(`offline:scripted rule ${i}: "match" is not a valid regular expression: ${(err as Error).message}`);
    }
  });
}

/**
 * `offline:scripted`: the first rule whose regex matches the last message of its
 * role (default `user`) answers. `user` and `tool` rules look only at the current
 * turn (after the last assistant message), so a `user` rule that asks for a tool
 * does not fire again once the tool has answered: an agent's script works in
 * any rule order. `$1`…`$9` in the reply and in argument strings are the groups.
 */
export function scriptedAnswer(rules: readonly CompiledRule[], messages: ChatMessage[]): { text: string; toolCalls: ToolCall[] } {
  const lastAssistant = messages.findLastIndex((m) => m.role === 'assistant');
  for (const rule of rules) {
    const role = rule.role ?? 'user';
    const at = messages.findLastIndex((m) => m.role === role);
    if (at < 0 || ((role === 'user' || role === 'tool') && at < lastAssistant)) continue;
    rule.regex.lastIndex = 0; // the first match, as without g
    const match = rule.regex.exec(messages[at].content ?? '');
    if (!match) continue;
    const earlierCalls = messages.reduce((n, m) => n + (m.toolCalls?.length ?? 0), 0);
    const toolCalls = (rule.toolCalls ?? []).map((call, k) => ({
      id: `call_${earlierCalls + k + 1}`,
      name: substitute(call.name, match),
      arguments: JSON.stringify(substituteDeep(call.arguments ?? {}, match)),
    }));
    return { text: substitute(rule.reply ?? '', match), toolCalls };
  }
  return { text: I_DONT_KNOW, toolCalls: [] };
}

/** `$n` → group n (empty when it did not take part), `$$` → `$`. */
function substitute(text: string, match: RegExpExecArray): string {
  return text.replace(/\$(\$|\d)/g, (_, ref: string) => (ref === '$' ? '$' : (match[Number(ref)] ?? '')));
}

function substituteDeep(value: unknown, match: RegExpExecArray): unknown {
  if (typeof value === 'string') return substitute(value, match);
  if (Array.isArray(value)) return value.map((item) => substituteDeep(item, match));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, match)]));
  }
  return value;
}
