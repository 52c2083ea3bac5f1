/**
 * Every command of `tidings`, declared once: its options, positionals, a description and examples.
 * `args.ts` parses each command's arguments from its spec and `help.ts` prints the same spec, so
 * `--help` always says what the parser accepts. A new command or option is added here first.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Repeatable; the values arrive as an array (editions also split on commas). */
  readonly multiple?: boolean;
  readonly short?: string;
  readonly default?: string | boolean;
  /** The command refuses to run without it. */
  readonly required?: boolean;
  /** The value's placeholder in help: `E`, `ID`, `EMAIL`. */
  readonly value?: string;
  /** One line. */
  readonly description: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly required?: boolean;
  readonly description: string;
}

/** A command that runs: `status`, or one subcommand such as `subscribers add`. */
export interface CommandSpec {
  /** The words after `tidings`: `status`, `subscribers add`. */
  readonly name: string;
  /** One line, for the list of every command. */
  readonly summary: string;
  /** More, when the summary is not enough (one or two sentences). */
  readonly description?: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** At least one, each a complete command line. */
  readonly examples: readonly [string, ...string[]];
}

/** A command made of subcommands: `briefs`, `subscribers`. */
export interface CommandGroupSpec {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: Readonly<Record<string, CommandSpec>>;
}

/** Options every command takes, before or after its name. */
export const GLOBAL_OPTIONS = {
  stage: {
    type: 'string',
    value: 'STAGE',
    description: 'operate that deployed stage (or TIDINGS_STAGE); without it, the local stack',
  },
  help: { type: 'boolean', short: 'h', description: 'show the help of tidings or of the command' },
} as const satisfies Record<string, OptionSpec>;

const edition = {
  type: 'string',
  multiple: true,
  value: 'E',
  description: 'edition id (dc, bxl, …); repeat or separate with commas',
} as const satisfies OptionSpec;

const requiredEdition = { ...edition, required: true } as const satisfies OptionSpec;

const issueId = {
  name: 'issue-id',
  required: true,
  description:
    'an issue id: <edition>-<YYYY-MM-DD>, e.g. dc-2026-11-30, or a weekly roundup <edition>-<YYYY>-W<ww>, e.g. dc-2026-W49',
} as const satisfies PositionalSpec;

const email = { name: 'email', required: true, description: 'the reader’s email address' } as const;

export const COMMAND_SPECS = {
  dev: {
    name: 'dev',
    summary: 'start the local stack, run one pass, then keep serving the API and the schedule',
    description:
      'One pass ingests, composes and sends every edition due or never sent; then the API serves ' +
      'and each edition goes out at its send time until Ctrl-C.',
    options: {
      reset: { type: 'boolean', default: false, description: 'empty $TIDINGS_HOME first' },
    },
    examples: ['tidings dev', 'tidings dev --reset'],
  },
  run: {
    name: 'run',
    summary: 'one pass now: ingest, compose and send every edition, print a summary, exit',
    description: 'A second run on the same day sends only to readers who have not had today’s issue.',
    options: {
      once: {
        type: 'boolean',
        default: false,
        description: 'required: one pass, then exit (the continuous schedule is "tidings dev")',
      },
    },
    examples: ['tidings run --once'],
  },
  ingest: {
    name: 'ingest',
    summary: 'ingest the configured sources, or the one given; a summary per source',
    description:
      'Exit 0 when the run completed (failing configured sources are reported), 2 when the ' +
      'given source cannot be read or parsed at all.',
    options: {
      source: {
        type: 'string',
        value: '<path|url>',
        description: 'one feed file or URL instead of the configured sources',
      },
      format: {
        type: 'string',
        value: 'F',
        description: 'format of --source: tidings, jsonfeed, rss, atom or rdf (default: detected)',
      },
      edition: { ...edition, description: 'edition(s) for items that name none; repeat or use commas' },
    },
    examples: [
      'tidings ingest',
      'tidings ingest --source samples/briefs.json --edition dc',
      'tidings ingest --source https://example.com/feed.xml --format rss --edition bxl',
    ],
  },
  briefs: {
    name: 'briefs',
    summary: 'list stored briefs, retract one, or correct how feed items were matched into stories',
    subcommands: {
      list: {
        name: 'briefs list',
        summary: 'one line per stored brief: id, editions, updated, headline; newest first',
        description:
          'With --json, one JSON array of the briefs as in the brief schema, each story with its items ' +
          '(the ids that "briefs split" takes).',
        options: {
          edition: { ...edition, description: 'only briefs of these editions' },
          json: {
            type: 'boolean',
            description: 'one JSON array: every brief with its signals, sources and items',
          },
        },
        examples: ['tidings briefs list --edition dc', 'tidings briefs list --edition dc --json'],
      },
      split: {
        name: 'briefs split',
        summary: 'take one feed item out of a story into a brief of its own; later runs keep it apart',
        positionals: [
          { name: 'id', required: true, description: 'the story’s brief id' },
          { name: 'item', required: true, description: 'the item’s id, as "briefs list --json" shows it' },
        ],
        options: {},
        examples: ['tidings briefs split harbour-desk:3f9c… meridian-wire:a71e…'],
      },
      merge: {
        name: 'briefs merge',
        summary: 'fold the second story into the first; the second stays out of every later issue',
        positionals: [
          { name: 'id', required: true, description: 'the story that stays' },
          { name: 'other', required: true, description: 'the story merged into it' },
        ],
        options: {},
        examples: ['tidings briefs merge harbour-desk:3f9c… meridian-wire:a71e…'],
      },
      retract: {
        name: 'briefs retract',
        summary: 'keep a brief out of every later issue',
        positionals: [
          { name: 'id', required: true, description: 'the brief’s id, as "briefs list" shows it' },
        ],
        options: {},
        examples: ['tidings briefs retract sample-dc-ports'],
      },
    },
  },
  preview: {
    name: 'preview',
    summary: 'render the issue an edition would get now, without sending',
    description:
      'Writes DIR/E.html, E.txt, E.eml and full-page screenshots E-desktop.png (1024 px) and ' +
      'E-mobile.png (375 px); nothing is sent or recorded.',
    options: {
      edition: requiredEdition,
      out: {
        type: 'string',
        default: 'preview',
        value: 'DIR',
        description: 'where to write the files (default ./preview)',
      },
      offline: { type: 'boolean', default: false, description: 'leave remote images out of the screenshots' },
    },
    examples: [
      'tidings preview --edition dc',
      'tidings preview --edition dc,sg --out /tmp/preview --offline',
    ],
  },
  digest: {
    name: 'digest',
    summary: 'compose and send an edition’s issue now',
    options: {
      edition: requiredEdition,
      'dry-run': {
        type: 'boolean',
        default: false,
        description: 'render and count readers only; send nothing',
      },
      to: {
        type: 'string',
        value: 'EMAIL',
        description: 'send one test copy to this address instead, not recorded as a send',
      },
    },
    examples: [
      'tidings digest --edition sg --dry-run',
      'tidings digest --edition sg --to editor@example.com',
    ],
  },
  approve: {
    name: 'approve',
    summary: 'release an issue held for approval and send it now',
    positionals: [issueId],
    options: {},
    examples: ['tidings approve dc-2026-11-30'],
  },
  cancel: {
    name: 'cancel',
    summary: 'stop a send in progress; readers not yet mailed are recorded as cancelled',
    positionals: [issueId],
    options: {},
    examples: ['tidings cancel dc-2026-11-30', 'tidings cancel dc-2026-W49'],
  },
  resend: {
    name: 'resend',
    summary: 'send one reader their copy of an issue again, or the readers left unknown, recorded',
    positionals: [issueId],
    options: {
      to: { type: 'string', value: 'EMAIL', description: 'the reader to send the copy to' },
      unknown: {
        type: 'boolean',
        description: 'send every reader whose send is unknown (after checking SES: see docs/delivery.md)',
      },
    },
    examples: [
      'tidings resend dc-2026-11-30 --to reader@example.com',
      'tidings resend dc-2026-11-30 --unknown',
    ],
  },
  status: {
    name: 'status',
    summary: 'what was sent to whom: one line per recent issue with its ledger counts',
    options: {
      issue: {
        type: 'string',
        value: 'ID',
        description: 'only this issue (e.g. dc-2026-11-30, or the roundup dc-2026-W49)',
      },
      recipients: {
        type: 'boolean',
        default: false,
        description: 'with --issue: one line per recipient with state and SES message id',
      },
    },
    examples: ['tidings status', 'tidings status --issue dc-2026-11-30 --recipients'],
  },
  doctor: {
    name: 'doctor',
    summary: 'what the local setup or a deployed stage still needs, one line per check',
    description:
      'Lines read ok, warn or fail with what to do; exit 0 when no check fails. With --stage: credentials, the SES account (sandbox or production, quota, rate), identity, DKIM, MAIL FROM, the receipt rule set, the alarm subscription, each source, and ses.maxSendRate against the account.',
    options: {},
    examples: ['tidings doctor', 'tidings doctor --stage prod'],
  },
  subscribers: {
    name: 'subscribers',
    summary: 'the reader list: list, add, import, remove, forget, export',
    subcommands: {
      list: {
        name: 'subscribers list',
        summary: 'one line per subscriber: <email> <status> <edition,…> <zone> <rhythm> <edition@HH:MM,…>',
        description:
          'After the editions: the reader’s time zone (- for none: each edition’s own), their rhythm (daily, weekdays or weekly), and when each edition reaches them today in their zone.',
        options: {
          edition: { ...edition, description: 'only readers of these editions' },
          status: {
            type: 'string',
            value: 'S',
            description: 'only this status: pending, active, unsubscribed, bounced or complained',
          },
        },
        examples: ['tidings subscribers list --edition dc --status active'],
      },
      add: {
        name: 'subscribers add',
        summary: 'add a reader, active at once (consent recorded as given by the operator)',
        positionals: [email],
        options: {
          edition: { ...requiredEdition, description: 'the editions the reader gets; repeat or use commas' },
          name: { type: 'string', value: 'NAME', description: 'the reader’s name' },
          'time-zone': {
            type: 'string',
            value: 'ZONE',
            description: 'the reader’s IANA time zone, e.g. Europe/Brussels (default: each edition’s own)',
          },
          rhythm: { type: 'string', value: 'R', description: 'daily (default), weekdays or weekly' },
        },
        examples: [
          'tidings subscribers add ada@example.com --edition dc,sg --name "Ada L."',
          'tidings subscribers add raj@example.com --edition sg --time-zone Asia/Kolkata --rhythm weekly',
        ],
      },
      import: {
        name: 'subscribers import',
        summary:
          'import a CSV with columns email, editions, opted_in, time_zone, rhythm (the last three optional); bad rows reported by line',
        description:
          'Rows without opted_in=yes get a confirmation email and stay pending until confirmed. A header row may name the columns in any order; time_zone is an IANA zone, rhythm daily, weekdays or weekly.',
        positionals: [{ name: 'file.csv', required: true, description: 'the CSV file' }],
        options: {},
        examples: ['tidings subscribers import readers.csv'],
      },
      remove: {
        name: 'subscribers remove',
        summary: 'unsubscribe a reader from every edition (the record is kept)',
        positionals: [email],
        options: {},
        examples: ['tidings subscribers remove ada@example.com'],
      },
      forget: {
        name: 'subscribers forget',
        summary: 'erase a reader’s personal data, keeping only a hashed suppression entry',
        positionals: [email],
        options: {},
        examples: ['tidings subscribers forget ada@example.com'],
      },
      export: {
        name: 'subscribers export',
        summary: 'CSV of everything held about every reader, consent included',
        options: {},
        examples: ['tidings subscribers export > readers.csv'],
      },
    },
  },
} as const satisfies Record<string, CommandSpec | CommandGroupSpec>;

/** The specs by name, for lookups of a name typed by the operator. */
export const COMMANDS: Readonly<Record<string, CommandSpec | CommandGroupSpec>> = COMMAND_SPECS;

export function isGroup(spec: CommandSpec | CommandGroupSpec): spec is CommandGroupSpec {
  return 'subcommands' in spec;
}
