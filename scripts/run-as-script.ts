import { fileURLToPath } from 'node:url';

/**
 * Runs a script's `main` when its module is the file node was started with (importing it, as the
 * tests do, runs nothing). A failure prints its message and exits 1.
 */
export function runAsScript(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
