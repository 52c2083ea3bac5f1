import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One function's bundle as found in a cloud assembly. */
export interface BundleSize {
  stack: string;
  functionName: string;
  assetPath: string;
  /** Bytes of the bundled handler (`index.mjs`). */
  codeBytes: number;
  /** Bytes of everything in the asset folder (code, source map, metafile, templates). */
  totalBytes: number;
}

interface TemplateResource {
  Type?: string;
  Properties?: { FunctionName?: unknown };
  Metadata?: Record<string, unknown>;
}

function folderBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

/**
 * Lists every Lambda function bundle in a cloud assembly (`cdk.out`), found through the asset
 * path CDK writes into each function's template metadata (CDK's own provider functions, which are
 * no bundles, are left out).
 */
export function bundleSizes(assemblyDir: string): BundleSize[] {
  const sizes: BundleSize[] = [];
  for (const file of readdirSync(assemblyDir)
    .filter((name) => name.endsWith('.template.json'))
    .sort()) {
    const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') continue;
      const folder = join(assemblyDir, assetPath);
      // Only esbuild bundles; a custom resource provider's handler is a plain asset folder.
      if (!existsSync(join(folder, 'index.mjs'))) continue;
      const functionName = resource.Properties?.FunctionName;
      sizes.push({
        stack: file.replace(/\.template\.json$/, ''),
        functionName: typeof functionName === 'string' ? functionName : logicalId,
        assetPath,
        codeBytes: statSync(join(folder, 'index.mjs')).size,
        totalBytes: folderBytes(folder),
      });
    }
  }
  return sizes;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** Prints one line per function bundle; exits 1 when the assembly holds none. */
export function main(argv: string[]): number {
  const dir = argv[0] ?? 'cdk.out';
  const sizes = bundleSizes(dir);
  if (sizes.length === 0) {
    console.error(`no bundled functions found in ${dir} (run "cdk synth" first)`);
    return 1;
  }
  console.log(`Function bundles in ${dir}:`);
  for (const size of sizes) {
    console.log(
      `  ${size.functionName.padEnd(28)} ${kib(size.codeBytes).padStart(12)} code  ${kib(size.totalBytes).padStart(12)} asset  (${size.stack})`,
    );
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
