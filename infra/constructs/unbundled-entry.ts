/**
 * Stand-in entry for a function whose stack is synthesized without bundling (the CDK CLI skips
 * bundling for stacks it is not deploying). Its code never reaches AWS: a stack that is bundled
 * requires the real handler file.
 */
export async function handler(): Promise<never> {
  throw new Error(
    'this function was synthesized without its code; deploy its stack to bundle the real handler',
  );
}
