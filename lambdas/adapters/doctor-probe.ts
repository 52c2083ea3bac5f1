import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DescribeActiveReceiptRuleSetCommand, type SESClient } from '@aws-sdk/client-ses';
import { GetAccountCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import {
  ListSubscriptionsByTopicCommand,
  type ListSubscriptionsByTopicCommandOutput,
  ListTopicsCommand,
  type ListTopicsCommandOutput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { SourceConfig } from '../core/config.js';
import type {
  AccountProbe,
  AlarmSubscription,
  IdentityState,
  ReaderProbe,
  SesAccountState,
  SourceProbe,
  SourceReach,
} from '../core/doctor.js';

export interface AccountProbeClients {
  sesv2: SESv2Client;
  /** SES v1: receipt rule sets have no SESv2 API. */
  ses: SESClient;
  sns: SNSClient;
}

/** Reads what `tidings doctor` checks of an account: SES (v2 and, for receiving, v1) and SNS. */
export class AwsAccountProbe implements AccountProbe {
  constructor(private readonly clients: AccountProbeClients) {}

  async sesAccount(): Promise<SesAccountState> {
    const account = await this.clients.sesv2.send(new GetAccountCommand({}));
    return {
      productionAccess: account.ProductionAccessEnabled === true,
      sendingEnabled: account.SendingEnabled !== false,
      max24HourSend: account.SendQuota?.Max24HourSend ?? 0,
      maxSendRate: account.SendQuota?.MaxSendRate ?? 0,
    };
  }

  async identity(domain: string): Promise<IdentityState> {
    try {
      const identity = await this.clients.sesv2.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
      return {
        exists: true,
        verifiedForSending: identity.VerifiedForSendingStatus === true,
        dkimStatus: identity.DkimAttributes?.Status,
        mailFromDomain: identity.MailFromAttributes?.MailFromDomain,
        mailFromStatus: identity.MailFromAttributes?.MailFromDomainStatus,
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFoundException') {
        return { exists: false, verifiedForSending: false };
      }
      throw error;
    }
  }

  async activeReceiptRuleSet(): Promise<string | undefined> {
    const active = await this.clients.ses.send(new DescribeActiveReceiptRuleSetCommand({}));
    return active.Metadata?.Name;
  }

  async alarmSubscriptions(topicName: string): Promise<AlarmSubscription[] | undefined> {
    let topicArn: string | undefined;
    let next: string | undefined;
    do {
      const page: ListTopicsCommandOutput = await this.clients.sns.send(
        new ListTopicsCommand(next ? { NextToken: next } : {}),
      );
      topicArn = page.Topics?.find((topic) => topic.TopicArn?.endsWith(`:${topicName}`))?.TopicArn;
      next = page.NextToken;
    } while (!topicArn && next);
    if (!topicArn) return undefined;
    const subscriptions: AlarmSubscription[] = [];
    next = undefined;
    do {
      const page: ListSubscriptionsByTopicCommandOutput = await this.clients.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(next ? { NextToken: next } : {}) }),
      );
      for (const subscription of page.Subscriptions ?? []) {
        subscriptions.push({
          endpoint: subscription.Endpoint ?? '',
          // SNS names an unconfirmed subscription "PendingConfirmation" instead of an ARN.
          confirmed: (subscription.SubscriptionArn ?? '').startsWith('arn:'),
        });
      }
      next = page.NextToken;
    } while (next);
    return subscriptions;
  }
}

/**
 * Whether each source can be read: an http(s) source must answer a GET with a 2xx status within
 * the ingest timeout; a local file (samples, tests) must exist under `root`.
 */
export class FetchSourceProbe implements SourceProbe {
  constructor(private readonly options: { root: string; timeoutMs: number; fetch?: typeof fetch }) {}

  async reach(source: SourceConfig): Promise<SourceReach> {
    if (!/^https?:\/\//i.test(source.location)) {
      const path = isAbsolute(source.location) ? source.location : join(this.options.root, source.location);
      return existsSync(path)
        ? { ok: true, detail: 'is a local file' }
        : { ok: false, detail: 'no such file' };
    }
    const fetcher = this.options.fetch ?? fetch;
    try {
      const response = await fetcher(source.location, {
        redirect: 'follow',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { 'user-agent': 'tidings-doctor' },
      });
      await response.body?.cancel();
      return response.ok
        ? { ok: true, detail: `answered ${response.status}` }
        : { ok: false, detail: `answered ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, detail: `did not answer (${cause ?? (error as Error).name})` };
    }
  }
}

/**
 * The readers' index, opened on first use: the local stack starts only when doctor counts, and a
 * stack that cannot start is that check's failure, not the command's.
 */
export class LazyReaderProbe implements ReaderProbe {
  private store: Promise<ReaderProbe> | undefined;

  constructor(private readonly open: () => Promise<ReaderProbe>) {}

  async listActive(...args: Parameters<ReaderProbe['listActive']>): ReturnType<ReaderProbe['listActive']> {
    this.store ??= this.open();
    return (await this.store).listActive(...args);
  }
}
