import type { App } from 'aws-cdk-lib';
import { z } from 'zod';
import { ConfigError } from '../lambdas/core/config.js';

/** The context key of how each stage's stacks are built (never read by a function). */
export const DEPLOY_CONTEXT_KEY = 'tidingsDeploy';

const DeployOptionsSchema = z.strictObject({
  /**
   * The sending domain's SES identity exists already (verified by hand, or retained from an
   * earlier deployment): the stack neither creates nor deletes it.
   */
  existingIdentity: z.boolean().default(false),
  /**
   * The name of a receipt rule set, usually the region's active one, to add this stage's
   * unsubscribe rule to, instead of a rule set of the stage's own: SES has one active receipt rule
   * set per region, so a second stage in a region joins the first one's.
   */
  receiptRuleSet: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an SES receipt rule set name')
    .optional(),
});
export type DeployOptions = z.infer<typeof DeployOptionsSchema>;

/** The deploy options of one stage (`tidingsDeploy.<stage>` in cdk.json), defaults when none. */
export function deployOptionsFromContext(app: App, stage: string): DeployOptions {
  let all: unknown = app.node.tryGetContext(DEPLOY_CONTEXT_KEY) ?? {};
  if (typeof all === 'string') {
    try {
      all = JSON.parse(all);
    } catch (error) {
      throw new ConfigError(DEPLOY_CONTEXT_KEY, 'not valid JSON', { cause: error });
    }
  }
  const own = (all as Record<string, unknown>)[stage] ?? {};
  const result = DeployOptionsSchema.safeParse(own);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = [DEPLOY_CONTEXT_KEY, stage, ...(issue?.path ?? [])].join('.');
  throw new ConfigError(key, issue?.message ?? 'invalid', { cause: result.error });
}
