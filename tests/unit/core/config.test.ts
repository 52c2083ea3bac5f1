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

  it('rejects a duplicate source id, where the repeat stands', () => {
    const error = errorOf(withChange((raw) => raw.sources.push({ ...raw.sources[0] })));
    expect(error.key).toMatch(/^tidings\.sources\.\d+\.id$/);
    expect(error.key).not.toBe('tidings.sources.0.id');
    expect(error.reason).toMatch(/duplicate source id "/);
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

describe('parseConfig: values that cannot become headers', () => {
  it.each([
    [
      'a base URL with a trailing space',
      (raw: any) => (raw.baseUrl = 'https://tidings.example '),
      'baseUrl',
      'U+0020',
    ],
    [
      'a base URL with a trailing line break',
      (raw: any) => (raw.baseUrl = 'https://tidings.example\n'),
      'baseUrl',
      'U+000A',
    ],
    [
      'a base URL with a leading space',
      (raw: any) => (raw.baseUrl = ' https://tidings.example'),
      'baseUrl',
      'U+0020',
    ],
    [
      'a sender address with a trailing space',
      (raw: any) => (raw.sender.address = 'news@example.com '),
      'sender.address',
      'U+0020',
    ],
    [
      'a reply-to address with a CRLF',
      (raw: any) => (raw.sender.replyTo = 'desk@example.com\r\nBcc: x@evil.example'),
      'sender.replyTo',
      'U+000D',
    ],
    [
      'an alarm address with a leading tab',
      (raw: any) => (raw.alarmEmail = '\tops@example.com'),
      'alarmEmail',
      'U+0009',
    ],
    [
      'a CORS origin with a trailing space',
      (raw: any) => (raw.api.corsOrigins = ['https://ok.example', 'https://tidings.example ']),
      'api.corsOrigins.1',
      'U+0020',
    ],
    [
      'a sender name with a line break',
      (raw: any) => (raw.sender.name = 'Tidings\nBcc: x@evil.example'),
      'sender.name',
      'U+000A',
    ],
    [
      'a sender name with a right-to-left override',
      (raw: any) => (raw.sender.name = 'Tidings\u202egnp.exe'),
      'sender.name',
      'U+202E',
    ],
    [
      'a sender name with a bidi isolate',
      (raw: any) => (raw.sender.name = 'Tidings \u2067News\u2069'),
      'sender.name',
      'U+2067',
    ],
    [
      'an edition name with a bidi embedding',
      (raw: any) => (raw.editions[1].name = 'BXL\u202a'),
      'editions.1.name',
      'U+202A',
    ],
    [
      'a postal address with a NUL',
      (raw: any) => (raw.postalAddress = 'Tidings Media,\u0000 Springfield'),
      'postalAddress',
      'U+0000',
    ],
    [
      'a source name with a C1 control',
      (raw: any) => (raw.sources[0].name = 'Desk\u0085Wire'),
      'sources.0.name',
      'U+0085',
    ],
    [
      'a configuration set with a line separator',
      (raw: any) => (raw.ses = { configurationSet: 'tidings\u2028' }),
      'ses.configurationSet',
      'U+2028',
    ],
  ])('refuses %s, naming the key and the character', (_label, change, key, character) => {
    const error = errorOf(withChange(change));
    expect(error.key).toBe(`tidings.${key}`);
    expect(error.reason).toContain(character);
  });

  it('names the key in the message format operators know, under the root they give', () => {
    let message = '';
    try {
      parseConfig(
        withChange((raw) => (raw.baseUrl = 'https://tidings.example ')),
        'context.tidings',
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /^invalid configuration at context\.tidings\.baseUrl: must not contain .*\(found U\+0020\)$/,
    );
  });

  it('names the edition whose name cannot become a display name', () => {
    const error = errorOf(withChange((raw) => (raw.editions[2].name = 'Lagos\r\n')));
    expect(error.message).toMatch(/editions\.2\.name: .*U\+000D.*\(edition "lagos"\)/);
  });

  it('keeps names in any script, with their joiners', () => {
    const config = parseConfig(withChange((raw) => (raw.editions[3].name = 'الرياض 👨‍👩‍👧')));
    expect(config.editions[3]?.name).toBe('الرياض 👨‍👩‍👧');
  });
});
