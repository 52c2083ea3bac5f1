import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStackEnv } from '../../../cli/local/stack.js';
import { DynamoBriefStore } from '../../../lambdas/adapters/dynamo-brief-store.js';
import { TABLES } from '../../../lambdas/adapters/tables.js';
import type { IngestSummary } from '../../../lambdas/core/ingest.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

describe('ingest handler', () => {
  let stack: TestStack;
  let handler: (event: unknown) => Promise<IngestSummary[]>;
  const saved = { ...process.env };

  beforeAll(async () => {
    stack = await startTestStack();
    // The handler builds its SDK client with no options, as in AWS; the SDK's own endpoint variable points it here.
    exportStackEnv(stack);
    const config = {
      ...stack.config,
      sources: [
        { id: 'desk', location: 'samples/briefs.json', format: 'tidings', editions: [] },
        {
          id: 'guardian',
          location: 'tests/fixtures/feeds/rss2-guardian-us.xml',
          format: 'rss',
          editions: ['dc'],
        },
        { id: 'missing', location: 'tests/fixtures/feeds/none.xml', format: 'auto', editions: ['dc'] },
      ],
    };
    process.env.TIDINGS_CONFIG = JSON.stringify(config);
    process.env[TABLES.briefs.envVar] = stack.tables.briefs;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    ({ handler } = await import('../../../lambdas/handlers/ingest.js'));
  });

  afterAll(async () => {
    process.env = saved;
    await stack.close();
  });

  it('ingests every configured source and returns one summary each, a broken one included', async () => {
    const summaries = await handler({ 'detail-type': 'Scheduled Event' });
    expect(summaries.map((s) => s.source)).toEqual(['desk', 'guardian', 'missing']);
    expect(summaries[1]).toMatchObject({ new: 55, rejected: [] });
    expect(summaries[2]?.error).toMatch(/cannot read tests\/fixtures\/feeds\/none.xml: ENOENT/);
    const store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    expect((await store.listByEdition('dc', { limit: 1 })).items).toHaveLength(1);
  });

  it('ingests only the sources an event names', async () => {
    const summaries = await handler({ sources: ['guardian'] });
    expect(summaries).toEqual([
      { source: 'guardian', fetched: 55, new: 0, updated: 0, unchanged: 55, duplicates: 0, rejected: [] },
    ]);
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
