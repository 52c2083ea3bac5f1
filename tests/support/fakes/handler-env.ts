import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { exportStackEnv } from '../../../cli/local/stack.js';
import { TABLES } from '../../../lambdas/adapters/tables.js';
import { type Keyring, parseKeyring } from '../../../lambdas/core/tokens.js';
import { startTestStack, type TestStack } from '../stack.js';

/**
 * A test stack plus the environment a deployed function would see: configuration, table names
 * and the SDK endpoint variables pointing at the stand-ins. Secrets Manager has no stand-in, so
 * it is mocked to hand out a keyring made here.
 */
export async function handlerEnvironment(extra: Record<string, string> = {}): Promise<{
  stack: TestStack;
  keyring: Keyring;
  close(): Promise<void>;
}> {
  const stack = await startTestStack();
  const keyringJson = JSON.stringify({
    active: 'k1',
    keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }],
  });
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: keyringJson });
  exportStackEnv(stack);
  process.env.TIDINGS_CONFIG = JSON.stringify(stack.config);
  process.env.TOKEN_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tidings-test';
  for (const def of Object.values(TABLES)) process.env[def.envVar] = stack.tables[def.id];
  Object.assign(process.env, extra);
  return {
    stack,
    keyring: parseKeyring(keyringJson),
    async close() {
      secrets.restore();
      await stack.close();
    },
  };
}
