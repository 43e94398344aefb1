import { isSeq, LineCounter, parseDocument, type Document } from 'yaml';

/**
 * Line numbers (1-based) of the items of a sequence inside a JSON or YAML text,
 * for error messages that point at a line. JSON is YAML, so one parser serves both.
 * Only used on the error path: the fast path parses with JSON.parse.
 */
export function sequenceItemLines(text: string, path: (string | number)[] = []): number[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  return itemLinesOf(doc, path, lineCounter);
}

export function itemLinesOf(doc: Document, path: (string | number)[], lineCounter: LineCounter): number[] {
  const node = path.length ? doc.getIn(path, true) : doc.contents;
  if (!isSeq(node)) return [];
  return node.items.map((item) => {
    const offset = (item as { range?: [number, number, number] }).range?.[0];
    return offset === undefined ? 0 : lineCounter.linePos(offset).line;
  });
}
