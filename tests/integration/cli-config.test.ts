import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stderr: string;
}

async function tidings(args: string[], env: Record<string, string>): Promise<Outcome> {
  try {
    const { stderr } = await run(process.execPath, ['cli/bin.js', ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stderr };
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
}

describe('tidings with bad configuration', () => {
  let dir: string;
  let shipped: { context: { tidings: Record<string, any> } };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidings-cli-'));
    shipped = JSON.parse(await readFile('cdk.json', 'utf8'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function withConfig(change: (tidings: Record<string, any>) => void): Promise<Outcome> {
    const copy = structuredClone(shipped);
    change(copy.context.tidings);
    const file = join(dir, `cdk-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(copy));
    return tidings(['run', '--once'], { TIDINGS_CONFIG_FILE: file, TIDINGS_HOME: join(dir, 'home') });
  }

  const cases: Array<[string, (t: Record<string, any>) => void, RegExp]> = [
    ['an unknown time zone', (t) => (t.editions[0].timeZone = 'Mars/Olympus_Mons'), /editions\.0\.timeZone/],
    ['a missing sender', (t) => delete t.sender, /context\.tidings\.sender: is required/],
    [
      'a duplicate edition id',
      (t) => (t.editions[1].id = 'dc'),
      /editions\.1\.id: duplicate edition id "dc"/,
    ],
    ['a send time of 25:00', (t) => (t.editions[5].sendTime = '25:00'), /editions\.5\.sendTime/],
  ];

  for (const [what, change, message] of cases) {
    it(`stops at start with exit 2 naming the key for ${what}`, async () => {
      const outcome = await withConfig(change);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(message);
      expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('reports an unreadable configuration file with exit 2', async () => {
    const outcome = await tidings(['run', '--once'], { TIDINGS_CONFIG_FILE: join(dir, 'missing.json') });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/cannot read the configuration file/);
  });

  it('rejects an unknown command with exit 2', async () => {
    const outcome = await tidings(['launch'], {});
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/unknown command "launch"/);
  });
});
