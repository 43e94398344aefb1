import type { ScorerDefinition } from './types';
import { exactScorer } from './exact';
import { containsScorer } from './contains';
import { regexScorer } from './regex';
import { jsonValidScorer } from './json-valid';
import { jsonSchemaScorer } from './json-schema';
import { jsonEqualsScorer } from './json-equals';
import { numericScorer } from './numeric';
import { levenshteinScorer } from './levenshtein';
import { embeddingSimilarityScorer } from './embedding-similarity';
import { llmJudgeScorer } from './llm-judge';
import { retrievalHitScorer } from './retrieval-hit';
import { latencyScorer } from './latency';
import { costScorer } from './cost';
import { tokensScorer } from './tokens';
import { javascriptScorer } from './javascript';

export type { ScorerDefinition, ScorerContext, ScoreInput, ScoreOutcome } from './types';
export { parseVerdict } from './judge-verdict';

/** Every scorer type by name (issue 6, point 2). */
export const scorerTypes: Readonly<Record<string, ScorerDefinition>> = Object.freeze({
  exact: exactScorer,
  contains: containsScorer,
  regex: regexScorer,
  'json-valid': jsonValidScorer,
  'json-schema': jsonSchemaScorer,
  'json-equals': jsonEqualsScorer,
  numeric: numericScorer,
  levenshtein: levenshteinScorer,
  'embedding-similarity': embeddingSimilarityScorer,
  'llm-judge': llmJudgeScorer,
  'retrieval-hit': retrievalHitScorer,
  latency: latencyScorer,
  cost: costScorer,
  tokens: tokensScorer,
  javascript: javascriptScorer,
});

export function getScorerType(type: string): ScorerDefinition | undefined {
  return Object.hasOwn(scorerTypes, type) ? scorerTypes[type] : undefined;
}
