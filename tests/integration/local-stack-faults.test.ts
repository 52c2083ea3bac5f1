import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../cli/context.js';
import { exitCode } from '../../cli/exit-code.js';
import { startApiServer } from '../../cli/local/api-server.js';
import {
  configuredPorts,
  LocalStackError,
  PortSettingError,
  removeStackFile,
  startLocalStack,
  writeStackFile,
} from '../../cli/local/stack.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { testConfig } from '../support/stack.js';

/** dynalite's own LevelDB package, to hold a database folder as another process would. */
const require = createRequire(import.meta.url);
const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] })) as {
  Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
};

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** The one line the CLI would print for an error, and the exit code it would end with. */
function operatorView(error: unknown): { line: string; exit: number } {
  return { line: (error as Error).message, exit: exitCode(error) };
}

describe('local stack faults an operator meets get one line each', () => {
  let home: string;
  let config: TidingsConfig;

  beforeAll(async () => {
    config = await testConfig();
  });

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tidings-faults-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('says another process holds the database folder (two commands on one TIDINGS_HOME without dev)', async () => {
    await mkdir(join(home, 'data'), { recursive: true });
    const other = new Level(join(home, 'data'));
    await other.open();
    try {
      const error = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LocalStackError);
      const { line, exit } = operatorView(error);
      expect(line).toMatch(/^another process is using the local database in .*data: run "tidings dev"/);
      expect(line).not.toContain('\n');
      expect(exit).toBe(1);
    } finally {
      await other.close();
    }
    // Once the other process is gone, the same home starts.
    const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } });
    await stack.close();
  });

  it('says the database folder is damaged and what to do, for damaged files and a file in its place', async () => {
    const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } });
    await stack.close();
    await writeFile(join(home, 'data', 'CURRENT'), 'garbage');
    const damaged = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(damaged).toBeInstanceOf(LocalStackError);
    expect(operatorView(damaged).line).toMatch(
      /^the local database in .*data cannot be opened \(Corruption: .*\): move that folder aside/,
    );
    await rm(join(home, 'data'), { recursive: true });
    await writeFile(join(home, 'data'), 'not a folder');
    const file = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(file).toBeInstanceOf(LocalStackError);
    expect(operatorView(file).line).toMatch(/cannot be opened .*not a folder/);
  });

  it('says the SES port is taken and which setting moves it', async () => {
    const busy = await listening();
    const port = (busy.address() as { port: number }).port;
    try {
      const error = await startLocalStack({
        home,
        config,
        ports: { dynamodb: 0, ses: port },
        inMemory: true,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalStackError);
      expect(operatorView(error)).toEqual({
        line: expect.stringMatching(
          new RegExp(
            `^cannot start the SES stand-in on 127\\.0\\.0\\.1:${port}: EADDRINUSE.*TIDINGS_SES_PORT`,
          ),
        ),
        exit: 1,
      });
    } finally {
      busy.close();
    }
  });

  it('says the API port is taken and which setting moves it', async () => {
    const busy = await listening();
    const port = (busy.address() as { port: number }).port;
    const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
    try {
      const error = await startApiServer(stack, port).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalStackError);
      expect(operatorView(error).line).toMatch(
        new RegExp(`^cannot serve the API on 127\\.0\\.0\\.1:${port}: EADDRINUSE.*TIDINGS_API_PORT`),
      );
    } finally {
      busy.close();
      await stack.close();
    }
  });

  it.each(['abc', '3000x', '-1', '65536', '1e3', ' 80', '0x50'])(
    'refuses TIDINGS_SES_PORT=%j as bad input (exit 2)',
    (raw) => {
      const error = (() => {
        try {
          return configuredPorts({ TIDINGS_SES_PORT: raw });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(PortSettingError);
      expect(operatorView(error)).toEqual({
        line: `TIDINGS_SES_PORT must be a port number from 0 to 65535, got "${raw}"`,
        exit: 2,
      });
    },
  );

  it('refuses a bad TIDINGS_*_PORT also when attaching to a running stack', async () => {
    const running = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
    await writeStackFile(home, running.ports);
    const saved = process.env.TIDINGS_DYNAMODB_PORT;
    process.env.TIDINGS_DYNAMODB_PORT = 'eighty';
    const ctx = createContext({ config, home, out: () => undefined, err: () => undefined });
    try {
      const error = await ctx.stack().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortSettingError);
      expect(exitCode(error)).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.TIDINGS_DYNAMODB_PORT;
      else process.env.TIDINGS_DYNAMODB_PORT = saved;
      await ctx.dispose().catch(() => undefined);
      await removeStackFile(home);
      await running.close();
    }
  });

  it('takes the ports of CONTRACT.md and valid overrides', () => {
    expect(configuredPorts({})).toEqual({ api: 3000, ses: 8005, dynamodb: 8000 });
    expect(configuredPorts({ TIDINGS_API_PORT: '0', TIDINGS_DYNAMODB_PORT: '65535' })).toMatchObject({
      api: 0,
      dynamodb: 65535,
    });
  });
});
