import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Writes benchmark items in bulk: BatchWrite requests of 25 items, `parallel` in flight, each
 * retried until DynamoDB has processed every item.
 */
export async function seedItems(
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  parallel = 8,
): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < chunks.length) {
        let pending = (chunks[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      }
    }),
  );
}
