import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { functionBuildOptions } from '../../../infra/constructs/function-bundling.js';
import { FUNCTION_NAMES, type FunctionName } from '../../../infra/constructs/tidings-function.js';

/**
 * The packages (and package folders) a function's bundle holds, read from esbuild's metafile, and
 * the bundle's code.
 */
async function bundled(name: FunctionName): Promise<{ inputs: string[]; code: string }> {
  const result = await build({
    ...functionBuildOptions(name),
    outfile: 'index.mjs',
    write: false,
    metafile: true,
  });
  const metafile: Metafile = result.metafile;
  const inputs = Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
  return { inputs, code: result.outputFiles.map((file) => file.text).join('\n') };
}

const carries = (inputs: string[], fragment: string): boolean =>
  inputs.some((path) => path.includes(fragment));

/** Which functions call each heavy dependency; every other bundle must be without it. */
const ONLY_IN: Record<string, readonly FunctionName[]> = {
  'node_modules/htmlparser2/': ['ingest'],
  'node_modules/liquidjs/': ['api'],
  'node_modules/hono/': ['api'],
  'templates/compiled/digest-fill.ts': ['compose'],
  'lambdas/adapters/aws/client-sqs.ts': ['compose'],
  'lambdas/adapters/aws/client-ses.ts': ['send', 'api'],
  'lambdas/adapters/aws/client-secrets-manager.ts': ['send', 'feedback', 'api'],
  'lambdas/adapters/feeds/': ['ingest'],
  'lambdas/adapters/dynamo-brief-store.ts': ['ingest', 'compose'],
  'lambdas/adapters/dynamo-ledger-store.ts': ['compose', 'send', 'feedback', 'api'],
};

/**
 * What no function calls: the AWS SDK's clients and their machinery (the functions call AWS
 * through lambdas/adapters/aws/, aliased for the clients' packages; only `@aws-sdk/util-dynamodb`,
 * the document client's conversions, is bundled), MJML, character-set tables (feeds are decoded
 * by the runtime's TextDecoder), zod's "classic" build (the functions validate with `zod/mini`,
 * through lambdas/core/zod.ts), nodemailer (every email's MIME is written by
 * lambdas/adapters/reader-mime.ts).
 */
const NOWHERE = [
  'node_modules/nodemailer/',
  'node_modules/iconv-lite/',
  'node_modules/@aws-sdk/client-',
  'node_modules/@aws-sdk/lib-dynamodb/',
  'node_modules/@aws-sdk/core/',
  'node_modules/@aws-sdk/credential-provider-node/',
  'node_modules/@aws-sdk/nested-clients/',
  'node_modules/@smithy/',
  'node_modules/mjml',
  'node_modules/zod/v4/classic/',
];

describe('function bundles carry only what their function calls', () => {
  it.each(FUNCTION_NAMES)('%s', async (name) => {
    const { inputs, code } = await bundled(name);
    expect(carries(inputs, `lambdas/handlers/${name}.ts`)).toBe(true);
    for (const [dependency, users] of Object.entries(ONLY_IN)) {
      expect(carries(inputs, dependency), `${name} bundle and ${dependency}`).toBe(users.includes(name));
    }
    for (const dependency of NOWHERE) {
      expect(carries(inputs, dependency), `${name} bundle and ${dependency}`).toBe(false);
    }
    // zod's messages in English only (its default), not its other 40-odd locales.
    const locales = inputs.filter((path) => path.includes('node_modules/zod/v4/locales/'));
    expect(
      locales.filter((path) => !path.endsWith('/en.js')),
      `${name} bundle and zod's locales`,
    ).toEqual([]);
    // AWS is called through the signed requests of lambdas/adapters/aws/.
    expect(carries(inputs, 'lambdas/adapters/aws/signed-call.ts')).toBe(true);
    // An ES module has no `require`, and the bundles are built without a shim for one: no
    // dependency may call it (esbuild leaves such a call as `__require`, which throws when reached).
    expect(code).not.toMatch(/__require|\brequire\(/);
  });
});
