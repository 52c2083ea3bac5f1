import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Keyring } from '../core/tokens.js';
import { keyringReader } from './keyring.js';
import type { LambdaTarget } from './lambda.js';

/** The token keyring from the function's secret (Secrets Manager), read once. */
export function lambdaKeyring(target: LambdaTarget): () => Promise<Keyring> {
  if (!target.tokenSecretArn) throw new Error('this function was not given the token secret');
  return keyringReader({ arn: target.tokenSecretArn }, new SecretsManagerClient({}));
}
