import type { Actor } from '../../core/actor.js';
import { parseOrThrow } from '../../core/validation.js';
import { searchQuery } from './schema.js';
import { parseSearchQuery } from './search/query.js';
import type { SearchHit, SearchStore } from './search/search-store.js';

export interface SearchPage {
  hits: SearchHit[];
  /** Pass as `before` for the next (older) page; null when this page is the last. */
  nextBefore: number | null;
}

/** Message search with the viewer's visibility applied by the store. */
export class SearchService {
  constructor(private readonly store: SearchStore) {}

  async search(
    actor: Actor,
    input: { q: string; limit?: number | undefined; before?: number | undefined },
  ): Promise<SearchPage> {
    const { q, limit, before } = parseOrThrow(searchQuery, input);
    const query = parseSearchQuery(q);
    const hits = await this.store.search({
      query,
      viewerUserId: actor.userId,
      limit,
      ...(before === undefined ? {} : { beforeNum: before }),
    });
    return { hits, nextBefore: hits.length === limit ? hits[hits.length - 1]!.num : null };
  }
}
