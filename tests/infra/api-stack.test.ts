import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_THROTTLE } from '../../infra/stacks/api-stack.js';
import { ConfigError } from '../../lambdas/core/config.js';
import {
  actionsOf,
  buildTestApp,
  cdkAnnotations,
  functionEnvironment,
  nagFindings,
  projectSettings,
  resourcesOf,
  roleStatements,
  secretLookingEnvironment,
  tableAccess,
} from './support.js';

const withApi = (api: Record<string, unknown>): Record<string, unknown> => {
  const settings = projectSettings();
  return { ...settings, api: { ...(settings.api as Record<string, unknown>), ...api } };
};

describe('ApiStack', () => {
  let template: Template;
  let findings: ReturnType<typeof nagFindings>;
  let annotations: string[];

  beforeAll(() => {
    const { api } = buildTestApp();
    template = Template.fromStack(api);
    findings = nagFindings(api);
    annotations = cdkAnnotations(api);
  });

  describe('function', () => {
    it('runs Node.js 22 on ARM64 with tracing and the bundled templates', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'tidings-dev-api',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            TEMPLATES_DIR: '/var/task/templates',
            POWERTOOLS_SERVICE_NAME: 'api',
          }),
        },
      });
    });

    it('reads and writes subscribers and the ledger (welcome emails) and reads issues, nothing else', () => {
      expect(tableAccess(roleStatements(template, 'ApiRole'))).toEqual([
        'issues/byEdition:read',
        'issues:read',
        'ledger:read',
        'ledger:write',
        'subscribers:read',
        'subscribers:write',
      ]);
      const environment = functionEnvironment(template, 'tidings-dev-api');
      expect(environment.TABLE_LEDGER).toBeDefined();
      expect(environment.TABLE_BRIEFS).toBeUndefined();
    });

    it('may send confirmations only through the configuration set, from the sender address', () => {
      const ses = roleStatements(template, 'ApiRole').filter((s) =>
        actionsOf(s).some((a) => a.startsWith('ses:')),
      );
      expect(ses.flatMap(actionsOf)).toEqual(['ses:SendRawEmail']);
      const resources = ses.flatMap(resourcesOf).map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(2);
      expect(resources[0]).toMatch(/:ses:.*:identity\/\*"/);
      expect(ses[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'digest@tidings.example' } });
      expect(resources[1]).toMatch(/:ses:.*:configuration-set\/tidings-dev"/);
    });

    it('gets the token secret by reference and no secret value in its environment', () => {
      expect(functionEnvironment(template, 'tidings-dev-api').TOKEN_SECRET_ARN).toEqual({
        'Fn::ImportValue': expect.stringMatching(/TokenSecret/),
      });
      expect(secretLookingEnvironment(template)).toEqual([]);
    });
  });

  describe('HTTP API', () => {
    it('proxies every route to the function', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiFunction'), 'Arn'] },
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    });

    it('throttles the default stage and writes access logs without query strings', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: API_THROTTLE.rateLimit,
          ThrottlingBurstLimit: API_THROTTLE.burstLimit,
        },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
      });
      const stage = template.findResources('AWS::ApiGatewayV2::Stage');
      expect(JSON.stringify(stage)).not.toMatch(/requestUri|querystring/i);
    });

    it('sends no CORS headers unless origins are configured', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
      const other = Template.fromStack(
        buildTestApp(withApi({ corsOrigins: ['https://news.example.com'] })).api,
      );
      other.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: Match.objectLike({
          AllowOrigins: ['https://news.example.com'],
          AllowMethods: ['GET', 'POST'],
        }),
      });
    });

    it('maps a custom domain only when a domain name and certificate are configured', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
      const certificateArn =
        'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';
      const other = Template.fromStack(
        buildTestApp(withApi({ domainName: 'news.example.com', certificateArn })).api,
      );
      other.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: 'news.example.com',
        DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn })],
      });
      other.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
        ApiId: { Ref: Match.stringLikeRegexp('HttpApi') },
        DomainName: { Ref: Match.stringLikeRegexp('Domain') },
        Stage: '$default',
      });
    });

    it('refuses a domain name without a certificate, naming the setting', () => {
      expect(() => buildTestApp(withApi({ domainName: 'news.example.com' }))).toThrow(ConfigError);
      expect(() => buildTestApp(withApi({ domainName: 'news.example.com' }))).toThrow(/tidings\.api/);
    });
  });

  it('passes the AwsSolutions checks with only the acknowledged findings, and CDK warns of nothing', () => {
    expect(findings).toEqual([]);
    expect(annotations).toEqual([]);
  });
});
