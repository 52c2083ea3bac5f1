import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../cli/local/chromium.js';
import { runAsScript } from './run-as-script.js';

/**
 * Draws the sample briefs' pictures and the sample wordmark: simple abstract illustrations made
 * for this project (no photograph, nothing licensed from anyone), drawn as SVG in headless
 * Chromium and saved as JPEG (PNG for the wordmark), because mail clients do not show SVG.
 * Pictures are 1104 × 621 px, twice the digest's 552 × 311 image box, for 2× screens.
 *
 *   npx tsx scripts/sample-images.ts     # rewrites samples/images/
 */

const OUT = fileURLToPath(new URL('../samples/images/', import.meta.url));
export const PICTURE = { width: 1104, height: 621 } as const;
export const WORDMARK = { width: 360, height: 80 } as const;

const W = PICTURE.width;
const H = PICTURE.height;

function sky(top: string, bottom: string): string {
  return `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs><rect width="${W}" height="${H}" fill="url(#sky)"/>`;
}

function repeat(count: number, draw: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => draw(i)).join('');
}

/** One drawing per sample picture, keyed by file name (without extension). */
export const PICTURES: Record<string, string> = {
  'transmission-towers-plains':
    sky('#2b2d5c', '#f29e62') +
    `<circle cx="820" cy="420" r="70" fill="#ffd58a"/>` +
    `<rect y="470" width="${W}" height="151" fill="#3b3a2a"/>` +
    repeat(12, (i) => `<rect y="${480 + i * 12}" width="${W}" height="5" fill="#56543b" opacity=".6"/>`) +
    repeat(4, (i) => {
      const x = 120 + i * 270;
      const s = 1 - i * 0.12;
      const top = 470 - 330 * s;
      return `<g stroke="#15152b" stroke-width="${6 * s}" fill="none"><path d="M${x - 50 * s} 470 L${x} ${top} L${x + 50 * s} 470 M${x - 70 * s} ${top + 60 * s} H${x + 70 * s} M${x - 55 * s} ${top + 110 * s} H${x + 55 * s} M${x - 35 * s} ${top + 180 * s} L${x + 42 * s} 470 M${x + 35 * s} ${top + 180 * s} L${x - 42 * s} 470"/></g>`;
    }) +
    `<path d="M50 ${200} Q 185 260 320 ${214} T 590 ${238} T 860 ${262} T 1104 280" stroke="#15152b" stroke-width="2" fill="none"/>`,
  'server-hall-blue-light':
    sky('#06122b', '#0b2f5c') +
    `<polygon points="0,621 1104,621 700,330 404,330" fill="#0a1c3a"/>` +
    repeat(5, (i) => {
      const x = 40 + i * 70;
      return `<rect x="${x}" y="${90 + i * 30}" width="52" height="${450 - i * 55}" fill="#102a52" stroke="#2f7fd1" stroke-width="2"/>${repeat(8, (j) => `<rect x="${x + 10}" y="${110 + i * 30 + j * 40}" width="${j % 3 === 0 ? 8 : 26}" height="5" fill="${j % 2 ? '#49d3ff' : '#2f7fd1'}"/>`)}`;
    }) +
    repeat(5, (i) => {
      const x = 1012 - i * 70;
      return `<rect x="${x}" y="${90 + i * 30}" width="52" height="${450 - i * 55}" fill="#102a52" stroke="#2f7fd1" stroke-width="2"/>${repeat(8, (j) => `<rect x="${x + 16}" y="${110 + i * 30 + j * 40}" width="${j % 3 === 1 ? 8 : 26}" height="5" fill="${j % 2 ? '#2f7fd1' : '#49d3ff'}"/>`)}`;
    }) +
    `<rect x="470" y="300" width="164" height="6" fill="#49d3ff" opacity=".8"/>`,
  'container-cranes-fog':
    sky('#c9cfd3', '#e9ecec') +
    `<rect y="470" width="${W}" height="151" fill="#7d8b92"/>` +
    repeat(3, (i) => {
      const x = 180 + i * 330;
      return `<g fill="none" stroke="#39464e" stroke-width="10" opacity="${1 - i * 0.25}"><path d="M${x} 470 V130 M${x + 90} 470 V130 M${x - 120} 130 H${x + 260} M${x} 300 H${x + 90}"/></g>`;
    }) +
    repeat(9, (i) => {
      const colours = ['#b5523b', '#2e6e8e', '#d9a441', '#4f7d5c'];
      return `<rect x="${60 + i * 112}" y="${420 - (i % 3) * 34}" width="100" height="${50 + (i % 3) * 34}" fill="${colours[i % 4]}"/>`;
    }) +
    `<rect width="${W}" height="${H}" fill="#eef1f2" opacity=".35"/>`,
  'lagos-rail-platform':
    sky('#f7c873', '#f39c50') +
    `<circle cx="230" cy="170" r="80" fill="#fff2c2"/>` +
    `<rect y="420" width="${W}" height="201" fill="#5b4a3b"/>` +
    `<rect y="400" width="${W}" height="24" fill="#d8d2c4"/>` +
    `<rect x="120" y="250" width="880" height="150" rx="30" fill="#1f6f5c"/>` +
    repeat(7, (i) => `<rect x="${160 + i * 118}" y="280" width="90" height="60" rx="8" fill="#cfe9e1"/>`) +
    `<rect x="120" y="352" width="880" height="14" fill="#f2c14e"/>` +
    repeat(10, (i) => `<rect x="${i * 112}" y="560" width="80" height="12" fill="#2f2a24"/>`),
  'riyadh-metro-station':
    sky('#e8d2b0', '#c98f5a') +
    `<path d="M0 621 V330 Q 552 40 1104 330 V621 Z" fill="#f4ead8"/>` +
    repeat(
      11,
      (i) =>
        `<path d="M${i * 110 + 20} 621 V${360 - Math.sin((i / 10) * Math.PI) * 180} l 40 -40 l 40 40 V621 Z" fill="${i % 2 ? '#d9b98b' : '#e6cda5'}"/>`,
    ) +
    `<rect y="520" width="${W}" height="101" fill="#8c6a4a"/>` +
    `<rect x="300" y="430" width="504" height="90" rx="20" fill="#7a2e3a"/>` +
    repeat(5, (i) => `<rect x="${330 + i * 95}" y="450" width="70" height="40" rx="6" fill="#f6e7c9"/>`),
  'ev-assembly-line':
    sky('#dfe6ea', '#b7c3ca') +
    `<rect y="430" width="${W}" height="191" fill="#59656d"/>` +
    `<rect y="430" width="${W}" height="14" fill="#f2c14e"/>` +
    repeat(3, (i) => {
      const x = 90 + i * 340;
      return `<g><rect x="${x}" y="340" width="260" height="70" rx="30" fill="${['#2f7fd1', '#e0e5e8', '#b5523b'][i]}"/><path d="M${x + 50} 340 Q ${x + 110} 280 ${x + 190} 340 Z" fill="#9fb3bf"/><circle cx="${x + 60}" cy="414" r="26" fill="#222"/><circle cx="${x + 200}" cy="414" r="26" fill="#222"/></g>`;
    }) +
    repeat(
      4,
      (i) =>
        `<path d="M${200 + i * 250} 0 V120 l 40 60 l -20 40" stroke="#f28c28" stroke-width="14" fill="none"/>`,
    ),
  'mekong-river-boats':
    sky('#9cc9d9', '#e8d8a8') +
    `<path d="M0 260 Q 200 200 420 250 T 820 230 T 1104 250 V330 H0 Z" fill="#4f7d5c"/>` +
    `<rect y="320" width="${W}" height="301" fill="#b08a57"/>` +
    repeat(
      8,
      (i) =>
        `<path d="M0 ${360 + i * 32} Q 276 ${350 + i * 32} 552 ${362 + i * 32} T 1104 ${358 + i * 32}" stroke="#c9a46e" stroke-width="4" fill="none"/>`,
    ) +
    repeat(3, (i) => {
      const x = 160 + i * 330;
      const y = 400 + (i % 2) * 80;
      return `<g><path d="M${x} ${y} h 200 l -30 40 h -140 Z" fill="#6b3b24"/><rect x="${x + 60}" y="${y - 40}" width="80" height="40" fill="#e8c25a"/></g>`;
    }),
};

function pictureHtml(svg: string, width: number, height: number): string {
  return `<!doctype html><html><body style="margin:0"><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${svg}</svg></body></html>`;
}

const WORDMARK_SVG = `<rect width="${WORDMARK.width}" height="${WORDMARK.height}" rx="10" fill="#0f5b66"/><text x="28" y="58" font-family="Georgia, 'DejaVu Serif', serif" font-size="50" font-weight="bold" fill="#ffffff">Tidings</text><circle cx="318" cy="40" r="12" fill="#f2c14e"/>`;

async function main(): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'tidings-sample-images-'));
  try {
    const context = await launchChromium(profile);
    try {
      const page = await context.newPage();
      for (const [name, svg] of Object.entries(PICTURES)) {
        await page.setViewportSize(PICTURE);
        await page.setContent(pictureHtml(svg, W, H));
        const path = join(OUT, `${name}.jpg`);
        await writeFile(path, await page.screenshot({ type: 'jpeg', quality: 70 }));
        console.log(`wrote samples/images/${name}.jpg`);
      }
      await page.setViewportSize(WORDMARK);
      await page.setContent(pictureHtml(WORDMARK_SVG, WORDMARK.width, WORDMARK.height));
      await writeFile(
        join(OUT, 'wordmark.png'),
        await page.screenshot({ type: 'png', omitBackground: true }),
      );
      console.log('wrote samples/images/wordmark.png');
    } finally {
      await context.close();
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, main);
