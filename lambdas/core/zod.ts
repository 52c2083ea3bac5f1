import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod's tree-shaking build (`zod/mini`), with its messages in English. Every schema under
 * `lambdas/` imports zod from here (`import * as z from './zod.js'`): `zod/mini` is a set of
 * functions over the same core as zod's "classic" build, so a function bundle carries only the
 * schemas and checks it uses, and no schema object is given dozens of methods at import time
 * (docs/performance.md, "Run-time validation"). Unlike classic, `zod/mini` loads no locale: without
 * this, every issue would read "Invalid input", and the messages tests and CONTRACT.md pin
 * ("Too small: expected string to have >=1 characters", "Unrecognized key: …") would be lost.
 */
config(en());

export * from 'zod/mini';
