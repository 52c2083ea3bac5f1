import { readFileSync } from 'node:fs';
import { type BriefInput, BriefSchema } from '../../lambdas/core/brief.js';
import { parseConfig, type TidingsConfig } from '../../lambdas/core/config.js';
import type { DigestBrief, DigestInput, RecipientLinks } from '../../lambdas/core/digest.js';

/** The project's cdk.json configuration, read synchronously for digest tests. */
export function digestConfig(): TidingsConfig {
  const cdk = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: { tidings: unknown };
  };
  return parseConfig(cdk.context.tidings);
}

/** Turns brief input into what a selection hands the renderer. */
export function digestBrief(input: BriefInput, updated = false): DigestBrief {
  return {
    ...BriefSchema.parse(input),
    contentHash: 'test',
    ingestedAt: '2026-11-30T04:00:00.000Z',
    updated,
  };
}

/** The twelve-brief fixture (12 briefs, 3 signals each). */
export function twelveBriefs(): DigestBrief[] {
  const raw = JSON.parse(
    readFileSync(new URL('../fixtures/briefs/twelve-briefs.json', import.meta.url), 'utf8'),
  ) as { briefs: BriefInput[] };
  return raw.briefs.map((b, i) => digestBrief(b, i % 4 === 1));
}

/** The D.C. issue of 30 November 2026 carrying `briefs` (default: the twelve-brief fixture). */
export function digestInput(briefs: DigestBrief[] = twelveBriefs(), config = digestConfig()): DigestInput {
  const edition = config.editions.find((e) => e.id === 'dc');
  if (!edition) throw new Error('the test configuration has no dc edition');
  return { config, edition, issueId: 'dc-2026-11-30', localDate: '2026-11-30', briefs };
}

/** A recipient with links as the sender would build them. */
export function recipient(email: string, name?: string, base = 'http://127.0.0.1:3000'): RecipientLinks {
  const token = Buffer.from(email).toString('base64url');
  return {
    email,
    ...(name === undefined ? {} : { name }),
    unsubscribeUrl: `${base}/unsubscribe?token=u.${token}&e=dc`,
    preferencesUrl: `${base}/preferences?token=p.${token}`,
    unsubscribeMailto: `mailto:unsubscribe+${token}@tidings.example`,
  };
}
