import { parseDocument, type PipelineDocument } from '@patchbay/core';

/** The file Export writes: the document as pretty JSON, what `patchbay validate|run` read too. */
export function documentFileText(doc: PipelineDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function exportFileName(name: string, version?: number): string {
  return version ? `${name}.v${version}.json` : `${name}.json`;
}

/**
 * A file chosen for Import, read as a pipeline document. Only the structure is
 * checked here: a document with problems (a cycle, an unconnected port) still
 * imports, and the problems panel lists them.
 */
export function readDocumentFile(text: string): { ok: true; document: PipelineDocument } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  const parsed = parseDocument(value);
  if (parsed.ok) return { ok: true, document: parsed.document };
  const first = parsed.problems[0];
  return { ok: false, message: `not a pipeline document: ${first ? `${first.path}: ${first.message}` : 'unknown shape'}` };
}

/** Starts a browser download of `text`. */
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
