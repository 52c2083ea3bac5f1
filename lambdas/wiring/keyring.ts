import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadKeyring, loadKeyringFile } from '../adapters/secret-keyring.js';
import type { Keyring } from '../core/tokens.js';
import type { TargetResources } from './target.js';

/** Reads the token keyring once, on first use, from the target's secret or local file. */
export function keyringReader(
  secret: TargetResources['tokenSecret'],
  client?: SecretsManagerClient,
): () => Promise<Keyring> {
  let keyring: Promise<Keyring> | undefined;
  return () => {
    keyring ??= (() => {
      if ('file' in secret) return loadKeyringFile(secret.file);
      if (!client) throw new Error('a Secrets Manager client is needed to read the token secret');
      return loadKeyring(client, secret.arn);
    })();
    return keyring;
  };
}
