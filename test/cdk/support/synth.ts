import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { WORKFLOW_FUNCTIONS, type HandlerEntries } from '../../../lib/handler-entries.js';
import { StatefulStack, type StatefulStackProps } from '../../../lib/stateful-stack.js';
import { StatelessStack, type StatelessStackProps } from '../../../lib/stateless-stack.js';

// Functions are built from a fixture so these tests do not depend on the handlers' contents.
export const FIXTURE = 'test/cdk/fixtures/echo-handler.ts';
export const FIXTURE_ENTRIES = Object.fromEntries(WORKFLOW_FUNCTIONS.map((s) => [s, FIXTURE])) as unknown as HandlerEntries;
/** cdk.json's context (feature flags and mmdo:* defaults), as `cdk synth` sees it. */
export const CDK_CONTEXT = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

export interface SynthesizedStacks {
  readonly app: App;
  readonly data: StatefulStack;
  readonly processing: StatelessStack;
  readonly stateful: Template;
  readonly stateless: Template;
}

/** Both stacks with the default config, fixture handlers and the given options, synthesized. */
export function synthesizeStacks(
  options: { readonly stateful?: Pick<StatefulStackProps, 'webhooks' | 'partnerApi' | 'webPage'>; readonly stateless?: Pick<StatelessStackProps, 'webhooks' | 'partnerApi' | 'webPage'> } = {},
): SynthesizedStacks {
  const app = new App({ context: CDK_CONTEXT });
  const data = new StatefulStack(app, 'MmdoStateful', { config: DEFAULT_CONFIG, ...options.stateful });
  const processing = new StatelessStack(app, 'MmdoStateless', {
    config: DEFAULT_CONFIG,
    searchDomainEndpoint: data.searchDomain.domainEndpoint,
    handlerEntries: FIXTURE_ENTRIES,
    ...options.stateless,
  });
  return { app, data, processing, stateful: Template.fromStack(data), stateless: Template.fromStack(processing) };
}
