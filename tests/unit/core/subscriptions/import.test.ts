import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  importSubscribers,
  parseSubscriberCsv,
  removeSubscriber,
} from '../../../../lambdas/core/subscriptions/index.js';
import { harness, smallConfig } from '../../../support/subscriptions-harness.js';

describe('import', () => {
  const config = smallConfig();

  it('reads quoted commas, semicolons and bars, a header row, and reports bad rows by line', () => {
    const csv = [
      'email,editions,opted_in',
      'a@example.com,dc;sg,yes',
      '"b@example.com","dc,bxl",',
      'c@example.com,dc|sg,no',
      'not-an-address,dc',
      'd@example.com,atlantis,yes',
      'e@example.com,dc,maybe',
      'f@example.com',
      '',
      'a@example.com,dc,yes',
      '"g@example.com,dc',
    ].join('\r\n');
    const { rows, problems } = parseSubscriberCsv(config, csv);
    expect(rows).toEqual([
      { line: 2, email: 'a@example.com', editions: ['dc', 'sg'], optedIn: true },
      { line: 3, email: 'b@example.com', editions: ['dc', 'bxl'], optedIn: false },
      { line: 4, email: 'c@example.com', editions: ['dc', 'sg'], optedIn: false },
    ]);
    expect(problems.map((p) => p.line)).toEqual([5, 6, 7, 8, 10, 11]);
    expect(problems[1]?.reason).toContain('unknown edition "atlantis"');
    expect(problems[3]?.reason).toContain('expected 2 or 3 columns');
    expect(problems[4]?.reason).toContain('line 2');
  });

  it('survives hostile files: a byte-order mark, bare CRs, NULs, stray quotes, formulas, huge fields', () => {
    const csv = [
      '\ufeffemail,editions',
      'bom@example.com,dc\rcr@example.com,sg',
      'nul\u0000@example.com,dc',
      'a"b@example.com,dc',
      '=cmd|calc!A1,dc',
      `${'x'.repeat(100_000)}@example.com,dc`,
      '"q@example.com"trailing,dc',
      ',,,',
    ].join('\n');
    const { rows, problems } = parseSubscriberCsv(config, csv);
    expect(rows.map((r) => r.email)).toEqual(['bom@example.com', 'cr@example.com']);
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 7, 8, 9]);
    for (const problem of problems) expect(problem.reason.length).toBeLessThan(200);
  });

  it('counts lines inside quoted fields so later rows keep their line numbers', () => {
    const { problems } = parseSubscriberCsv(config, 'a@example.com,"dc;\nsg"\nbad,dc\n');
    expect(problems).toEqual([{ line: 3, reason: expect.stringContaining('email address') }]);
  });

  it('activates opted-in rows, mails the others, and never brings back a reader who left', async () => {
    const h = harness(config);
    await addSubscriber(h, { email: 'left@example.com', editions: ['dc'] });
    await removeSubscriber(h, 'left@example.com');
    const { rows } = parseSubscriberCsv(
      config,
      'in@example.com,dc,yes\nask@example.com,sg\nleft@example.com,dc,yes\n',
    );
    const results = await importSubscribers(h, rows);
    expect(results.map((r) => r.outcome)).toEqual(['added', 'confirmation sent', 'left earlier']);
    expect(await h.store.get('in@example.com')).toMatchObject({
      status: 'active',
      consent: { method: 'import' },
    });
    expect(await h.store.get('ask@example.com')).toMatchObject({
      status: 'pending',
      consent: { method: 'import' },
    });
    expect(h.confirmLinks('ask@example.com')).toHaveLength(1);
    expect((await h.store.get('left@example.com'))?.status).toBe('unsubscribed');
  });
});

describe('import: time zone and rhythm columns', () => {
  const config = smallConfig();

  it('reads them by header name in any order, or as the 4th and 5th columns without a header', () => {
    const byHeader = parseSubscriberCsv(
      config,
      'rhythm,time_zone,email,editions\nweekly,Asia/Kolkata,a@example.com,sg',
    );
    expect(byHeader.rows).toEqual([
      {
        line: 2,
        email: 'a@example.com',
        editions: ['sg'],
        optedIn: false,
        timeZone: 'Asia/Kolkata',
        rhythm: 'weekly',
      },
    ]);
    const positional = parseSubscriberCsv(
      config,
      'b@example.com,dc,yes,America/Chicago,weekdays\nc@example.com,dc',
    );
    expect(positional.rows).toEqual([
      {
        line: 1,
        email: 'b@example.com',
        editions: ['dc'],
        optedIn: true,
        timeZone: 'America/Chicago',
        rhythm: 'weekdays',
      },
      { line: 2, email: 'c@example.com', editions: ['dc'], optedIn: false },
    ]);
  });

  it('reports a bad zone or rhythm by line and keeps the other rows', () => {
    const { rows, problems } = parseSubscriberCsv(
      config,
      [
        'email,editions,opted_in,time_zone,rhythm',
        'a@example.com,dc,,+01:00,',
        'b@example.com,dc,,,monthly',
        'c@example.com,dc,,UTC,daily',
        'd@example.com,dc,,,,extra',
      ].join('\n'),
    );
    expect(rows.map((r) => r.email)).toEqual(['c@example.com']);
    expect(problems).toEqual([
      { line: 2, reason: expect.stringMatching(/^unknown timeZone "\+01:00"/) },
      { line: 3, reason: 'unknown rhythm "monthly": choose one of daily, weekdays, weekly' },
      { line: 5, reason: 'expected 2 to 5 columns (email,editions,opted_in,time_zone,rhythm), found 6' },
    ]);
  });

  it('refuses a header naming an unknown or doubled column, importing nothing', () => {
    expect(parseSubscriberCsv(config, 'email,editions,zone\na@example.com,dc,UTC')).toEqual({
      rows: [],
      problems: [
        {
          line: 1,
          reason:
            'unknown column "zone" in the header; the columns are email, editions, opted_in, time_zone, rhythm',
        },
      ],
    });
    expect(
      parseSubscriberCsv(config, 'email,editions,rhythm,rhythm\na@example.com,dc,daily,daily').problems,
    ).toEqual([{ line: 1, reason: 'column "rhythm" appears twice in the header' }]);
  });
});
