import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbApiStore } from '../adapters/aws/dynamodb-api-store.js';
import { presentedKey, verifyKey } from '../application/tenancy/api-keys.js';
import type { CredentialStore } from '../ports/partner-api.js';

const logger = new Logger({ serviceName: 'mmdo-authorizer' });

const EnvSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  MMDO_API_TABLE: z.string().min(1),
  /** The API Gateway key of the guard-rail usage plan (throttle and quota); its value is read once per container. */
  MMDO_USAGE_PLAN_KEY_ID: z.string().min(1).optional(),
  MMDO_DYNAMODB_ENDPOINT_URL: z.string().url().optional(),
});

export interface AuthorizerDeps {
  readonly credentials: CredentialStore;
  /** The usage plan key's value, reported as `usageIdentifierKey` so API Gateway applies the plan. */
  readonly usageKey: () => Promise<string | undefined>;
}

/**
 * API Gateway REQUEST authorizer: the bearer key → its tenant and scopes (SHA-256 lookup by the key's public id,
 * revoked keys refused). The policy allows the whole stage, because API Gateway caches it per Authorization header
 * (60 s: a revoked key stops working within that); the app checks each route's scope. Any failure is a 401.
 */
export function createAuthorizer(deps: () => AuthorizerDeps) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? undefined]));
    const key = presentedKey({ authorization: headers.authorization, 'x-api-key': headers['x-api-key'] });
    const principal = key ? await verifyKey(deps().credentials, key) : undefined;
    if (!principal) {
      logger.info('refused', { reason: key ? 'unknown, revoked or malformed key' : 'no key' });
      throw new Error('Unauthorized');
    }
    // arn:aws:execute-api:region:account:api-id/stage/METHOD/path → the whole stage.
    const [apiArn, stage] = event.methodArn.split('/');
    const usageIdentifierKey = await deps().usageKey();
    return {
      principalId: principal.keyId!,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${apiArn}/${stage}/*` }] },
      context: { tenant: principal.tenant, scopes: principal.scopes.join(','), keyId: principal.keyId! },
      ...(usageIdentifierKey ? { usageIdentifierKey } : {}),
    };
  };
}

export function authorizerDepsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthorizerDeps {
  const config = EnvSchema.parse(env);
  const dynamo = new DynamoDBClient({ region: config.AWS_REGION, ...(config.MMDO_DYNAMODB_ENDPOINT_URL ? { endpoint: config.MMDO_DYNAMODB_ENDPOINT_URL } : {}) });
  let usageKey: Promise<string | undefined> | undefined;
  return {
    credentials: new DynamoDbApiStore(dynamo, config.MMDO_API_TABLE),
    usageKey: () =>
      (usageKey ??= config.MMDO_USAGE_PLAN_KEY_ID
        ? new APIGatewayClient({ region: config.AWS_REGION }).send(new GetApiKeyCommand({ apiKey: config.MMDO_USAGE_PLAN_KEY_ID, includeValue: true })).then((k) => k.value)
        : Promise.resolve(undefined)),
  };
}

let deps: AuthorizerDeps | undefined;
export const handler = createAuthorizer(() => (deps ??= authorizerDepsFromEnv()));
