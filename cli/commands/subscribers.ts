import { readFile, stat } from 'node:fs/promises';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import type { SubscriberStore } from '../../lambdas/core/ports.js';
import {
  DEFAULT_RHYTHM,
  type Rhythm,
  SUBSCRIBER_STATUSES,
  type Subscriber,
  type SubscriberStatus,
} from '../../lambdas/core/subscriber.js';
import { deliveryTimes } from '../../lambdas/core/subscriptions/delivery-times.js';
import {
  addSubscriber,
  forgetSubscriber,
  importSubscribers,
  MAX_IMPORT_BYTES,
  parseEmail,
  parseRhythm,
  parseSubscriberCsv,
  parseTimeZone,
  removeSubscriber,
  type SubscriptionDeps,
  SubscriptionInputError,
  SuppressedAddressError,
} from '../../lambdas/core/subscriptions/index.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { commandHelp } from '../help.js';
import { openTarget } from '../target.js';

/**
 * `tidings subscribers list|add|import|remove|forget|export`: the operator's view of the reader
 * list, on the local stack (or the running `tidings dev`).
 */

const USAGE = commandHelp(['subscribers']) ?? '';

async function deps(ctx: CliContext): Promise<SubscriptionDeps> {
  return (await openTarget(ctx)).wiring.subscriptions();
}

function oneEmail(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`subscribers ${command} takes one email address`);
  try {
    return parseEmail(positionals[0]);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

function editionsOf(subscriber: Subscriber): string {
  return subscriber.editions.length > 0 ? subscriber.editions.join(',') : '-';
}

/**
 * The fields after the editions on a `list` line: the reader's zone (`-` for none: each edition's
 * own), their rhythm, and when each edition reaches them on today's date, `edition@HH:MM` in their
 * zone (in the edition's zone for a reader without one), `-` when they get none.
 */
export function choicesOf(config: TidingsConfig, s: Subscriber, now: Date): string {
  const times = deliveryTimes(config, s.status === 'active' ? s.editions : [], s.timeZone, now);
  const at = times.map((t) => `${t.edition}@${t.readerTime}`).join(',');
  return `${s.timeZone ?? '-'} ${s.rhythm ?? DEFAULT_RHYTHM} ${at || '-'}`;
}

async function collect(store: SubscriberStore, filter: { edition?: string; status?: SubscriberStatus }) {
  const all: Subscriber[] = [];
  for await (const subscriber of store.list(filter)) all.push(subscriber);
  return all.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

async function list(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.subscribers.subcommands.list, args);
  const editions = editionList(values.edition, ctx.config);
  const status = values.status;
  if (status !== undefined && !(SUBSCRIBER_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`unknown status "${status}"; one of ${SUBSCRIBER_STATUSES.join(', ')}`);
  }
  const { store, clock } = await deps(ctx);
  const filter = status === undefined ? {} : { status: status as SubscriberStatus };
  const found = new Map<string, Subscriber>();
  for (const edition of editions.length > 0 ? editions : [undefined]) {
    for (const s of await collect(store, edition === undefined ? filter : { ...filter, edition }))
      found.set(s.email, s);
  }
  const sorted = [...found.values()].sort((a, b) => (a.email < b.email ? -1 : 1));
  const now = clock.now();
  for (const s of sorted) ctx.out(`${s.email} ${s.status} ${editionsOf(s)} ${choicesOf(ctx.config, s, now)}`);
  return 0;
}

async function add(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(COMMAND_SPECS.subscribers.subcommands.add, args);
  const email = oneEmail(positionals, 'add');
  const editions = editionList(values.edition, ctx.config);
  if (editions.length === 0) throw new UsageError('subscribers add needs at least one --edition');
  let choices: { timeZone?: string; rhythm?: Rhythm } = {};
  try {
    const timeZone = parseTimeZone(values['time-zone']);
    const rhythm = parseRhythm(values.rhythm);
    choices = { ...(timeZone ? { timeZone } : {}), ...(rhythm ? { rhythm } : {}) };
  } catch (error) {
    const option =
      error instanceof SubscriptionInputError && error.field === 'rhythm' ? 'rhythm' : 'time-zone';
    throw new UsageError(`--${option}: ${(error as Error).message}`, { cause: error });
  }
  const d = await deps(ctx);
  try {
    const outcome = await addSubscriber(d, {
      email,
      editions,
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...choices,
      method: 'operator',
    });
    const now = await d.store.get(email);
    const line = now ? `${editionsOf(now)} ${choicesOf(ctx.config, now, d.clock.now())}` : editions.join(',');
    ctx.out(`${outcome} ${email}: ${now?.status ?? 'active'} ${line}`);
    return 0;
  } catch (error) {
    if (error instanceof SubscriptionInputError) throw new UsageError(error.message, { cause: error });
    if (error instanceof SuppressedAddressError) {
      ctx.err(`subscribers add: refused: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function importCsv(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommand(COMMAND_SPECS.subscribers.subcommands.import, args);
  if (positionals.length !== 1 || !positionals[0])
    throw new UsageError('subscribers import takes one CSV file');
  const file = positionals[0];
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_IMPORT_BYTES) {
      throw new UsageError(`${file} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it`);
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`, {
      cause: error,
    });
  }
  const { rows, problems } = parseSubscriberCsv(ctx.config, text);
  const d = await deps(ctx);
  const results = await importSubscribers(d, rows);
  const counts = new Map<string, number>();
  const failed = results.filter((r) => r.problem !== undefined);
  const all = [
    ...problems.map((p) => ({ line: p.line, text: `line ${p.line}: rejected: ${p.reason}`, bad: true })),
    ...results.map((r) => ({
      line: r.line,
      text: r.problem
        ? `line ${r.line}: ${r.email}: failed: ${r.problem}`
        : `line ${r.line}: ${r.email}: ${r.outcome}`,
      bad: r.problem !== undefined,
    })),
  ].sort((a, b) => a.line - b.line);
  for (const entry of all) (entry.bad ? ctx.err : ctx.out)(entry.text);
  for (const r of results) if (r.outcome) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const summary = [...counts].map(([outcome, n]) => `${n} ${outcome}`);
  if (problems.length > 0) summary.push(`${problems.length} rejected`);
  if (failed.length > 0) summary.push(`${failed.length} failed`);
  ctx.out(`imported ${file}: ${summary.join(', ') || 'no rows'}`);
  if (problems.length > 0) return 2;
  return failed.length > 0 ? 1 : 0;
}

async function remove(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommand(COMMAND_SPECS.subscribers.subcommands.remove, args);
  const email = oneEmail(positionals, 'remove');
  if (!(await removeSubscriber(await deps(ctx), email))) {
    ctx.err(`subscribers remove: no subscriber ${email}`);
    return 1;
  }
  ctx.out(`removed ${email}: unsubscribed from every edition (the record is kept)`);
  return 0;
}

async function forget(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommand(COMMAND_SPECS.subscribers.subcommands.forget, args);
  const email = oneEmail(positionals, 'forget');
  const held = await forgetSubscriber(await deps(ctx), email);
  ctx.out(
    held
      ? `forgot ${email}: personal data erased; a hashed suppression entry remains`
      : `nothing was held for ${email}; a hashed suppression entry was recorded`,
  );
  return 0;
}

export const EXPORT_COLUMNS = [
  'email',
  'status',
  'editions',
  'pending_editions',
  'name',
  'created_at',
  'updated_at',
  'status_reason',
  'consent_method',
  'consent_given_at',
  'consent_client_hash',
  'consent_confirmed_at',
  'consent_confirm_client_hash',
  'pending_consent_method',
  'pending_consent_given_at',
  'last_confirmation_sent_at',
  'transient_bounces',
  'time_zone',
  'rhythm',
] as const;

/** One CSV cell: quoted when needed; free text that a spreadsheet would run as a formula is defused. */
function cell(value: string | number | undefined, freeText = false): string {
  let text = value === undefined ? '' : String(value);
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function exportRow(s: Subscriber): string {
  return [
    cell(s.email),
    cell(s.status),
    cell(s.editions.join(';')),
    cell(s.pendingEditions?.join(';')),
    cell(s.name, true),
    cell(s.createdAt),
    cell(s.updatedAt),
    cell(s.statusReason, true),
    cell(s.consent.method),
    cell(s.consent.givenAt),
    cell(s.consent.clientHash),
    cell(s.consent.confirmedAt),
    cell(s.consent.confirmClientHash),
    cell(s.pendingConsent?.method),
    cell(s.pendingConsent?.givenAt),
    cell(s.lastConfirmationSentAt),
    cell(s.transientBounces),
    cell(s.timeZone),
    cell(s.rhythm ?? DEFAULT_RHYTHM),
  ].join(',');
}

async function exportCsv(args: string[], ctx: CliContext): Promise<number> {
  parseCommand(COMMAND_SPECS.subscribers.subcommands.export, args);
  const { store } = await deps(ctx);
  ctx.out(EXPORT_COLUMNS.join(','));
  for (const subscriber of await collect(store, {})) ctx.out(exportRow(subscriber));
  return 0;
}

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  list,
  add,
  import: importCsv,
  remove,
  forget,
  export: exportCsv,
};

export default async function subscribers(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === 'help' || sub === '--help') {
    ctx.out(USAGE);
    return sub ? 0 : 2;
  }
  const command = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (!command) {
    ctx.err(USAGE);
    throw new UsageError(`unknown subcommand "${sub}"`);
  }
  return command(rest, ctx);
}
