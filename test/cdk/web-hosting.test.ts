import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { routeTable } from '../../lambdas/api/routes.js';
import { WEB_DIST } from '../../lambdas/local/http/web-page.js';
import { configFromContext, DEFAULT_CONFIG } from '../../lib/config.js';
import { API_PATH_PATTERNS, WEB_CACHE_CONTROL, WebHosting } from '../../lib/constructs/web-hosting.js';
import { StatelessStack } from '../../lib/stateless-stack.js';
import { CDK_CONTEXT, FIXTURE, FIXTURE_ENTRIES, synthesizeStacks, type SynthesizedStacks } from './support/synth.js';

const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

let built: SynthesizedStacks;
beforeAll(() => {
  built = synthesizeStacks({
    stateful: { webhooks: true, partnerApi: true, webPage: true },
    stateless: { webhooks: { entry: FIXTURE }, partnerApi: { entries: { api: FIXTURE, authorizer: FIXTURE, profileJobs: FIXTURE } }, webPage: { bundleDir: WEB_DIST } },
  });
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) => built.processing.getLogicalId(construct.node.defaultChild as never);
const distributionConfig = () => Object.values(built.stateless.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;

describe('the page bucket', () => {
  test('private, encrypted, versioned, TLS-only and access-logged', () => {
    const site = built.stateless.toJSON().Resources[logicalId(built.processing.webPage!.bucket)].Properties;
    expect(site.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(site.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(site.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(site.LoggingConfiguration.DestinationBucketName).toBeDefined();
    expect(site.WebsiteConfiguration).toBeUndefined();
  });

  test('readable by this distribution only, through origin access control (AWS:SourceArn), over TLS', () => {
    const bucket = logicalId(built.processing.webPage!.bucket);
    const policy = Object.values(built.stateless.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucket } } }))[0]!;
    const statements = policy.Properties.PolicyDocument.Statement as { Effect: string; Principal: unknown; Action: unknown; Condition?: unknown }[];
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      }),
    ]);
    expect(JSON.stringify(allows[0]!.Condition)).toContain(logicalId(built.processing.webPage!.distribution));
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]));
    built.stateless.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const s3Origin = (distributionConfig().Origins as Record<string, unknown>[]).find((o) => o.S3OriginConfig);
    expect(s3Origin).toMatchObject({ OriginAccessControlId: { 'Fn::GetAtt': [expect.any(String), 'Id'] }, S3OriginConfig: { OriginAccessIdentity: '' } });
  });

  test('the bundle is deployed with revalidating caching and invalidates the edges', () => {
    built.stateless.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: logicalId(built.processing.webPage!.bucket) },
      DistributionPaths: ['/*'],
      SystemMetadata: { 'cache-control': WEB_CACHE_CONTROL },
      Prune: true,
    });
  });
});

describe('the distribution', () => {
  test('index.html at the root, HTTPS by redirect, cached statics, logs; no error-page rewrites (hash routes)', () => {
    const config = distributionConfig();
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      PriceClass: 'PriceClass_100',
      Logging: { Bucket: expect.anything(), Prefix: 'cloudfront/' },
      DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: CACHING_OPTIMIZED, AllowedMethods: ['GET', 'HEAD'], Compress: true },
    });
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined(); // the default *.cloudfront.net certificate
  });

  test('security headers: the strict CSP with the storage origins in connect-src, HSTS, nosniff, no framing, no referrer', () => {
    const policy = Object.values(built.stateless.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]!.Properties.ResponseHeadersPolicyConfig;
    const headers = policy.SecurityHeadersConfig;
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "connect-src 'self' https://mmdo-uploads-"]) {
      expect([directive, csp.includes(directive)]).toEqual([directive, true]);
    }
    expect(csp).toContain('https://mmdo-artifacts-');
    expect(csp).not.toContain('unsafe-');
    expect(headers).toMatchObject({
      ContentSecurityPolicy: { Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    expect(distributionConfig().DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: expect.any(String) });
  });

  test('the API on the same origin: /v1/* and /healthz to the API stage, every method, nothing cached, HTTPS only', () => {
    const config = distributionConfig();
    const apiOrigin = (config.Origins as { Id: string; OriginPath?: string; CustomOriginConfig?: Record<string, unknown> }[]).find((o) => o.CustomOriginConfig)!;
    expect(apiOrigin).toMatchObject({ CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] } });
    // The API's host and stage (its URL split by CloudFormation): /v1/x on the page is <stage>/v1/x on the API.
    expect(JSON.stringify(apiOrigin)).toContain(logicalId(built.processing.partnerApi!.api));
    expect(JSON.stringify(apiOrigin.OriginPath)).toContain(built.processing.getLogicalId(built.processing.partnerApi!.api.deploymentStage.node.defaultChild as never));
    const behaviors = config.CacheBehaviors as Record<string, unknown>[];
    expect(behaviors.map((b) => b.PathPattern)).toEqual([...API_PATH_PATTERNS]);
    for (const behavior of behaviors) {
      expect(behavior).toMatchObject({
        TargetOriginId: apiOrigin.Id,
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: { Ref: expect.any(String) },
      });
    }
  });

  test('API requests carry every viewer header but Host and Origin (Authorization with them), all query strings, no cookies', () => {
    built.stateless.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        HeadersConfig: { HeaderBehavior: 'allExcept', Headers: ['Host', 'Origin'] },
        QueryStringsConfig: { QueryStringBehavior: 'all' },
        CookiesConfig: { CookieBehavior: 'none' },
      }),
    });
  });

  test('every documented route is under one of the API paths', () => {
    const covered = (path: string) => API_PATH_PATTERNS.some((p) => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p));
    for (const route of routeTable()) expect([route.path, covered(route.path)]).toEqual([route.path, true]);
  });

  test('the page URL is an output', () => {
    built.stateless.hasOutput('WebPageUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(built.processing.webPage!.distribution), 'DomainName'] }, '/']] } });
  });
});

test('the buckets behind presigned links and forms answer the page (CORS: uploads POST; artifacts GET, HEAD, POST)', () => {
  const cors = (name: string) => Object.values(built.stateful.findResources('AWS::S3::Bucket')).find((b) => JSON.stringify(b.Properties.BucketName ?? '').includes(name))!.Properties.CorsConfiguration;
  expect(cors('mmdo-uploads-').CorsRules).toEqual([expect.objectContaining({ AllowedMethods: ['POST'], AllowedOrigins: ['*'] })]);
  expect(cors('mmdo-artifacts-').CorsRules).toEqual([expect.objectContaining({ AllowedMethods: ['GET', 'HEAD', 'POST'], AllowedOrigins: ['*'] })]);
});

test('cdk-nag AwsSolutions reports no unacknowledged findings with the web page on', () => {
  const report = new AwsSolutionsChecks().validateScope(built.app);
  const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId ?? ''}`));
  expect(findings).toEqual([]);
});

describe('with a custom domain and a web ACL', () => {
  let template: Template;
  let domainApp: App;
  beforeAll(() => {
    domainApp = new App({ context: CDK_CONTEXT });
    const stack = new Stack(domainApp, 'Web');
    const api = new apigw.RestApi(stack, 'Api', { deployOptions: { stageName: 'api' } });
    api.root.addResource('v1').addMethod('GET', new apigw.MockIntegration());
    new WebHosting(stack, 'WebPage', {
      bundleDir: WEB_DIST,
      api,
      storageOrigins: [],
      removalPolicy: RemovalPolicy.DESTROY,
      domain: { name: 'mmdo.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' },
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mmdo/abc',
    });
    template = Template.fromStack(stack);
  });

  test('the domain with its certificate, SNI, TLS 1.2 minimum, and the web ACL', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['mmdo.example.com'],
        ViewerCertificate: { AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc', SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' },
        WebACLId: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mmdo/abc',
      }),
    });
  });

  test('cdk-nag finds nothing to say about the distribution: TLS and WAF are compliant, not acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(domainApp);
    expect(report.violations.map((v) => v.ruleName).filter((r) => r.includes('CFR'))).toEqual([]);
  });
});

describe('configuration', () => {
  const config = (values: Record<string, unknown>) => configFromContext(new App({ context: values }).node);

  test('the page is on by default; -c mmdo:webPage=false leaves it out', () => {
    expect(config({}).webPage).toBe(true);
    expect(config({ 'mmdo:webPage': 'false' }).webPage).toBe(false);
    expect(() => config({ 'mmdo:webPage': 'no' })).toThrow(/true or false/);
  });

  test('a domain needs its certificate, from us-east-1', () => {
    expect(() => config({ 'mmdo:webDomainName': 'mmdo.example.com' })).toThrow(/go together/);
    expect(() => config({ 'mmdo:webDomainName': 'mmdo.example.com', 'mmdo:webCertificateArn': 'arn:aws:acm:eu-west-1:1:certificate/x' })).toThrow(/us-east-1/);
    expect(config({ 'mmdo:webDomainName': 'mmdo.example.com', 'mmdo:webCertificateArn': 'arn:aws:acm:us-east-1:1:certificate/x' })).toMatchObject({ webDomainName: 'mmdo.example.com' });
  });

  test('the page without the partner API is refused', () => {
    const bare = new App({ context: CDK_CONTEXT });
    expect(() => new StatelessStack(bare, 'S', { config: DEFAULT_CONFIG, searchDomainEndpoint: 'search.example', handlerEntries: FIXTURE_ENTRIES, webPage: { bundleDir: WEB_DIST } })).toThrow(/partner API/);
  });
});
