import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { watchStageClients } from '../../cli/stage.js';
import type { TidingsStacks } from '../../infra/build-app.js';
import { TABLES, type TableId, tableName } from '../../lambdas/adapters/tables.js';
import { currentIssueId } from '../../lambdas/core/edition.js';
import { buildTestApp, projectSettings } from '../infra/support.js';
import {
  emulatedStageTemplate,
  type Moto,
  motoSkipReason,
  stageSecrets,
  startMoto,
} from '../support/moto.js';
import { type AwsRequest, disallowedRequests, recordRequests } from '../support/operator-policy.js';

/**
 * `tidings --stage` end to end against moto: the stage's tables, queues and secret are made by
 * CloudFormation from the synthesized stacks (tests/support/moto.ts), the CLI runs in-process as
 * `main(argv)`, and the send function's handler consumes the SQS queue as Lambda's event source
 * would. DynamoDB is moto's too: its conditional writes, batch calls and indexes serve every store.
 */

const STAGE = 'ops';
const skip = motoSkipReason();
const saved = { ...process.env };

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function tidings(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const write =
    (into: string[]) =>
    (chunk: unknown): boolean => {
      into.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    };
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = write(out) as typeof process.stdout.write;
  process.stderr.write = write(err) as typeof process.stderr.write;
  try {
    return { code: await main(['--stage', STAGE, ...argv]), out, err };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

describe.skipIf(Boolean(skip))(
  `tidings --stage on an emulated stage (moto)${skip ? `: ${skip}` : ''}`,
  () => {
    let moto: Moto;
    let stacks: TidingsStacks;
    let home: string;
    let sqs: SQSClient;
    let queueUrl: string;
    let sendHandler: (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;
    const requests: AwsRequest[] = [];

    beforeAll(async () => {
      moto = await startMoto();
      home = await mkdtemp(join(tmpdir(), 'tidings-stage-'));
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_EC2_METADATA_DISABLED: 'true',
        TIDINGS_HOME: home,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      });
      delete process.env.TIDINGS_STAGE;
      // The project's settings, with D.C. and SG held for approval, as a deployer of stage "ops" has them.
      const settings = {
        ...(projectSettings() as { editions: { id: string; holdForApproval?: boolean }[] }),
        stage: STAGE,
        baseUrl: 'https://news.tidings-ops.net',
        sender: { address: 'digest@tidings-ops.net', name: 'Tidings', domain: 'tidings-ops.net' },
        alarmEmail: 'alarms@tidings-ops.net',
        // A deployed stage's sources are URLs; the test ingests a local file with --source instead.
        sources: [],
      };
      for (const edition of settings.editions) edition.holdForApproval = ['dc', 'sg'].includes(edition.id);
      const configFile = join(home, 'cdk.json');
      await writeFile(configFile, JSON.stringify({ context: { tidings: settings } }));
      process.env.TIDINGS_CONFIG_FILE = configFile;
      stacks = buildTestApp(settings);

      const keyring = JSON.stringify({
        active: 'k1',
        keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }],
      });
      const secrets = new SecretsManagerClient({});
      const secretArns: Record<string, string> = {};
      for (const secret of stageSecrets(stacks.data)) {
        const created = await secrets.send(
          new CreateSecretCommand({ Name: secret.name, SecretString: keyring }),
        );
        secretArns[secret.logicalId] = created.ARN ?? '';
      }
      secrets.destroy();
      const cloudformation = new CloudFormationClient({});
      await cloudformation.send(
        new CreateStackCommand({
          StackName: stacks.pipeline.stackName,
          TemplateBody: JSON.stringify(emulatedStageTemplate(stacks.data, stacks.pipeline, secretArns)),
        }),
      );
      cloudformation.destroy();
      const ses = new SESClient({});
      await ses.send(new VerifyDomainIdentityCommand({ Domain: stacks.config.sender.domain }));
      ses.destroy();

      sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
      watchStageClients((client) => recordRequests(client, requests));

      // The send function as deployed: the configuration its bundle carries, the names it is granted.
      const outputs = (await tidingsOutputs()) as Record<string, string>;
      queueUrl = outputs.SendQueueUrl ?? '';
      Object.assign(process.env, {
        TIDINGS_CONFIG: JSON.stringify(stacks.config),
        TABLE_ISSUES: outputs.IssuesTableName,
        TABLE_SUBSCRIBERS: outputs.SubscribersTableName,
        TABLE_LEDGER: outputs.LedgerTableName,
        TOKEN_SECRET_ARN: outputs.TokenSecretArn,
      });
      ({ handler: sendHandler } = await import('../../lambdas/handlers/send.js'));
    }, 120_000);

    afterAll(async () => {
      watchStageClients(undefined);
      sqs?.destroy();
      await moto?.stop();
      if (home) await rm(home, { recursive: true, force: true });
      process.env = saved;
    });

    async function tidingsOutputs(): Promise<Record<string, string>> {
      const { resolveStage } = await import('../../cli/stage.js');
      const stage = await resolveStage(STAGE);
      stage.close();
      return { ...stage.outputs };
    }

    /** Lambda's SQS event source, by hand: receive, invoke, delete what succeeded; until the queue is empty. */
    async function drainQueue(maxMessages = Number.POSITIVE_INFINITY): Promise<number> {
      let handled = 0;
      for (let round = 0; round < 50 && handled < maxMessages; round++) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(5, maxMessages - handled),
            VisibilityTimeout: 1,
            AttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) {
          const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          if (Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 1100));
          continue;
        }
        const event = {
          Records: Messages.map((m) => ({
            messageId: m.MessageId ?? '',
            receiptHandle: m.ReceiptHandle ?? '',
            body: m.Body ?? '',
            attributes: (m.Attributes ?? {}) as never,
            messageAttributes: {},
            md5OfBody: m.MD5OfBody ?? '',
            eventSource: 'aws:sqs',
            eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:tidings-${STAGE}-send`,
            awsRegion: 'eu-west-1',
          })),
        } as SQSEvent;
        const response = await sendHandler(event, {});
        const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        const done = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
        if (done.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          );
        }
        handled += done.length;
      }
      return handled;
    }

    it('reads every name from the stack outputs the synthesized stacks declare', async () => {
      const outputs = await tidingsOutputs();
      for (const id of Object.keys(TABLES) as TableId[]) {
        expect(outputs[`${id[0]?.toUpperCase()}${id.slice(1)}TableName`]).toBe(tableName(STAGE, id));
      }
      expect(queueUrl).toMatch(new RegExp(`tidings-${STAGE}-send$`));
    });

    const readers = ['ada@example.com', 'ben@example.com', 'cleo@example.com', 'dan@example.com'];

    it('imports subscribers onto the real tables and ingests the configured sources', async () => {
      const csv = join(home, 'readers.csv');
      await writeFile(csv, ['email,editions,opted_in', ...readers.map((r) => `${r},dc;sg,yes`)].join('\n'));
      const imported = await tidings('subscribers', 'import', csv);
      expect(imported.err).toEqual([]);
      expect(imported.code).toBe(0);
      const ingested = await tidings('ingest', '--source', 'samples/briefs.json', '--format', 'tidings');
      expect(ingested.code).toBe(0);
      const listed = await tidings('subscribers', 'list', '--edition', 'dc');
      expect(listed.out.map((line) => line.split(' ')[0])).toEqual([...readers].sort());
    });

    it('approves a held issue: its readers go through the SQS queue, the send function mails them, the issue is sent', async () => {
      const composed = await tidings('digest', '--edition', 'dc');
      expect(composed.code).toBe(0);
      const edition = stacks.config.editions.find((e) => e.id === 'dc');
      if (!edition) throw new Error('no dc');
      const issueId = currentIssueId(edition, new Date());
      expect(composed.out.join('\n')).toContain(`held for approval`);

      const approved = await tidings('approve', issueId);
      expect(approved.err).toEqual([]);
      expect(approved.out).toEqual([
        `approved ${issueId}: ${readers.length} readers queued on stage ${STAGE}'s send queue`,
      ]);
      expect(await drainQueue()).toBeGreaterThan(0);

      const status = await tidings('status', '--issue', issueId, '--recipients');
      expect(status.code).toBe(0);
      expect(status.out[0]).toMatch(new RegExp(`^${issueId}\\s+sent\\s+recipients 4 sent 4 `));
      const rows = status.out.slice(1);
      expect(rows.map((line) => line.split(' ').slice(0, 2).join(' ')).sort()).toEqual(
        readers.map((r) => `${r} sent`).sort(),
      );
      for (const row of rows) expect(row.split(' ')[2]).toMatch(/\S{8,}/);
    }, 120_000);
    it('cancels mid-send: readers not yet mailed are recorded cancelled, and the sender mails none of them', async () => {
      const edition = stacks.config.editions.find((e) => e.id === 'sg');
      if (!edition) throw new Error('no sg');
      const issueId = currentIssueId(edition, new Date());
      expect((await tidings('digest', '--edition', 'sg')).code).toBe(0);
      expect((await tidings('approve', issueId)).code).toBe(0);
      // The queue holds the fan-out; the operator cancels before the send function gets to it.
      const cancelled = await tidings('cancel', issueId);
      expect(cancelled.out).toEqual([
        `cancelled ${issueId}: ${readers.length} readers not yet mailed recorded as cancelled`,
      ]);
      await drainQueue();
      const status = await tidings('status', '--issue', issueId, '--recipients');
      expect(status.out[0]).toMatch(
        new RegExp(`^${issueId}\\s+cancelled\\s+recipients 4 sent 0 .* cancelled 4`),
      );
      expect(status.out.slice(1).every((line) => / cancelled /.test(line))).toBe(true);
    }, 120_000);

    it('sends one test copy through SES with digest --to, recording nothing', async () => {
      const sent = await tidings('digest', '--edition', 'dc', '--to', 'editor@tidings-ops.net');
      expect(sent.err).toEqual([]);
      expect(sent.out.join('\n')).toMatch(
        /test copy of dc-\S+ sent to editor@tidings-ops.net \(SES message id \S+\), not recorded/,
      );
    });

    it('forgets a reader on the real tables: export no longer holds them', async () => {
      const forgot = await tidings('subscribers', 'forget', 'ben@example.com');
      expect(forgot.code).toBe(0);
      const exported = await tidings('subscribers', 'export');
      expect(exported.out.join('\n')).not.toContain('ben@example.com');
      expect(exported.out.join('\n')).toContain('ada@example.com');
    });

    it('runs one pass with run --once: every edition composed onto the send queue', async () => {
      const run = await tidings('run', '--once');
      expect(run.err).toEqual([]);
      expect(run.code).toBe(0);
      // D.C. went out earlier today: queued again, the ledger keeping its readers from a second copy.
      expect(run.out.find((line) => line.startsWith('dc '))).toMatch(/already composed today, queued again/);
      expect(run.out.find((line) => line.startsWith('bxl '))).toMatch(
        new RegExp(`composed: \\d+ briefs, 0 readers queued on stage ${STAGE}'s send queue`),
      );
    });

    it('says dev is local-only (exit 2)', async () => {
      const dev = await tidings('dev');
      expect(dev.code).toBe(2);
      expect(dev.err).toEqual([expect.stringMatching(/dev runs the local stack only/)]);
    });

    it('stays within the operator policy: every request the stage wiring sent is allowed, on this stage only', () => {
      expect(requests.length).toBeGreaterThan(10);
      const denied = disallowedRequests(stacks, requests);
      expect(denied).toEqual([]);
    });
  },
);
