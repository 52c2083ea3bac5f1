import { describe, expect, it } from 'vitest';
import { deliveryTimeOf, describeDelivery } from '../../../../lambdas/core/subscriptions/delivery-times.js';
import { smallConfig } from '../../../support/subscriptions-harness.js';

const config = smallConfig();
const NOW = new Date('2026-11-30T08:00:00Z');
const edition = (id: string) => {
  const found = config.editions.find((e) => e.id === id);
  if (!found) throw new Error(id);
  return found;
};

describe('when an edition reaches a reader, in their time', () => {
  it('is the edition’s send time in its own zone for a reader without a zone', () => {
    const time = deliveryTimeOf(edition('dc'), undefined, new Date('2026-11-30T08:00:00Z'));
    expect(time).toMatchObject({ readerTime: '06:30', readerZone: 'America/New_York', dayShift: 0 });
    expect(describeDelivery(edition('dc'), {}, NOW)).toBe('D.C.: every day at 6:30 AM EST');
  });

  it('follows daylight saving on both sides: New York 06:30 is 12:30 in Brussels, except in the weeks their clocks differ', () => {
    const at = (iso: string) => deliveryTimeOf(edition('dc'), 'Europe/Brussels', new Date(iso)).readerTime;
    expect(at('2026-01-15T12:00:00Z')).toBe('12:30'); // both on winter time
    expect(at('2026-03-16T12:00:00Z')).toBe('11:30'); // New York on summer time, Brussels not yet
    expect(at('2026-04-15T12:00:00Z')).toBe('12:30'); // both on summer time
    expect(at('2026-10-28T12:00:00Z')).toBe('11:30'); // Brussels back on winter time, New York not yet
  });

  it('names the edition’s next day for a reader behind it, and the day before for one ahead', () => {
    const honolulu = deliveryTimeOf(edition('sg'), 'Pacific/Honolulu', new Date('2026-11-30T08:00:00Z'));
    expect(honolulu).toMatchObject({ readerTime: '13:30', dayShift: -1 });
    // Singapore's Monday to Friday mornings are Honolulu's Sunday to Thursday afternoons.
    expect(describeDelivery(edition('sg'), { timeZone: 'Pacific/Honolulu', rhythm: 'weekdays' }, NOW)).toBe(
      'SG: Sunday to Thursday at 1:30 PM HST (7:30 AM SGT in SG)',
    );
    const auckland = deliveryTimeOf(edition('dc'), 'Pacific/Auckland', new Date('2026-11-30T08:00:00Z'));
    expect(auckland).toMatchObject({ readerTime: '00:30', dayShift: 1 });
    expect(describeDelivery(edition('dc'), { timeZone: 'Pacific/Auckland' }, NOW)).toBe(
      'D.C.: every day at 12:30 AM UTC+13 (6:30 AM EST in D.C.)',
    );
  });

  it('is the send time in the reader’s own zone for an edition with readerLocalTime, and names the roundup day for weekly readers', () => {
    const local = { ...edition('bxl'), readerLocalTime: true, roundupDay: 'sun' as const };
    const time = deliveryTimeOf(local, 'Asia/Kolkata', new Date('2026-11-30T08:00:00Z'));
    expect(time).toMatchObject({ readerTime: '07:00', readerZone: 'Asia/Kolkata', followsReader: true });
    expect(describeDelivery(local, { timeZone: 'Asia/Kolkata', rhythm: 'weekly' }, NOW)).toBe(
      'BXL: every Sunday at 7:00 AM IST',
    );
  });
});
