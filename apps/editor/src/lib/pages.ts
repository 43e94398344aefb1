import { answer, type Answer } from './api-client';

type Outcome = { data?: unknown; error?: unknown; response: Response };

/** One page of a paged list route: its items, and the cursor of the next page (`X-Next-Cursor`), null on the last. */
export interface ListPage<T> {
  items: T[];
  next: string | null;
}

/** Loads the page after `cursor` (the first page without one). */
export type PageLoader<T> = (cursor?: string) => Promise<ListPage<T>>;

type Item<R extends Outcome> = Answer<R> extends (infer T)[] ? T : never;

/** A list call's answer as a page: the array it answers, and the next page's cursor from the headers. */
export async function listPage<R extends Outcome>(pending: Promise<R>): Promise<ListPage<Item<R>>> {
  const items = (await answer(pending)) as Item<R>[];
  const { response } = await pending;
  return { items, next: response.headers.get('x-next-cursor') };
}

/** Every page, following the cursors: for pickers and selects, which offer the whole list. */
export async function allPages<T>(load: PageLoader<T>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await load(cursor);
    all.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return all;
}
