import mjml2html from 'mjml';
import { compactHtml, DigestRenderError } from '../lambdas/adapters/digest-renderer.js';

/**
 * The MJML compiler, used only when the functions are built (`scripts/build-templates.ts`) and by
 * tests: no function bundle imports this module, so none carries MJML.
 */

/** Compiles MJML with strict validation; any error fails with every message MJML gave. */
export async function compileMjml(source: string, fileName: string): Promise<string> {
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
  } catch (cause) {
    throw new DigestRenderError(`MJML rejected ${fileName}: ${describe(cause)}`, { cause });
  }
  if (result.errors.length > 0) {
    const messages = result.errors.map((e) => e.formattedMessage ?? e.message).join('; ');
    throw new DigestRenderError(`MJML rejected ${fileName}: ${messages}`);
  }
  // The renderer owns the byte-saving passes: it applies them again once the data is in.
  return compactHtml(result.html);
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'errors' in error && Array.isArray(error.errors)) {
    return error.errors
      .map((e: { formattedMessage?: string; message?: string }) => e.formattedMessage ?? e.message)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
