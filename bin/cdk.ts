import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config.js';
import { HANDLER_ENTRIES } from '../lib/handler-entries.js';
import { StatefulStack } from '../lib/stateful-stack.js';
import { StatelessStack } from '../lib/stateless-stack.js';
import { WEBHOOK_DISPATCH_ENTRY } from '../lib/constructs/webhook-dispatch.js';
import { PARTNER_API_ENTRIES } from '../lib/constructs/partner-api.js';
import { WEB_DIST } from '../lambdas/local/http/web-page.js';

/** MM-DO on AWS: `npx cdk synth` (offline) / `npx cdk deploy --all`. Knobs: cdk.json context `mmdo:*`. */
const app = new App();
const config = configFromContext(app.node);
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const stateful = new StatefulStack(app, 'MmdoStateful', { env, config, webhooks: true, partnerApi: true, webPage: config.webPage, description: 'MM-DO data: buckets, tables, OpenSearch k-NN domain' });
new StatelessStack(app, 'MmdoStateless', {
  env,
  config,
  searchDomainEndpoint: stateful.searchDomain.domainEndpoint,
  handlerEntries: HANDLER_ENTRIES,
  webhooks: { entry: WEBHOOK_DISPATCH_ENTRY },
  partnerApi: { entries: PARTNER_API_ENTRIES },
  // On by default: the page is how people look at reports, and costs next to nothing idle (-c mmdo:webPage=false: API only).
  ...(config.webPage ? { webPage: { bundleDir: WEB_DIST } } : {}),
  description: 'MM-DO processing: inspection workflow, Lambdas, SageMaker endpoint, partner API, web page, alarms',
});
Tags.of(app).add('project', 'mmdo');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
