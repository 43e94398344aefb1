import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryText } from './summary-text';
import { ModelNameSchema } from './model-call';

export const RetrieveConfig = z.object({
  index: z.string().min(1, 'Choose an index.').describe('Name of the index to search'),
  topK: z.number().int().min(1).max(100).default(4).describe('How many documents to return'),
  mode: z.enum(['keyword', 'vector', 'hybrid']).default('keyword'),
  embeddingModel: ModelNameSchema.optional()
    .describe('Embeds the query in vector and hybrid mode; default: the model the index was built with'),
});
export type RetrieveConfig = z.infer<typeof RetrieveConfig>;

/** Searches an index for the query; the documents come back best first. */
export const retrieveNode = defineNode<RetrieveConfig>({
  type: 'retrieve',
  title: 'Retrieve',
  description: 'Finds the documents of an index that best match a query',
  category: 'data',
  configSchema: RetrieveConfig,
  indexFields: ['index'],
  inputs: () => [{ name: 'query', type: 'string' }],
  outputs: () => [{ name: 'documents', type: 'documents' }],
  // a keyword search embeds nothing: its embeddingModel (if any) is never called
  modelFields: [{ field: 'embeddingModel', kind: 'embedding', calledWhen: (config) => (config.mode ?? 'keyword') !== 'keyword' }],
  // the stored config may leave out what has a default: the card shows what runs
  summary: (config) =>
    summaryLines({
      label: 'index',
      text: summaryText(config.index) && `${summaryText(config.index)} · ${summaryText(config.mode ?? 'keyword')} · top ${typeof config.topK === 'number' ? config.topK : 4}`,
    }),
  async run(inputs, config, ctx) {
    const query = inputs.query;
    if (typeof query !== 'string') throw new Error(`query must be a string, got ${query === null ? 'null' : typeof query}`);
    const documents = await ctx.retrieval.search(config.index, query, {
      topK: config.topK ?? 4,
      mode: config.mode ?? 'keyword',
      embeddingModel: config.embeddingModel,
      signal: ctx.signal,
    });
    return { documents };
  },
});
