import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackFile } from '../../cli/local/stack.js';
import type { SesStoreEmail } from '../support/stack.js';

const run = promisify(execFile);

/** `tidings dev` as a newcomer runs it, on ephemeral ports so tests never collide. */
describe('tidings dev', () => {
  let home: string;
  let child: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tidings-dev-'));
    env = {
      ...process.env,
      TIDINGS_HOME: home,
      TIDINGS_API_PORT: '0',
      TIDINGS_SES_PORT: '0',
      TIDINGS_DYNAMODB_PORT: '0',
    };
    await startDev();
  }, 120_000);

  async function startDev(): Promise<void> {
    output = '';
    child = spawn(process.execPath, ['cli/bin.js', 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev did not become ready:\n${output}`)), 90_000);
      const check = setInterval(() => {
        if (output.includes('ready:')) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
      child.once('exit', (code) => reject(new Error(`dev exited early with ${code}:\n${output}`)));
    });
  }

  async function inbox(): Promise<SesStoreEmail[]> {
    const stack = JSON.parse(await readFile(join(home, 'stack.json'), 'utf8')) as StackFile;
    const response = await fetch(`http://127.0.0.1:${stack.ports.ses}/store`);
    return ((await response.json()) as { emails: SesStoreEmail[] }).emails;
  }

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  it('shows one digest per edition in the inbox viewer after the first pass', async () => {
    const stack = JSON.parse(await readFile(join(home, 'stack.json'), 'utf8')) as StackFile;
    const viewer = await fetch(`http://127.0.0.1:${stack.ports.ses}/`);
    expect(viewer.status).toBe(200);
    const emails = await inbox();
    const subjects = new Set(emails.map((e) => e.subject));
    for (const name of ['D.C.', 'BXL', 'Lagos', 'Riyadh', 'Beijing', 'SG']) {
      expect(
        [...subjects].some((s) => s.includes(name)),
        `a digest of ${name} in ${[...subjects].join(' | ')}`,
      ).toBe(true);
    }
    for (const email of emails) {
      expect(email.body.html).toMatch(/unsubscribe/i);
      expect(email.body.text).toMatch(/unsubscribe/i);
    }
    const folders = await readdir(join(home, 'outbox'));
    for (const edition of ['dc', 'bxl', 'lagos', 'riyadh', 'beijing', 'sg']) {
      expect(folders.some((f) => f.startsWith(`${edition}-`))).toBe(true);
    }
  });

  it('serves the API on the port recorded in stack.json', async () => {
    const stack = JSON.parse(await readFile(join(home, 'stack.json'), 'utf8')) as StackFile;
    const response = await fetch(`http://127.0.0.1:${stack.ports.api}/health`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('lets other commands use the running stack instead of starting a second one', async () => {
    const { stdout } = await run(process.execPath, ['cli/bin.js', 'status'], { env });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(/^\w+-\d{4}-\d{2}-\d{2}\s+sent\s+recipients \d+ sent \d+/);
  });

  it('stops cleanly on Ctrl-C and removes stack.json', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await readdir(home)).not.toContain('stack.json');
  });

  it('on a restart the same day sends nothing again and shows the earlier digests in the viewer', async () => {
    await startDev();
    expect(output).toMatch(/put \d+ messages sent in the last two days back into the inbox viewer/);
    expect(output).not.toMatch(/[1-9]\d* emails sent/);
    const emails = await inbox();
    expect(emails.length).toBeGreaterThanOrEqual(6);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 120_000);
});
