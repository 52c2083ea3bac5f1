import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs the real `tidings` with its stdout on a pipe whose reading end is closed at once, as
 * `head` closes it after its lines: every line the command writes meets a closed pipe (EPIPE).
 */
function withReaderGone(args: string[], env: Record<string, string>): Promise<Ended> {
  const child = spawn(process.execPath, ['cli/bin.js', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('output into a pipe whose reader has gone', () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tidings-pipe-'));
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('ends a command quietly with its own exit code, after closing its local stack', async () => {
    const ended = await withReaderGone(['status'], { TIDINGS_HOME: home });
    expect(ended).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
