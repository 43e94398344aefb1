import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError } from '../lib/api-client';
import { DraftProblem, problemAt } from './config-drafts';

/** A message for one field of one row (`"2:scorer.params"`), or for a row (`"2:"`). */
export type FieldProblems = Record<string, string>;
export const problemKey = (index: number, field = '') => `${index}:${field}`;

export interface ConfigState<D> {
  drafts: D[];
  loaded: boolean;
  saving: boolean;
  dirty: boolean;
  problems: FieldProblems;
  /** A reason that names no row (the list as a whole, the network). */
  error?: string;
  savedAt?: number;
  load(): Promise<void>;
  add(draft: D): void;
  update(index: number, patch: Partial<D>): void;
  remove(index: number): void;
  save(): Promise<boolean>;
}

interface Options<D, S> {
  /** `monitors` or `rules`: the body's list, which the runner's paths name (`$.rules[1].webhook`). */
  listKey: string;
  fields: readonly string[];
  read(): Promise<S[]>;
  write(specs: S[]): Promise<S[]>;
  toDraft(spec: S): D;
  toSpec(draft: D, index: number): S;
}

/**
 * A list the runner keeps as a whole (a pipeline's monitors, its alert rules): edited as drafts,
 * saved with one PUT; a refusal's message lands on the field its path names.
 */
export function createConfigStore<D, S>(o: Options<D, S>) {
  return createStore<ConfigState<D>>()((set, get) => ({
    drafts: [],
    loaded: false,
    saving: false,
    dirty: false,
    problems: {},
    async load() {
      try {
        const specs = await o.read();
        set({ drafts: specs.map(o.toDraft), loaded: true, dirty: false, problems: {}, error: undefined });
      } catch (err) {
        set({ loaded: true, error: (err as Error).message });
      }
    },
    add: (draft) => set((s) => ({ drafts: [...s.drafts, draft], dirty: true })),
    update: (index, patch) => set((s) => ({ drafts: s.drafts.map((d, i) => (i === index ? { ...d, ...patch } : d)), dirty: true })),
    // the problems name rows by position: they are stale once a row moves
    remove: (index) => set((s) => ({ drafts: s.drafts.filter((_, i) => i !== index), dirty: true, problems: {} })),
    async save() {
      set({ saving: true, problems: {}, error: undefined });
      try {
        const specs = get().drafts.map(o.toSpec);
        const saved = await o.write(specs);
        set({ drafts: saved.map(o.toDraft), saving: false, dirty: false, savedAt: Date.now() });
        return true;
      } catch (err) {
        const problems: FieldProblems = {};
        let error: string | undefined;
        if (err instanceof DraftProblem) problems[problemKey(err.index, err.field)] = err.message;
        else {
          const errors: { path?: string; message?: string }[] = err instanceof ApiError ? ((err.body as any)?.errors ?? []) : [];
          for (const e of errors) {
            const at = e.path ? problemAt(e.path, o.listKey, o.fields) : undefined;
            if (at && e.message) problems[problemKey(at.index, at.field)] ??= e.message;
          }
          if (Object.keys(problems).length === 0) error = (err as Error).message;
        }
        set({ saving: false, problems, error });
        return false;
      }
    },
  }));
}

export type ConfigStore<D> = StoreApi<ConfigState<D>>;
