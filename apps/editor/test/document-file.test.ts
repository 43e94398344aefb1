import { describe, expect, it } from 'vitest';
import { readDocumentFile } from '../src/lib/document-file';
import { echoPipeline } from './support/documents';

describe('Import reads a file as the runner and the CLI do', () => {
  it('refuses an edge naming a port of over 100 characters in one line with its path; 100 imports', () => {
    const doc = echoPipeline('long-port');
    doc.edges[0] = { ...doc.edges[0], to: `answer.${'p'.repeat(5_000)}` };
    expect(readDocumentFile(JSON.stringify(doc))).toEqual({
      ok: false,
      message: 'not a pipeline document: $.edges[0].to: edges[0].to: a port name is at most 100 characters (this one has 5000)',
    });
    doc.edges[0] = { ...doc.edges[0], to: `answer.${'p'.repeat(100)}` };
    expect(readDocumentFile(JSON.stringify(doc)).ok).toBe(true);
  });
});
