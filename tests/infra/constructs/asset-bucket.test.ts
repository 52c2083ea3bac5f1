import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AssetBucket } from '../../../infra/constructs/asset-bucket.js';
import { nagFindings, resourcesOfType, testApp } from '../support.js';

describe('AssetBucket (images and wordmark behind CloudFront)', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = new Stack(testApp(), 'Assets', { env: { account: '123456789012', region: 'eu-west-1' } });
    new AssetBucket(stack, 'Assets', { stage: 'dev' });
    template = Template.fromStack(stack);
  });

  it('keeps the bucket private, encrypted, versioned, https-only and logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'bucket/' }),
    });
    const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy').map(([, p]) => JSON.stringify(p));
    expect(policies.every((p) => p.includes('"aws:SecureTransport":"false"'))).toBe(true);
  });

  it('serves the bucket over https only, through origin access control, for GET and HEAD', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
        }),
      }),
    });
    const policy = JSON.stringify(resourcesOfType(template, 'AWS::S3::BucketPolicy'));
    expect(policy).toContain('cloudfront.amazonaws.com');
  });

  it('keeps every bucket when the stack goes: mailed digests still link to the images', () => {
    for (const [, bucket] of resourcesOfType(template, 'AWS::S3::Bucket')) {
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
  });

  it('outputs the bucket name and the https base URL of uploaded assets', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const names = Object.keys(outputs);
    expect(names.some((n) => n.includes('AssetBucketName'))).toBe(true);
    const base = Object.entries(outputs).find(([n]) => n.includes('AssetBaseUrl'))?.[1];
    expect(JSON.stringify(base?.Value)).toContain('https://');
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
