import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import {
  fillSlots,
  publicHtml,
  publicLinks,
  recipientSlotValues,
  SLOT_MARKERS,
  SLOT_NAMES,
} from '../../lambdas/core/digest.js';
import { digestBrief, digestInput, recipient } from '../support/digest-fixture.js';
import { DIGEST_HTML_LIMIT, sizeProblem } from '../support/email-size.js';

function documentOf(html: string): Document {
  return parseHTML(html).document as unknown as Document;
}

/** The briefs' images: every image but the masthead's wordmark. */
function briefImages(doc: Document): Element[] {
  return [...doc.querySelectorAll('img')].filter((img) => !img.closest('h1'));
}

function visibleText(doc: Document): string {
  return (doc.body.textContent ?? '').replace(/\s+/g, ' ');
}

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{ config.sender.address }}',
  '{% raw %}{% endraw %}{% include "digest" %}',
  '" onmouseover="alert(1)',
  "' onclick='alert(1)",
  '</mj-text><mj-raw><script>alert(2)</script></mj-raw>',
  '<!-- comment --> ]]> <![CDATA[x]]>',
];

describe('DigestRenderer', () => {
  let renderer: DigestRenderer;
  beforeAll(async () => {
    renderer = await DigestRenderer.create();
  });

  describe('the twelve-brief fixture', () => {
    it('shows every brief and signal with its sources, in reading order', async () => {
      const input = digestInput();
      const digest = await renderer.render(input);
      const doc = documentOf(digest.html);
      const headlines = [...doc.querySelectorAll('.hl, .h')].map((h) => h.textContent?.trim());
      expect(headlines).toHaveLength(12);
      expect(new Set(headlines)).toEqual(new Set(input.briefs.map((b) => b.headline)));
      const text = visibleText(doc);
      for (const brief of input.briefs) {
        expect(text).toContain(brief.news[0]);
        for (const signal of brief.signals) {
          expect(text).toContain(signal.headline);
          expect(text).toContain(
            `${signal.sources.length === 1 ? 'Source' : 'Sources'}: ${signal.sources.map((s) => s.name).join(', ')}`,
          );
          for (const source of signal.sources) {
            if (!source.url) continue;
            const link = [...doc.querySelectorAll('a')].find((a) => a.getAttribute('href') === source.url);
            expect(link?.textContent).toBe(source.name);
          }
        }
        if (brief.url) expect(doc.querySelector(`a[href="${brief.url}"]`)).not.toBeNull();
      }
      expect(doc.querySelectorAll('.u')).toHaveLength(input.briefs.filter((b) => b.updated).length);
    });

    it("stays within 60 KB of HTML with a reader's values in, without dropping content", async () => {
      const input = digestInput();
      const digest = await renderer.render(input);
      expect(digest.htmlBytes).toBeLessThanOrEqual(DIGEST_HTML_LIMIT);
      const reader = recipientSlotValues(digest.publication ?? '', recipient('reader@example.com', 'Reader'));
      expect(sizeProblem(fillSlots(digest.html, reader, 'html'))).toBeUndefined();
      const text = visibleText(documentOf(digest.html));
      for (const brief of input.briefs) {
        expect(text).toContain(brief.headline);
        for (const paragraph of [...brief.news, ...brief.signals.map((s) => s.body)]) {
          expect(text).toContain(paragraph.replace(/\s+/g, ' '));
        }
      }
    });

    it('fails the size gate on a planted oversized block, naming it', async () => {
      const digest = await renderer.render(digestInput());
      const planted = digest.html.replace(
        '<p class="lb">The News</p>',
        `<p class="bloat">${'x '.repeat(4000)}</p>`,
      );
      expect(sizeProblem(planted)).toMatch(
        /^\d+ bytes of HTML, over the 61440-byte limit; largest: <p class="bloat"> "x x x/,
      );
    });

    it('gives every image width, height and alt text, and every link is absolute http(s) or an anchor in the email', async () => {
      const digest = await renderer.render(digestInput());
      const doc = documentOf(digest.html);
      const images = briefImages(doc);
      expect(images.length).toBeGreaterThan(0);
      for (const img of images) {
        expect(img.getAttribute('alt')?.trim()).toBeTruthy();
        expect(img.getAttribute('width')).toBe('552');
        expect(img.getAttribute('height')).toBe('311');
      }
      for (const a of doc.querySelectorAll('a')) {
        const href = a.getAttribute('href') ?? '';
        if (Object.values(SLOT_MARKERS).includes(href)) continue;
        if (href.startsWith('#')) expect(doc.getElementById(href.slice(1))).not.toBeNull();
        else expect(href).toMatch(/^https?:\/\//);
      }
    });

    it('has a title, a hidden preheader and a subject naming the edition and the lead', async () => {
      const input = digestInput();
      const digest = await renderer.render(input);
      const doc = documentOf(digest.html);
      expect(digest.subject.startsWith('Tidings D.C.: ')).toBe(true);
      expect(doc.querySelector('title')?.textContent).toBe(digest.subject);
      const preheader = [...doc.querySelectorAll('div')].find((d) =>
        d.getAttribute('style')?.includes('display:none'),
      );
      expect(preheader?.textContent?.trim()).toBe(digest.preheader);
      expect(doc.querySelector('.hl')?.textContent).toBe(digest.subject.slice('Tidings D.C.: '.length));
    });

    it('carries every recipient slot, and the footer holds the postal address and the web link', async () => {
      const input = digestInput();
      const digest = await renderer.render(input);
      for (const name of SLOT_NAMES) expect(digest.html).toContain(SLOT_MARKERS[name]);
      const doc = documentOf(digest.html);
      expect(visibleText(doc)).toContain(input.config.postalAddress);
      expect(doc.querySelector('a[href="http://127.0.0.1:3000/issues/dc-2026-11-30"]')?.textContent).toBe(
        'View in browser',
      );
    });
  });

  describe('a full render for one recipient', () => {
    it('puts absolute, escaped reader links and the greeting in the footer', async () => {
      const input = digestInput();
      const reader = recipient('ana@example.com', 'Ana <b>Lima</b>');
      const doc = documentOf((await renderer.renderFor(input, reader)).html);
      const text = visibleText(doc);
      expect(text).toContain('Good morning, Ana <b>Lima</b>.');
      expect([...doc.querySelectorAll('b')].some((b) => b.textContent === 'Lima')).toBe(false);
      expect(text).toContain('You get Tidings D.C. because you subscribed as ana@example.com.');
      const unsubscribe = [...doc.querySelectorAll('a')].find((a) => a.textContent === 'Unsubscribe');
      expect(unsubscribe?.getAttribute('href')).toBe(reader.unsubscribeUrl);
      const preferences = [...doc.querySelectorAll('a')].find((a) => a.textContent === 'Manage preferences');
      expect(preferences?.getAttribute('href')).toBe(reader.preferencesUrl);
    });
  });

  describe('the web version', () => {
    it('holds no reader data: a sign-up link instead of unsubscribe, no slot left', async () => {
      const input = digestInput();
      const html = publicHtml(await renderer.render(input), publicLinks(input.config, input.edition));
      expect(html).not.toContain('%%TIDINGS_SLOT_');
      const doc = documentOf(html);
      const subscribe = [...doc.querySelectorAll('a')].find((a) => a.textContent === 'Subscribe');
      expect(subscribe?.getAttribute('href')).toBe('http://127.0.0.1:3000/');
      expect(html).not.toMatch(/unsubscribe\?token|preferences\?token/);
    });
  });

  describe('hostile brief text', () => {
    it.each(HOSTILE)(
      'keeps %s inert: shown as text, no script, handler or javascript: link',
      async (payload) => {
        const brief = digestBrief({
          id: 'hostile',
          headline: `Headline ${payload}`,
          dek: `Dek ${payload}`,
          topic: 'security',
          region: 'Region',
          editions: ['dc'],
          publishedAt: '2026-11-30T01:00:00Z',
          updatedAt: '2026-11-30T02:00:00Z',
          image: { url: 'https://images.example/x.jpg', alt: `Alt ${payload}`, credit: `Credit ${payload}` },
          news: [`News ${payload}`],
          signals: [
            {
              headline: `Signal ${payload}`,
              body: `Body ${payload}`,
              sources: [{ name: `Source ${payload}`, url: 'https://s.example/' }],
            },
          ],
        });
        const digest = await renderer.render(digestInput([brief]));
        const doc = documentOf(digest.html);
        expect(doc.querySelectorAll('script')).toHaveLength(0);
        expect(doc.querySelectorAll('mj-raw, mj-text')).toHaveLength(0);
        for (const el of doc.querySelectorAll('*')) {
          for (const attr of el.getAttributeNames()) {
            expect(attr.startsWith('on')).toBe(false);
            expect(el.getAttribute(attr) ?? '').not.toMatch(/^\s*javascript:/i);
          }
        }
        const text = visibleText(doc);
        for (const field of ['Headline', 'Dek', 'News', 'Signal', 'Body', 'Credit']) {
          expect(text).toContain(`${field} ${payload.replace(/\s+/g, ' ')}`);
        }
        expect(briefImages(doc)[0]?.getAttribute('alt')).toBe(`Alt ${payload}`);
        expect(digest.text).toContain(`Headline ${payload}`.toUpperCase());
        expect(digest.text).not.toContain('tidings.example</');
      },
    );

    it('renders literal Liquid braces as text, never evaluated', async () => {
      const brief = digestBrief({
        id: 'braces',
        headline: 'Braces {{ 7 | times: 6 }} and {% if true %}tag{% endif %}',
        topic: 'security',
        editions: ['dc'],
        publishedAt: '2026-11-30T01:00:00Z',
        updatedAt: '2026-11-30T02:00:00Z',
        news: ['{{ slots.unsubscribeUrl }}'],
      });
      const digest = await renderer.render(digestInput([brief]));
      const text = visibleText(documentOf(digest.html));
      expect(text).toContain('Braces {{ 7 | times: 6 }} and {% if true %}tag{% endif %}');
      expect(text).not.toContain('42');
      expect(text).toContain('{{ slots.unsubscribeUrl }}');
    });
  });

  describe('a minimal brief', () => {
    it('renders without dek, region, url, signals, or an image credit', async () => {
      const brief = digestBrief({
        id: 'minimal',
        headline: 'Only the essentials',
        topic: 'health',
        editions: ['dc'],
        publishedAt: '2026-11-30T01:00:00Z',
        updatedAt: '2026-11-30T01:00:00Z',
        image: { url: 'https://images.example/a.jpg', alt: 'A clinic waiting room' },
        news: ['One paragraph.\n\nAnd a second one after a blank line.'],
      });
      const digest = await renderer.render(digestInput([brief]));
      const doc = documentOf(digest.html);
      expect(doc.querySelector('.hl')?.textContent).toBe('Only the essentials');
      expect(doc.querySelector('.hl a')).toBeNull();
      expect([...doc.querySelectorAll('.lb')].map((h) => h.textContent)).toEqual(['The News']);
      expect(doc.querySelectorAll('.cap, .more, .dk, .d')).toHaveLength(0);
      expect(briefImages(doc)[0]?.getAttribute('alt')).toBe('A clinic waiting room');
      expect(visibleText(doc)).toContain('In this issue: 1 brief');
      expect(doc.querySelectorAll('h2.sx')).toHaveLength(0);
      expect(digest.text).toContain('One paragraph.\n\nAnd a second one after a blank line.');
    });
  });

  describe('images on an https stage', () => {
    it('leaves out an image that is not https and logs why', async () => {
      const warnings: string[] = [];
      const logging = await DigestRenderer.create({ warn: (message) => warnings.push(message) });
      const brief = digestBrief({
        id: 'plain-http',
        headline: 'A picture over plain http',
        topic: 'health',
        editions: ['dc'],
        publishedAt: '2026-11-30T01:00:00Z',
        updatedAt: '2026-11-30T01:00:00Z',
        image: { url: 'http://images.example/a.jpg', alt: 'A clinic' },
        news: ['Text.'],
      });
      const { wordmark: _, ...config } = digestInput().config;
      const digest = await logging.render(
        digestInput([brief], { ...config, baseUrl: 'https://news.example' }),
      );
      expect(digest.html).not.toContain('http://images.example/a.jpg');
      expect(warnings).toEqual([
        'digest dc-2026-11-30: brief plain-http: image http://images.example/a.jpg left out: not https on a stage whose baseUrl is https',
      ]);
      expect(digest.notes).toHaveLength(1);
    });
  });
});
