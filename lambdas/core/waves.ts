import type { EditionConfig, TidingsConfig } from './config.js';
import { WEEKDAYS } from './config.js';
import { localParts } from './edition.js';
import { TidingsError } from './errors.js';
import type { Issue, IssueWaves, Wave } from './issue.js';
import { compareCodeUnits } from './order.js';
import {
  type IssueStore,
  type LedgerStore,
  NO_ZONE,
  type SendBatch,
  type SendQueue,
  SUBSCRIBER_SHARDS,
  type SubscriberStore,
  ZONE_SHARDS,
} from './ports.js';
import { audienceOf, rhythmGets } from './rhythm.js';
import type { Recipient } from './subscriber.js';

/**
 * Waves: delivery at each reader's local send time (editions with `readerLocalTime`). An issue is
 * composed and rendered once, as for every edition; its readers are then queued in waves, one per
 * IANA zone (never per UTC offset, which moves with daylight saving), each due at the edition's
 * send time in that zone, the first after the issue was composed (or approved). Readers who chose
 * no zone are in the wave of the edition's own zone, which goes at once.
 *
 * A recurring sweep (every five minutes in AWS, every pass locally) calls {@link advanceWaves}
 * for the recent `sending` issues: it adds waves for zones that appeared since, queues the waves
 * that are due (only that zone's readers, read from the zone index), and marks each one sent with
 * a conditional write. Once every wave has gone, one catch-up queues the active readers who still
 * have no ledger row: a reader who moved to a zone whose wave had already gone. The ledger keeps
 * every reader to one copy whatever runs twice; completion waits for every wave and the catch-up.
 */

/** The zone index is missing from the subscriber store handed in (a wiring fault). */
export class NoZoneIndexError extends TidingsError {
  override readonly name = 'NoZoneIndexError';
  override readonly kind = 'internal';
}

/**
 * A zone's wave is due at its first local send time at or after the waves' start less this much,
 * so a compose or approval a few minutes past the send time still counts the zones that share it.
 */
export const WAVE_GRACE_MS = 10 * 60_000;

/** After the last wave, the catch-up waits this long for the wave's sends to leave ledger rows. */
export const CATCH_UP_AFTER_MS = 15 * 60_000;

const DAY_MS = 86_400_000;

/**
 * The next instant at or after `from` when the edition's schedule fires (a send day at its local
 * send time). Found minute-exactly by walking local days, so daylight-saving changes are followed.
 */
export function nextSendTime(
  edition: Pick<EditionConfig, 'timeZone' | 'sendTime' | 'sendDays'>,
  from: Date,
): Date {
  const [hours = 0, minutes = 0] = edition.sendTime.split(':').map(Number);
  const wanted = hours * 60 + minutes;
  for (let day = 0; day <= 8; day++) {
    // Noon of the local day `day` days ahead, then back to the send minute of that local day.
    const probe = new Date(from.getTime() + day * DAY_MS);
    const local = localParts(probe, edition.timeZone);
    if (!edition.sendDays.includes(local.weekday)) continue;
    let at = new Date(probe.getTime() + (wanted - local.minutes) * 60_000);
    // Across a zone change the offset differs by up to an hour: correct once.
    const check = localParts(at, edition.timeZone);
    if (check.minutes !== wanted && check.date === local.date) {
      at = new Date(at.getTime() + (wanted - check.minutes) * 60_000);
    }
    at = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    if (at.getTime() >= Math.floor(from.getTime() / 60_000) * 60_000) return at;
  }
  throw new RangeError(`edition has no send day: ${edition.sendDays.join(',')}`);
}

/** When a zone's wave is due: at once for the edition's own zone, else its next local send time. */
export function waveDue(
  edition: Pick<EditionConfig, 'timeZone' | 'sendTime'>,
  zone: string,
  from: Date,
): Date {
  if (zone === edition.timeZone) return from;
  // Every day: the edition's send days are its calendar's (the issue's local date), not the zone's.
  const local = { timeZone: zone, sendTime: edition.sendTime, sendDays: [...WEEKDAYS] };
  const due = nextSendTime(local, new Date(from.getTime() - WAVE_GRACE_MS));
  return due.getTime() < from.getTime() ? from : due;
}

/** Adds a pending wave for each zone not planned yet; true when any was added. */
function addZones(
  edition: Pick<EditionConfig, 'timeZone' | 'sendTime'>,
  waves: IssueWaves,
  zones: readonly string[],
): boolean {
  let added = false;
  const from = new Date(waves.from);
  for (const zone of [waves.home, ...zones]) {
    const key = zone === NO_ZONE ? waves.home : zone;
    if (waves.zones[key]) continue;
    waves.zones[key] = { dueAt: waveDue(edition, key, from).toISOString(), state: 'pending', enqueued: 0 };
    added = true;
  }
  return added;
}

/** The waves of an issue whose readers are in `zones` ({@link NO_ZONE}: the edition's zone), from `from`. */
export function planWaves(
  edition: Pick<EditionConfig, 'timeZone' | 'sendTime'>,
  zones: readonly string[],
  from: Date,
): IssueWaves {
  const waves: IssueWaves = { home: edition.timeZone, from: from.toISOString(), revision: 0, zones: {} };
  addZones(edition, waves, zones);
  return waves;
}

/** The zone whose wave carries a reader. */
export function waveZoneOf(reader: Pick<Recipient, 'timeZone'>, home: string): string {
  return reader.timeZone ?? home;
}

/** Whether a fan-out of the issue may queue the reader now: always without waves, else once their wave has gone. */
export function readerDue(issue: Pick<Issue, 'waves'>, reader: Pick<Recipient, 'timeZone'>): boolean {
  if (!issue.waves) return true;
  return issue.waves.zones[waveZoneOf(reader, issue.waves.home)]?.state === 'sent';
}

function allGone(waves: IssueWaves): boolean {
  return Object.values(waves.zones).every((wave) => wave.state !== 'pending');
}

/** Every wave has gone and the catch-up has run: completion may move the issue to `sent`. */
export function wavesDone(waves: IssueWaves | undefined): boolean {
  return !waves || (allGone(waves) && waves.catchUp !== undefined);
}

/** How far an issue's waves have come: for `status`. */
export function waveCounts(waves: IssueWaves): {
  total: number;
  sent: number;
  pending: number;
  /** When the next pending wave is due. */
  next?: string;
} {
  const all = Object.values(waves.zones);
  const pending = all
    .filter((wave) => wave.state === 'pending')
    .map((wave) => wave.dueAt)
    .sort();
  return {
    total: all.length,
    sent: all.filter((wave) => wave.state === 'sent').length,
    pending: pending.length,
    ...(pending[0] ? { next: pending[0] } : {}),
  };
}

/** The waves of a cancelled issue: those still pending never go. */
export function cancelWaves(waves: IssueWaves): IssueWaves {
  const zones: Record<string, Wave> = {};
  for (const [zone, wave] of Object.entries(waves.zones)) {
    zones[zone] = wave.state === 'pending' ? { ...wave, state: 'cancelled' } : wave;
  }
  return { ...waves, zones, revision: waves.revision + 1 };
}

/** Readers the waves and the catch-up queued in all. */
function totalEnqueued(waves: IssueWaves): number {
  let total = waves.catchUp?.enqueued ?? 0;
  for (const wave of Object.values(waves.zones)) total += wave.enqueued;
  return total;
}

/** Queues readers in batches of `size`. */
export async function enqueueReaders(
  queue: SendQueue,
  issueId: string,
  readers: readonly Recipient[],
  size: number,
): Promise<void> {
  if (readers.length === 0) return;
  const batches: SendBatch[] = [];
  for (let i = 0; i < readers.length; i += size) {
    batches.push({ issueId, recipients: readers.slice(i, i + size) });
  }
  await queue.enqueue(batches);
}

/** Queue messages a queue takes in one request (SQS's SendMessageBatch takes ten). */
const MESSAGES_PER_REQUEST = 10;

/**
 * Gathers readers from many pages (the shards, read in parallel) into full queue messages and
 * hands them to the queue a request's worth at a time, then the rest on `finish`: a small
 * edition goes out in one request instead of one per shard, a large one in full messages. Held
 * readers are only in memory; a fan-out that dies before `finish` is repeated safely (the ledger).
 */
export function readerPacker(
  queue: SendQueue,
  issueId: string,
  size: number,
): { add(readers: readonly Recipient[]): Promise<void>; finish(): Promise<void> } {
  const request = size * MESSAGES_PER_REQUEST;
  let held: Recipient[] = [];
  return {
    async add(readers) {
      held.push(...readers);
      while (held.length >= request) {
        const out = held.slice(0, request);
        held = held.slice(request);
        await enqueueReaders(queue, issueId, out, size);
      }
    },
    async finish() {
      const out = held;
      held = [];
      await enqueueReaders(queue, issueId, out, size);
    },
  };
}

/** Every active reader of an edition, shard by shard in parallel, handed to `visit` page by page. */
export async function forEachActiveReader(
  subscribers: Pick<SubscriberStore, 'listActive'>,
  edition: string,
  visit: (page: Recipient[]) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: SUBSCRIBER_SHARDS }, async (_, shard) => {
      let cursor: string | undefined;
      do {
        const page = await subscribers.listActive(edition, shard, cursor);
        if (page.items.length > 0) await visit(page.items);
        cursor = page.cursor;
      } while (cursor);
    }),
  );
}

type ZoneIndex = Pick<SubscriberStore, 'listZones' | 'listActiveInZone'>;

/** The subscriber port with its zone index, which editions with `readerLocalTime` need. */
export function zoneIndex(subscribers: Partial<ZoneIndex>): ZoneIndex {
  const { listZones, listActiveInZone } = subscribers;
  if (!listZones || !listActiveInZone) {
    throw new NoZoneIndexError(
      "readerLocalTime needs the subscriber store's zone index (listZones, listActiveInZone); this store has none",
    );
  }
  return {
    listZones: listZones.bind(subscribers),
    listActiveInZone: listActiveInZone.bind(subscribers),
  };
}

/** Every active reader of one zone's wave (the edition's zone: with those who chose none), in parallel. */
export async function forEachZoneReader(
  index: ZoneIndex,
  edition: string,
  zone: string,
  home: string,
  visit: (page: Recipient[]) => Promise<void>,
): Promise<void> {
  const keys = zone === home ? [zone, NO_ZONE] : [zone];
  await Promise.all(
    keys.flatMap((key) =>
      Array.from({ length: ZONE_SHARDS }, async (_, shard) => {
        let cursor: string | undefined;
        do {
          const page = await index.listActiveInZone(edition, key, shard, cursor);
          if (page.items.length > 0) await visit(page.items);
          cursor = page.cursor;
        } while (cursor);
      }),
    ),
  );
}

export interface WaveDeps {
  issues: Pick<IssueStore, 'updateWaves'>;
  subscribers: Pick<SubscriberStore, 'listActive'> & Partial<ZoneIndex>;
  queue: SendQueue;
  /** For the catch-up; without it (at compose) the catch-up waits for the sweep. */
  ledger?: Pick<LedgerStore, 'list'>;
  batchSize?: number;
  /** After the last wave, how long the catch-up waits (default {@link CATCH_UP_AFTER_MS}). */
  catchUpAfterMs?: number;
}

export interface WavesAdvanced {
  /** The issue as stored after this call (unchanged when another writer won). */
  issue: Issue;
  /** Readers queued by this call. */
  enqueued: number;
  /** Zones whose waves this call sent. */
  sent: string[];
  /** Readers the catch-up queued, when this call ran it. */
  caughtUp?: number;
}

/** Stores a change of the issue's waves over the revision it was made from; undefined if it moved. */
async function storeWaves(
  deps: Pick<WaveDeps, 'issues'>,
  issue: Issue & { waves: IssueWaves },
  waves: IssueWaves,
  now: Date,
  fanned: boolean,
): Promise<(Issue & { waves: IssueWaves }) | undefined> {
  const next: IssueWaves = { ...waves, revision: issue.waves.revision + 1 };
  const counts = { enqueued: totalEnqueued(next), fanouts: issue.counts.fanouts + (fanned ? 1 : 0) };
  const at = now.toISOString();
  const ok = await deps.issues.updateWaves(issue.id, next, counts, issue.waves.revision, at);
  return ok ? { ...issue, waves: next, counts, updatedAt: at } : undefined;
}

/**
 * Moves an issue's waves on at `now`: adds waves for zones that appeared since it was composed
 * (due at once when their time has passed), queues the readers of each wave that is due and marks
 * it sent, and once all have gone (and {@link WaveDeps.catchUpAfterMs} has passed since the last)
 * runs the catch-up. Safe to run twice at once: each change is stored over the revision it was
 * made from, and the ledger keeps a reader queued twice from a second copy.
 */
export async function advanceWaves(
  deps: WaveDeps,
  edition: Pick<EditionConfig, 'id' | 'timeZone' | 'sendTime'>,
  issue: Issue,
  now: Date,
): Promise<WavesAdvanced> {
  const result: WavesAdvanced = { issue, enqueued: 0, sent: [] };
  if (!issue.waves || issue.state !== 'sending') return result;
  const index = zoneIndex(deps.subscribers);
  let current: Issue & { waves: IssueWaves } = { ...issue, waves: issue.waves };
  const goneBefore = allGone(current.waves);

  const grown = structuredClone(current.waves);
  if (addZones(edition, grown, await index.listZones(edition.id))) {
    const stored = await storeWaves(deps, current, grown, now, false);
    if (!stored) return result;
    current = stored;
    result.issue = stored;
  }

  const audience = audienceOf(issue);
  const size = deps.batchSize ?? 50;
  const due = Object.entries(current.waves.zones)
    .filter(([, wave]) => wave.state === 'pending' && Date.parse(wave.dueAt) <= now.getTime())
    .sort(([, a], [, b]) => compareCodeUnits(a.dueAt, b.dueAt));
  for (const [zone, wave] of due) {
    let enqueued = 0;
    const packer = readerPacker(deps.queue, issue.id, size);
    await forEachZoneReader(index, edition.id, zone, current.waves.home, async (page) => {
      const readers = page.filter((reader) => rhythmGets(reader.rhythm, audience));
      await packer.add(readers);
      enqueued += readers.length;
    });
    await packer.finish();
    const next = structuredClone(current.waves);
    next.zones[zone] = { ...wave, state: 'sent', enqueued, sentAt: now.toISOString() };
    const stored = await storeWaves(deps, current, next, now, true);
    // Another sweep marked it first, or the issue was cancelled: its readers' sends find that out.
    if (!stored) return result;
    current = stored;
    result.issue = stored;
    result.enqueued += enqueued;
    result.sent.push(zone);
  }

  if (!goneBefore || current.waves.catchUp || !deps.ledger) return result;
  const lastSent = Math.max(
    ...Object.values(current.waves.zones).map((w) => Date.parse(w.sentAt ?? w.dueAt)),
  );
  if (now.getTime() - lastSent < (deps.catchUpAfterMs ?? CATCH_UP_AFTER_MS)) return result;
  const had = new Set<string>();
  for await (const row of deps.ledger.list(issue.id)) had.add(row.email);
  let caughtUp = 0;
  const packer = readerPacker(deps.queue, issue.id, size);
  await forEachActiveReader(deps.subscribers, edition.id, async (page) => {
    const readers = page.filter((reader) => !had.has(reader.email) && rhythmGets(reader.rhythm, audience));
    await packer.add(readers);
    caughtUp += readers.length;
  });
  await packer.finish();
  const stored = await storeWaves(
    deps,
    current,
    { ...current.waves, catchUp: { at: now.toISOString(), enqueued: caughtUp } },
    now,
    caughtUp > 0,
  );
  if (!stored) return result;
  return { ...result, issue: stored, enqueued: result.enqueued + caughtUp, caughtUp };
}

export interface SweepDeps extends WaveDeps {
  config: Pick<TidingsConfig, 'editions'>;
  issues: Pick<IssueStore, 'updateWaves' | 'get' | 'listByEdition'>;
}

export interface SweptIssue extends Omit<WavesAdvanced, 'issue'> {
  edition: string;
  issueId: string;
}

/**
 * The waves sweep: for every edition with `readerLocalTime`, moves on the waves of its recent
 * `sending` issues ({@link advanceWaves}). What a crash or a missed sweep leaves, the next makes up.
 */
export async function sweepWaves(deps: SweepDeps, now: Date, limit = 7): Promise<SweptIssue[]> {
  const out: SweptIssue[] = [];
  for (const edition of deps.config.editions) {
    if (!edition.readerLocalTime) continue;
    const recent = await deps.issues.listByEdition(edition.id, { limit });
    for (const listed of recent) {
      if (listed.state !== 'sending' || !listed.waves) continue;
      const issue = await deps.issues.get(listed.id);
      if (!issue) continue;
      const { issue: _stored, ...moved } = await advanceWaves(deps, edition, issue, now);
      out.push({ edition: edition.id, issueId: issue.id, ...moved });
    }
  }
  return out;
}
