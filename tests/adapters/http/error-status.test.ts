import { describe, expect, it } from 'vitest';
import { FeedFetchError } from '../../../lambdas/adapters/feeds/fetch.js';
import { HTTP_STATUS, httpStatus } from '../../../lambdas/adapters/http/error-status.js';
import { IssueTooLargeError } from '../../../lambdas/core/compose.js';
import { ERROR_KINDS } from '../../../lambdas/core/errors.js';
import { IssueStateError } from '../../../lambdas/core/issue.js';
import { MailerThrottledError } from '../../../lambdas/core/ports.js';
import { NotSubscribedError, SubscriptionInputError } from '../../../lambdas/core/subscriptions/index.js';
import { ForgedTokenError, MalformedTokenError } from '../../../lambdas/core/tokens.js';

describe('HTTP status of an error', () => {
  it('answers each kind with its status', () => {
    expect(httpStatus(new SubscriptionInputError('email', 'not an address'))).toBe(400);
    expect(httpStatus(new MalformedTokenError('three parts expected'))).toBe(400);
    expect(httpStatus(new ForgedTokenError())).toBe(403);
    expect(httpStatus(new NotSubscribedError('no subscription'))).toBe(404);
    expect(httpStatus(new IssueStateError('already sent'))).toBe(409);
    expect(httpStatus(new IssueTooLargeError('over 350 KB'))).toBe(413);
    expect(httpStatus(new MailerThrottledError('slow down'))).toBe(429);
    expect(httpStatus(new FeedFetchError('HTTP 503'))).toBe(503);
  });

  it('answers 500 for our own faults and for anything that is not a TidingsError', () => {
    expect(httpStatus(new Error('boom'))).toBe(500);
    expect(httpStatus(undefined)).toBe(500);
  });

  it('gives every kind a distinct status', () => {
    const statuses = ERROR_KINDS.map((kind) => HTTP_STATUS[kind]);
    expect(new Set(statuses).size).toBe(ERROR_KINDS.length);
  });
});
