import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOutFolder } from '../../../../cli/commands/preview.js';
import { exitCode } from '../../../../cli/exit-code.js';
import { UsageError } from '../../../../cli/usage-error.js';

describe('preview --out', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidings-preview-out-'));
    await writeFile(join(dir, 'existing.txt'), 'kept');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts an existing folder and a missing one', async () => {
    await expect(assertOutFolder(dir)).resolves.toBeUndefined();
    await expect(assertOutFolder(join(dir, 'new', 'deeper'))).resolves.toBeUndefined();
  });

  it.each([
    ['an existing file', 'existing.txt'],
    ['a path through a file', join('existing.txt', 'sub')],
  ])('refuses %s in one line as bad usage (exit 2)', async (_label, name) => {
    const error = await assertOutFolder(join(dir, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `--out ${join(dir, name)} is a file, not a folder: give a folder (it is created when missing)`,
    );
    expect(exitCode(error)).toBe(2);
  });
});
