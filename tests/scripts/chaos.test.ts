import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos.js';

/**
 * The crash test, small: a few hundred readers, two SIGKILLs of the sender at random points, the
 * SES stand-in in this (never killed) process. `npm run chaos` runs the full size.
 */
describe('npm run chaos, small', () => {
  it('mails no reader twice, lists every reader never mailed as unknown, and keeps unknown within one per kill per concurrent call', async () => {
    const result = await runChaos({ readers: 200, kills: 2 });
    expect(result.lines.at(-1)).toMatch(
      /^readers 200, messages \d+, duplicates \d+, never mailed \d+, unknown \d+$/,
    );
    expect(result.killPoints).toHaveLength(2);
    expect(result.duplicates).toBe(0);
    expect(result.silentMisses).toBe(0);
    expect(result.unknown).toBeLessThanOrEqual(2 * result.concurrency);
    expect(result.messages + result.neverMailed).toBe(200);
    expect(result.issueState).toBe('sent');
  }, 300_000);
});
