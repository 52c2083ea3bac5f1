import { TemplateConfirmationEmail } from '../adapters/confirmation-email.js';
import type { DynamoBriefStore } from '../adapters/dynamo-brief-store.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { SqsSendQueue } from '../adapters/sqs-send-queue.js';
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
import { type SendPolicy, sendPolicy } from '../core/send-policy.js';
import type { SubscriptionDeps } from '../core/subscriptions/index.js';
import type { Keyring } from '../core/tokens.js';
import { fetchSourceOf, ingestDeps } from './ingest.js';
import { keyringReader } from './keyring.js';
import { messagesOnce, sendDeps } from './send.js';
import { wireStores } from './stores.js';
import type { TargetClients, TargetResources } from './target.js';

export type { TargetClients, TargetResources } from './target.js';

/**
 * Where the core's ports meet their adapters. The CLI's targets build their whole {@link Wiring}
 * here: the local stack (`cli/local/pipeline.ts`, with the outbox mailer and the in-process queue)
 * and a deployed stage (`cli/stage.ts`, with the names from the stage's CloudFormation outputs).
 * The Lambda handlers take only the parts their function calls (`lambda.ts`, `stores.ts`,
 * `keyring.ts`, `send.ts`, `ingest.ts`), the same parts `wire` is built from, so a bundle carries
 * no adapter its function never uses. Send policy comes from the configuration alone.
 */

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
  const policy = sendPolicy(config);
  const { briefs, issues, ledger, subscribers, checks } = wireStores({
    clients,
    tables: resources.tables,
    now: () => clock.now(),
  });
  const ses = new SesMailer(clients.ses, { configurationSet: config.ses.configurationSet });
  const mailer = options.wrapMailer ? options.wrapMailer(ses) : ses;
  const queue = options.queue ?? sqsQueue(clients, resources);
  const readKeyring = keyringReader(resources.tokenSecret, clients.secrets);
  const messages = messagesOnce(config, readKeyring);
  const fetchSource = fetchSourceOf(config, options.sourceRoot ?? process.cwd());
  let renderer: Promise<DigestRendererPort> | undefined;

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
    fetchSource,
    keyring: readKeyring,
    messages,
    async render(request) {
      if (!options.renderer) throw new Error('this target renders no digests');
      renderer ??= options.renderer();
      return (await renderer).render(request);
    },
    compose: () => ({ config, issues, briefs, subscribers, queue, render: wiring.render }),
    operator: () => ({ config, issues, ledger, subscribers, queue, batchSize: policy.recipientsPerMessage }),
    completion: () => ({ issues, ledger }),
    ingest: () => ingestDeps({ config, briefs, clock, fetchSource }),
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
      const stores = { issues, ledger, subscribers, checks };
      return sendDeps({ policy, stores, messages: await messages(), mailer, clock, limiter });
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
