import MailComposer from 'nodemailer/lib/mail-composer';
import type { TidingsConfig } from '../../core/config.js';
import type { OutgoingMessage } from '../../core/ports.js';
import type { ConfirmationEmail, ConfirmationMessage } from '../../core/subscriptions.js';

function escapeText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A plain confirmation email (text and simple HTML), used where the designed template is not
 * available. The link is the only thing in it that acts; pressing Confirm on the page it opens is
 * what subscribes.
 */
export class PlainConfirmationEmail implements ConfirmationEmail {
  constructor(private readonly config: TidingsConfig) {}

  async compose(message: ConfirmationMessage): Promise<OutgoingMessage> {
    const { sender, postalAddress } = this.config;
    const names = message.editions.map((e) => `Tidings ${e.name}`).join(', ');
    const days = this.config.api.confirmationTtlDays;
    const text = [
      'Please confirm your subscription.',
      '',
      `Someone, hopefully you, asked to receive ${names} at ${message.to}.`,
      'Open this link and press Confirm to start receiving it:',
      '',
      message.confirmUrl,
      '',
      `The link works for ${days} day${days === 1 ? '' : 's'}. If you did not ask, ignore this email: nothing will be sent.`,
      '',
      `${sender.name}, ${postalAddress}`,
    ].join('\n');
    const html = `<!doctype html><html lang="en"><body style="font-family:Georgia,serif;color:#1a1a1a">
<h1 style="font-size:20px">Please confirm your subscription</h1>
<p>Someone, hopefully you, asked to receive <strong>${escapeText(names)}</strong> at ${escapeText(message.to)}.</p>
<p><a href="${escapeText(message.confirmUrl)}" style="display:inline-block;padding:10px 18px;background:#0b4f6c;color:#fff;text-decoration:none">Confirm my subscription</a></p>
<p>The link works for ${days} day${days === 1 ? '' : 's'}. If you did not ask, ignore this email: nothing will be sent.</p>
<p style="color:#555;font-size:12px">${escapeText(sender.name)}, ${escapeText(postalAddress)}</p>
</body></html>`;
    const composer = new MailComposer({
      from: { name: sender.name, address: sender.address },
      to: message.to,
      subject: `Confirm your subscription to ${names}`.slice(0, 200),
      text,
      html,
      ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
    });
    const raw = await composer.compile().build();
    return { raw: new Uint8Array(raw), from: sender.address, to: message.to, folder: 'confirmations' };
  }
}
