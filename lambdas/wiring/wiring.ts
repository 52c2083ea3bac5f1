import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TemplateConfirmationEmail } from '../adapters/confirmation-email.js';
import { DigestMessageBuilder } from '../adapters/digest-messages.js';
import { DynamoBriefStore } from '../adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../adapters/dynamo-issue-store.js';
import { DynamoLedgerStore } from '../adapters/dynamo-ledger-store.js';
import { DynamoSendChecks } from '../adapters/dynamo-send-checks.js';
import { DynamoSubscriberStore } from '../adapters/dynamo-subscriber-store.js';
import { createFetchSource } from '../adapters/feeds/source.js';
import { loadKeyring, loadKeyringFile } from '../adapters/secret-keyring.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { SqsSendQueue } from '../adapters/sqs-send-queue.js';
import type { TableNames } from '../adapters/tables.js';
import type { ComposeDeps, OperatorDeps } from '../core/compose.js';
import type { TidingsConfig } from '../core/config.js';
import type { DigestInput, RenderedDigest } from '../core/digest.js';
import type { FetchSource, IngestDeps } from '../core/ingest.js';
import type { CompletionDeps } from '../core/issue-life.js';
import {
  type Clock,
  type IssueStore,
  type LedgerStore,
  type Mailer,
  type MessageBuilder,
  type SendChecks,
  type SendQueue,
  type SubscriberStore,
  systemClock,
} from '../core/ports.js';
import type { SendDeps } from '../core/send.js';
import { realPaceClock, SendPacer } from '../core/send-pacer.js';
import { type SendPolicy, sendPolicy } from '../core/send-policy.js';
import type { SubscriptionDeps } from '../core/subscriptions/index.js';
import type { Keyring } from '../core/tokens.js';

/**
 * The one place where the core's ports meet their adapters. Every target builds its {@link Wiring}
 * here: the Lambda handlers (`lambda.ts`), the local stack (`cli/local/pipeline.ts`, with the
 * outbox mailer and the in-process queue) and the CLI on a deployed stage (`cli/stage.ts`, with
 * the names from the stage's CloudFormation outputs). A target differs only in its clients, its
 * resource names and the stand-ins it passes; send policy comes from the configuration alone.
 */

/** Where a target's resources are. */
export interface TargetResources {
  tables: TableNames;
  /** The send queue's URL; without it the target must pass a queue of its own. */
  sendQueueUrl?: string;
  /** The token keyring: a Secrets Manager secret, or the local file. */
  tokenSecret: { arn: string } | { file: string };
}

/** The SDK clients of a target; each adapter takes its client from here. */
export interface TargetClients {
  /** Low-level client for the send path's stores (middleware resolved once per command). */
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  ses: SESClient;
  sqs?: SQSClient;
  secrets?: SecretsManagerClient;
}

export interface TargetOptions {
  config: TidingsConfig;
  resources: TargetResources;
  clients: TargetClients;
  clock?: Clock;
  /** Wraps the SES mailer (locally: keep a copy of every raw message under `outbox/`). */
  wrapMailer?: (mailer: Mailer) => Mailer;
  /** A queue of the target's own (locally: the in-process queue); default SQS at `sendQueueUrl`. */
  queue?: SendQueue;
  /**
   * The digest renderer (MJML), for targets that compose or preview; passed in rather than
   * imported here, so functions that never render (ingest, feedback) do not bundle MJML.
   */
  renderer?: () => Promise<DigestRendererPort>;
  /** Base directory of configured sources given as relative paths. */
  sourceRoot?: string;
}

/** What the wiring needs of `adapters/digest-renderer.ts`. */
export interface DigestRendererPort {
  render(request: DigestInput): Promise<RenderedDigest>;
}

/** Every port of the core wired for one target, and the dependency sets of its use cases. */
export interface Wiring {
  config: TidingsConfig;
  policy: SendPolicy;
  clock: Clock;
  resources: TargetResources;
  clients: TargetClients;
  briefs: DynamoBriefStore;
  issues: IssueStore;
  ledger: LedgerStore;
  subscribers: SubscriberStore;
  /** The sender's per-reader checks in one request. */
  checks: SendChecks;
  mailer: Mailer;
  queue: SendQueue;
  fetchSource: FetchSource;
  /** The token keyring, read once. */
  keyring(): Promise<Keyring>;
  /** The per-reader message builder (MIME encoded once per issue), built once. */
  messages(): Promise<MessageBuilder>;
  render(request: DigestInput): Promise<RenderedDigest>;
  compose(): ComposeDeps;
  operator(): OperatorDeps;
  completion(): CompletionDeps & { issues: IssueStore };
  ingest(): IngestDeps;
  subscriptions(): Promise<SubscriptionDeps>;
  /** The send core's dependencies for one sender, paced by its own limiter at the policy's rate. */
  send(limiter?: { acquire(): Promise<void> }): Promise<SendDeps>;
}

/** Builds a target's {@link Wiring}. Nothing is read or sent until a port is used. */
export function wire(options: TargetOptions): Wiring {
  const { config, resources, clients } = options;
  const clock = options.clock ?? systemClock;
  const now = (): Date => clock.now();
  const policy = sendPolicy(config);
  const tables = resources.tables;
  const briefs = new DynamoBriefStore(clients.doc, tables.briefs);
  const issues = new DynamoIssueStore(clients.doc, tables.issues);
  const ledger = new DynamoLedgerStore(clients.dynamo, tables.ledger, now);
  const subscribers = new DynamoSubscriberStore(clients.doc, tables.subscribers, now);
  const checks = new DynamoSendChecks(
    clients.dynamo,
    { issues: tables.issues, subscribers: tables.subscribers },
    now,
  );
  const ses = new SesMailer(clients.ses, { configurationSet: config.ses.configurationSet });
  const mailer = options.wrapMailer ? options.wrapMailer(ses) : ses;
  const queue = options.queue ?? sqsQueue(clients, resources);
  let keyring: Promise<Keyring> | undefined;
  let messages: Promise<MessageBuilder> | undefined;
  let renderer: Promise<DigestRendererPort> | undefined;

  const readKeyring = (): Promise<Keyring> => {
    keyring ??= (() => {
      const secret = resources.tokenSecret;
      if ('file' in secret) return loadKeyringFile(secret.file);
      if (!clients.secrets) throw new Error('a Secrets Manager client is needed to read the token secret');
      return loadKeyring(clients.secrets, secret.arn);
    })();
    return keyring;
  };

  const wiring: Wiring = {
    config,
    policy,
    clock,
    resources,
    clients,
    briefs,
    issues,
    ledger,
    subscribers,
    checks,
    mailer,
    queue,
    fetchSource: createFetchSource({ root: options.sourceRoot ?? process.cwd(), ingest: config.ingest }),
    keyring: readKeyring,
    messages() {
      messages ??= readKeyring().then((ring) => new DigestMessageBuilder(config, ring));
      return messages;
    },
    async render(request) {
      if (!options.renderer) throw new Error('this target renders no digests');
      renderer ??= options.renderer();
      return (await renderer).render(request);
    },
    compose: () => ({ config, issues, briefs, subscribers, queue, render: wiring.render }),
    operator: () => ({ config, issues, ledger, subscribers, queue, batchSize: policy.recipientsPerMessage }),
    completion: () => ({ issues, ledger }),
    ingest: () => ({ fetchSource: wiring.fetchSource, store: briefs, clock, config }),
    async subscriptions() {
      return {
        config,
        store: subscribers,
        keyring: await readKeyring(),
        clock,
        mailer,
        confirmationEmail: new TemplateConfirmationEmail(config),
      };
    },
    async send(limiter) {
      return {
        issues,
        ledger,
        subscribers,
        messages: await wiring.messages(),
        mailer,
        checks,
        limiter: limiter ?? new SendPacer({ rate: policy.perWorkerRate }, realPaceClock),
        clock,
        sleep: realPaceClock.sleep,
        newToken: randomUUID,
        leaseMs: policy.leaseMs,
        backoffMs: policy.backoffMs,
      };
    },
  };
  return wiring;
}

function sqsQueue(clients: TargetClients, resources: TargetResources): SendQueue {
  const url = resources.sendQueueUrl;
  if (url && clients.sqs) return new SqsSendQueue(clients.sqs, url);
  // A target without a queue (the API function) never fans out; using it is a wiring bug.
  return {
    enqueue: async () => {
      throw new Error('this target has no send queue');
    },
  };
}
