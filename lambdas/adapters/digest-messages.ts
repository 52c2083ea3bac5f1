import { findEdition, type TidingsConfig } from '../core/config.js';
import { publicationName } from '../core/digest.js';
import type { Issue } from '../core/issue.js';
import type { MessageBuilder, OutgoingMessage } from '../core/ports.js';
import type { Recipient } from '../core/subscriber.js';
import { type Keyring, readerLinks } from '../core/tokens.js';
import { type PreparedMessage, personalize, prepareMessage } from './mime.js';

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

  private prepare(issue: Issue): Promise<PreparedMessage> {
    let prepared = this.prepared.get(issue.id);
    if (!prepared) {
      if (issue.subject === undefined || issue.html === undefined || issue.text === undefined) {
        throw new Error(`issue ${issue.id} has no rendered digest (state ${issue.state})`);
      }
      const sender = this.config.sender;
      const edition = findEdition(this.config, issue.edition);
      const publication =
        issue.publication ?? (edition ? publicationName(this.config, edition) : this.config.sender.name);
      prepared = prepareMessage(
        { subject: issue.subject, html: issue.html, text: issue.text, publication },
        {
          from: `${sender.name} <${sender.address}>`,
          ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
          listId: `${publication} <${issue.edition}.${sender.domain}>`,
          publication,
          issueId: issue.id,
          configurationSet: this.config.ses.configurationSet,
        },
      );
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
    return { raw, from: this.config.sender.address, to: recipient.email, folder: issue.id };
  }
}
