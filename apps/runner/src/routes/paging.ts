import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { MAX_PAGE_LIMIT, type Page } from '../store/paging';
import { wholeNumberParam } from './url-numbers';

/**
 * Every list route pages the same way: `?limit=` (1..1000) and `?cursor=` (the
 * `nextCursor` of the page before). The body stays the array it always was; the
 * next page is named in headers, so no client that reads the array breaks.
 */
export function pageQuery(defaultLimit: number) {
  return {
    limit: wholeNumberParam(z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT))
      .default(defaultLimit)
      .openapi({ description: `Items per page (at most ${MAX_PAGE_LIMIT}; default ${defaultLimit})` }),
    cursor: z
      .string()
      .max(500)
      .optional()
      .openapi({ description: 'The `X-Next-Cursor` of the page before; absent for the first page' }),
  };
}

/** The response headers a paged list declares in OpenAPI. */
export const pageHeaders = z.object({
  'x-next-cursor': z.string().optional().openapi({ description: 'Opaque; pass it as `cursor` for the next page. Absent on the last page.' }),
  link: z.string().optional().openapi({ description: 'RFC 8288 `<…>; rel="next"` with the next page\'s URL. Absent on the last page.' }),
});

/** Sets the next-page headers and returns the page's items (the body). */
export function servePage<T>(c: Context, page: Page<T>): T[] {
  if (page.nextCursor !== null) {
    const next = new URL(c.req.url);
    next.searchParams.set('cursor', page.nextCursor);
    c.header('x-next-cursor', page.nextCursor);
    c.header('link', `<${next.pathname}${next.search}>; rel="next"`);
  }
  return page.items;
}
