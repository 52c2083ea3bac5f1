import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ExpiredTokenError,
  ForgedTokenError,
  hashClientAddress,
  type Keyring,
  KeyringError,
  MAX_LOCAL_PART,
  MalformedTokenError,
  parseKeyring,
  readerIdOf,
  readerLinks,
  signToken,
  TokenError,
  UnknownKeyTokenError,
  verifyMailtoUnsubscribe,
  verifyToken,
  WrongPurposeTokenError,
} from '../../../lambdas/core/tokens.js';
import { oldFormatToken } from '../../support/subscriptions-harness.js';

function keyringJson(active: string, ids: string[]): string {
  return JSON.stringify({
    active,
    keys: ids.map((id) => ({ id, secret: randomBytes(32).toString('base64') })),
  });
}

const now = new Date('2026-11-30T08:00:00Z');
const ring = parseKeyring(keyringJson('k1', ['k1']));

describe('parseKeyring', () => {
  it('reads the keyring JSON of the local secret file and the AWS secret', () => {
    const parsed = parseKeyring(keyringJson('k2', ['k1', 'k2']));
    expect(parsed.active.id).toBe('k2');
    expect(parsed.keys.map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(parsed.active.secret).toHaveLength(32);
  });

  it.each([
    ['not JSON', 'nope'],
    ['an active key that is not among the keys', keyringJson('k9', ['k1'])],
    ['a short secret', JSON.stringify({ active: 'k1', keys: [{ id: 'k1', secret: 'c2hvcnQ=' }] })],
    [
      'duplicate ids',
      JSON.stringify({
        active: 'k1',
        keys: [
          { id: 'k1', secret: 'A'.repeat(44) },
          { id: 'k1', secret: 'B'.repeat(44) },
        ],
      }),
    ],
    ['a key id with a dot', JSON.stringify({ active: 'k.1', keys: [{ id: 'k.1', secret: 'A'.repeat(44) }] })],
    ['no keys', JSON.stringify({ active: 'k1', keys: [] })],
  ])('rejects %s', (_label, json) => {
    expect(() => parseKeyring(json)).toThrow(KeyringError);
  });

  it('never echoes a secret in its errors', () => {
    const secret = 'c2VjcmV0LXZhbHVl';
    try {
      parseKeyring(JSON.stringify({ active: 'x', keys: [{ id: 'k1', secret }] }));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe('signToken and verifyToken', () => {
  it('round-trips the claims of a confirmation token', () => {
    const token = signToken(ring, {
      purpose: 'confirm',
      email: 'Reader@Example.com ',
      editions: ['dc', 'sg'],
      expiresAt: new Date('2026-12-07T08:00:00Z'),
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const claims = verifyToken(ring, token, 'confirm', now);
    expect(claims).toMatchObject({
      purpose: 'confirm',
      email: 'reader@example.com',
      editions: ['dc', 'sg'],
      keyId: 'k1',
    });
    expect(claims.expiresAt?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });

  it('rejects an expired confirmation token, naming the address so a new link can be offered', () => {
    const token = signToken(ring, {
      purpose: 'confirm',
      email: 'a@example.com',
      expiresAt: new Date(now.getTime() - 1000),
    });
    const error = (() => {
      try {
        verifyToken(ring, token, 'confirm', now);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ExpiredTokenError);
    expect((error as ExpiredTokenError).email).toBe('a@example.com');
  });

  it('keeps unsubscribe tokens valid forever', () => {
    const token = signToken(ring, { purpose: 'unsubscribe', email: 'a@example.com', edition: 'dc' });
    expect(verifyToken(ring, token, 'unsubscribe', new Date('2099-01-01T00:00:00Z')).edition).toBe('dc');
  });

  it('rejects a token used for another purpose', () => {
    const token = signToken(ring, { purpose: 'preferences', email: 'a@example.com' });
    expect(() => verifyToken(ring, token, 'unsubscribe', now)).toThrow(WrongPurposeTokenError);
  });

  it('rejects a token whose payload was edited (another address or edition)', () => {
    const token = signToken(ring, { purpose: 'unsubscribe', email: 'a@example.com', edition: 'dc' });
    const [kid, , mac] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({ p: 'unsubscribe', e: 'victim@example.com', d: 'dc' }),
    ).toString('base64url');
    expect(() => verifyToken(ring, `${kid}.${payload}.${mac}`, 'unsubscribe', now)).toThrow(ForgedTokenError);
    const other = Buffer.from(JSON.stringify({ p: 'unsubscribe', e: 'a@example.com', d: 'sg' })).toString(
      'base64url',
    );
    expect(() => verifyToken(ring, `${kid}.${other}.${mac}`, 'unsubscribe', now)).toThrow(ForgedTokenError);
  });

  it('rejects a token signed with another secret under the same key id', () => {
    const other = parseKeyring(keyringJson('k1', ['k1']));
    const token = signToken(other, { purpose: 'unsubscribe', email: 'a@example.com', edition: 'dc' });
    expect(() => verifyToken(ring, token, 'unsubscribe', now)).toThrow(ForgedTokenError);
  });

  it('rejects a truncated signature', () => {
    const token = signToken(ring, { purpose: 'unsubscribe', email: 'a@example.com', edition: 'dc' });
    expect(() => verifyToken(ring, token.slice(0, -4), 'unsubscribe', now)).toThrow(ForgedTokenError);
  });

  it('rejects a token from a key that is not in the keyring', () => {
    const other = parseKeyring(keyringJson('k7', ['k7']));
    const token = signToken(other, { purpose: 'unsubscribe', email: 'a@example.com' });
    expect(() => verifyToken(ring, token, 'unsubscribe', now)).toThrow(UnknownKeyTokenError);
  });

  it.each([
    ['empty', ''],
    ['two parts', 'k1.abc'],
    ['four parts', 'k1.a.b.c'],
    ['spaces', 'k1.a b.c'],
    ['a script', 'k1.<script>.x'],
    ['huge', `k1.${'a'.repeat(5000)}.b`],
    ['unicode', 'k1.ａｂｃ.def'],
  ])('rejects a malformed token (%s) as malformed', (_label, token) => {
    expect(() => verifyToken(ring, token, 'confirm', now)).toThrow(MalformedTokenError);
  });

  it('gives every failure a reason and the TokenError base class', () => {
    try {
      verifyToken(ring, 'x', 'confirm', now);
    } catch (error) {
      expect(error).toBeInstanceOf(TokenError);
      expect((error as TokenError).reason).toBe('malformed');
    }
  });
});

describe('key rotation', () => {
  it('verifies tokens of a retired key and signs new ones with the active key', () => {
    const before = parseKeyring(keyringJson('k1', ['k1']));
    const oldLink = signToken(before, { purpose: 'unsubscribe', email: 'a@example.com', edition: 'dc' });
    const k1 = before.keys[0];
    if (!k1) throw new Error('no key');
    const after: Keyring = { active: { id: 'k2', secret: randomBytes(32) }, keys: [k1] };
    after.keys.push(after.active);
    expect(verifyToken(after, oldLink, 'unsubscribe', now).email).toBe('a@example.com');
    const fresh = signToken(after, { purpose: 'unsubscribe', email: 'a@example.com', edition: 'dc' });
    expect(fresh.startsWith('k2.')).toBe(true);
    expect(() => verifyToken(before, fresh, 'unsubscribe', now)).toThrow(UnknownKeyTokenError);
  });
});

describe('readerLinks and verifyMailtoUnsubscribe', () => {
  const links = readerLinks(ring, {
    baseUrl: 'https://news.example.org/',
    mailDomain: 'tidings.example',
    email: 'Reader@Example.com',
    edition: 'dc',
  });

  it('builds the unsubscribe and preferences URLs under the base URL', () => {
    const unsubscribe = new URL(links.unsubscribeUrl);
    expect(`${unsubscribe.origin}${unsubscribe.pathname}`).toBe('https://news.example.org/unsubscribe');
    const claims = verifyToken(ring, unsubscribe.searchParams.get('token') ?? '', 'unsubscribe', now);
    expect(claims).toMatchObject({ email: 'reader@example.com', edition: 'dc' });
    const preferences = new URL(links.preferencesUrl);
    expect(verifyToken(ring, preferences.searchParams.get('token') ?? '', 'preferences', now).email).toBe(
      'reader@example.com',
    );
  });

  it('keeps the mailto local part within 64 characters for the longest edition id', () => {
    const longest = 'e'.repeat(31);
    const mailto = readerLinks(ring, {
      baseUrl: 'https://x.example',
      mailDomain: 'tidings.example',
      email: `${'a'.repeat(64)}@example.com`,
      edition: longest,
    }).unsubscribeMailto;
    const local = mailto.slice('mailto:'.length, mailto.indexOf('@'));
    expect(local.length).toBeLessThanOrEqual(MAX_LOCAL_PART);
    expect(local).toMatch(/^unsubscribe\+e{31}\.[a-z2-7]{16}$/);
  });

  it('accepts mail to the mailto address from the reader it was made for', () => {
    const address = links.unsubscribeMailto.slice('mailto:'.length);
    expect(verifyMailtoUnsubscribe(ring, address, 'reader@example.com')).toEqual({
      email: 'reader@example.com',
      edition: 'dc',
    });
    const local = address.slice(0, address.indexOf('@'));
    expect(verifyMailtoUnsubscribe(ring, local.toUpperCase(), 'READER@example.com')).toEqual({
      email: 'reader@example.com',
      edition: 'dc',
    });
  });

  it('refuses the code from another sender, for another edition, or mangled', () => {
    const local = links.unsubscribeMailto.slice('mailto:'.length, links.unsubscribeMailto.indexOf('@'));
    expect(verifyMailtoUnsubscribe(ring, local, 'someone-else@example.com')).toBeUndefined();
    expect(
      verifyMailtoUnsubscribe(ring, local.replace('+dc.', '+sg.'), 'reader@example.com'),
    ).toBeUndefined();
    const flipped = `${local.slice(0, -1)}${local.endsWith('a') ? 'b' : 'a'}`;
    expect(verifyMailtoUnsubscribe(ring, flipped, 'reader@example.com')).toBeUndefined();
    expect(verifyMailtoUnsubscribe(ring, 'unsubscribe', 'reader@example.com')).toBeUndefined();
    expect(verifyMailtoUnsubscribe(ring, '', 'reader@example.com')).toBeUndefined();
  });

  it('still accepts codes made with a retired key', () => {
    const k1 = ring.keys[0];
    if (!k1) throw new Error('no key');
    const rotated: Keyring = { active: { id: 'k2', secret: randomBytes(32) }, keys: [k1] };
    const local = links.unsubscribeMailto.slice('mailto:'.length, links.unsubscribeMailto.indexOf('@'));
    expect(verifyMailtoUnsubscribe(rotated, local, 'reader@example.com')?.edition).toBe('dc');
  });
});

describe('hashClientAddress', () => {
  it('is stable for one address and keyring, and never contains the address', () => {
    const a = hashClientAddress(ring, '203.0.113.7');
    expect(a).toBe(hashClientAddress(ring, '203.0.113.7'));
    expect(a).not.toBe(hashClientAddress(ring, '203.0.113.8'));
    expect(a).not.toContain('203.0.113.7');
    expect(a.startsWith('k1:')).toBe(true);
  });
});

describe('opaque reader ids', () => {
  /** Every way the address could be read off a link: as sent, URL-decoded, and each part decoded. */
  function readings(token: string): string[] {
    return [
      token,
      decodeURIComponent(token),
      ...token.split('.').map((p) => Buffer.from(p, 'base64url').toString('latin1')),
    ];
  }

  it('new links carry no readable trace of the address, yet name the reader', () => {
    const links = readerLinks(ring, {
      baseUrl: 'https://news.example.org',
      mailDomain: 'tidings.example',
      email: 'private.reader@example.com',
      edition: 'dc',
    });
    for (const url of [links.unsubscribeUrl, links.preferencesUrl]) {
      const token = new URL(url).searchParams.get('token') ?? '';
      for (const text of readings(token)) {
        expect(text).not.toContain('private.reader');
        expect(text).not.toContain('example.com');
      }
      expect(
        verifyToken(ring, token, url.includes('/unsubscribe') ? 'unsubscribe' : 'preferences', now).email,
      ).toBe('private.reader@example.com');
    }
  });

  it('gives one reader one id per key, and different readers different ids', () => {
    const k1 = ring.active;
    expect(readerIdOf(k1, 'A@example.com')).toBe(readerIdOf(k1, 'a@example.com'));
    expect(readerIdOf(k1, 'a@example.com')).not.toBe(readerIdOf(k1, 'b@example.com'));
    const other = parseKeyring(keyringJson('k1', ['k1'])).active;
    expect(readerIdOf(other, 'a@example.com')).not.toBe(readerIdOf(k1, 'a@example.com'));
  });

  it('still verifies unsubscribe and preferences links mailed before reader ids, with no expiry', () => {
    const old = oldFormatToken(ring, { p: 'unsubscribe', e: 'old@example.com', d: 'dc' });
    const later = new Date('2036-01-01T00:00:00Z');
    expect(verifyToken(ring, old, 'unsubscribe', later)).toMatchObject({
      email: 'old@example.com',
      edition: 'dc',
    });
    const prefs = oldFormatToken(ring, { p: 'preferences', e: 'old@example.com', d: 'dc' });
    expect(verifyToken(ring, prefs, 'preferences', later).email).toBe('old@example.com');
    // Still signed: the old format is no way around the signature.
    const [kid, payload] = old.split('.');
    expect(() => verifyToken(ring, `${kid}.${payload}.${'A'.repeat(43)}`, 'unsubscribe', now)).toThrow(
      ForgedTokenError,
    );
  });

  it('refuses a signed payload whose reader id was sealed with another key, or carries both forms', () => {
    const foreign = readerIdOf(parseKeyring(keyringJson('k1', ['k1'])).active, 'a@example.com');
    expect(() =>
      verifyToken(ring, oldFormatToken(ring, { p: 'unsubscribe', r: foreign }), 'unsubscribe', now),
    ).toThrow(MalformedTokenError);
    const both = oldFormatToken(ring, {
      p: 'unsubscribe',
      r: readerIdOf(ring.active, 'a@example.com'),
      e: 'a@example.com',
    });
    expect(() => verifyToken(ring, both, 'unsubscribe', now)).toThrow(MalformedTokenError);
  });

  it('carries the issue time of a confirmation link', () => {
    const issuedAt = new Date('2026-11-30T07:59:59.123Z');
    const token = signToken(ring, {
      purpose: 'confirm',
      email: 'a@example.com',
      editions: ['dc'],
      issuedAt,
      expiresAt: new Date('2026-12-07T08:00:00Z'),
    });
    expect(verifyToken(ring, token, 'confirm', now).issuedAt).toEqual(issuedAt);
  });
});
