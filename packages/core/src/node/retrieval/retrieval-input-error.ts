/**
 * Bad input to the retrieval store (unknown index, bad name, bad mode or topK,
 * an embedding model that does not match the index, a file that cannot be
 * read): the CLI exits 2 and the HTTP API answers 4xx for it, where a failing
 * embedding provider is a failure of the work (exit 1, 5xx). `item` (from 0)
 * and `field` say which ingested document and which of its fields, so the API
 * can name the JSON path.
 */
export class RetrievalInputError extends Error {
  override name = 'RetrievalInputError';
  readonly item?: number;
  readonly field?: string;
  constructor(message: string, at: { item?: number; field?: string } = {}) {
    super(message);
    this.item = at.item;
    this.field = at.field;
  }
}
