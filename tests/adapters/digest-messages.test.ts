import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestMessageBuilder } from '../../lambdas/adapters/digest-messages.js';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import type { Issue } from '../../lambdas/core/issue.js';
import { parseKeyring } from '../../lambdas/core/tokens.js';
import { digestInput } from '../support/digest-fixture.js';

const keyring = parseKeyring(JSON.stringify({ active: 'k1', keys: [{ id: 'k1', secret: 'x'.repeat(48) }] }));

describe('DigestMessageBuilder', () => {
  let issue: Issue;
  let builder: DigestMessageBuilder;

  beforeAll(async () => {
    const input = digestInput();
    const digest = await (await DigestRenderer.create()).render(input);
    issue = {
      id: input.issueId,
      edition: input.edition.id,
      localDate: input.localDate,
      state: 'sending',
      cutoff: '2026-11-30T06:00:00.000Z',
      briefIds: [],
      briefs: [],
      subject: digest.subject,
      html: digest.html,
      text: digest.text,
      ...(digest.publication ? { publication: digest.publication } : {}),
      counts: { enqueued: 0, fanouts: 0 },
      createdAt: '2026-11-30T06:00:00.000Z',
      updatedAt: '2026-11-30T06:00:00.000Z',
    };
    builder = new DigestMessageBuilder(input.config, keyring);
  });

  describe('a test copy (digest --to)', () => {
    it('says [Test] in its subject and does not claim the recipient subscribed', async () => {
      const message = await builder.buildTestCopy(issue, { email: 'editor@example.net' });
      const mail = await simpleParser(Buffer.from(message.raw));
      expect(mail.subject).toBe(`[Test] ${issue.subject}`);
      for (const part of [mail.text ?? '', mail.html || '']) {
        expect(part).toContain('A test copy of Tidings D.C. for editor@example.net, not sent to readers.');
        expect(part).not.toMatch(/subscribed/);
        expect(part).not.toContain('%%TIDINGS_SLOT_');
      }
      expect(message).toMatchObject({ to: 'editor@example.net', folder: 'tests' });
      expect(mail.headerLines.some((l) => l.key === 'list-unsubscribe')).toBe(true);
    });

    it('leaves a reader copy as readers get it: no [Test], the subscription named', async () => {
      const message = await builder.build(issue, { email: 'reader@example.com' });
      const mail = await simpleParser(Buffer.from(message.raw));
      expect(mail.subject).toBe(issue.subject);
      expect(mail.text).toContain('You get Tidings D.C. because you subscribed as reader@example.com.');
    });
  });
});
