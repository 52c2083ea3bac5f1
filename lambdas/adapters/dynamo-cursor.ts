/**
 * DynamoDB paging cursors: a page's `LastEvaluatedKey` handed to the caller as an opaque
 * base64url string, and read back from it. Each store checks the key it gets back against the
 * shape it produces.
 */

/** The cursor for a page's last evaluated key; undefined when there is no next page. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** The key a cursor holds, or undefined when it does not hold a JSON object. */
export function decodeCursor(cursor: string): Record<string, unknown> | undefined {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // not JSON: no key
  }
  return undefined;
}
