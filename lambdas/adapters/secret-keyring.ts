import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Keyring, KeyringError, parseKeyring } from '../core/tokens.js';

/**
 * Reads the token keyring from Secrets Manager (the secret at `TOKEN_SECRET_ARN`, JSON
 * `{"active":"k1","keys":[{"id":"k1","secret":"<base64>"}]}`). To rotate: add a new key, make it
 * active, keep the old one in `keys` for as long as old links should work (unsubscribe links: for good).
 * @throws KeyringError, never carrying the secret's value
 */
export async function loadKeyring(client: SecretsManagerClient, arn: string): Promise<Keyring> {
  let text: string | undefined;
  try {
    const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    text =
      result.SecretString ??
      (result.SecretBinary ? Buffer.from(result.SecretBinary).toString('utf8') : undefined);
  } catch (error) {
    throw new KeyringError(`cannot read the token secret ${arn}: ${(error as Error).name ?? 'error'}`, {
      cause: error,
    });
  }
  if (!text) throw new KeyringError(`the token secret ${arn} is empty`);
  return parseKeyring(text);
}

/** Reads the local keyring file (`$TIDINGS_HOME/secret`, made by the local stack). */
export async function loadKeyringFile(path: string): Promise<Keyring> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new KeyringError(
      `cannot read the token secret file ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        cause: error,
      },
    );
  }
  return parseKeyring(text);
}
