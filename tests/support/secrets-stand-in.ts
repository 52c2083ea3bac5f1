import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsStandIn {
  /** Base URL for `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  url: string;
  close(): void;
}

/**
 * Answers Secrets Manager's GetSecretValue with a throwaway but valid keyring, so a function
 * bundle's cold start reads its token secret as it would in AWS, offline.
 */
export async function startSecretsStandIn(): Promise<SecretsStandIn> {
  const keyring = JSON.stringify({
    active: 'k1',
    keys: [{ id: 'k1', secret: Buffer.alloc(32, 7).toString('base64') }],
  });
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(
        JSON.stringify({
          ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tidings-keys',
          Name: 'tidings-keys',
          SecretString: keyring,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
