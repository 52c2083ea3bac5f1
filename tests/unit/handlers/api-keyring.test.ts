import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../../lambdas/adapters/secret-keyring.js';
import { KeyringError } from '../../../lambdas/core/tokens.js';

describe('loadKeyring (the secret the API function reads at cold start)', () => {
  const secrets = mockClient(SecretsManagerClient);
  const secret = randomBytes(32).toString('base64');

  afterAll(() => {
    secrets.restore();
  });

  it('reads a string or binary secret', async () => {
    const json = JSON.stringify({
      active: 'k2',
      keys: [
        { id: 'k1', secret },
        { id: 'k2', secret },
      ],
    });
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: json })
      .resolvesOnce({ SecretBinary: Buffer.from(json) });
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    expect((await loadKeyring(client, 'arn:secret')).active.id).toBe('k2');
    expect((await loadKeyring(client, 'arn:secret')).keys).toHaveLength(2);
  });

  it('fails with a KeyringError that never carries the secret', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    secrets.reset();
    const denied = new Error('denied');
    denied.name = 'AccessDeniedException';
    secrets.on(GetSecretValueCommand).rejects(denied);
    await expect(loadKeyring(client, 'arn:secret')).rejects.toThrow(/AccessDeniedException/);
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({});
    await expect(loadKeyring(client, 'arn:secret')).rejects.toBeInstanceOf(KeyringError);
    secrets.reset();
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ active: 'k9', keys: [{ id: 'k1', secret }] }) });
    const error = await loadKeyring(client, 'arn:secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyringError);
    expect(String((error as Error).message)).not.toContain(secret);
  });
});
