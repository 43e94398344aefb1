import type { components } from './api-schema.gen';

/**
 * Names for the runner's request and answer shapes, as its routes define them (the
 * generated `components`): none is written here, so a route that changes a shape changes
 * these, and every editor line that reads the old shape fails `npm run typecheck`.
 */
type Schemas = components['schemas'];

/** A validation problem as the runner stores it with a version. */
export type Problem = Schemas['ValidationProblem'];
export type PipelineSummary = Schemas['PipelineSummary'];
export type VersionSummary = Schemas['VersionSummary'];
export type VersionRecord = Schemas['Version'];
export type SavedVersion = Schemas['VersionSummary'];
export type NodeTypeInfo = Schemas['NodeType'];
export type ProviderInfo = Schemas['Provider'];
export type RunSummary = Schemas['RunSummary'];
export type RunRecord = Schemas['Run'];
export type RunRequest = Schemas['StartRun'];

export type EvalListItem = Schemas['EvalListItem'];
export type EvalResult = Schemas['EvalResult'];
export type EvalStatus = EvalResult['status'];
export type StartEvalRequest = Schemas['StartEval'];
export type ScorerSpec = StartEvalRequest['suite']['scorers'][number];
export type ScorerType = Schemas['ScorerType'];
export type DatasetSummary = Schemas['DatasetSummary'];
/** A suite as an eval takes it (no dataset: the stored one is used); saved by name at `/api/suites`. */
export type SuiteBody = Schemas['EvalSuite'];
export type StoredSuite = Schemas['StoredSuite'];
/** `GET /api/compare`: the evals package's comparison of the two, with both evals as listed. */
export type Comparison = Schemas['Comparison'];
export type ScorerComparison = Schemas['ScorerComparison'];
export type PairedTest = ScorerComparison['test'];
