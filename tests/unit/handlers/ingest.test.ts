import { beforeAll, describe, expect, it } from 'vitest';
import { ingestEventHandler } from '../../../lambdas/adapters/events/ingest.js';
import { createFetchSource } from '../../../lambdas/adapters/feeds/source.js';
import type { SourceConfig } from '../../../lambdas/core/config.js';
import type { IngestSummary } from '../../../lambdas/core/ingest.js';
import { MemoryBriefStore } from '../../support/fakes/brief-store.js';
import { testConfig } from '../../support/stack.js';

describe('ingest handler', () => {
  let handler: (event: unknown) => Promise<IngestSummary[]>;
  const store = new MemoryBriefStore();
  const warnings: string[] = [];

  beforeAll(async () => {
    const base = await testConfig();
    const sources: SourceConfig[] = [
      { id: 'desk', location: 'samples/briefs.json', format: 'tidings', editions: [] },
      {
        id: 'guardian',
        location: 'tests/fixtures/feeds/rss2-guardian-us.xml',
        format: 'rss',
        editions: ['dc'],
      },
      { id: 'missing', location: 'tests/fixtures/feeds/none.xml', format: 'auto', editions: ['dc'] },
    ];
    const config = { ...base, sources };
    handler = ingestEventHandler({
      config,
      ingest: {
        // Local files only: the fetch step reads the project's fixtures, as the bundle reads its own.
        fetchSource: createFetchSource({ root: process.cwd(), ingest: config.ingest }),
        store,
        clock: { now: () => new Date() },
        config,
      },
      log: (level, message) => {
        if (level !== 'info') warnings.push(message);
      },
    });
  });

  it('ingests every configured source and returns one summary each, a broken one included', async () => {
    const summaries = await handler({ 'detail-type': 'Scheduled Event' });
    expect(summaries.map((s) => s.source)).toEqual(['desk', 'guardian', 'missing']);
    expect(summaries[1]).toMatchObject({ new: 55, rejected: [] });
    expect(summaries[2]?.error).toMatch(/cannot read tests\/fixtures\/feeds\/none.xml: ENOENT/);
    expect(warnings).toContain('source missing failed');
    expect((await store.listByEdition('dc', { limit: 1 })).items).toHaveLength(1);
  });

  it('ingests only the sources an event names', async () => {
    const summaries = await handler({ sources: ['guardian'] });
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      source: 'guardian',
      fetched: 55,
      new: 0,
      updated: 0,
      unchanged: 55,
      rejected: [],
    });
  });

  it('bundles without the MJML compiler', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: ['lambdas/handlers/ingest.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('fast-xml-parser'))).toBe(true);
    expect(inputs.filter((path) => /node_modules\/(mjml|liquidjs)/.test(path))).toEqual([]);
  });

  it('refuses an event it cannot read', async () => {
    await expect(handler({ sources: 'guardian' })).rejects.toThrow(/unexpected event/);
  });
});
