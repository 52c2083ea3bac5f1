import { describe, expect, it } from 'vitest';
import { parseConfig, type TidingsConfig } from '../../../lambdas/core/config.js';
import type { Issue } from '../../../lambdas/core/issue.js';
import {
  MailerThrottledError,
  MessageRejectedError,
  type OutgoingMessage,
} from '../../../lambdas/core/ports.js';
import type { Subscriber } from '../../../lambdas/core/subscriber.js';
import { arrivalPhrase } from '../../../lambdas/core/subscriptions/delivery-times.js';
import { verifyToken } from '../../../lambdas/core/tokens.js';
import {
  sendWelcome,
  WELCOME_LEDGER_ID,
  type WelcomeDeps,
  type WelcomeMessage,
  welcomeMessage,
  welcomePort,
} from '../../../lambdas/core/welcome.js';
import { ManualClock } from '../../support/fakes/clock.js';
import { MemoryIssueStore, MemoryLedgerStore } from '../../support/fakes/delivery.js';
import { RecordingMailer } from '../../support/fakes/mailer.js';
import { smallConfig, testKeyring } from '../../support/subscriptions-harness.js';

/** A welcome "email" whose raw bytes are the JSON of the message, so tests read it back. */
const jsonWelcome = {
  compose(message: WelcomeMessage): OutgoingMessage {
    return {
      raw: new TextEncoder().encode(JSON.stringify(message)),
      from: 'digest@tidings.example',
      to: message.to,
      folder: 'welcome',
    };
  },
};

function reader(overrides: Partial<Subscriber> = {}): Subscriber {
  return {
    email: 'ana@example.com',
    status: 'active',
    editions: ['dc'],
    createdAt: '2026-11-30T07:00:00.000Z',
    updatedAt: '2026-11-30T08:00:00.000Z',
    consent: { method: 'form', at: '2026-11-30T07:00:00.000Z', confirmedAt: '2026-11-30T08:00:00.000Z' },
    ...overrides,
  } as Subscriber;
}

function issue(id: string, state: Issue['state'], overrides: Partial<Issue> = {}): Issue {
  const [edition = 'dc'] = id.split('-');
  return {
    id,
    edition,
    localDate: id.slice(edition.length + 1),
    state,
    cutoff: '2026-11-29T00:00:00.000Z',
    briefIds: [],
    briefs: [],
    subject: `Subject of ${id}`,
    htmlBytes: 1000,
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: '2026-11-29T11:30:00.000Z',
    updatedAt: '2026-11-29T11:30:00.000Z',
    ...overrides,
  };
}

function deps(config: TidingsConfig = smallConfig()) {
  const clock = new ManualClock(new Date('2026-11-30T08:00:00Z'));
  let n = 0;
  // Every address is an active reader of dc, but those the test marks gone or suppressed.
  const gone = new Set<string>();
  const suppressed = new Set<string>();
  const d = {
    config,
    gone,
    suppressed,
    subscribers: {
      get: async (email: string) =>
        gone.has(email) ? reader({ email, status: 'unsubscribed' }) : reader({ email }),
      isSuppressed: async (email: string) => suppressed.has(email),
    },
    issues: new MemoryIssueStore(),
    ledger: new MemoryLedgerStore(),
    mailer: new RecordingMailer(),
    email: jsonWelcome,
    keyring: testKeyring(),
    clock,
    newToken: () => `claim-${++n}`,
  } satisfies WelcomeDeps & { gone: Set<string>; suppressed: Set<string> };
  return d;
}

const sent = (d: ReturnType<typeof deps>): WelcomeMessage[] =>
  d.mailer.sent.map((m) => JSON.parse(new TextDecoder().decode(m.raw)) as WelcomeMessage);

describe('sendWelcome', () => {
  it('mails the reader once and records it in the ledger under the welcome id', async () => {
    const d = deps();
    expect(await sendWelcome(d, reader())).toBe('sent');
    expect(await sendWelcome(d, reader())).toBe('already-done');
    expect(sent(d).map((m) => m.to)).toEqual(['ana@example.com']);
    expect(await d.ledger.get(WELCOME_LEDGER_ID, 'ana@example.com')).toMatchObject({
      state: 'sent',
      messageId: 'msg-1',
    });
  });

  it('mails once when two confirmations race', async () => {
    const d = deps();
    const outcomes = await Promise.all([sendWelcome(d, reader()), sendWelcome(d, reader())]);
    expect(outcomes.sort()).toEqual(['already-done', 'sent']);
    expect(d.mailer.to('ana@example.com')).toBe(1);
  });

  it('records a refused or throttled welcome as failed, with the reason, and never sends it again', async () => {
    const d = deps();
    d.mailer.fail = (m) =>
      m.to === 'ana@example.com'
        ? new MessageRejectedError('Address blacklisted')
        : new MailerThrottledError('slow down');
    expect(await sendWelcome(d, reader())).toBe('failed');
    expect(await sendWelcome(d, reader({ email: 'bo@example.com' }))).toBe('failed');
    expect(await d.ledger.get(WELCOME_LEDGER_ID, 'ana@example.com')).toMatchObject({
      state: 'failed',
      reason: 'MessageRejectedError: Address blacklisted',
    });
    d.mailer.fail = () => undefined;
    expect(await sendWelcome(d, reader())).toBe('already-done');
    expect(d.mailer.sent).toHaveLength(0);
  });

  it('records unknown when the call may have reached SES', async () => {
    const d = deps();
    d.mailer.fail = () => new Error('socket hang up');
    expect(await sendWelcome(d, reader())).toBe('unknown');
    expect((await d.ledger.get(WELCOME_LEDGER_ID, 'ana@example.com'))?.state).toBe('unknown');
  });

  it('records failed when the message cannot be built, and claims nothing', async () => {
    const d = deps();
    const broken = {
      ...d,
      email: {
        compose(): OutgoingMessage {
          throw new Error('bad template');
        },
      },
    };
    expect(await sendWelcome(broken, reader())).toBe('failed');
    expect(await d.ledger.get(WELCOME_LEDGER_ID, 'ana@example.com')).toMatchObject({
      state: 'failed',
      reason: 'message could not be built: Error: bad template',
    });
  });

  it('sends nothing, and records nothing, to a reader who left or is suppressed as it goes', async () => {
    const d = deps();
    d.gone.add('ana@example.com');
    d.suppressed.add('bo@example.com');
    expect(await sendWelcome(d, reader())).toBe('not-active');
    expect(await sendWelcome(d, reader({ email: 'bo@example.com' }))).toBe('not-active');
    expect(d.mailer.sent).toEqual([]);
    expect(d.ledger.entries(WELCOME_LEDGER_ID)).toEqual([]);
  });

  it('describes the reader as stored when it goes', async () => {
    const d = deps();
    await sendWelcome(d, reader({ editions: ['sg'] }));
    expect(sent(d)[0]?.editions.map((e) => e.id)).toEqual(['dc']);
  });

  it('keeps its own rows apart from every issue id', async () => {
    const d = deps();
    await sendWelcome(d, reader());
    expect(d.ledger.entries('dc-2026-11-30')).toEqual([]);
    expect(d.ledger.entries(WELCOME_LEDGER_ID)).toHaveLength(1);
  });
});

describe('welcomePort', () => {
  it('never throws and logs outcomes without the reader address', async () => {
    const d = deps();
    d.ledger.create = () => Promise.reject(new Error('ledger down for ana@example.com'));
    const events: unknown[] = [];
    const port = welcomePort(d, (event, detail) => events.push({ event, detail }));
    expect(await port.greet(reader())).toBe('failed');
    expect(JSON.stringify(events)).not.toContain('ana@example.com');
    expect(events).toEqual([{ event: 'welcome.not-recorded', detail: { error: 'Error' } }]);
  });
});

describe('welcomeMessage', () => {
  it('links the latest published issue of each edition, or none yet', async () => {
    const d = deps();
    await d.issues.create(issue('dc-2026-11-28', 'sent'));
    await d.issues.create(issue('dc-2026-11-29', 'sent'));
    await d.issues.create(issue('dc-2026-11-30', 'held'));
    const message = await welcomeMessage(d, reader({ editions: ['dc', 'sg'] }));
    expect(message.editions.map((e) => e.latest)).toEqual([
      {
        url: 'https://news.example.org/issues/dc-2026-11-29',
        subject: 'Subject of dc-2026-11-29',
        date: 'Sunday, November 29, 2026',
      },
      undefined,
    ]);
  });

  it('carries what the reader chose and each edition welcome text', async () => {
    const config = smallConfig();
    const dc = config.editions[0];
    if (dc) dc.welcomeText = 'Every weekday morning, the capital in five minutes.';
    const message = await welcomeMessage(
      deps(config),
      reader({ editions: ['dc'], rhythm: 'weekdays', timeZone: 'Europe/Paris', name: 'Ana' }),
    );
    expect(message).toMatchObject({
      to: 'ana@example.com',
      name: 'Ana',
      rhythm: 'weekdays',
      timeZone: 'Europe/Paris',
    });
    expect(message.editions[0]).toMatchObject({
      publication: 'Tidings D.C.',
      welcomeText: 'Every weekday morning, the capital in five minutes.',
    });
  });

  it('signs a one-click link that leaves every edition named, and the digest links for one edition', async () => {
    const d = deps();
    const now = d.clock.now();
    const two = await welcomeMessage(d, reader({ editions: ['dc', 'sg'] }));
    const token = (url: string) => new URL(url).searchParams.get('token') ?? '';
    const leaveAll = verifyToken(d.keyring, token(two.unsubscribeUrl), 'unsubscribe', now);
    expect(leaveAll.email).toBe('ana@example.com');
    expect(leaveAll.edition).toBeUndefined();
    expect(verifyToken(d.keyring, token(two.preferencesUrl), 'preferences', now).email).toBe(
      'ana@example.com',
    );
    expect(two.unsubscribeMailto).toBeUndefined();
    const one = await welcomeMessage(d, reader({ editions: ['sg'] }));
    expect(verifyToken(d.keyring, token(one.unsubscribeUrl), 'unsubscribe', now).edition).toBe('sg');
    expect(one.unsubscribeMailto).toMatch(/^mailto:unsubscribe\+sg\.[a-z2-7]{16}@tidings\.example$/);
  });
});

describe('arrivalPhrase', () => {
  const config = parseConfig({
    ...JSON.parse(JSON.stringify(smallConfig())),
    editions: [
      { id: 'bxl', name: 'BXL', timeZone: 'Europe/Brussels', sendTime: '07:00' },
      { id: 'local', name: 'Local', timeZone: 'Europe/Brussels', sendTime: '07:00', readerLocalTime: true },
      {
        id: 'wk',
        name: 'Workdays',
        timeZone: 'Asia/Shanghai',
        sendTime: '07:00',
        sendDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
        roundupDay: 'fri',
      },
    ],
  });
  const [bxl, local, wk] = config.editions as [
    (typeof config.editions)[0],
    (typeof config.editions)[0],
    (typeof config.editions)[0],
  ];
  const now = new Date('2026-11-30T08:00:00Z');

  it('gives the edition send time in its own zone to a reader who chose none', () => {
    expect(arrivalPhrase(bxl, {}, now)).toBe('every day at 7:00 AM CET');
  });

  it('converts the edition send time to the reader zone, naming the edition time', () => {
    expect(arrivalPhrase(bxl, { timeZone: 'America/New_York' }, now)).toBe(
      'every day at 1:00 AM EST (7:00 AM CET in BXL)',
    );
  });

  it("uses the reader's own zone for an edition sent at each reader's local time", () => {
    expect(arrivalPhrase(local, { timeZone: 'America/New_York' }, now)).toBe('every day at 7:00 AM EST');
  });

  it('moves the days with the zone: a Shanghai morning is the evening before in New York', () => {
    expect(arrivalPhrase(wk, { timeZone: 'America/New_York' }, now)).toBe(
      'Sunday to Thursday at 6:00 PM EST (7:00 AM CST in Workdays)',
    );
  });

  it('names the weekday rhythm and the weekly roundup day', () => {
    expect(arrivalPhrase(bxl, { rhythm: 'weekdays' }, now)).toBe('Monday to Friday at 7:00 AM CET');
    expect(arrivalPhrase(wk, { rhythm: 'weekly' }, now)).toBe('every Friday at 7:00 AM CST');
    const sparse = { ...bxl, sendDays: ['mon' as const, 'thu' as const, 'sat' as const] };
    expect(arrivalPhrase(sparse, {}, now)).toBe('on Mondays, Thursdays and Saturdays at 7:00 AM CET');
  });
});
