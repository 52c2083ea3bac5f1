import { describe, expect, it } from 'vitest';
import {
  parseRhythm,
  parseTimeZone,
  SubscriptionInputError,
} from '../../../../lambdas/core/subscriptions/index.js';

function refusal(parse: () => unknown): SubscriptionInputError {
  try {
    parse();
  } catch (error) {
    if (error instanceof SubscriptionInputError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseTimeZone', () => {
  it.each([
    ['Europe/Brussels', 'Europe/Brussels'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    // The current IANA name where the runtime still lists the older one, as browsers send either.
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['Asia/Calcutta', 'Asia/Calcutta'],
    ['Europe/Kyiv', 'Europe/Kyiv'],
    ['UTC', 'UTC'],
    [' Asia/Singapore ', 'Asia/Singapore'],
    // Another spelling of a zone is stored as the zone.
    ['US/Eastern', 'America/New_York'],
  ])('keeps the reader zone %j as %j', (raw, stored) => {
    expect(parseTimeZone(raw)).toBe(stored);
  });

  it.each([undefined, null, '', '   '])('reads %j as no zone (each edition’s own)', (raw) => {
    expect(parseTimeZone(raw)).toBeUndefined();
  });

  it.each([
    'Mars/Olympus',
    '+01:00',
    'UTC+1',
    'CET',
    'EST5EDT',
    'GMT',
    'Etc/GMT+1',
    'Europe/',
    '../../etc/passwd',
    'Europe/Paris\u202e',
    'Europe/Paris\nX-Injected: 1',
  ])('refuses %j, saying what is wrong and what to send', (raw) => {
    const error = refusal(() => parseTimeZone(raw));
    expect(error.field).toBe('timeZone');
    expect(error.kind).toBe('invalid-input');
    expect(error.message).toMatch(/^unknown timeZone ".*": use an IANA zone such as Europe\/Paris/);
    expect(error.message).not.toMatch(/[\n\u202e]/);
  });

  it('refuses 200 characters of junk without echoing them', () => {
    const error = refusal(() => parseTimeZone('A/'.repeat(100)));
    expect(error.message).toBe('timeZone is at most 64 characters: an IANA zone such as Europe/Paris');
  });

  it('refuses a value that is not text', () => {
    for (const raw of [7, ['Europe/Paris'], { zone: 'Europe/Paris' }, true]) {
      expect(refusal(() => parseTimeZone(raw)).message).toBe(
        'timeZone must be text: an IANA zone such as Europe/Paris',
      );
    }
  });
});

describe('parseRhythm', () => {
  it.each([
    ['daily', 'daily'],
    ['weekdays', 'weekdays'],
    ['weekly', 'weekly'],
    [' Weekly ', 'weekly'],
  ])('keeps %j as %j', (raw, rhythm) => {
    expect(parseRhythm(raw)).toBe(rhythm);
  });

  it.each([undefined, null, ''])('reads %j as no choice (daily)', (raw) => {
    expect(parseRhythm(raw)).toBeUndefined();
  });

  it.each(['hourly', 'monthly', 'week', 'daily;weekly', 'x'.repeat(200), '\u0000daily'])(
    'refuses %j, naming the rhythms there are',
    (raw) => {
      const error = refusal(() => parseRhythm(raw));
      expect(error.field).toBe('rhythm');
      expect(error.message).toMatch(/^unknown rhythm ".{0,41}": choose one of daily, weekdays, weekly$/);
    },
  );

  it('refuses a value that is not text', () => {
    expect(refusal(() => parseRhythm(['daily'])).message).toBe(
      'rhythm must be text: one of daily, weekdays, weekly',
    );
  });
});
