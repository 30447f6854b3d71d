import { OtError } from './errors';

export interface Page<T> {
  items: T[];
  /** Total number of pages, when the API says (Content Server `page_total`). */
  pageTotal?: number;
  /** Total number of items, when the API says (`total_count`). */
  totalCount?: number;
}

export interface PagingOptions {
  /** Fetch every page (default: only `page`). */
  returnAll?: boolean;
  /** First page (1-based, default 1). */
  page?: number;
  /** Page size sent to the server. */
  limit?: number;
  /** Guard for "return all": stop with an error beyond this many items (default 10000). */
  maxItems?: number;
}

/**
 * Collects one page, or all pages, of a paged list (`collection.paging`, `paging`, RM `/page`).
 * "Return all" stops at the last page, at an empty page, or fails when maxItems would be passed.
 */
export async function collectPages<T>(fetchPage: (page: number, limit: number) => Promise<Page<T>>, opts: PagingOptions = {}): Promise<{ items: T[]; pages: number; totalCount?: number; truncated: boolean }> {
  const limit = Math.max(1, Math.floor(opts.limit || 100));
  const first = Math.max(1, Math.floor(opts.page || 1));
  const maxItems = Math.max(1, Math.floor(opts.maxItems || 10000));
  const items: T[] = [];
  let page = first;
  let pages = 0;
  let totalCount: number | undefined;
  for (;;) {
    const p = await fetchPage(page, limit);
    pages++;
    totalCount = p.totalCount ?? totalCount;
    if (items.length + p.items.length > maxItems) {
      if (!opts.returnAll) return { items: p.items.slice(0, maxItems), pages, totalCount, truncated: true };
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `more than ${maxItems} items: narrow the query or raise "max items"`, details: { totalCount } });
    }
    items.push(...p.items);
    if (!opts.returnAll) break;
    const more = p.pageTotal !== undefined ? page < p.pageTotal : totalCount !== undefined ? items.length < totalCount : p.items.length >= limit;
    if (!more || p.items.length === 0) break;
    page++;
  }
  return { items, pages, totalCount, truncated: false };
}

/** Reads Content Server's `collection.paging` / `paging` objects. */
export function csPaging(data: unknown): { pageTotal?: number; totalCount?: number } {
  const d = (data || {}) as Record<string, unknown>;
  const coll = (d.collection || {}) as Record<string, unknown>;
  const p = (coll.paging || d.paging || {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !isNaN(Number(v)) ? Number(v) : undefined);
  return { pageTotal: n(p.page_total), totalCount: n(p.total_count) };
}
