import { describe, expect, it } from 'vitest';
import { currentIssueId, isSendDue, localDate, parseIssueId } from '../../../lambdas/core/edition.js';

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
