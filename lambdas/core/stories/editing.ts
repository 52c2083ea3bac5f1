import type { StoredBrief } from '../brief.js';
import { type ErrorKind, TidingsError } from '../errors.js';
import type { BriefStore } from '../ports.js';
import { composeStory, mergeRecords, type StoryBrief, type StoryRecord, splitItem } from './story.js';

/**
 * The editor's corrections of story matching: split an item out of a story into a brief of its
 * own, or merge one story into another. Both are kept in the story records, so later ingest runs
 * respect them: a split item goes back to its own brief, and the items of a merged story to the
 * story it was merged into.
 */

/** A split or merge that cannot be done as asked; the message says why. */
export class StoryEditError extends TidingsError {
  override readonly name = 'StoryEditError';
  constructor(
    message: string,
    readonly kind: ErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type StoredStory = StoredBrief & { story: StoryRecord };

function storyOf(brief: StoredBrief | undefined, id: string): StoredStory {
  if (!brief) throw new StoryEditError(`no brief with id "${id}"`, 'not-found');
  const { story } = brief as Partial<StoredStory>;
  if (!story) {
    throw new StoryEditError(
      `brief "${id}" was not built from feed items (a Tidings brief, or from a source with cluster: false); only stories can be split or merged`,
      'conflict',
    );
  }
  return brief as StoredStory;
}

const later = (a: string, b: string): string => (a > b ? a : b);

/** The new brief's id for a split item: its own id when free, else the first free `<id>.split<n>`. */
async function freeId(
  store: BriefStore,
  itemId: string,
  reusable: (brief: StoredBrief) => boolean,
): Promise<string> {
  const options = [
    itemId,
    `${itemId}.split`,
    ...Array.from({ length: 8 }, (_, i) => `${itemId}.split${i + 2}`),
  ];
  const taken = await store.getMany(options);
  for (const id of options) {
    const brief = taken.get(id);
    if (!brief || reusable(brief)) return id;
  }
  throw new StoryEditError(`no free id for item "${itemId}" (tried ${options.join(', ')})`, 'conflict');
}

/**
 * Takes item `itemId` out of story `briefId` into a brief of its own; returns that brief's id.
 * The story keeps its id (and its other items); the item never rejoins it by itself.
 */
export async function splitStory(
  store: BriefStore,
  briefId: string,
  itemId: string,
  now: Date,
): Promise<string> {
  const stored = storyOf(await store.get(briefId), briefId);
  const item = stored.story.items.find((i) => i.id === itemId);
  if (!item) {
    const ids = stored.story.items.map((i) => i.id).join(', ');
    throw new StoryEditError(`brief "${briefId}" has no item "${itemId}"; its items are ${ids}`, 'not-found');
  }
  if (stored.story.items.length === 1) {
    throw new StoryEditError(
      `brief "${briefId}" has only the item "${itemId}"; there is nothing to split`,
      'conflict',
    );
  }
  // A split that stopped half-way left the item's own brief written: use it again.
  const target = await freeId(store, itemId, (b) => {
    const story = (b as Partial<StoredStory>).story;
    return story?.items.length === 1 && story.items[0]?.id === itemId;
  });
  const { remaining, separated } = splitItem(stored.story, itemId, target);
  const own = composeStory(target, separated, item.updatedAt);
  const rest: StoryBrief = composeStory(briefId, remaining, later(stored.updatedAt, now.toISOString()));
  // The item's own brief first: a crash in between leaves the item in both, and a rerun finishes.
  await store.upsertMany([own], now);
  await store.upsertMany([rest], now);
  return target;
}

/** Folds story `otherId` into story `intoId` and keeps `otherId` out of every later issue. */
export async function mergeStories(
  store: BriefStore,
  intoId: string,
  otherId: string,
  now: Date,
): Promise<void> {
  if (intoId === otherId) throw new StoryEditError('a brief cannot be merged into itself', 'invalid-input');
  const found = await store.getMany([intoId, otherId]);
  const into = storyOf(found.get(intoId), intoId);
  const other = storyOf(found.get(otherId), otherId);
  if (into.retracted)
    throw new StoryEditError(`brief "${intoId}" is retracted; merge into a live brief`, 'conflict');
  const record = mergeRecords(into.story, other.story, otherId);
  const merged = composeStory(intoId, record, later(into.updatedAt, now.toISOString()));
  await store.upsertMany([merged], now);
  await store.retract(otherId, now);
}
