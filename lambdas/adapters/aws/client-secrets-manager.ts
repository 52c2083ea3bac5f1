import { AwsClient, type AwsClientConfig, callJson, type ResponseMetadata } from './signed-call.js';

/**
 * `@aws-sdk/client-secrets-manager` in the functions' bundles (see signed-call.ts): GetSecretValue
 * over the JSON protocol, a binary secret decoded from base64 as the SDK decodes it.
 */

interface SecretOutput {
  ARN?: string;
  Name?: string;
  VersionId?: string;
  SecretString?: string;
  SecretBinary?: Uint8Array;
}

export class GetSecretValueCommand {
  constructor(readonly input: { SecretId: string; VersionId?: string; VersionStage?: string }) {}
}

export class SecretsManagerClient {
  private readonly client: AwsClient;

  constructor(config: AwsClientConfig = {}) {
    this.client = new AwsClient(
      { signingName: 'secretsmanager', endpointPrefix: 'secretsmanager', envId: 'SECRETS_MANAGER' },
      config,
    );
  }

  async send(command: GetSecretValueCommand): Promise<SecretOutput & { $metadata: ResponseMetadata }> {
    const output = await callJson<Omit<SecretOutput, 'SecretBinary'> & { SecretBinary?: string }>(
      this.client,
      'secretsmanager.GetSecretValue',
      '1.1',
      command.input,
    );
    const { SecretBinary, ...rest } = output;
    return SecretBinary === undefined ? rest : { ...rest, SecretBinary: Buffer.from(SecretBinary, 'base64') };
  }

  destroy(): void {}
}
