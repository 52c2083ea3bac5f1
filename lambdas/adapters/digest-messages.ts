import { findEdition, type TidingsConfig } from '../core/config.js';
import { fillSlots, publicationName, testCopySlotValues, testCopySubject } from '../core/digest.js';
import type { Issue } from '../core/issue.js';
import type { MessageBuilder, OutgoingMessage } from '../core/ports.js';
import type { Recipient } from '../core/subscriber.js';
import { type Keyring, readerLinks } from '../core/tokens.js';
import {
  composeMessage,
  type MessageEnvelope,
  type PreparedMessage,
  personalize,
  prepareMessage,
} from './mime.js';

/** Issues whose encoded body a worker keeps; a worker rarely sees more than one or two. */
const CACHE_SIZE = 8;

/**
 * Builds each reader's digest: the MIME body is encoded once per issue per worker (cached), then
 * each reader's links are spliced in. Uses only the MIME module, never the MJML compiler.
 */
export class DigestMessageBuilder implements MessageBuilder {
  private readonly prepared = new Map<string, Promise<PreparedMessage>>();

  constructor(
    private readonly config: TidingsConfig,
    private readonly keyring: Keyring,
  ) {}

  /** The issue's rendered parts and the envelope every copy of it shares. */
  private parts(issue: Issue): {
    digest: { subject: string; html: string; text: string; publication: string };
    envelope: MessageEnvelope;
  } {
    if (issue.subject === undefined || issue.html === undefined || issue.text === undefined) {
      throw new Error(`issue ${issue.id} has no rendered digest (state ${issue.state})`);
    }
    const sender = this.config.sender;
    const edition = findEdition(this.config, issue.edition);
    const publication =
      issue.publication ?? (edition ? publicationName(this.config, edition) : this.config.sender.name);
    return {
      digest: { subject: issue.subject, html: issue.html, text: issue.text, publication },
      envelope: {
        from: `${sender.name} <${sender.address}>`,
        ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
        listId: `${publication} <${issue.edition}.${sender.domain}>`,
        publication,
        issueId: issue.id,
        configurationSet: this.config.ses.configurationSet,
      },
    };
  }

  private prepare(issue: Issue): Promise<PreparedMessage> {
    let prepared = this.prepared.get(issue.id);
    if (!prepared) {
      const { digest, envelope } = this.parts(issue);
      prepared = prepareMessage(digest, envelope);
      prepared.catch(() => this.prepared.delete(issue.id));
      this.prepared.set(issue.id, prepared);
      if (this.prepared.size > CACHE_SIZE) {
        const oldest = this.prepared.keys().next().value;
        if (oldest !== undefined) this.prepared.delete(oldest);
      }
    }
    return prepared;
  }

  async build(issue: Issue, recipient: Recipient): Promise<OutgoingMessage> {
    const prepared = await this.prepare(issue);
    const links = readerLinks(this.keyring, {
      baseUrl: this.config.baseUrl,
      mailDomain: this.config.sender.domain,
      email: recipient.email,
      edition: issue.edition,
    });
    const raw = personalize(prepared, {
      ...links,
      email: recipient.email,
      ...(recipient.name ? { name: recipient.name } : {}),
    });
    return {
      raw,
      from: this.config.sender.address,
      to: recipient.email,
      folder: issue.id,
      issueId: issue.id,
    };
  }

  /**
   * A test copy (`tidings digest --to`): "[Test]" before the subject, and a footer that says it
   * is a test copy instead of claiming the recipient subscribed. Composed whole, once; never
   * for readers.
   */
  async buildTestCopy(issue: Issue, recipient: Recipient): Promise<OutgoingMessage> {
    const { digest, envelope } = this.parts(issue);
    const links = {
      ...readerLinks(this.keyring, {
        baseUrl: this.config.baseUrl,
        mailDomain: this.config.sender.domain,
        email: recipient.email,
        edition: issue.edition,
      }),
      email: recipient.email,
      ...(recipient.name ? { name: recipient.name } : {}),
    };
    const slots = testCopySlotValues(digest.publication, links);
    const raw = await composeMessage(
      {
        subject: testCopySubject(digest.subject),
        html: fillSlots(digest.html, slots, 'html'),
        text: fillSlots(digest.text, slots, 'text'),
      },
      envelope,
      links,
    );
    return { raw, from: this.config.sender.address, to: recipient.email, folder: 'tests' };
  }
}
