import type { Brief, StoredBrief } from '../brief.js';
import type { BriefStore } from '../ports.js';
import { type StoryFeatures, storyFeatures } from './features.js';
import { DEFAULT_MATCH_SETTINGS, type MatchSettings, StoryIndex } from './match.js';
import {
  addItem,
  composeStory,
  memberIds,
  type StoryBrief,
  type StoryItem,
  type StoryRecord,
  type StoryRef,
  storyItemOf,
  storyText,
} from './story.js';

/**
 * The story desk of one ingest run: it places each feed item in a story. An item that already
 * belongs to a story (or was split off to one) goes back there; any other joins the recent story
 * that reports the same event, else starts its own. The desk reads each edition's recent stories
 * once per run (one query per edition, newest first, back to the look-back) into a
 * {@link StoryIndex}; every item then costs a few posting-list look-ups, not a scan of the store.
 */

/** How far back the desk reads stories; older items are stored as briefs of their own. */
export const STORY_LOOKBACK_MS = 14 * 24 * 60 * 60 * 1000;

/** What became of one item. */
export type PlacedOutcome = 'new' | 'merged' | 'updated' | 'unchanged';

export interface Placement {
  /** Per item id. Items not here are not the desk's (too old, or stored before stories). */
  outcomes: Map<string, PlacedOutcome>;
  /** The stories to write, each once. */
  writes: StoryBrief[];
  /** Items the desk leaves to the plain path. */
  plain: Brief[];
}

interface Known {
  id: string;
  record: StoryRecord;
  updatedAt: string;
  /** Stored before this run: a change moves `updatedAt` to now, so a sent brief shows as updated. */
  stored: boolean;
  retracted: boolean;
}

export class StoryDesk {
  private readonly index: StoryIndex;
  private readonly loaded = new Set<string>();
  private readonly stories = new Map<string, Known>();
  private readonly memberOf = new Map<string, string>();
  private readonly features = new Map<string, StoryFeatures>();

  constructor(
    private readonly store: BriefStore,
    private readonly now: Date,
    private readonly settings: Readonly<MatchSettings> = DEFAULT_MATCH_SETTINGS,
  ) {
    this.index = new StoryIndex(settings);
  }

  private featuresOf(item: StoryItem): StoryFeatures {
    let found = this.features.get(item.id);
    if (!found) {
      found = storyFeatures(storyText(item));
      this.features.set(item.id, found);
      this.index.observe(found);
    }
    return found;
  }

  /** Remembers a story and (unless retracted) offers its items to matching. */
  private register(known: Known): void {
    const previous = this.stories.get(known.id);
    if (previous) for (const id of memberIds(previous.record)) this.memberOf.delete(id);
    this.index.removeBrief(known.id);
    this.stories.set(known.id, known);
    for (const id of memberIds(known.record)) this.memberOf.set(id, known.id);
    for (const [itemId, target] of Object.entries(known.record.split ?? {})) {
      if (!this.memberOf.has(itemId)) this.memberOf.set(itemId, target);
    }
    if (known.retracted) return;
    for (const item of known.record.items) {
      this.index.add({
        itemId: item.id,
        briefId: known.id,
        sourceId: item.source.id,
        editions: item.editions,
        features: this.featuresOf(item),
      });
    }
  }

  private fromRef(ref: StoryRef): Known {
    return {
      id: ref.id,
      record: ref.story,
      updatedAt: ref.updatedAt,
      stored: true,
      retracted: ref.retracted === true,
    };
  }

  /** Registers a stored brief that holds a story; false (nothing registered) for a plain brief. */
  private registerStored(id: string, brief: StoredBrief): boolean {
    const story = (brief as Partial<StoryBrief>).story;
    if (!story) return false;
    this.register({
      id,
      record: story,
      updatedAt: brief.updatedAt,
      stored: true,
      retracted: brief.retracted === true,
    });
    return true;
  }

  private async load(editions: Iterable<string>): Promise<void> {
    const since = new Date(this.now.getTime() - STORY_LOOKBACK_MS - this.settings.windowMs).toISOString();
    for (const edition of editions) {
      if (this.loaded.has(edition)) continue;
      this.loaded.add(edition);
      for await (const ref of this.store.listStories(edition, since)) {
        if (!this.stories.has(ref.id)) this.register(this.fromRef(ref));
      }
    }
  }

  /** Places a source's validated feed items (distinct ids) in stories. */
  async place(briefs: readonly Brief[]): Promise<Placement> {
    const oldest = new Date(this.now.getTime() - STORY_LOOKBACK_MS).toISOString();
    const placement: Placement = { outcomes: new Map(), writes: [], plain: [] };
    const recent = briefs.filter((b) => b.publishedAt >= oldest || this.memberOf.has(b.id));
    await this.load(new Set(recent.flatMap((b) => b.editions)));

    // Items the index does not know may be stored under their own id (a story outside the
    // look-back, a retracted one, or a brief stored before stories existed).
    const unknown = briefs.filter((b) => !this.memberOf.has(b.id)).map((b) => b.id);
    const stored = unknown.length > 0 ? await this.store.getMany(unknown) : new Map();
    const plainIds = new Set<string>();
    for (const [id, brief] of stored) if (!this.registerStored(id, brief)) plainIds.add(id);
    // Split items may point at a story outside the look-back.
    const targets = briefs
      .map((b) => this.memberOf.get(b.id))
      .filter((id): id is string => id !== undefined && !this.stories.has(id));
    if (targets.length > 0) {
      for (const [id, brief] of await this.store.getMany(targets)) this.registerStored(id, brief);
    }

    // Stories to write, and those that gained an item: a stored one then counts as updated now,
    // so a brief already sent shows as updated in the next issue (an item's own update brings
    // its own date, as any updated brief does).
    const dirty = new Set<string>();
    const gained = new Set<string>();
    for (const brief of briefs) {
      const home = this.memberOf.get(brief.id);
      if (plainIds.has(brief.id) || (home === undefined && brief.publishedAt < oldest)) {
        placement.plain.push(brief);
        continue;
      }
      const item = storyItemOf(brief);
      let target = home !== undefined ? this.stories.get(home) : undefined;
      if (!target) {
        const match = this.index.best(this.featuresOf(item), item.editions, item.source.id);
        target = match ? this.stories.get(match.briefId) : undefined;
      }
      if (!target) {
        this.register({
          id: item.id,
          record: { items: [item] },
          updatedAt: item.updatedAt,
          stored: false,
          retracted: false,
        });
        dirty.add(item.id);
        placement.outcomes.set(brief.id, 'new');
        continue;
      }
      const { record, outcome } = addItem(target.record, item);
      if (outcome === 'unchanged') {
        if (record !== target.record) {
          this.register({ ...target, record });
          dirty.add(target.id);
        }
        placement.outcomes.set(brief.id, 'unchanged');
        continue;
      }
      this.register({ ...target, record });
      dirty.add(target.id);
      if (outcome === 'added') gained.add(target.id);
      placement.outcomes.set(brief.id, outcome === 'added' ? 'merged' : 'updated');
    }

    for (const id of dirty) {
      const known = this.stories.get(id) as Known;
      const nowIso = this.now.toISOString();
      const updatedAt = known.stored && gained.has(id) && nowIso > known.updatedAt ? nowIso : known.updatedAt;
      const brief = composeStory(id, known.record, updatedAt);
      this.stories.set(id, { ...known, updatedAt: brief.updatedAt });
      placement.writes.push(brief);
    }
    return placement;
  }
}
