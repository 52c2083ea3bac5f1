import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  confirm,
  forgetSubscriber,
  importSubscribers,
  NothingToConfirmError,
  NotSubscribedError,
  parseSubscriberCsv,
  previewConfirmation,
  previewUnsubscribe,
  readPreferences,
  removeSubscriber,
  SubscriptionInputError,
  SuppressedAddressError,
  subscribe,
  unsubscribe,
  updatePreferences,
} from '../../../lambdas/core/subscriptions.js';
import {
  ExpiredTokenError,
  ForgedTokenError,
  readerLinks,
  signToken,
  WrongPurposeTokenError,
} from '../../../lambdas/core/tokens.js';
import { harness, smallConfig } from '../../support/subscriptions-harness.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

function unsubscribeToken(h: ReturnType<typeof harness>, email: string, edition: string): string {
  const { unsubscribeUrl } = readerLinks(h.keyring, {
    baseUrl: h.config.baseUrl,
    mailDomain: 'tidings.example',
    email,
    edition,
  });
  return new URL(unsubscribeUrl).searchParams.get('token') ?? '';
}

function preferencesToken(h: ReturnType<typeof harness>, email: string): string {
  return signToken(h.keyring, { purpose: 'preferences', email, edition: 'dc' });
}

describe('subscribe', () => {
  it('records a pending request with consent and mails one confirmation link', async () => {
    const h = harness();
    expect(
      await subscribe(h, {
        email: ' New@Example.com',
        editions: ['sg', 'dc'],
        name: 'Ada',
        clientAddress: '198.51.100.4',
      }),
    ).toBe('sent');
    const stored = await h.store.get('new@example.com');
    expect(stored).toMatchObject({
      status: 'pending',
      editions: ['dc', 'sg'],
      name: 'Ada',
      consent: { method: 'form' },
    });
    expect(stored?.consent.clientHash).toMatch(/^k1:[0-9a-f]{32}$/);
    expect(JSON.stringify(stored)).not.toContain('198.51.100.4');
    expect(h.confirmLinks('new@example.com')).toHaveLength(1);
    expect(h.confirmLinks('new@example.com')[0]).toMatch(/^https:\/\/news\.example\.org\/confirm\?token=/);
  });

  it('sends at most one confirmation per address per window, and folds later asks into the next one', async () => {
    const h = harness();
    await subscribe(h, { email: 'a@example.com', editions: ['dc'] });
    h.clock.advance(5 * MINUTE);
    expect(await subscribe(h, { email: 'a@example.com', editions: ['sg'] })).toBe('recorded');
    expect(h.confirmLinks('a@example.com')).toHaveLength(1);
    h.clock.advance(6 * MINUTE);
    expect(await subscribe(h, { email: 'a@example.com', editions: ['dc'] })).toBe('sent');
    expect(h.confirmLinks('a@example.com')).toHaveLength(2);
    const view = await previewConfirmation(h, h.confirmToken('a@example.com'));
    expect(view.editions).toEqual(['dc', 'sg']);
  });

  it('does not change what an active reader receives until the new editions are confirmed', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'reader@example.com', editions: ['dc'] });
    await subscribe(h, { email: 'reader@example.com', editions: ['sg'], name: 'Someone Else' });
    const before = await h.store.get('reader@example.com');
    expect(before).toMatchObject({ status: 'active', editions: ['dc'], pendingEditions: ['sg'] });
    expect(before?.name).toBeUndefined();
    await confirm(h, h.confirmToken('reader@example.com'));
    expect(await h.store.get('reader@example.com')).toMatchObject({
      status: 'active',
      editions: ['dc', 'sg'],
    });
    expect((await h.store.get('reader@example.com'))?.pendingEditions).toBeUndefined();
  });

  it('answers an active reader asking for what they already get with a link that changes nothing', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'same@example.com', editions: ['dc'] });
    expect(await subscribe(h, { email: 'same@example.com', editions: ['dc'] })).toBe('sent');
    const stored = await h.store.get('same@example.com');
    expect(stored?.pendingEditions).toBeUndefined();
    expect(await confirm(h, h.confirmToken('same@example.com'))).toMatchObject({ alreadyConfirmed: true });
    expect(await h.store.get('same@example.com')).toEqual(stored);
  });

  it('lets an unsubscribed reader come back through the same double opt-in', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'back@example.com', editions: ['dc'] });
    await unsubscribe(h, unsubscribeToken(h, 'back@example.com', 'dc'));
    await subscribe(h, { email: 'back@example.com', editions: ['bxl'] });
    expect((await h.store.get('back@example.com'))?.status).toBe('unsubscribed');
    await confirm(h, h.confirmToken('back@example.com'), '192.0.2.1');
    const after = await h.store.get('back@example.com');
    expect(after).toMatchObject({ status: 'active', editions: ['bxl'], consent: { method: 'form' } });
    expect(after?.consent.confirmedAt).toBe(h.clock.now().toISOString());
    expect(after?.consent.confirmClientHash).toMatch(/^k1:/);
  });

  it('answers a bounced or complained address without storing or mailing anything', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'gone@example.com', editions: ['dc'] });
    const stored = await h.store.get('gone@example.com');
    if (!stored) throw new Error('not stored');
    await h.store.save({ ...stored, status: 'complained', statusReason: 'complaint' });
    expect(await subscribe(h, { email: 'gone@example.com', editions: ['sg'] })).toBe('suppressed');
    expect(h.mailer.sent).toHaveLength(0);
    expect((await h.store.get('gone@example.com'))?.pendingEditions).toBeUndefined();
    await forgetSubscriber(h, 'gone@example.com');
    expect(await subscribe(h, { email: 'gone@example.com', editions: ['sg'] })).toBe('suppressed');
    expect(await h.store.get('gone@example.com')).toBeUndefined();
    expect(await h.store.isSuppressed('gone@example.com')).toBe(true);
  });

  it('lets a forgotten reader who had simply left subscribe again', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'f@example.com', editions: ['dc'] });
    await forgetSubscriber(h, 'f@example.com');
    expect(await h.store.isSuppressed('f@example.com')).toBe(true);
    expect(await subscribe(h, { email: 'f@example.com', editions: ['dc'] })).toBe('sent');
    await confirm(h, h.confirmToken('f@example.com'));
    expect(await h.store.isSuppressed('f@example.com')).toBe(false);
    expect((await h.store.get('f@example.com'))?.status).toBe('active');
  });

  it.each([
    ['no address', { email: '', editions: ['dc'] }, 'email'],
    ['a bad address', { email: 'not-an-address', editions: ['dc'] }, 'email'],
    ['a fullwidth at sign', { email: 'a＠example.com', editions: ['dc'] }, 'email'],
    ['a Cyrillic letter', { email: 'аdmin@example.com', editions: ['dc'] }, 'email'],
    ['a zero-width space', { email: 'a\u200b@example.com', editions: ['dc'] }, 'email'],
    ['a line break', { email: 'a@example.com\r\nBcc: x@example.com', editions: ['dc'] }, 'email'],
    [
      'an address over 254 characters',
      { email: `${'a'.repeat(64)}@${'b'.repeat(200)}.com`, editions: ['dc'] },
      'email',
    ],
    ['an unknown edition', { email: 'a@example.com', editions: ['atlantis'] }, 'editions'],
    ['no edition', { email: 'a@example.com', editions: [] }, 'editions'],
    [
      'a name with a line break',
      { email: 'a@example.com', editions: ['dc'], name: 'Ada\r\nBcc: x@example.com' },
      'name',
    ],
    [
      'a name with a bidi override',
      { email: 'a@example.com', editions: ['dc'], name: 'Ada\u202egnp.exe' },
      'name',
    ],
  ])('rejects %s before storing anything', async (_label, request, field) => {
    const h = harness();
    await expect(subscribe(h, request)).rejects.toMatchObject({ name: 'SubscriptionInputError', field });
    expect(h.store.profiles.size).toBe(0);
    expect(h.mailer.sent).toHaveLength(0);
  });

  it('gives the window back when the confirmation could not be sent, so asking again works', async () => {
    const h = harness();
    const send = h.mailer.send.bind(h.mailer);
    h.mailer.send = async () => {
      throw new Error('SES unavailable');
    };
    await expect(subscribe(h, { email: 'retry@example.com', editions: ['dc'] })).rejects.toThrow(
      'SES unavailable',
    );
    expect((await h.store.get('retry@example.com'))?.lastConfirmationSentAt).toBeUndefined();
    h.mailer.send = send;
    expect(await subscribe(h, { email: 'retry@example.com', editions: ['dc'] })).toBe('sent');
    expect(h.confirmLinks('retry@example.com')).toHaveLength(1);
  });

  it('drops an unconfirmed request after its time to live', async () => {
    const h = harness();
    await subscribe(h, { email: 'late@example.com', editions: ['dc'] });
    h.clock.advance(9 * DAY);
    expect(await h.store.get('late@example.com')).toBeUndefined();
    expect(await subscribe(h, { email: 'late@example.com', editions: ['dc'] })).toBe('sent');
  });
});

describe('confirm', () => {
  it('activates the editions the link names and is idempotent', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc', 'sg'] });
    const token = h.confirmToken('c@example.com');
    expect((await previewConfirmation(h, token)).alreadyConfirmed).toBe(false);
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'pending' });
    const first = await confirm(h, token);
    const stored = await h.store.get('c@example.com');
    const second = await confirm(h, token);
    expect(first).toMatchObject({ editions: ['dc', 'sg'], alreadyConfirmed: false });
    expect(second).toMatchObject({ editions: ['dc', 'sg'], alreadyConfirmed: true });
    expect(await h.store.get('c@example.com')).toEqual(stored);
    expect(stored?.expiresAt).toBeUndefined();
  });

  it('refuses an expired link, a forged one and one meant for unsubscribing', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    const token = h.confirmToken('c@example.com');
    h.clock.advance(8 * DAY);
    await expect(confirm(h, token)).rejects.toBeInstanceOf(ExpiredTokenError);
    await expect(confirm(h, `${token.slice(0, -2)}xx`)).rejects.toBeInstanceOf(ForgedTokenError);
    await expect(confirm(h, unsubscribeToken(h, 'c@example.com', 'dc'))).rejects.toBeInstanceOf(
      WrongPurposeTokenError,
    );
  });

  it('does not bring back a reader who was forgotten meanwhile', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    const token = h.confirmToken('c@example.com');
    await forgetSubscriber(h, 'c@example.com');
    await expect(confirm(h, token)).rejects.toBeInstanceOf(NothingToConfirmError);
    expect(await h.store.get('c@example.com')).toBeUndefined();
  });

  it('keeps editions asked for after the mailed link pending', async () => {
    const h = harness();
    await subscribe(h, { email: 'p@example.com', editions: ['dc'] });
    const token = h.confirmToken('p@example.com');
    await subscribe(h, { email: 'p@example.com', editions: ['sg'] });
    await confirm(h, token);
    expect(await h.store.get('p@example.com')).toMatchObject({
      status: 'active',
      editions: ['dc'],
      pendingEditions: ['sg'],
    });
  });
});

describe('unsubscribe', () => {
  it('leaves only the edition the link names, then the status becomes unsubscribed', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'u@example.com', editions: ['dc', 'sg'] });
    const preview = await previewUnsubscribe(h, unsubscribeToken(h, 'u@example.com', 'dc'));
    expect(preview).toEqual({ email: 'u@example.com', edition: 'dc', remaining: ['sg'] });
    expect((await h.store.get('u@example.com'))?.editions).toEqual(['dc', 'sg']);
    await unsubscribe(h, unsubscribeToken(h, 'u@example.com', 'dc'), 'one-click');
    expect(await h.store.get('u@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
    await unsubscribe(h, unsubscribeToken(h, 'u@example.com', 'sg'), 'one-click');
    expect(await h.store.get('u@example.com')).toMatchObject({
      status: 'unsubscribed',
      editions: [],
      statusReason: 'one-click unsubscribe',
    });
  });

  it('is idempotent and harmless for an edition not read or an address not held', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'u@example.com', editions: ['sg'] });
    const stored = await h.store.get('u@example.com');
    await unsubscribe(h, unsubscribeToken(h, 'u@example.com', 'dc'));
    expect(await h.store.get('u@example.com')).toEqual(stored);
    await expect(unsubscribe(h, unsubscribeToken(h, 'nobody@example.com', 'dc'))).resolves.toMatchObject({
      remaining: [],
    });
    expect(await h.store.get('nobody@example.com')).toBeUndefined();
  });

  it('honours links signed before the key rotated', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'r@example.com', editions: ['dc'] });
    const old = unsubscribeToken(h, 'r@example.com', 'dc');
    const rotated = {
      ...h,
      keyring: { active: { id: 'k2', secret: new Uint8Array(32).fill(7) }, keys: [...h.keyring.keys] },
    };
    rotated.keyring.keys.push(rotated.keyring.active);
    await unsubscribe(rotated, old);
    expect((await h.store.get('r@example.com'))?.status).toBe('unsubscribed');
  });
});

describe('preferences', () => {
  it('shows and changes the editions read; choosing none leaves all', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    const token = preferencesToken(h, 'p@example.com');
    expect(await readPreferences(h, token)).toMatchObject({ status: 'active', editions: ['dc'], from: 'dc' });
    expect(await updatePreferences(h, token, ['bxl', 'sg'])).toMatchObject({ editions: ['bxl', 'sg'] });
    expect(await updatePreferences(h, token, [])).toMatchObject({ status: 'unsubscribed', editions: [] });
  });

  it('rejects unknown editions and addresses not on record', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    await expect(
      updatePreferences(h, preferencesToken(h, 'p@example.com'), ['nowhere']),
    ).rejects.toBeInstanceOf(SubscriptionInputError);
    await expect(readPreferences(h, preferencesToken(h, 'x@example.com'))).rejects.toBeInstanceOf(
      NotSubscribedError,
    );
  });
});

describe('operator commands', () => {
  it('adds readers active at once with operator consent, and refuses suppressed ones', async () => {
    const h = harness();
    expect(await addSubscriber(h, { email: 'o@example.com', editions: ['dc'] })).toBe('added');
    expect(await addSubscriber(h, { email: 'o@example.com', editions: ['dc'] })).toBe('unchanged');
    expect(await h.store.get('o@example.com')).toMatchObject({
      status: 'active',
      consent: { method: 'operator' },
    });
    const stored = await h.store.get('o@example.com');
    if (!stored) throw new Error('missing');
    await h.store.save({ ...stored, status: 'bounced' });
    await expect(addSubscriber(h, { email: 'o@example.com', editions: ['dc'] })).rejects.toBeInstanceOf(
      SuppressedAddressError,
    );
  });

  it('removes a reader from everything but keeps the record', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'o@example.com', editions: ['dc', 'sg'] });
    expect(await removeSubscriber(h, 'o@example.com')).toBe(true);
    expect(await h.store.get('o@example.com')).toMatchObject({ status: 'unsubscribed', editions: [] });
    expect(await removeSubscriber(h, 'none@example.com')).toBe(false);
  });
});

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
