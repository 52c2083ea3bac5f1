import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../lambdas/core/config.js';

const shipped = JSON.parse(readFileSync('cdk.json', 'utf8')).context.tidings;

function withChange(change: (raw: Record<string, any>) => void): Record<string, any> {
  const raw = structuredClone(shipped);
  change(raw);
  return raw;
}

function errorOf(raw: unknown): ConfigError {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseConfig', () => {
  it('accepts the shipped cdk.json with the six editions of the contract', () => {
    const config = parseConfig(shipped);
    expect(config.editions.map((e) => e.id)).toEqual(['dc', 'bxl', 'lagos', 'riyadh', 'beijing', 'sg']);
    expect(config.editions.find((e) => e.id === 'bxl')?.timeZone).toBe('Europe/Brussels');
    expect(config.issueLimit).toBe(12);
  });

  it('defaults send days to every day', () => {
    const config = parseConfig(withChange((raw) => delete raw.editions[1].sendDays));
    expect(config.editions[1]?.sendDays).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });

  it('names the key of an unknown time zone and the edition it belongs to', () => {
    const error = errorOf(withChange((raw) => (raw.editions[2].timeZone = 'Africa/Atlantis')));
    expect(error.key).toBe('tidings.editions.2.timeZone');
    expect(error.message).toMatch(/IANA time zone/);
    expect(error.message).toMatch(/edition "lagos"/);
  });

  it('rejects a send time of 25:00', () => {
    const error = errorOf(withChange((raw) => (raw.editions[0].sendTime = '25:00')));
    expect(error.key).toBe('tidings.editions.0.sendTime');
    expect(error.reason).toMatch(/HH:MM/);
  });

  it('rejects a missing sender', () => {
    const error = errorOf(withChange((raw) => delete raw.sender));
    expect(error.key).toBe('tidings.sender');
    expect(error.reason).toMatch(/required/);
  });

  it('rejects a duplicate edition id', () => {
    const error = errorOf(withChange((raw) => (raw.editions[3].id = 'dc')));
    expect(error.key).toBe('tidings.editions.3.id');
    expect(error.reason).toMatch(/duplicate edition id "dc"/);
  });

  it('rejects a source that names an unknown edition', () => {
    const error = errorOf(withChange((raw) => (raw.sources[0].editions = ['paris'])));
    expect(error.key).toBe('tidings.sources.0.editions.0');
    expect(error.reason).toMatch(/unknown edition "paris"/);
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    const error = errorOf(withChange((raw) => (raw.issueLimt = 5)));
    expect(error.key).toBe('tidings');
    expect(error.reason).toMatch(/issueLimt/);
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(errorOf(withChange((raw) => (raw.baseUrl = 'javascript:alert(1)'))).key).toBe('tidings.baseUrl');
  });

  it('rejects offsets in place of named time zones, which would not follow daylight saving time', () => {
    expect(errorOf(withChange((raw) => (raw.editions[0].timeZone = '+01:00'))).key).toBe(
      'tidings.editions.0.timeZone',
    );
  });
});

describe('parseConfig: addresses follow the one email rule', () => {
  it('refuses what the reader email rule refuses, at the key', () => {
    for (const [key, bad] of [
      ['address', 'news..desk@example.com'],
      ['address', 'news@-example.com'],
      ['replyTo', `${'a'.repeat(65)}@example.com`],
    ] as const) {
      const error = errorOf(withChange((raw) => (raw.sender[key] = bad)));
      expect(error.key, bad).toBe(`tidings.sender.${key}`);
      expect(error.reason).toMatch(/email address/);
    }
  });

  it('accepts a mixed-case sender address, as it accepts a reader', () => {
    const config = parseConfig(withChange((raw) => (raw.sender.address = 'News.Desk+dc@Example.com')));
    expect(config.sender.address).toBe('News.Desk+dc@Example.com');
  });
});
