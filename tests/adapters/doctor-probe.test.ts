import { DescribeActiveReceiptRuleSetCommand, SESClient } from '@aws-sdk/client-ses';
import {
  GetAccountCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsAccountProbe, FetchSourceProbe, LazyReaderProbe } from '../../lambdas/adapters/doctor-probe.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { parseConfig } from '../../lambdas/core/config.js';
import {
  checkStage,
  doctorExitCode,
  formatCheck,
  type SourceProbe,
  type StageDoctorDeps,
} from '../../lambdas/core/doctor.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const config = parseConfig({
  stage: 'prod',
  baseUrl: 'https://news.tidings-media.eu',
  sender: { address: 'digest@news.tidings-media.eu', name: 'Tidings', domain: 'news.tidings-media.eu' },
  postalAddress: 'Tidings Media, 1 Rue Example, Brussels',
  alarmEmail: 'ops@tidings-media.eu',
  ses: { maxSendRate: 14 },
  editions: [{ id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' }],
  sources: [{ id: 'wire', location: 'https://wire.tidings-media.eu/rss.xml' }],
});
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:tidings-prod-alarms';
const reachable: SourceProbe = { reach: async () => ({ ok: true, detail: 'answered 200' }) };

describe('tidings doctor against an account (AwsAccountProbe with checkStage)', () => {
  const sesv2 = mockClient(SESv2Client);
  const ses = mockClient(SESClient);
  const sns = mockClient(SNSClient);

  /** A healthy production account; each test changes one thing. */
  const healthy = (): void => {
    sesv2.on(GetAccountCommand).resolves({
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
    });
    sesv2.on(GetEmailIdentityCommand).resolves({
      VerifiedForSendingStatus: true,
      DkimAttributes: { Status: 'SUCCESS' },
      MailFromAttributes: {
        MailFromDomain: 'mail.news.tidings-media.eu',
        MailFromDomainStatus: 'SUCCESS',
        BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
      },
    });
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tidings-prod-inbound' } });
    sns
      .on(ListTopicsCommand)
      .resolvesOnce({ Topics: [{ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' }], NextToken: 'n' })
      .resolves({ Topics: [{ TopicArn: TOPIC }] });
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC }).resolves({
      Subscriptions: [{ Endpoint: 'ops@tidings-media.eu', SubscriptionArn: `${TOPIC}:0f1e2d` }],
    });
  };

  const run = async (more: Partial<StageDoctorDeps> = {}): Promise<{ lines: string[]; exit: number }> => {
    const results = await checkStage({
      config,
      reached: 'region eu-west-1',
      receiptRuleSet: 'tidings-prod-inbound',
      account: new AwsAccountProbe({
        sesv2: new SESv2Client({ region: 'eu-west-1' }),
        ses: new SESClient({ region: 'eu-west-1' }),
        sns: new SNSClient({ region: 'eu-west-1' }),
      }),
      sources: reachable,
      ...more,
    });
    return { lines: results.map(formatCheck), exit: doctorExitCode(results) };
  };

  beforeEach(() => {
    sesv2.reset();
    ses.reset();
    sns.reset();
    healthy();
  });
  afterEach(() => {
    sesv2.reset();
    ses.reset();
    sns.reset();
  });

  it('says ok to every check of a healthy production account, and exits 0', async () => {
    const { lines, exit } = await run();
    expect(lines).toEqual([
      'ok credentials: region eu-west-1',
      'ok ses account: production, 50000 messages a day, 14 a second',
      'ok identity: news.tidings-media.eu verified for sending',
      'ok dkim: news.tidings-media.eu SUCCESS',
      'ok mail from: mail.news.tidings-media.eu SUCCESS',
      'ok receipt rule set: tidings-prod-inbound is active',
      'ok alarm subscription: ops@tidings-media.eu confirmed',
      'ok source wire: https://wire.tidings-media.eu/rss.xml answered 200',
      'ok send rate: ses.maxSendRate 14, the account allows 14',
    ]);
    expect(exit).toBe(0);
  });

  it('warns of a sandbox account and a send rate above its own, saying what to do, and exits 0', async () => {
    sesv2.on(GetAccountCommand).resolves({
      ProductionAccessEnabled: false,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 },
    });
    const { lines, exit } = await run();
    expect(lines).toContain(
      'warn ses account: sandbox, 200 messages a day, 1 a second: only verified addresses receive mail — request production access in the SES console (docs/deploying.md, "Leave the sandbox")',
    );
    expect(lines).toContain(
      "warn send rate: ses.maxSendRate 14 is above the account's 1 a second — set ses.maxSendRate to 1 and deploy (or leave the sandbox)",
    );
    expect(exit).toBe(0);
  });

  it('fails an identity that is not verified, with DKIM and MAIL FROM pending, and exits 1', async () => {
    sesv2.on(GetEmailIdentityCommand).resolves({
      VerifiedForSendingStatus: false,
      DkimAttributes: { Status: 'PENDING' },
      MailFromAttributes: {
        MailFromDomain: 'mail.news.tidings-media.eu',
        MailFromDomainStatus: 'PENDING',
        BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
      },
    });
    const { lines, exit } = await run();
    expect(lines).toContain(
      'fail identity: news.tidings-media.eu is not verified yet — publish the DKIM records (Data stack outputs) and wait',
    );
    expect(lines.find((line) => line.startsWith('warn dkim:'))).toMatch(/PENDING — DNS can take hours/);
    expect(lines.find((line) => line.startsWith('warn mail from:'))).toMatch(/PENDING/);
    expect(exit).toBe(1);
  });

  it('fails a domain that is no identity at all', async () => {
    sesv2.on(GetEmailIdentityCommand).rejects(new NotFoundException({ message: 'not found', $metadata: {} }));
    const { lines, exit } = await run();
    expect(lines).toContain(
      'fail identity: news.tidings-media.eu is not an SES identity in this region — deploy the Data stack, or create the identity and set tidingsDeploy.<stage>.existingIdentity',
    );
    expect(exit).toBe(1);
  });

  it('fails when no receipt rule set is active, naming the command that activates it', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({});
    const { lines, exit } = await run();
    expect(lines).toContain(
      'fail receipt rule set: no receipt rule set is active: mail to the unsubscribe address is dropped — aws ses set-active-receipt-rule-set --rule-set-name tidings-prod-inbound',
    );
    expect(exit).toBe(1);
  });

  it("fails when another stage's rule set is active, saying how to join it", async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tidings-dev-inbound' } });
    const { lines } = await run();
    expect(lines.find((line) => line.startsWith('fail receipt rule set:'))).toContain(
      'tidings-dev-inbound is active, not tidings-prod-inbound — add this stage\'s rule to it: set tidingsDeploy.<stage>.receiptRuleSet to "tidings-dev-inbound"',
    );
  });

  it('warns of an alarm subscription waiting for confirmation', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Endpoint: 'ops@tidings-media.eu', SubscriptionArn: 'PendingConfirmation' }],
    });
    const { lines } = await run();
    expect(lines).toContain(
      'warn alarm subscription: ops@tidings-media.eu pending confirmation — confirm from the mail SNS sent to it',
    );
  });

  it('fails a check whose request is refused, naming the error, and goes on with the others', async () => {
    sesv2.on(GetAccountCommand).rejects(
      Object.assign(new Error('User is not authorized to perform ses:GetAccount'), {
        name: 'AccessDeniedException',
      }),
    );
    const { lines, exit } = await run();
    expect(lines[1]).toBe(
      'fail ses account: User is not authorized to perform ses:GetAccount — check the credentials and the operator policy, then run doctor again',
    );
    expect(lines).toContain('ok receipt rule set: tidings-prod-inbound is active');
    expect(lines.some((line) => line.includes('send rate'))).toBe(false);
    expect(exit).toBe(1);
  });

  describe("the stage's readers against ses.maxSendRate", () => {
    let stack: TestStack;
    let readers: DynamoSubscriberStore;
    beforeAll(async () => {
      stack = await startTestStack();
      readers = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
      const at = '2026-11-30T12:00:00.000Z';
      for (let i = 0; i < 3; i++) {
        await readers.save({
          email: `reader${i}@example.com`,
          status: 'active',
          editions: ['dc'],
          createdAt: at,
          updatedAt: at,
          consent: { method: 'operator', givenAt: at, confirmedAt: at },
        });
      }
    }, 60_000);
    afterAll(() => stack?.close());

    it('counts them through the subscriber store and says ok when they go out within the hour', async () => {
      const { lines, exit } = await run({ readers });
      expect(lines.at(-1)).toBe(
        'ok send time: every edition goes out within an hour at ses.maxSendRate 14/s; the largest, dc, has 3 active readers: 1 s',
      );
      expect(exit).toBe(0);
    });

    it('warns when they take longer, and exits 0', async () => {
      // 3 readers at 0.0008/s: 3,750 s.
      const slow = parseConfig({ ...config, ses: { ...config.ses, maxSendRate: 0.0008 } });
      const { lines, exit } = await run({ config: slow, readers });
      expect(lines.at(-1)).toBe(
        'warn send time: dc: 3 active readers take 63 min at ses.maxSendRate 0.0008/s, over an hour — ask AWS for a higher SES sending rate, then raise ses.maxSendRate (the time at each rate: bench/SCALE.md)',
      );
      expect(exit).toBe(0);
    });

    it('fails the check, naming the error, when the readers cannot be read', async () => {
      const denied = new LazyReaderProbe(() =>
        Promise.reject(new Error('User is not authorized to perform: dynamodb:Query')),
      );
      const { lines, exit } = await run({ readers: denied });
      expect(lines.at(-1)).toBe(
        'fail send time: User is not authorized to perform: dynamodb:Query — check the credentials and the operator policy, then run doctor again',
      );
      expect(exit).toBe(1);
    });
  });
});

describe('FetchSourceProbe', () => {
  const source = (location: string) => ({ id: 'x', location, format: 'auto' as const, editions: [] });

  it('reaches a source that answers 2xx and fails one that answers otherwise or not at all', async () => {
    const answers: Record<string, () => Promise<Response>> = {
      'https://a.test/ok': async () => new Response('<rss/>', { status: 200 }),
      'https://a.test/gone': async () => new Response('', { status: 410 }),
      'https://a.test/down': async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      },
    };
    const probe = new FetchSourceProbe({
      root: '.',
      timeoutMs: 1000,
      fetch: ((url: string) => answers[url]?.() ?? Promise.reject(new Error('unexpected'))) as typeof fetch,
    });
    expect(await probe.reach(source('https://a.test/ok'))).toEqual({ ok: true, detail: 'answered 200' });
    expect(await probe.reach(source('https://a.test/gone'))).toEqual({ ok: false, detail: 'answered 410' });
    expect(await probe.reach(source('https://a.test/down'))).toEqual({
      ok: false,
      detail: 'did not answer (ECONNREFUSED)',
    });
  });

  it('finds a local source file under the root, and says when it is missing', async () => {
    const probe = new FetchSourceProbe({ root: process.cwd(), timeoutMs: 1000 });
    expect((await probe.reach(source('samples/briefs.json'))).ok).toBe(true);
    expect(await probe.reach(source('samples/none.json'))).toEqual({ ok: false, detail: 'no such file' });
  });
});
