import { LambdaEnvironmentError } from '../adapters/lambda-environment.js';

/**
 * What the functions' bundles use in place of `@aws-sdk/credential-provider-node` (an esbuild
 * alias, `infra/constructs/function-bundling.ts`). Lambda hands every function its role's
 * credentials in the environment, the first link of the SDK's default chain, so the chain's other
 * links (profiles, SSO, web identity, container and instance metadata, with the STS and SSO
 * clients they carry: about 85 KiB of every bundle) never run there. A bundle started anywhere
 * without those variables fails at its first AWS call, naming them.
 */

interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The SDK's provider factory, reading the role's credentials from the environment. */
export function defaultProvider(): () => Promise<EnvCredentials> {
  return async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new LambdaEnvironmentError(
        'missing environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: a function takes its credentials from the environment Lambda gives it',
      );
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
}
