import { describe, expect, it } from 'vitest';
import {
  currentIssueId,
  currentRoundupId,
  ISSUE_ID_PATTERN,
  isoWeekMonday,
  isoWeekOf,
  isRoundupDue,
  isSendDue,
  localDate,
  localInstant,
  parseIssueId,
  parseRoundupId,
  roundupIdFor,
} from '../../../lambdas/core/edition.js';

const dc = {
  id: 'dc',
  timeZone: 'America/New_York',
  sendTime: '06:30',
  sendDays: ['mon', 'tue', 'wed', 'thu', 'fri'] as const,
};
const sg = {
  id: 'sg',
  timeZone: 'Asia/Singapore',
  sendTime: '07:30',
  sendDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
};

describe('edition time', () => {
  it('dates an issue by the edition’s local date, not UTC', () => {
    const instant = new Date('2026-11-30T03:00:00Z'); // 22:00 on the 29th in New York, 11:00 on the 30th in Singapore
    expect(localDate(instant, dc.timeZone)).toBe('2026-11-29');
    expect(currentIssueId(sg, instant)).toBe('sg-2026-11-30');
  });

  it('is due only after the local send time on a send day', () => {
    expect(isSendDue({ ...dc, sendDays: [...dc.sendDays] }, new Date('2026-11-30T11:29:00Z'))).toBe(false); // 06:29 EST Monday
    expect(isSendDue({ ...dc, sendDays: [...dc.sendDays] }, new Date('2026-11-30T11:30:00Z'))).toBe(true);
    expect(isSendDue({ ...dc, sendDays: [...dc.sendDays] }, new Date('2026-11-29T15:00:00Z'))).toBe(false); // Sunday
  });

  it('follows daylight saving time', () => {
    // 06:30 in New York is 10:30 UTC in summer (EDT) and 11:30 UTC in winter (EST).
    expect(isSendDue({ ...dc, sendDays: [...dc.sendDays] }, new Date('2026-07-01T10:31:00Z'))).toBe(true);
    expect(isSendDue({ ...dc, sendDays: [...dc.sendDays] }, new Date('2026-12-01T10:31:00Z'))).toBe(false);
  });

  it('parses issue ids and refuses anything else', () => {
    expect(parseIssueId('dc-2026-11-30')).toEqual({ edition: 'dc', date: '2026-11-30' });
    expect(parseIssueId('lagos-2026-02-01')).toEqual({ edition: 'lagos', date: '2026-02-01' });
    for (const bad of [
      'dc-2026-13-40',
      'DC-2026-11-30',
      'dc-26-11-30',
      '../dc-2026-11-30',
      'dc-2026-11-30x',
      '',
    ]) {
      expect(parseIssueId(bad)).toBeUndefined();
    }
  });
});

describe('roundup ids: the ISO week in the edition’s zone', () => {
  it.each([
    ['2026-11-30', 2026, 49], // a Monday
    ['2026-12-06', 2026, 49], // the Sunday of the same week
    ['2026-12-31', 2026, 53], // 2026 has 53 ISO weeks: it starts on a Thursday
    ['2027-01-01', 2026, 53], // still the last week of 2026
    ['2027-01-03', 2026, 53],
    ['2027-01-04', 2027, 1],
    ['2024-12-30', 2025, 1], // a Monday of December in the next year’s first week
    ['2021-01-03', 2020, 53], // 2020, a leap year starting on a Wednesday, has 53
    ['2026-01-01', 2026, 1],
    ['2025-12-28', 2025, 52],
  ])('puts %s in %i-W%i', (date, isoYear, week) => {
    expect(isoWeekOf(date)).toEqual({ isoYear, week });
  });

  it('names the roundup by week-year and two-digit week, per CONTRACT.md', () => {
    expect(roundupIdFor('dc', '2026-12-05')).toBe('dc-2026-W49');
    expect(roundupIdFor('dc', '2027-01-01')).toBe('dc-2026-W53');
    expect(roundupIdFor('dc', '2027-01-05')).toBe('dc-2027-W01');
    expect(isoWeekMonday('2027-01-01')).toBe('2026-12-28');
    expect(isoWeekMonday('2026-11-30')).toBe('2026-11-30');
  });

  it('takes the week from the edition’s local date, not UTC', () => {
    // Monday 2026-12-07 01:00 UTC is still Sunday evening (W49) in New York, Monday (W50) in Singapore.
    const instant = new Date('2026-12-07T01:00:00Z');
    expect(currentRoundupId({ id: 'dc', timeZone: 'America/New_York' }, instant)).toBe('dc-2026-W49');
    expect(currentRoundupId({ id: 'sg', timeZone: 'Asia/Singapore' }, instant)).toBe('sg-2026-W50');
  });

  it('parses roundup ids beside daily ids, which parse as before', () => {
    expect(parseIssueId('dc-2026-W49')).toEqual({ edition: 'dc', isoYear: 2026, week: 49 });
    expect(parseIssueId('dc-2026-W53')).toEqual({ edition: 'dc', isoYear: 2026, week: 53 });
    expect(parseIssueId('dc-2026-11-30')).toEqual({ edition: 'dc', date: '2026-11-30' });
    expect(parseRoundupId('dc-2026-11-30')).toBeUndefined();
    expect(ISSUE_ID_PATTERN.test('dc-2026-W49')).toBe(true);
    for (const bad of [
      'dc-2026-W00',
      'dc-2027-W53',
      'dc-2026-W54',
      'dc-2026-w49',
      'dc-2026-W4',
      'dc-W49',
      'dc-2026-W49x',
    ]) {
      expect(parseIssueId(bad), bad).toBeUndefined();
    }
  });

  it('finds the instant of a local time across daylight saving', () => {
    expect(localInstant('2026-11-30', 0, 'America/New_York').toISOString()).toBe('2026-11-30T05:00:00.000Z');
    expect(localInstant('2026-07-06', 0, 'America/New_York').toISOString()).toBe('2026-07-06T04:00:00.000Z');
    expect(localInstant('2026-11-30', 0, 'Asia/Kolkata').toISOString()).toBe('2026-11-29T18:30:00.000Z');
    // 02:30 does not exist in New York on 2026-03-08: the first instant after the jump.
    expect(localInstant('2026-03-08', 150, 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
  });

  it('makes the roundup due from the roundup day’s send time to the end of the week', () => {
    const edition = { timeZone: 'America/New_York', sendTime: '06:30', roundupDay: 'sat' as const };
    expect(isRoundupDue(edition, new Date('2026-12-04T15:00:00Z'))).toBe(false); // Friday
    expect(isRoundupDue(edition, new Date('2026-12-05T11:29:00Z'))).toBe(false); // Saturday 06:29
    expect(isRoundupDue(edition, new Date('2026-12-05T11:30:00Z'))).toBe(true); // Saturday 06:30
    expect(isRoundupDue(edition, new Date('2026-12-06T20:00:00Z'))).toBe(true); // Sunday
    expect(isRoundupDue(edition, new Date('2026-12-07T12:00:00Z'))).toBe(false); // next Monday
  });
});
