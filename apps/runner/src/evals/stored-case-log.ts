import type { CaseLog, CaseRecord } from '@patchbay/evals';
import type { EvalStore } from '../store/evals';

/**
 * The eval runner's case log backed by the runner's store: each finished case
 * is a row the moment it ends, so results survive a stopped runner and a
 * result is read back case by case rather than held in memory.
 */
export class StoredCaseLog implements CaseLog {
  /** `positions`: each case id's place in the dataset, for ordering the result; `resumed`: the cases a resumed eval kept. */
  constructor(
    private readonly store: EvalStore,
    private readonly evalId: string,
    private readonly positions: Map<string, number>,
    readonly resumed: CaseRecord[] = [],
    /** When a resumed eval first started. */
    readonly startedAt?: string,
  ) {}

  async append(record: CaseRecord): Promise<void> {
    await this.store.appendCase(this.evalId, record, this.positions.get(record.id) ?? this.positions.size);
  }

  async read(key: string): Promise<CaseRecord | undefined> {
    const hash = key.lastIndexOf('#');
    return this.store.readCase(this.evalId, key.slice(0, hash), Number(key.slice(hash + 1)));
  }

  async close(): Promise<void> {}
}
