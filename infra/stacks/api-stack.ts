import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TableId } from '../../lambdas/adapters/tables.js';
import { ConfigError, type TidingsConfig } from '../../lambdas/core/config.js';
import { sesArns } from '../constructs/ses-arns.js';
import { TidingsFunction } from '../constructs/tidings-function.js';

export interface ApiStackProps extends StackProps {
  config: TidingsConfig;
  tables: Readonly<Record<TableId, Table>>;
  tokenSecret: Secret;
}

/**
 * Whole-API ceiling, requests per second and burst. The per-client limit (`api.rateLimitPerMinute`)
 * is enforced by the function; this one only keeps a flood from running up the bill.
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** The reader-facing HTTP API: subscribe, confirm, unsubscribe, preferences and the issue archive. */
export class ApiStack extends Stack {
  readonly api: TidingsFunction;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, tables, tokenSecret } = props;
    const prefix = `tidings-${config.stage}`;

    this.api = new TidingsFunction(this, 'Api', {
      name: 'api',
      config,
      description: 'Serves the reader web API (Hono)',
      timeout: Duration.seconds(15),
      memorySize: 1024,
      templates: true,
    });
    this.api.grantTableReadWrite(tables.subscribers, 'subscribers', []);
    this.api.grantTableRead(tables.issues, 'issues', ['byEdition']);
    // The welcome email is ledgered like a digest: one row per reader under the id `welcome`.
    this.api.grantTableReadWrite(tables.ledger, 'ledger', []);
    this.api.grantTokenSecretRead(tokenSecret);
    const ses = sesArns(this, config);
    this.api.grantSendRawEmail(ses, config.sender.address);

    const origins = config.api.corsOrigins;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${prefix}-api`,
      description: 'Tidings reader API',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Function', this.api.fn),
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: origins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST],
              allowHeaders: ['content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/http-api/${prefix}-api`,
      retention: config.stage === 'dev' ? RetentionDays.ONE_WEEK : RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // `$context.path` carries no query string, so tokens in links never reach the access log.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const route = this.httpApi.node.tryFindChild('DefaultRoute');
    if (route) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Readers are anonymous, so the API is public by design: sign-up only creates a pending entry (rate-limited per client, confirmed by mail), and every change to an existing subscription needs an HMAC-signed token bound to the address and purpose.',
      });
    }

    const { domainName, certificateArn } = config.api;
    if ((domainName === undefined) !== (certificateArn === undefined)) {
      throw new ConfigError('tidings.api', 'domainName and certificateArn must be set together');
    }
    if (domainName && certificateArn) {
      const domain = new DomainName(this, 'Domain', {
        domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', certificateArn),
      });
      new ApiMapping(this, 'Mapping', { api: this.httpApi, domainName: domain, stage: this.stage });
      new CfnOutput(this, 'DomainTarget', {
        description: `Point ${domainName} here (CNAME or alias)`,
        value: domain.regionalDomainName,
      });
    }
    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
  }
}
