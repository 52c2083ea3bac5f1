import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import type { StoredBrief } from '../../lambdas/core/brief.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { synopsis } from '../help.js';

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

/** `tidings briefs list [--edition E]` · `tidings briefs retract <id>`. */
export default async function briefs(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseCommand(COMMAND_SPECS.briefs.subcommands.list, rest);
    const editions = editionList(values.edition, ctx.config);
    const stack = await ctx.stack();
    const store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    const all: StoredBrief[] = [];
    for await (const brief of store.listAll()) {
      if (editions.length === 0 || brief.editions.some((e) => editions.includes(e))) all.push(brief);
    }
    all.sort((a, b) =>
      a.updatedAt === b.updatedAt ? a.id.localeCompare(b.id) : a.updatedAt < b.updatedAt ? 1 : -1,
    );
    for (const brief of all) ctx.out(briefLine(brief));
    if (all.length === 0) ctx.err('no briefs stored');
    return 0;
  }
  if (sub === 'retract') {
    const { positionals } = parseCommand(COMMAND_SPECS.briefs.subcommands.retract, rest);
    const [id, extra] = positionals;
    if (!id || extra !== undefined) throw new UsageError('usage: tidings briefs retract <id>');
    const stack = await ctx.stack();
    const store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    if (!(await store.retract(id, systemClock.now()))) throw new UsageError(`no brief with id "${id}"`);
    ctx.out(`retracted ${id}: it stays out of every later issue`);
    return 0;
  }
  const usage = Object.values(COMMAND_SPECS.briefs.subcommands).map(synopsis).join(' | ');
  throw new UsageError(`usage: ${usage}`);
}
