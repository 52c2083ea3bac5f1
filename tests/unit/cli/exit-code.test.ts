import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/context.js';
import { EXIT_CODE, exitCode } from '../../../cli/exit-code.js';
import { FeedFetchError } from '../../../lambdas/adapters/feeds/fetch.js';
import { FeedParseError } from '../../../lambdas/adapters/feeds/xml.js';
import { ConfigError } from '../../../lambdas/core/config.js';
import { ERROR_KINDS } from '../../../lambdas/core/errors.js';
import { IssueNotFoundError, IssueStateError } from '../../../lambdas/core/issue.js';

function parseArgsRefusal(): unknown {
  try {
    parseArgs({ args: ['--help'], options: { edition: { type: 'string' } } });
  } catch (error) {
    return error;
  }
  throw new Error('parseArgs accepted an unknown option');
}

describe('exit codes (CONTRACT.md: 1 the operation failed, 2 bad usage or bad input)', () => {
  it('exits 2 for bad configuration, bad usage and options parseArgs refuses', () => {
    expect(exitCode(new ConfigError('sender.email', 'not an address'))).toBe(2);
    expect(exitCode(new UsageError('digest needs --edition <id>'))).toBe(2);
    expect(exitCode(parseArgsRefusal())).toBe(2);
  });

  it('exits 2 for any invalid input, such as a source that cannot be parsed', () => {
    expect(exitCode(new FeedParseError('not XML'))).toBe(2);
  });

  it('exits 1 when the operation failed', () => {
    expect(exitCode(new IssueNotFoundError('dc-1999-01-01'))).toBe(1);
    expect(exitCode(new IssueStateError('already sent'))).toBe(1);
    expect(exitCode(new FeedFetchError('HTTP 503'))).toBe(1);
    expect(exitCode(new Error('Database is closed'))).toBe(1);
    expect(exitCode('thrown string')).toBe(1);
    expect(exitCode(null)).toBe(1);
  });

  it('gives 2 to invalid input alone', () => {
    expect(ERROR_KINDS.filter((kind) => EXIT_CODE[kind] === 2)).toEqual(['invalid-input']);
  });
});
