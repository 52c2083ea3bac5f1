import type { StoredBrief } from '../../lambdas/core/brief.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { mergeStories, splitStory } from '../../lambdas/core/stories/editing.js';
import type { StoryRecord } from '../../lambdas/core/stories/story.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { synopsis } from '../help.js';
import { openTarget } from '../target.js';

/** One line per brief: id, editions, updatedAt, a retracted mark when retracted, headline. */
export function briefLine(brief: StoredBrief): string {
  return [
    brief.id,
    brief.editions.join(','),
    brief.updatedAt,
    ...(brief.retracted ? ['[retracted]'] : []),
    brief.headline,
  ].join(' ');
}

/**
 * A brief as `briefs list --json` shows it: the brief schema's fields, `retracted` when it is, and
 * for a story built from feed items its items (lead first), whose ids `briefs split` takes.
 */
export function briefJson(brief: StoredBrief): Record<string, unknown> {
  const {
    contentHash: _hash,
    ingestedAt: _ingested,
    retracted,
    story,
    ...fields
  } = brief as StoredBrief & {
    story?: StoryRecord;
    retractedAt?: string;
  };
  const out: Record<string, unknown> = { ...fields };
  delete out.retractedAt;
  if (retracted) out.retracted = true;
  if (story) {
    out.items = story.items.map((item, i) => ({
      id: item.id,
      role: i === 0 ? 'lead' : 'signal',
      source: item.source,
      headline: item.headline,
      publishedAt: item.publishedAt,
      updatedAt: item.updatedAt,
      ...(item.url ? { url: item.url } : {}),
    }));
    if (story.merged) out.merged = story.merged;
    if (story.split) out.split = story.split;
  }
  return out;
}

/** `tidings briefs list [--edition E] [--json]` · `retract <id>` · `split <id> <item>` · `merge <id> <other>`. */
export default async function briefs(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseCommand(COMMAND_SPECS.briefs.subcommands.list, rest);
    const editions = editionList(values.edition, ctx.config);
    const store = (await openTarget(ctx)).wiring.briefs;
    const all: StoredBrief[] = [];
    for await (const brief of store.listAll()) {
      if (editions.length === 0 || brief.editions.some((e) => editions.includes(e))) all.push(brief);
    }
    all.sort((a, b) =>
      a.updatedAt === b.updatedAt ? a.id.localeCompare(b.id) : a.updatedAt < b.updatedAt ? 1 : -1,
    );
    if (values.json) {
      ctx.out(JSON.stringify(all.map(briefJson), null, 2));
      return 0;
    }
    for (const brief of all) ctx.out(briefLine(brief));
    if (all.length === 0) ctx.err('no briefs stored');
    return 0;
  }
  if (sub === 'retract') {
    const { positionals } = parseCommand(COMMAND_SPECS.briefs.subcommands.retract, rest);
    const [id, extra] = positionals;
    if (!id || extra !== undefined) throw new UsageError('usage: tidings briefs retract <id>');
    const store = (await openTarget(ctx)).wiring.briefs;
    if (!(await store.retract(id, systemClock.now()))) throw new UsageError(`no brief with id "${id}"`);
    ctx.out(`retracted ${id}: it stays out of every later issue`);
    return 0;
  }
  if (sub === 'split') {
    const { positionals } = parseCommand(COMMAND_SPECS.briefs.subcommands.split, rest);
    const [id, item] = positionals as [string, string];
    const store = (await openTarget(ctx)).wiring.briefs;
    const own = await splitStory(store, id, item, systemClock.now());
    ctx.out(`split ${item} out of ${id} into brief ${own}; later runs keep it apart`);
    return 0;
  }
  if (sub === 'merge') {
    const { positionals } = parseCommand(COMMAND_SPECS.briefs.subcommands.merge, rest);
    const [id, other] = positionals as [string, string];
    const store = (await openTarget(ctx)).wiring.briefs;
    await mergeStories(store, id, other, systemClock.now());
    ctx.out(`merged ${other} into ${id}; ${other} stays out of every later issue`);
    return 0;
  }
  const usage = Object.values(COMMAND_SPECS.briefs.subcommands).map(synopsis).join(' | ');
  throw new UsageError(`usage: ${usage}`);
}
