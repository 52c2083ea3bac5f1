import type { Brief, Signal } from '../brief.js';
import type { StoryText } from './features.js';

/**
 * A story is a brief built from the feed items that report one event. Its record keeps every
 * item as it came (so the brief can be rebuilt when an item changes, leaves or arrives in any
 * order) and the editor's corrections. The brief is derived from the record: the earliest item
 * gives the headline, The News, link and source; each other source's item becomes a signal.
 */

/** One feed item of a story, as ingest validated it. */
export interface StoryItem {
  id: string;
  source: { id: string; name: string };
  headline: string;
  news: string[];
  url?: string;
  image?: Brief['image'];
  topic: string;
  region?: string;
  editions: string[];
  publishedAt: string;
  updatedAt: string;
}

export interface StoryRecord {
  /** The items, at most one per source. */
  items: StoryItem[];
  /** Ids of items that a newer item of the same source replaced; they still belong here. */
  replaced?: string[];
  /** Items an editor split off, each with the brief it went to; they never come back by themselves. */
  split?: Record<string, string>;
  /** Ids of briefs an editor merged into this one. */
  merged?: string[];
}

/** A brief with its story record, as ingest stores it. */
export type StoryBrief = Brief & { story: StoryRecord };

/** A stored story as matching needs it: no rendering fields. */
export interface StoryRef {
  id: string;
  updatedAt: string;
  story: StoryRecord;
  retracted?: boolean;
}

/** The brief schema's limit on signals; further items stay in the record only. */
const MAX_SIGNALS = 10;
/**
 * Items a story keeps the text of: enough for every signal and more, and a bound on the stored
 * item's size (DynamoDB's limit is 400 KB). A further source's item still belongs to the story
 * (it routes here) but adds nothing.
 */
export const MAX_STORY_ITEMS = 20;

/** The story item of a validated feed brief (ingest always names the source). */
export function storyItemOf(brief: Brief): StoryItem {
  const source = brief.source ?? { id: brief.id, name: brief.id };
  const item: StoryItem = {
    id: brief.id,
    source: { id: source.id, name: source.name },
    headline: brief.headline,
    news: [...brief.news],
    topic: brief.topic,
    editions: [...brief.editions],
    publishedAt: brief.publishedAt,
    updatedAt: brief.updatedAt,
  };
  if (brief.url) item.url = brief.url;
  if (brief.image) item.image = brief.image;
  if (brief.region) item.region = brief.region;
  return item;
}

/** What matching reads of an item: its title and the start of its text. */
export function storyText(item: StoryItem): StoryText {
  return { title: item.headline, summary: item.news.join(' '), publishedAt: item.publishedAt };
}

/** Every item id that belongs to the story: its items and those a newer copy replaced. */
export function memberIds(record: StoryRecord): string[] {
  return [...record.items.map((i) => i.id), ...(record.replaced ?? [])];
}

const byPublished = (a: StoryItem, b: StoryItem): number =>
  a.publishedAt === b.publishedAt
    ? a.id < b.id
      ? -1
      : a.id > b.id
        ? 1
        : 0
    : a.publishedAt < b.publishedAt
      ? -1
      : 1;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export type AddOutcome = 'added' | 'updated' | 'unchanged';

/**
 * Adds an item to a story. The same item again replaces its copy when it is newer; another item
 * of a source the story has updates that source's part when it is newer (the older id is kept as
 * replaced, so it keeps routing here); an item of a new source is added.
 */
export function addItem(record: StoryRecord, item: StoryItem): { record: StoryRecord; outcome: AddOutcome } {
  const items = [...record.items];
  const replaced = new Set(record.replaced ?? []);
  const at = items.findIndex((i) => i.id === item.id);
  const ofSource = items.findIndex((i) => i.source.id === item.source.id);
  const withItems = (next: StoryItem[]): StoryRecord => {
    const out: StoryRecord = { ...record, items: next };
    if (replaced.size > 0) out.replaced = [...replaced].sort();
    return out;
  };
  if (at >= 0) {
    const current = items[at] as StoryItem;
    if (same(current, item) || current.updatedAt > item.updatedAt) return { record, outcome: 'unchanged' };
    items[at] = item;
    return { record: withItems(items), outcome: 'updated' };
  }
  if (replaced.has(item.id)) return { record, outcome: 'unchanged' };
  if (ofSource >= 0) {
    const current = items[ofSource] as StoryItem;
    if (
      current.updatedAt > item.updatedAt ||
      (current.updatedAt === item.updatedAt && current.id > item.id)
    ) {
      replaced.add(item.id);
      return { record: withItems(items), outcome: 'unchanged' };
    }
    replaced.add(current.id);
    items[ofSource] = item;
    return { record: withItems(items), outcome: 'updated' };
  }
  if (items.length >= MAX_STORY_ITEMS) {
    replaced.add(item.id);
    return { record: withItems(items), outcome: 'unchanged' };
  }
  items.push(item);
  return { record: withItems(items), outcome: 'added' };
}

function signalOf(item: StoryItem): Signal {
  return {
    headline: item.headline,
    body: item.news[0] ?? item.headline,
    sources: [item.url ? { name: item.source.name, url: item.url } : { name: item.source.name }],
  };
}

/**
 * The brief a story record tells: the earliest item is the lead (headline, The News, link, image,
 * source, topic, region), every other item a signal in order of publication, editions the union.
 */
export function composeStory(id: string, record: StoryRecord, updatedAt: string): StoryBrief {
  const items = [...record.items].sort(byPublished);
  const lead = items[0];
  if (!lead) throw new RangeError(`story ${id} has no items`);
  const editions: string[] = [];
  for (const item of items) for (const e of item.editions) if (!editions.includes(e)) editions.push(e);
  // ISO instants in UTC compare as strings.
  const latest = [updatedAt, ...items.map((i) => i.updatedAt)].sort().at(-1) ?? updatedAt;
  const brief: StoryBrief = {
    id,
    headline: lead.headline,
    topic: lead.topic,
    editions,
    publishedAt: lead.publishedAt,
    updatedAt: latest,
    news: [...lead.news],
    signals: items.slice(1, 1 + MAX_SIGNALS).map(signalOf),
    source: { ...lead.source },
    story: { ...record, items },
  };
  if (lead.url) brief.url = lead.url;
  if (lead.image) brief.image = lead.image;
  if (lead.region) brief.region = lead.region;
  return brief;
}

/** Takes one item out of a story: what is left, and the item's own story. */
export function splitItem(
  record: StoryRecord,
  itemId: string,
  target: string,
): { remaining: StoryRecord; separated: StoryRecord } {
  const item = record.items.find((i) => i.id === itemId);
  if (!item) throw new RangeError(`item ${itemId} is not in the story`);
  const remaining: StoryRecord = {
    ...record,
    items: record.items.filter((i) => i.id !== itemId),
    split: { ...(record.split ?? {}), [itemId]: target },
  };
  return { remaining, separated: { items: [item] } };
}

/** Folds story `other` (stored as `otherId`) into `into`, one item per source as ever. */
export function mergeRecords(into: StoryRecord, other: StoryRecord, otherId: string): StoryRecord {
  let record: StoryRecord = { ...into };
  for (const item of other.items) record = addItem(record, item).record;
  const replaced = new Set([...(record.replaced ?? []), ...(other.replaced ?? [])]);
  if (replaced.size > 0) record.replaced = [...replaced].sort();
  record.merged = [...new Set([...(into.merged ?? []), otherId, ...(other.merged ?? [])])];
  if (other.split) record.split = { ...(record.split ?? {}), ...other.split };
  return record;
}
