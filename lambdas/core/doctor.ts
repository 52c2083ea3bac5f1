import type { SourceConfig, TidingsConfig } from './config.js';
import { countOf } from './digest.js';
import type { SubscriberStore } from './ports.js';
import { rhythmGets } from './rhythm.js';
import { forEachActiveReader } from './waves.js';

/**
 * `tidings doctor`: what a stage (or the local setup) still needs, one check at a time. The checks
 * read the account through ports and judge what they find; each line that is not `ok` says what
 * to do. Pure: the AWS adapter (`adapters/doctor-probe.ts`) and the source probe do the I/O.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** What was checked: `ses account`, `dkim`, `source wire`. */
  check: string;
  detail: string;
  /** What to do; required unless the status is `ok`. */
  action?: string;
}

/** SESv2 `GetAccount` and the sending quota, as doctor needs them. */
export interface SesAccountState {
  productionAccess: boolean;
  sendingEnabled: boolean;
  max24HourSend: number;
  maxSendRate: number;
}

/** SES's view of the sending domain's identity (`undefined` statuses: not reported). */
export interface IdentityState {
  exists: boolean;
  verifiedForSending: boolean;
  /** `SUCCESS`, `PENDING`, `FAILED`, `TEMPORARY_FAILURE`, `NOT_STARTED`. */
  dkimStatus?: string | undefined;
  mailFromDomain?: string | undefined;
  /** `SUCCESS`, `PENDING`, `FAILED`, `TEMPORARY_FAILURE`. */
  mailFromStatus?: string | undefined;
}

export interface AlarmSubscription {
  endpoint: string;
  confirmed: boolean;
}

/** What doctor reads of the account (an SES and SNS adapter). */
export interface AccountProbe {
  sesAccount(): Promise<SesAccountState>;
  identity(domain: string): Promise<IdentityState>;
  /** The region's active receipt rule set, undefined when none is. */
  activeReceiptRuleSet(): Promise<string | undefined>;
  /** Subscriptions of the topic with that name; undefined when there is no such topic. */
  alarmSubscriptions(topicName: string): Promise<AlarmSubscription[] | undefined>;
}

/** Whether a source answers: an HTTP status, or why it could not be read. */
export type SourceReach = { ok: true; detail: string } | { ok: false; detail: string };

export interface SourceProbe {
  reach(source: SourceConfig): Promise<SourceReach>;
}

/** What doctor reads of the readers: the subscriber store's index of an edition's active readers. */
export type ReaderProbe = Pick<SubscriberStore, 'listActive'>;

export interface StageDoctorDeps {
  config: TidingsConfig;
  /** How the stage was reached: `region eu-west-1, stack Tidings-prod-Pipeline`. */
  reached: string;
  /** The rule set that should be active: the stage's own, or the shared one it joins. */
  receiptRuleSet: string;
  account: AccountProbe;
  sources: SourceProbe;
  /** The stage's readers, counted for the send-time check (left out: no such check). */
  readers?: ReaderProbe;
}

const ok = (check: string, detail: string): CheckResult => ({ status: 'ok', check, detail });
const warn = (check: string, detail: string, action: string): CheckResult => ({
  status: 'warn',
  check,
  detail,
  action,
});
const fail = (check: string, detail: string, action: string): CheckResult => ({
  status: 'fail',
  check,
  detail,
  action,
});

/** `ok <check>: <detail>`, `warn <check>: <detail> — <what to do>`, `fail …` (CONTRACT.md). */
export function formatCheck(result: CheckResult): string {
  const line = `${result.status} ${result.check}: ${result.detail}`;
  return result.action && result.status !== 'ok' ? `${line} — ${result.action}` : line;
}

/** 0 when no check failed, else 1. */
export function doctorExitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}

const message = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 200) ?? 'failed';

/** Runs one probe; a probe that throws is a failed check naming the error. */
async function guarded<T>(
  check: string,
  probe: () => Promise<T>,
  judge: (value: T) => CheckResult | CheckResult[],
  action = 'check the credentials and the operator policy, then run doctor again',
): Promise<CheckResult[]> {
  let value: T;
  try {
    value = await probe();
  } catch (error) {
    return [fail(check, message(error), action)];
  }
  const judged = judge(value);
  return Array.isArray(judged) ? judged : [judged];
}

const perSecond = (rate: number): string => `${rate} a second`;

/** The SES account: sandbox or production, its quota and rate. */
export function judgeSesAccount(state: SesAccountState): CheckResult {
  const quota = `${state.max24HourSend} messages a day, ${perSecond(state.maxSendRate)}`;
  if (!state.sendingEnabled) {
    return fail(
      'ses account',
      `sending is paused for this account (${quota})`,
      'see the SES account dashboard; AWS pauses sending over reputation',
    );
  }
  if (!state.productionAccess) {
    return warn(
      'ses account',
      `sandbox, ${quota}: only verified addresses receive mail`,
      'request production access in the SES console (docs/deploying.md, "Leave the sandbox")',
    );
  }
  return ok('ses account', `production, ${quota}`);
}

/** The sending identity, its DKIM and its MAIL FROM domain. */
export function judgeIdentity(domain: string, state: IdentityState): CheckResult[] {
  if (!state.exists) {
    return [
      fail(
        'identity',
        `${domain} is not an SES identity in this region`,
        'deploy the Data stack, or create the identity and set tidingsDeploy.<stage>.existingIdentity',
      ),
    ];
  }
  const results: CheckResult[] = [
    state.verifiedForSending
      ? ok('identity', `${domain} verified for sending`)
      : fail(
          'identity',
          `${domain} is not verified yet`,
          'publish the DKIM records (Data stack outputs) and wait',
        ),
  ];
  const dkim = state.dkimStatus ?? 'NOT_STARTED';
  results.push(
    dkim === 'SUCCESS'
      ? ok('dkim', `${domain} ${dkim}`)
      : dkim === 'PENDING'
        ? warn('dkim', `${domain} ${dkim}`, 'DNS can take hours; check the three DKIM CNAMEs are published')
        : fail('dkim', `${domain} ${dkim}`, 'publish the three DKIM CNAMEs from the Data stack outputs'),
  );
  const mailFrom = state.mailFromDomain ?? `mail.${domain}`;
  const mailFromStatus = state.mailFromStatus ?? 'NOT_CONFIGURED';
  results.push(
    mailFromStatus === 'SUCCESS'
      ? ok('mail from', `${mailFrom} ${mailFromStatus}`)
      : mailFromStatus === 'PENDING'
        ? warn(
            'mail from',
            `${mailFrom} ${mailFromStatus}`,
            'DNS can take hours; check the MAIL FROM MX and SPF records',
          )
        : fail(
            'mail from',
            `${mailFrom} ${mailFromStatus}`,
            'publish the MailFromMx and MailFromSpf records (Data stack outputs)',
          ),
  );
  return results;
}

/** The receipt rule set that routes mail to the unsubscribe address. */
export function judgeReceiptRuleSet(expected: string, active: string | undefined): CheckResult {
  if (active === expected) return ok('receipt rule set', `${expected} is active`);
  if (active === undefined) {
    return fail(
      'receipt rule set',
      'no receipt rule set is active: mail to the unsubscribe address is dropped',
      `aws ses set-active-receipt-rule-set --rule-set-name ${expected}`,
    );
  }
  return fail(
    'receipt rule set',
    `${active} is active, not ${expected}`,
    `add this stage's rule to it: set tidingsDeploy.<stage>.receiptRuleSet to "${active}" and deploy`,
  );
}

/** The alarm topic's mail subscription. */
export function judgeAlarmSubscription(
  topicName: string,
  alarmEmail: string | undefined,
  subscriptions: AlarmSubscription[] | undefined,
): CheckResult {
  if (subscriptions === undefined) {
    return fail('alarm subscription', `no topic ${topicName}`, 'deploy the Monitoring stack');
  }
  const mine = subscriptions.find((subscription) => subscription.endpoint === alarmEmail);
  if (!alarmEmail || !mine) {
    return fail(
      'alarm subscription',
      'the alarms mail nobody',
      'set alarmEmail and deploy the Monitoring stack',
    );
  }
  return mine.confirmed
    ? ok('alarm subscription', `${alarmEmail} confirmed`)
    : warn(
        'alarm subscription',
        `${alarmEmail} pending confirmation`,
        'confirm from the mail SNS sent to it',
      );
}

/** The configured send rate against the account's. */
export function judgeSendRate(configured: number, account: SesAccountState): CheckResult {
  if (configured <= account.maxSendRate) {
    return ok('send rate', `ses.maxSendRate ${configured}, the account allows ${account.maxSendRate}`);
  }
  return warn(
    'send rate',
    `ses.maxSendRate ${configured} is above the account's ${perSecond(account.maxSendRate)}`,
    `set ses.maxSendRate to ${account.maxSendRate} and deploy (or leave the sandbox)`,
  );
}

/** An edition's send may take this long at the configured rate before doctor warns. */
export const SEND_WITHIN_SECONDS = 3600;

/** Readers of an edition's largest issue: a weekday's daily issue, or its weekly roundup. */
export async function largestAudience(readers: ReaderProbe, edition: string): Promise<number> {
  let daily = 0;
  let roundup = 0;
  await forEachActiveReader(readers, edition, async (page) => {
    for (const reader of page) {
      if (rhythmGets(reader.rhythm, { kind: 'daily', weekday: 'mon' })) daily++;
      if (rhythmGets(reader.rhythm, { kind: 'roundup' })) roundup++;
    }
  });
  return Math.max(daily, roundup);
}

/** `40 s`, `12 min`, `19.8 h`. */
function sendingTime(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.ceil(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** One edition's largest issue, in readers. */
export interface EditionAudience {
  edition: string;
  readers: number;
}

/**
 * Whether each edition's largest issue goes out within an hour at `ses.maxSendRate`: one `ok`
 * naming the largest, or a `warn` for each edition that takes longer.
 */
export function judgeSendTime(audiences: readonly EditionAudience[], maxSendRate: number): CheckResult[] {
  const rate = `ses.maxSendRate ${maxSendRate}/s`;
  const at = `at ${rate}`;
  const slow = audiences.filter((audience) => audience.readers / maxSendRate > SEND_WITHIN_SECONDS);
  if (slow.length > 0) {
    return slow.map((audience) =>
      warn(
        'send time',
        `${audience.edition}: ${countOf(audience.readers, 'active reader')} take ${sendingTime(audience.readers / maxSendRate)} ${at}, over an hour`,
        'ask AWS for a higher SES sending rate, then raise ses.maxSendRate (the time at each rate: bench/SCALE.md)',
      ),
    );
  }
  const largest = audiences.reduce<EditionAudience | undefined>(
    (most, audience) => (most && most.readers >= audience.readers ? most : audience),
    undefined,
  );
  if (!largest || largest.readers === 0)
    return [ok('send time', `no edition has active readers yet (${rate})`)];
  return [
    ok(
      'send time',
      `every edition goes out within an hour ${at}; the largest, ${largest.edition}, has ${countOf(largest.readers, 'active reader')}: ${sendingTime(largest.readers / maxSendRate)}`,
    ),
  ];
}

/** Counts each edition's readers and judges the time to send them. */
function sendTimeChecks(
  config: TidingsConfig,
  readers: ReaderProbe,
  action?: string,
): Promise<CheckResult[]> {
  return guarded(
    'send time',
    async () => {
      const audiences: EditionAudience[] = [];
      for (const edition of config.editions) {
        audiences.push({ edition: edition.id, readers: await largestAudience(readers, edition.id) });
      }
      return audiences;
    },
    (audiences) => judgeSendTime(audiences, config.ses.maxSendRate),
    action,
  );
}

async function sourceChecks(config: TidingsConfig, sources: SourceProbe): Promise<CheckResult[]> {
  if (config.sources.length === 0)
    return [warn('sources', 'none configured', 'add sources to the configuration')];
  return Promise.all(
    config.sources.map(async (source) => {
      const check = `source ${source.id}`;
      try {
        const reach = await sources.reach(source);
        return reach.ok
          ? ok(check, `${source.location} ${reach.detail}`)
          : fail(check, `${source.location} ${reach.detail}`, 'check the location, or remove the source');
      } catch (error) {
        return fail(
          check,
          `${source.location} ${message(error)}`,
          'check the location, or remove the source',
        );
      }
    }),
  );
}

/** Every check of a deployed stage, in the order an operator fixes them. */
export async function checkStage(deps: StageDoctorDeps): Promise<CheckResult[]> {
  const { config, account } = deps;
  const results: CheckResult[] = [ok('credentials', deps.reached)];
  let ses: SesAccountState | undefined;
  results.push(
    ...(await guarded(
      'ses account',
      () => account.sesAccount(),
      (state) => {
        ses = state;
        return judgeSesAccount(state);
      },
    )),
  );
  results.push(
    ...(await guarded(
      'identity',
      () => account.identity(config.sender.domain),
      (state) => judgeIdentity(config.sender.domain, state),
    )),
  );
  results.push(
    ...(await guarded(
      'receipt rule set',
      () => account.activeReceiptRuleSet(),
      (active) => judgeReceiptRuleSet(deps.receiptRuleSet, active),
    )),
  );
  const topic = `tidings-${config.stage}-alarms`;
  results.push(
    ...(await guarded(
      'alarm subscription',
      () => account.alarmSubscriptions(topic),
      (subscriptions) => judgeAlarmSubscription(topic, config.alarmEmail, subscriptions),
    )),
  );
  results.push(...(await sourceChecks(config, deps.sources)));
  if (ses) results.push(judgeSendRate(config.ses.maxSendRate, ses));
  if (deps.readers) results.push(...(await sendTimeChecks(config, deps.readers)));
  return results;
}

export interface LocalDoctorDeps {
  config: TidingsConfig;
  /** The Node.js version running the CLI (`process.versions.node`). */
  nodeVersion: string;
  /** Where the browser for previews and screenshots is, if any. */
  chromium: string | undefined;
  sources: SourceProbe;
  /** The local stack's readers, counted for the send-time check (left out: no such check). */
  readers?: ReaderProbe;
}

/**
 * The local setup: the configuration (already valid when this runs), Node.js, Chromium, sources,
 * and the time to send each edition's readers at the configured rate.
 */
export async function checkLocal(deps: LocalDoctorDeps): Promise<CheckResult[]> {
  const major = Number(deps.nodeVersion.split('.')[0]);
  const results: CheckResult[] = [
    ok(
      'configuration',
      `stage ${deps.config.stage}, ${countOf(deps.config.editions.length, 'edition')}, ${countOf(deps.config.sources.length, 'source')}`,
    ),
    major >= 20
      ? ok('node', `v${deps.nodeVersion}`)
      : fail('node', `v${deps.nodeVersion}`, 'use Node.js 20 or later'),
    deps.chromium
      ? ok('chromium', deps.chromium)
      : warn('chromium', 'not found', 'install Chromium for previews and screenshots (tidings preview)'),
  ];
  results.push(...(await sourceChecks(deps.config, deps.sources)));
  if (deps.readers) {
    results.push(
      ...(await sendTimeChecks(
        deps.config,
        deps.readers,
        'start the local stack (tidings dev) or check $TIDINGS_HOME, then run doctor again',
      )),
    );
  }
  return results;
}
