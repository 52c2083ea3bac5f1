import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import doctor from '../../../../cli/commands/doctor.js';
import type { CliContext } from '../../../../cli/context.js';
import { parseConfig } from '../../../../lambdas/core/config.js';

const settings = JSON.parse(readFileSync('cdk.json', 'utf8')).context.tidings as Record<string, unknown>;

function context(overrides: Record<string, unknown> = {}): { ctx: CliContext; lines: string[] } {
  const lines: string[] = [];
  const ctx = {
    config: parseConfig({ ...settings, ...overrides }),
    home: '.tidings',
    out: (line: string) => lines.push(line),
    err: (line: string) => lines.push(line),
    stack: () => Promise.reject(new Error('doctor needs no local stack')),
  } satisfies CliContext;
  return { ctx, lines };
}

describe('tidings doctor (local setup)', () => {
  it('prints one ok line per check and exits 0 for the shipped settings', async () => {
    const { ctx, lines } = context();
    expect(await doctor([], ctx)).toBe(0);
    expect(lines[0]).toBe('ok configuration: stage dev, 6 editions, 1 source');
    expect(lines).toContain('ok source sample-briefs: samples/briefs.json is a local file');
    for (const line of lines) expect(line).toMatch(/^(ok|warn) [a-z -]+: /);
  });

  it('fails a source it cannot read, says what to do, and exits 1', async () => {
    const { ctx, lines } = context({ sources: [{ id: 'lost', location: 'samples/lost.json' }] });
    expect(await doctor([], ctx)).toBe(1);
    expect(lines).toContain(
      'fail source lost: samples/lost.json no such file — check the location, or remove the source',
    );
  });
});
