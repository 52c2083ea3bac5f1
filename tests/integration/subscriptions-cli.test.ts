import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import subscribers, { EXPORT_COLUMNS } from '../../cli/commands/subscribers.js';
import type { CliContext } from '../../cli/context.js';
import { main } from '../../cli/main.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { parseCsvRecords } from '../../lambdas/core/subscriptions/index.js';
import { captureCli } from '../support/cli-capture.js';
import { type SesStoreEmail, startTestStack, type TestStack } from '../support/stack.js';

describe('tidings subscribers', () => {
  let stack: TestStack;
  const cli = captureCli();
  const { out, err } = cli;
  let ctx: CliContext;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  beforeEach(() => {
    cli.reset();
    ctx = cli.context(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  const run = (...args: string[]) => subscribers(args, ctx);
  const sentTo = (mail: SesStoreEmail, email: string) =>
    mail.destination.to.some((to) => to.includes(`${email}`));

  it('adds a reader active at once with the operator as the consent, and lists it', async () => {
    expect(await run('add', 'Op@Example.com', '--edition', 'dc,sg')).toBe(0);
    // After the editions: no zone of their own (-), daily, each edition at its send time in its zone.
    expect(out).toEqual(['added op@example.com: active dc,sg - daily dc@06:30,sg@07:30']);
    out.length = 0;
    expect(await run('list')).toBe(0);
    expect(out).toEqual(['op@example.com active dc,sg - daily dc@06:30,sg@07:30']);
    const stored = await new DynamoSubscriberStore(stack.doc, stack.tables.subscribers).get('op@example.com');
    expect(stored?.consent).toMatchObject({ method: 'operator' });
    expect(stored?.consent.confirmedAt).toBeDefined();
  });

  it('answers bad usage with exit code 2 and a one-line reason', async () => {
    await expect(run('add', 'not-an-address', '--edition', 'dc')).rejects.toMatchObject({
      name: 'UsageError',
    });
    await expect(run('add', 'a@example.com', '--edition', 'atlantis')).rejects.toThrow(
      /unknown edition "atlantis"/,
    );
    await expect(run('add', 'a@example.com')).rejects.toThrow(/--edition/);
    await expect(run('list', '--status', 'sleepy')).rejects.toThrow(/unknown status/);
    await expect(run('frobnicate')).rejects.toThrow(/unknown subcommand/);
    expect(await run()).toBe(2);
  });

  it('imports a CSV: opted-in rows active, the others mailed and pending, bad rows reported by line', async () => {
    const file = join(stack.home, 'readers.csv');
    await writeFile(
      file,
      [
        'email,editions,opted_in',
        'yes@example.com,dc;bxl,yes',
        '"ask@example.com","sg,lagos",',
        'broken,dc',
        'x@example.com,narnia,yes',
      ].join('\n'),
    );
    await stack.clearInbox();
    expect(await run('import', file)).toBe(2);
    expect(out).toContain('line 2: yes@example.com: added');
    expect(out).toContain('line 3: ask@example.com: confirmation sent');
    expect(err).toEqual([
      expect.stringMatching(/^line 4: rejected: .*email address/),
      expect.stringMatching(/^line 5: rejected: unknown edition "narnia"/),
    ]);
    expect(out.at(-1)).toMatch(/1 added, 1 confirmation sent, 2 rejected/);
    const inbox = await stack.inbox();
    expect(inbox.filter((m) => sentTo(m, 'ask@example.com'))).toHaveLength(1);
    expect(inbox.filter((m) => sentTo(m, 'yes@example.com'))).toHaveLength(0);
    out.length = 0;
    await run('list', '--status', 'pending');
    expect(out).toEqual(['ask@example.com pending lagos,sg - daily -']);
  });

  it('reports an unreadable file as bad input', async () => {
    await expect(run('import', join(stack.home, 'missing.csv'))).rejects.toThrow(/cannot read/);
  });

  it('removes a reader from everything but keeps the record', async () => {
    expect(await run('remove', 'yes@example.com')).toBe(0);
    out.length = 0;
    await run('list');
    expect(out).toContain('yes@example.com unsubscribed - - daily -');
    out.length = 0;
    await run('list', '--edition', 'dc');
    expect(out).toEqual(['op@example.com active dc,sg - daily dc@06:30,sg@07:30']);
    expect(await run('remove', 'ghost@example.com')).toBe(1);
  });

  it('exports everything held as CSV, consent included, defusing formula-like names', async () => {
    await run('add', 'formula@example.com', '--edition', 'dc', '--name', '=HYPERLINK("x")');
    out.length = 0;
    expect(await run('export')).toBe(0);
    const records = parseCsvRecords(out.join('\n'));
    expect(records[0]?.fields).toEqual([...EXPORT_COLUMNS]);
    const byEmail = new Map(records.slice(1).map((r) => [r.fields[0], r.fields]));
    const op = byEmail.get('op@example.com');
    expect(op?.[EXPORT_COLUMNS.indexOf('consent_method')]).toBe('operator');
    expect(op?.[EXPORT_COLUMNS.indexOf('editions')]).toBe('dc;sg');
    expect(byEmail.get('ask@example.com')?.[EXPORT_COLUMNS.indexOf('consent_method')]).toBe('import');
    expect(byEmail.get('formula@example.com')?.[EXPORT_COLUMNS.indexOf('name')]).toBe(`'=HYPERLINK("x")`);
  });

  it('adds a reader with a zone and rhythm; list and export show them after the fields that were there', async () => {
    expect(
      await run(
        'add',
        'raj@example.com',
        '--edition',
        'sg,riyadh',
        '--time-zone',
        'Asia/Kolkata',
        '--rhythm',
        'weekly',
      ),
    ).toBe(0);
    // 07:30 in Singapore and 07:00 in Riyadh are 05:00 and 09:30 in Kolkata (none of them changes clocks).
    expect(out).toEqual([
      'added raj@example.com: active riyadh,sg Asia/Kolkata weekly riyadh@09:30,sg@05:00',
    ]);
    out.length = 0;
    await run('list', '--edition', 'sg', '--status', 'active');
    expect(out).toContain('raj@example.com active riyadh,sg Asia/Kolkata weekly riyadh@09:30,sg@05:00');
    out.length = 0;
    await run('export');
    const records = parseCsvRecords(out.join('\n'));
    expect(records[0]?.fields.slice(-2)).toEqual(['time_zone', 'rhythm']);
    const raj = records.find((r) => r.fields[0] === 'raj@example.com')?.fields;
    expect(raj?.slice(-2)).toEqual(['Asia/Kolkata', 'weekly']);
    const op = records.find((r) => r.fields[0] === 'op@example.com')?.fields;
    expect(op?.slice(-2)).toEqual(['', 'daily']);
  });

  it('refuses a bad --time-zone or --rhythm as usage, naming the option, adding no one', async () => {
    await expect(run('add', 'bad@example.com', '--edition', 'dc', '--time-zone', 'CET')).rejects.toThrow(
      /^--time-zone: unknown timeZone "CET"/,
    );
    await expect(run('add', 'bad@example.com', '--edition', 'dc', '--rhythm', 'hourly')).rejects.toThrow(
      /^--rhythm: unknown rhythm "hourly": choose one of daily, weekdays, weekly/,
    );
    expect(
      await new DynamoSubscriberStore(stack.doc, stack.tables.subscribers).get('bad@example.com'),
    ).toBeUndefined();
  });

  it('imports time_zone and rhythm columns, in header order; a bad value is reported by line, the other rows imported', async () => {
    const file = join(stack.home, 'choices.csv');
    await writeFile(
      file,
      [
        'email,rhythm,editions,time_zone,opted_in',
        'kl@example.com,weekdays,sg,Asia/Kuala_Lumpur,yes',
        'mars@example.com,daily,sg,Mars/Olympus,yes',
        'often@example.com,hourly,sg,,yes',
        'plain@example.com,,dc,,yes',
      ].join('\n'),
    );
    expect(await run('import', file)).toBe(2);
    expect(err).toEqual([
      expect.stringMatching(/^line 3: rejected: unknown timeZone "Mars\/Olympus"/),
      expect.stringMatching(/^line 4: rejected: unknown rhythm "hourly"/),
    ]);
    expect(out.at(-1)).toMatch(/2 added, 2 rejected/);
    const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    expect(await store.get('kl@example.com')).toMatchObject({
      timeZone: 'Asia/Kuala_Lumpur',
      rhythm: 'weekdays',
    });
    expect((await store.get('plain@example.com'))?.timeZone).toBeUndefined();
    expect(await store.get('mars@example.com')).toBeUndefined();
  });

  it('imports the zone and rhythm as the fourth and fifth columns of a file without a header', async () => {
    const file = join(stack.home, 'positional.csv');
    await writeFile(file, 'pos@example.com,sg,yes,Europe/Kyiv,weekly\n');
    expect(await run('import', file)).toBe(0);
    const stored = await new DynamoSubscriberStore(stack.doc, stack.tables.subscribers).get(
      'pos@example.com',
    );
    expect(stored).toMatchObject({ status: 'active', timeZone: 'Europe/Kyiv', rhythm: 'weekly' });
  });

  it('forgets a reader, who then appears nowhere', async () => {
    expect(await run('forget', 'op@example.com')).toBe(0);
    expect(out.at(-1)).toContain('erased');
    out.length = 0;
    await run('export');
    expect(out.join('\n')).not.toContain('op@example.com');
    expect(
      await new DynamoSubscriberStore(stack.doc, stack.tables.subscribers).isSuppressed('op@example.com'),
    ).toBe(true);
  });

  it('is reachable through the tidings dispatcher', async () => {
    expect(typeof main).toBe('function');
    const code = await main(['subscribers', 'list', '--status', 'nope'], {
      ...process.env,
      TIDINGS_HOME: stack.home,
    });
    expect(code).toBe(2);
  });
});
