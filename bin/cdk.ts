import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config.js';
import { HANDLER_ENTRIES } from '../lib/handler-entries.js';
import { StatefulStack } from '../lib/stateful-stack.js';
import { StatelessStack } from '../lib/stateless-stack.js';
import { WEBHOOK_DISPATCH_ENTRY } from '../lib/constructs/webhook-dispatch.js';
import { PARTNER_API_ENTRIES } from '../lib/constructs/partner-api.js';

/** MM-DO on AWS: `npx cdk synth` (offline) / `npx cdk deploy --all`. Knobs: cdk.json context `mmdo:*`. */
const app = new App();
const config = configFromContext(app.node);
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const stateful = new StatefulStack(app, 'MmdoStateful', { env, config, webhooks: true, partnerApi: true, description: 'MM-DO data: buckets, tables, OpenSearch k-NN domain' });
new StatelessStack(app, 'MmdoStateless', {
  env,
  config,
  searchDomainEndpoint: stateful.searchDomain.domainEndpoint,
  handlerEntries: HANDLER_ENTRIES,
  webhooks: { entry: WEBHOOK_DISPATCH_ENTRY },
  partnerApi: { entries: PARTNER_API_ENTRIES },
  description: 'MM-DO processing: inspection workflow, Lambdas, SageMaker endpoint, partner API, alarms',
});
Tags.of(app).add('project', 'mmdo');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
