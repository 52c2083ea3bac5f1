import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStacks, environmentFromProcess } from './build-app.js';

// `npx cdk synth|deploy` runs this file (see cdk.json). Settings come from the `tidings` context.
const app = new App();
const env = environmentFromProcess();
buildStacks(app, env ? { env } : {});

// cdk-nag 3 runs as a policy-validation plugin: any unacknowledged AwsSolutions finding stops the
// synth, and acknowledgements are copied into the templates' metadata for review.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
