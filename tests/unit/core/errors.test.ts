import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/context.js';
import { DigestRenderError } from '../../../lambdas/adapters/digest-renderer.js';
import { FeedEncodingError } from '../../../lambdas/adapters/feeds/decode.js';
import { FeedFetchError, FeedTooLargeError } from '../../../lambdas/adapters/feeds/fetch.js';
import { FeedParseError } from '../../../lambdas/adapters/feeds/xml.js';
import { HeaderValueError, MimeSpliceError } from '../../../lambdas/adapters/mime.js';
import { SendQueueError } from '../../../lambdas/adapters/sqs-send-queue.js';
import { IssueTooLargeError, UnknownEditionError } from '../../../lambdas/core/compose.js';
import { ConfigError } from '../../../lambdas/core/config.js';
import { DigestInputError } from '../../../lambdas/core/digest.js';
import { ERROR_KINDS, type ErrorKind, errorKind, TidingsError } from '../../../lambdas/core/errors.js';
import { IssueNotFoundError, IssueStateError } from '../../../lambdas/core/issue.js';
import { MailerThrottledError, MessageRejectedError } from '../../../lambdas/core/ports.js';
import { NotEligibleError, UnknownIssueError } from '../../../lambdas/core/send.js';
import { ConcurrentUpdateError } from '../../../lambdas/core/subscriber.js';
import {
  NothingToConfirmError,
  NotSubscribedError,
  SubscriptionInputError,
  SuppressedAddressError,
} from '../../../lambdas/core/subscriptions/index.js';
import {
  ExpiredTokenError,
  ForgedTokenError,
  KeyringError,
  MalformedTokenError,
  UnknownKeyTokenError,
  WrongPurposeTokenError,
} from '../../../lambdas/core/tokens.js';

/** One instance of every exported error class, with the kind it must carry. */
const SAMPLES: ReadonlyArray<[string, TidingsError, ErrorKind]> = [
  ['ConfigError', new ConfigError('sender.email', 'not an address'), 'invalid-input'],
  ['UsageError', new UsageError('digest needs --edition <id>'), 'invalid-input'],
  ['SubscriptionInputError', new SubscriptionInputError('email', 'not an address'), 'invalid-input'],
  ['SuppressedAddressError', new SuppressedAddressError('bounced'), 'invalid-input'],
  ['DigestInputError', new DigestInputError('no briefs'), 'invalid-input'],
  ['UnknownEditionError', new UnknownEditionError('no edition "xx"'), 'invalid-input'],
  ['HeaderValueError', new HeaderValueError('Subject has a line break'), 'invalid-input'],
  ['FeedParseError', new FeedParseError('not XML'), 'invalid-input'],
  ['FeedEncodingError', new FeedEncodingError('unknown charset'), 'invalid-input'],
  ['MalformedTokenError', new MalformedTokenError('three parts expected'), 'invalid-input'],
  ['IssueNotFoundError', new IssueNotFoundError('dc-1999-01-01'), 'not-found'],
  ['UnknownIssueError', new UnknownIssueError('dc-1999-01-01'), 'not-found'],
  ['NotSubscribedError', new NotSubscribedError('no subscription'), 'not-found'],
  ['NothingToConfirmError', new NothingToConfirmError('nothing pending'), 'not-found'],
  ['IssueStateError', new IssueStateError('already sent'), 'conflict'],
  ['ConcurrentUpdateError', new ConcurrentUpdateError('changed meanwhile'), 'conflict'],
  ['NotEligibleError', new NotEligibleError('not an active reader'), 'conflict'],
  ['ForgedTokenError', new ForgedTokenError(), 'forbidden'],
  ['UnknownKeyTokenError', new UnknownKeyTokenError('old'), 'forbidden'],
  ['WrongPurposeTokenError', new WrongPurposeTokenError('unsubscribe', 'confirm'), 'forbidden'],
  ['ExpiredTokenError', new ExpiredTokenError('a@example.com', new Date(0)), 'forbidden'],
  ['IssueTooLargeError', new IssueTooLargeError('over 350 KB'), 'too-large'],
  ['FeedTooLargeError', new FeedTooLargeError(1024, 2048), 'too-large'],
  ['MailerThrottledError', new MailerThrottledError('slow down'), 'rate-limited'],
  ['FeedFetchError', new FeedFetchError('HTTP 503'), 'unavailable'],
  ['SendQueueError', new SendQueueError('SQS did not take the batches'), 'unavailable'],
  ['KeyringError', new KeyringError('short secret'), 'internal'],
  ['DigestRenderError', new DigestRenderError('MJML refused the template'), 'internal'],
  ['MimeSpliceError', new MimeSpliceError('marker lost'), 'internal'],
  ['MessageRejectedError', new MessageRejectedError('SES refused the message'), 'internal'],
];

describe('the error model', () => {
  it.each(SAMPLES)('%s is a TidingsError named after its class, of its kind', (name, error, kind) => {
    expect(error).toBeInstanceOf(TidingsError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.kind).toBe(kind);
    expect(errorKind(error)).toBe(kind);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('passes the cause through', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new ConfigError('editions', 'not valid JSON', { cause });
    expect(error.cause).toBe(cause);
    expect(new KeyringError('token keyring is not valid JSON', { cause }).cause).toBe(cause);
    expect(new MalformedTokenError('bad base64', { cause }).cause).toBe(cause);
  });

  it('keeps subclasses of a family catchable as the family', () => {
    expect(new FeedTooLargeError(1, 2)).toBeInstanceOf(FeedFetchError);
    expect(new MalformedTokenError('x').reason).toBe('malformed');
  });

  it('treats anything that is not a TidingsError as internal', () => {
    expect(errorKind(new Error('boom'))).toBe('internal');
    expect(errorKind(new TypeError('x is undefined'))).toBe('internal');
    expect(errorKind('a string')).toBe('internal');
    expect(errorKind(undefined)).toBe('internal');
  });

  it('uses every kind it declares', () => {
    const used = new Set(SAMPLES.map(([, , kind]) => kind));
    expect([...ERROR_KINDS].filter((kind) => !used.has(kind))).toEqual([]);
  });
});
