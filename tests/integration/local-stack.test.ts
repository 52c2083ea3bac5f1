import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLocalStack, removeStackFile, startLocalStack, writeStackFile } from '../../cli/local/stack.js';
import { TABLES } from '../../lambdas/adapters/tables.js';
import { startTestStack, type TestStack, testConfig } from '../support/stack.js';

describe('local stack', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('creates every table of the shared definitions', async () => {
    const { TableNames } = await stack.dynamo.send(new ListTablesCommand({}));
    for (const id of Object.keys(TABLES) as (keyof typeof TABLES)[]) {
      expect(TableNames).toContain(stack.tables[id]);
    }
  });

  it('stores and reads items through the real SDK', async () => {
    await stack.doc.send(
      new PutCommand({ TableName: stack.tables.briefs, Item: { pk: 'x', sk: 'y', n: 1 } }),
    );
    const { Item } = await stack.doc.send(
      new GetCommand({ TableName: stack.tables.briefs, Key: { pk: 'x', sk: 'y' } }),
    );
    expect(Item?.n).toBe(1);
  });

  it('delivers raw mail to the SES stand-in and keeps a copy in the outbox', async () => {
    const raw = Buffer.from(
      'From: Tidings <digest@tidings.example>\r\nTo: reader@example.com\r\nSubject: Hello\r\nContent-Type: text/plain\r\n\r\nHi there\r\n',
    );
    const { messageId } = await stack.mailer.send({
      raw,
      from: 'digest@tidings.example',
      to: 'reader@example.com',
      folder: 'tests',
    });
    expect(messageId).toBeTruthy();
    const received = (await stack.inbox()).find((email) => email.messageId === messageId);
    expect(received?.subject).toBe('Hello');
    expect(received?.destination.to).toEqual(['reader@example.com']);
    const saved = await readFile(join(stack.home, 'outbox', 'tests', 'reader@example.com.eml'));
    expect(saved.equals(raw)).toBe(true);
  });

  it('creates the token secret readable by its owner only', async () => {
    const info = await stat(stack.secretPath);
    expect(info.mode & 0o777).toBe(0o600);
    const keyring = JSON.parse(await readFile(stack.secretPath, 'utf8'));
    expect(keyring.keys[0].secret).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
  });

  it('lets another command attach through stack.json while the stand-ins answer', async () => {
    await writeStackFile(stack.home, stack.ports);
    const attached = await attachLocalStack(stack.home, stack.config);
    expect(attached?.owned).toBe(false);
    expect(attached?.dynamodbUrl).toBe(stack.dynamodbUrl);
    const { TableNames } = (await attached?.dynamo.send(new ListTablesCommand({}))) ?? {};
    expect(TableNames).toContain(stack.tables.ledger);
    await attached?.close();
    await removeStackFile(stack.home);
    expect(await attachLocalStack(stack.home, stack.config)).toBeUndefined();
    expect(await readdir(stack.home)).not.toContain('stack.json');
  });

  it("keeps DynamoDB data on disk across a restart: the stand-in's thread closes its database", async () => {
    const home = await mkdtemp(join(tmpdir(), 'tidings-restart-'));
    const config = await testConfig();
    try {
      const first = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } });
      const key = { pk: 'restart', sk: 'probe' };
      await first.doc.send(new PutCommand({ TableName: first.tables.ledger, Item: { ...key, kept: true } }));
      await first.close();
      const second = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 } });
      const { Item } = await second.doc.send(new GetCommand({ TableName: second.tables.ledger, Key: key }));
      await second.close();
      expect(Item).toEqual({ ...key, kept: true });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('says which port the DynamoDB stand-in could not take', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tidings-busy-'));
    try {
      await expect(
        startLocalStack({
          home,
          config: stack.config,
          ports: { dynamodb: stack.ports.dynamodb, ses: 0 },
          inMemory: true,
        }),
      ).rejects.toThrow(
        new RegExp(
          `cannot start the DynamoDB stand-in on 127\\.0\\.0\\.1:${stack.ports.dynamodb}: .*EADDRINUSE`,
        ),
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('can run dynalite on the calling thread instead (the benchmarks compare the two)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tidings-caller-'));
    try {
      const here = await startLocalStack({
        home,
        config: stack.config,
        ports: { dynamodb: 0, ses: 0 },
        inMemory: true,
        dynamodbOnCallerThread: true,
      });
      const { TableNames } = await here.dynamo.send(new ListTablesCommand({}));
      await here.close();
      expect(TableNames).toContain(here.tables.ledger);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
