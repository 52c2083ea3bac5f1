import { describe, expect, it } from 'vitest';
import { parseFeedDate } from '../../../lambdas/adapters/feeds/date.js';

describe('parseFeedDate', () => {
  it.each([
    ['Tue, 10 Jun 2003 04:00:00 GMT', '2003-06-10T04:00:00.000Z'],
    ['Thu, 13 Aug 2020 10:25:33 -0300', '2020-08-13T13:25:33.000Z'],
    ['Wed, 9 Aug 2023 17:00:00 EST', '2023-08-09T22:00:00.000Z'],
    ['Thu, 24 Aug 2023 09:15 EDT', '2023-08-24T13:15:00.000Z'],
    ['Thu, 01 Feb 2018 10:00:00 PST', '2018-02-01T18:00:00.000Z'],
    ['Sun, 19 Dec 04 21:30:00 -0000', '2004-12-19T21:30:00.000Z'],
    ['Fri, 31 Dec 99 23:59:59 +0000', '1999-12-31T23:59:59.000Z'],
    ['mer, 16 nov 2022 00:38:15 +0100', '2022-11-15T23:38:15.000Z'],
    ['  Mon,  06 Sep 2021\n 16:45:00 +0000 ', '2021-09-06T16:45:00.000Z'],
    ['2017-05-17T08:02:12-07:00', '2017-05-17T15:02:12.000Z'],
    ['2020-01-21T20:58:36Z', '2020-01-21T20:58:36.000Z'],
    ['2020-01-21T20:58:36.123456+05:30', '2020-01-21T15:28:36.123Z'],
    ['2020-01-21', '2020-01-21T00:00:00.000Z'],
    ['2020-01-21 20:58', '2020-01-21T20:58:00.000Z'],
  ])('reads %j as %s', (raw, expected) => {
    expect(parseFeedDate(raw)).toBe(expected);
  });

  it.each([
    'Sat, Dec 16 2023 02:02:33 PM',
    'yesterday',
    '',
    '2023-02-30T10:00:00Z',
    'Mon, 31 Feb 2022 10:00:00 GMT',
    '2023-13-01',
    '2023-01-01T25:00:00Z',
    'Mon, 01 Foo 2022 10:00:00 GMT',
    'Mon, 01 Jan 2022 10:00:00 XYZT',
    '2023-01-01T10:00:00+99:00',
    `${'9'.repeat(100)}`,
    '<script>alert(1)</script>',
  ])('gives undefined for %j', (raw) => {
    expect(parseFeedDate(raw)).toBeUndefined();
  });

  it('gives undefined for a missing date', () => {
    expect(parseFeedDate(undefined)).toBeUndefined();
    expect(parseFeedDate(null)).toBeUndefined();
  });
});
