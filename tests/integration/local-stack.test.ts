import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLocalStack, removeStackFile, writeStackFile } from '../../cli/local/stack.js';
import { TABLES } from '../../lambdas/adapters/tables.js';
import { startTestStack, type TestStack } from '../support/stack.js';

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
});
