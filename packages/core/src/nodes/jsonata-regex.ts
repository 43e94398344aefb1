// JSONata builds its regexes with LinearRegex (linear-regex.ts): a pattern that backtracks catastrophically
// ((a+)+$ on "aaaa…!", text a user sends to a served pipeline) held every request, stream and run for minutes.

/** Every regex literal of a parsed JSONata expression (its AST, walked without recursion). */
export function regexLiterals(ast: unknown): RegExp[] {
  const found: RegExp[] = [];
  const stack: unknown[] = [ast];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      found.push(node);
      continue;
    }
    for (const value of Object.values(node)) stack.push(value);
  }
  return found;
}
