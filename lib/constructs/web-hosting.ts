import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { WEB_PAGE_CSP } from '../../lambdas/local/http/web-page.js';
import { acknowledgeFindings, wildcardResourceFinding } from '../nag.js';
import { SecureBucket } from './secure-bucket.js';

/** The API's paths on the page's distribution (every documented route is under one of them; a test checks). */
export const API_PATH_PATTERNS = ['/v1/*', '/healthz'] as const;

/**
 * The page's files change at every build under the same names (web/bundle has no content hashes): browsers revalidate
 * every time (a 304 from the edge), edges keep them a day, and each deployment invalidates the edges.
 */
export const WEB_CACHE_CONTROL = 'public, max-age=0, must-revalidate, s-maxage=86400';

export interface WebHostingProps {
  /** The built page (web/bundle: index.html and assets/). */
  readonly bundleDir: string;
  /** The partner API: API_PATH_PATTERNS on the distribution go to its stage, so the page calls it on its own origin. */
  readonly api: apigw.RestApiBase;
  /** Other origins the page fetches from: the buckets behind the API's presigned links and upload forms. */
  readonly storageOrigins: readonly string[];
  readonly removalPolicy: RemovalPolicy;
  /** The page's own host name and its ACM certificate (us-east-1). Without: the distribution's *.cloudfront.net name. */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
  /** A WAF web ACL (CLOUDFRONT scope) to attach. */
  readonly webAclArn?: string;
}

/**
 * The web page on S3 + CloudFront: a private, versioned bucket read by the distribution through origin access
 * control only; HTTPS only; the local service's security headers with `connect-src` widened to the storage origins;
 * the API behind the same distribution (same origin, as on the local service: no CORS). Hash routes (web/src/router.ts),
 * so no error-page rewrites to index.html.
 */
export class WebHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<the page's host>/ */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    // CloudFront standard logs are delivered with an object ACL: this bucket, unlike the others, keeps ACLs enabled.
    const logBucket = new s3.Bucket(this, 'Logs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(365) }],
      removalPolicy: props.removalPolicy,
    });
    acknowledgeFindings(logBucket, [{ id: 'AwsSolutions-S1', reason: 'This is the page\'s log bucket; logging it into itself would loop.' }]);

    this.bucket = new SecureBucket(this, 'Site', {
      accessLogs: logBucket,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [{ id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30) }],
    }).bucket;

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'MM-DO web page: strict CSP, HSTS, no sniffing, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: cloudContentSecurityPolicy(props.storageOrigins), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          { header: 'Cross-Origin-Resource-Policy', value: 'same-origin', override: true },
        ],
      },
    });

    const apiBehavior = this.apiBehavior(props.api, securityHeaders);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'MM-DO web page and partner API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((path) => [path, apiBehavior])),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // North America and Europe edges: the cheapest class; viewers elsewhere are served from those.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      webAclId: props.webAclArn,
    });
    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}/`;
    acknowledgeFindings(this.distribution, [
      { id: 'AwsSolutions-CFR1', reason: 'No country restriction is required: access to data is by API key.' },
      ...(props.webAclArn
        ? []
        : [{ id: 'AwsSolutions-CFR2', reason: 'No web ACL by default (a fixed monthly cost per ACL and rule): the page is static and every API call needs a key, throttled per key by the usage plan. Attach one with -c mmdo:webAclArn (AWSManagedRulesCommonRuleSet and a rate-based rule).' }]),
      ...(props.domain
        ? []
        : [{ id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate, whose security policy CloudFront fixes at TLSv1; set mmdo:webDomainName and mmdo:webCertificateArn for TLSv1.2_2021.' }]),
    ]);

    this.deploy(props.bundleDir);
  }

  /**
   * The API through the page's origin: nothing cached; every method; every viewer header but Host (API Gateway
   * answers to its own name) and Origin (the API refuses writes whose Origin is not its own host: from its side these
   * requests are same-origin; Sec-Fetch-Site still goes through for its cross-site guard). With caching disabled, an
   * all-viewer-headers policy carries Authorization (the API key) too. HTTPS only: a redirect would turn a POST into a GET.
   */
  private apiBehavior(api: apigw.RestApiBase, responseHeadersPolicy: cloudfront.IResponseHeadersPolicy): cloudfront.BehaviorOptions {
    return {
      origin: new origins.RestApiOrigin(api),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: new cloudfront.OriginRequestPolicy(this, 'ApiRequests', {
        comment: 'MM-DO API through the page origin: all viewer headers but Host and Origin, all query strings, no cookies',
        headerBehavior: cloudfront.OriginRequestHeaderBehavior.denyList('Host', 'Origin'),
        queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
        cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
      }),
      responseHeadersPolicy,
    };
  }

  /** Copies the bundle into the bucket at every deployment (removing files no longer built) and invalidates the edges. */
  private deploy(bundleDir: string): void {
    const logGroup = new logs.LogGroup(this, 'DeployLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // Own role: logs to this group only (instead of the account-wide managed basic role).
    const role = new iam.Role(this, 'DeployRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'MM-DO web page deployment' });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    // The asset made here rather than by Source.asset, so its bucket can be named in the acknowledgement below.
    const bundle = new s3assets.Asset(this, 'Bundle', { path: bundleDir });
    new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [s3deploy.Source.bucket(bundle.bucket, bundle.s3ObjectKey)],
      destinationBucket: this.bucket,
      cacheControl: [s3deploy.CacheControl.fromString(WEB_CACHE_CONTROL)],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      role,
      logGroup,
    });
    const grants = 'What CDK\'s BucketDeployment grants its handler: read the bundle from the CDK asset bucket; read, write and prune the page bucket.';
    acknowledgeFindings(role, [
      { id: wildcardResourceFinding(this, `${this.bucket.bucketArn}/*`), reason: 'Writes and prunes the page\'s files: any key of the page bucket.' },
      { id: wildcardResourceFinding(this, `${bundle.bucket.bucketArn}/*`), reason: 'Reads the bundle from the CDK asset bucket (its key is decided when assets are published).' },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: grants })),
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'cloudfront:CreateInvalidation and GetInvalidation, which BucketDeployment grants on every distribution.' },
    ]);
    // The handler is a singleton at stack level (lambdaPurpose Custom::CDKBucketDeployment), not under this construct.
    for (const handler of Stack.of(this).node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      acknowledgeFindings(handler, [{ id: 'AwsSolutions-L1', reason: 'BucketDeployment\'s handler: aws-cdk-lib chooses its runtime and moves it with the library.' }]);
    }
  }
}

/** The local page's policy (lambdas/local/http/web-page.ts) with the storage origins added to `connect-src`. */
export function cloudContentSecurityPolicy(storageOrigins: readonly string[]): string {
  return WEB_PAGE_CSP.split('; ')
    .map((directive) => (directive.startsWith('connect-src ') ? [directive, ...storageOrigins].join(' ') : directive))
    .join('; ');
}
