import { SESClient } from '@aws-sdk/client-ses';
import { SesMailer } from '../adapters/ses-mailer.js';
import type { Mailer } from '../core/ports.js';
import type { LambdaTarget } from './lambda.js';

/** SES through the stage's configuration set, for the functions that send mail (send, api). */
export function lambdaMailer(target: LambdaTarget): Mailer {
  // Every message is one SendRawEmail: its middleware is resolved once, not on every call.
  return new SesMailer(new SESClient({ cacheMiddleware: true }), {
    configurationSet: target.config.ses.configurationSet,
  });
}
