import { it } from 'vitest';
import { startTestStack } from './support/stack.js';
import { startMoto } from './support/moto.js';
it('x', async () => {
  let t = Date.now();
  const s = await startTestStack();
  console.log('stack', Date.now() - t); t = Date.now();
  const m = await startMoto();
  console.log('moto', Date.now() - t); t = Date.now();
  const { SQSClient, CreateQueueCommand } = await import('@aws-sdk/client-sqs');
  const c = new SQSClient({ endpoint: m.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  console.log((await c.send(new CreateQueueCommand({ QueueName: 'q1' }))).QueueUrl, Date.now() - t);
  await s.close(); await m.stop();
});
