import { afterEach, describe, expect, it } from 'vitest';
import { environmentCredentials } from '../../lambdas/adapters/aws/signed-call.js';
import { LambdaEnvironmentError } from '../../lambdas/adapters/lambda-environment.js';

const NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("the functions' credentials", () => {
  it("reads the role's credentials Lambda puts in the environment, session token included", async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    await expect((async () => environmentCredentials())()).resolves.toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('fails at the first call, naming the variables, where the environment has no credentials', async () => {
    for (const name of NAMES) delete process.env[name];
    const provider = async () => environmentCredentials();
    await expect(provider()).rejects.toThrow(LambdaEnvironmentError);
    await expect(provider()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});
