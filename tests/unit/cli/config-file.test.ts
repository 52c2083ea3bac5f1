import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigFile } from '../../../cli/config-file.js';

describe('readConfigFile', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // Prepare: the project's own cdk.json, so the test follows the settings a deployer edits.
    dir = await mkdtemp(join(tmpdir(), 'tidings-config-file-'));
    const file = join(dir, 'cdk.json');
    await writeFile(file, await readFile(join(process.cwd(), 'cdk.json'), 'utf8'));
    env = { TIDINGS_CONFIG_FILE: file };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the base settings without a stage', async () => {
    const config = await readConfigFile(env);
    expect(config.stage).toBe('dev');
    expect(config.baseUrl).toBe('http://127.0.0.1:3000');
  });

  it("reads a stage's own settings, as the CDK app deploys them, when the stage has overrides", async () => {
    const config = await readConfigFile(env, process.cwd(), 'prod');
    expect(config.stage).toBe('prod');
    expect(config.baseUrl).toBe('https://news.example.com');
    expect(config.sender.domain).toBe('news.example.com');
    expect(config.ses.configurationSet).toBe('tidings-prod');
  });

  it('reads the base settings for a stage without overrides, so reaching it can say whether it exists', async () => {
    const config = await readConfigFile(env, process.cwd(), 'nosuch');
    expect(config.stage).toBe('dev');
  });
});
