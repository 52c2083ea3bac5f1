import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

const LOG_PREFIX = 'bucket/';

export interface AssetBucketProps {
  stage: string;
}

/**
 * Where the publisher's images and wordmark live: a private S3 bucket served over https by
 * CloudFront (origin access control; nothing in the bucket is public). Digests link to
 * `https://<distribution domain>/<key>`, so images load in every mail client and the web version.
 *
 * The buckets are kept when the stack is deleted, in every stage: an image may be referenced by
 * an email already in readers' inboxes, and it must keep loading there.
 */
export class AssetBucket extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://dxxxx.cloudfront.net`: prefix of every asset's URL. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: AssetBucketProps) {
    super(scope, id);
    // The bucket's access logs: uploads, deletions and CloudFront's fetches from the origin.
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs delivered under a bucket policy; CDK's `serverAccessLogsBucket` would
    // turn on ACLs for the log bucket, which AWS advises against.
    (this.bucket.node.defaultChild as CfnBucket).loggingConfiguration = {
      destinationBucketName: logs.bucketName,
      logFilePrefix: LOG_PREFIX,
    };
    logs.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [logs.arnForObjects(`${LOG_PREFIX}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Tidings ${props.stage}: images and wordmark for digests`,
      defaultBehavior: {
        // CDK's IBucket declares optional members without `| undefined`, which this project's
        // exactOptionalPropertyTypes rejects for its own Bucket class; the value is the bucket.
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket as unknown as IBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Digest images are for readers anywhere; no country is restricted.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'The images are public and read-only; the bucket access logs record every upload and origin fetch. CloudFront standard logs would need an ACL-enabled bucket, which AWS advises against.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Read-only public images behind CloudFront caching; no forms or dynamic origin for a WAF to protect. Add a web ACL if abuse shows in the logs.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate fixes the minimum TLS version at TLSv1; a custom domain with its own certificate can raise it.',
      },
    );

    this.baseUrl = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'AssetBucketName', {
      value: this.bucket.bucketName,
      description: 'Upload digest images and the wordmark here (aws s3 cp FILE s3://BUCKET/images/...)',
    });
    new CfnOutput(this, 'AssetBaseUrl', {
      value: this.baseUrl,
      description: 'Prefix of uploaded assets URLs for briefs (image.url) and the wordmark (wordmark.url)',
    });
  }
}
