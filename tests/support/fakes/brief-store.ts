import type { Brief, StoredBrief } from '../../../lambdas/core/brief.js';
import { contentHash } from '../../../lambdas/core/ingest.js';
import type { BriefStore, Page, SourceState, UpsertOutcome } from '../../../lambdas/core/ports.js';
import type { StoryRef } from '../../../lambdas/core/stories/story.js';

/** The listing options of the port, spelled once there. */
type ListOptions = NonNullable<Parameters<BriefStore['listByEdition']>[1]>;

/**
 * A {@link BriefStore} in memory with the same rules as the DynamoDB one: unchanged content or
 * an older copy writes nothing, retracted briefs stay retracted and out of edition listings.
 * For tests of anything that reads or writes briefs (ingest, compose); `writes` counts stored
 * changes.
 */
export class MemoryBriefStore implements BriefStore {
  readonly briefs = new Map<string, StoredBrief>();
  readonly sources = new Map<string, SourceState>();
  /** Number of brief writes (new, updated, retracted); unchanged upserts add nothing. */
  writes = 0;

  async upsert(brief: Brief, now: Date): Promise<UpsertOutcome> {
    const stored = this.briefs.get(brief.id);
    const hash = contentHash(brief);
    if (stored && (stored.contentHash === hash || stored.updatedAt > brief.updatedAt)) return 'unchanged';
    this.writes++;
    this.briefs.set(brief.id, {
      ...structuredClone(brief),
      contentHash: hash,
      ingestedAt: now.toISOString(),
      ...(stored?.retracted ? { retracted: true } : {}),
    });
    return stored ? 'updated' : 'new';
  }

  async upsertMany(briefs: readonly Brief[], now: Date): Promise<UpsertOutcome[]> {
    const out: UpsertOutcome[] = [];
    for (const brief of briefs) out.push(await this.upsert(brief, now));
    return out;
  }

  async get(id: string): Promise<StoredBrief | undefined> {
    const stored = this.briefs.get(id);
    return stored ? structuredClone(stored) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, StoredBrief>> {
    const out = new Map<string, StoredBrief>();
    for (const id of ids) {
      const stored = this.briefs.get(id);
      if (stored) out.set(id, structuredClone(stored));
    }
    return out;
  }

  async listByEdition(edition: string, options: ListOptions = {}): Promise<Page<StoredBrief>> {
    const since = options.since ? new Date(options.since).toISOString() : undefined;
    const until = options.until ? new Date(options.until).toISOString() : undefined;
    const all = [...this.briefs.values()]
      .filter((b) => !b.retracted && b.editions.includes(edition))
      .filter(
        (b) => (since === undefined || b.updatedAt > since) && (until === undefined || b.updatedAt <= until),
      )
      .sort((a, b) =>
        a.updatedAt === b.updatedAt ? (a.id < b.id ? 1 : -1) : a.updatedAt < b.updatedAt ? 1 : -1,
      );
    const offset = options.cursor ? Number(options.cursor) : 0;
    const limit = options.limit ?? all.length;
    const items = all.slice(offset, offset + limit).map((b) => structuredClone(b));
    const nextOffset = offset + limit;
    return nextOffset < all.length ? { items, cursor: String(nextOffset) } : { items };
  }

  async retract(id: string, _now: Date): Promise<boolean> {
    const stored = this.briefs.get(id);
    if (!stored) return false;
    this.writes++;
    this.briefs.set(id, { ...stored, retracted: true });
    return true;
  }

  async *listStories(edition: string, since: string): AsyncIterable<StoryRef> {
    for (const brief of this.briefs.values()) {
      const { story } = brief as StoredBrief & { story?: StoryRef['story'] };
      if (!story || !brief.editions.includes(edition) || brief.updatedAt <= since) continue;
      const ref: StoryRef = { id: brief.id, updatedAt: brief.updatedAt, story: structuredClone(story) };
      yield brief.retracted ? { ...ref, retracted: true } : ref;
    }
  }

  async *listAll(filter: { edition?: string } = {}): AsyncIterable<StoredBrief> {
    for (const brief of this.briefs.values()) {
      if (filter.edition === undefined || brief.editions.includes(filter.edition))
        yield structuredClone(brief);
    }
  }

  async getSourceState(sourceId: string): Promise<SourceState | undefined> {
    return this.sources.get(sourceId);
  }

  async putSourceState(sourceId: string, state: SourceState): Promise<void> {
    this.sources.set(sourceId, { ...state });
  }
}

/** A one-paragraph brief of one edition, published and last updated at `at`: what compose finds. */
export function plainBrief(edition: string, at: string): Brief {
  return {
    id: 'b1',
    headline: 'A headline',
    news: ['Something happened.'],
    signals: [],
    topic: 'policy',
    editions: [edition],
    publishedAt: at,
    updatedAt: at,
  };
}
