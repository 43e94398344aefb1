/**
 * Bad input to the retrieval store (unknown index, bad name, bad mode or topK,
 * an embedding model that does not match the index, a file that cannot be
 * read): the CLI exits 2 and the HTTP API answers 4xx for it, where a failing
 * embedding provider is a failure of the work (exit 1, 5xx).
 */
export class RetrievalInputError extends Error {
  override name = 'RetrievalInputError';
}
