import type { Command } from 'commander';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { parseOptions } from './cli-errors.js';
import { DynamoDbApiStore } from '../../lambdas/adapters/aws/dynamodb-api-store.js';
import { configFromEnv, createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { SqliteApiStore } from '../../lambdas/adapters/local/store/api-store.js';
import { createTenant, issueKey, publicKeyView, TENANT_ID } from '../../lambdas/application/tenancy/api-keys.js';
import { DEFAULT_DEMO, seedDemoProfile } from '../../lambdas/local/demo-profile.js';
import { SCOPES, type CredentialStore } from '../../lambdas/ports/partner-api.js';

/** Where tenants and keys live: the local service's store under MMDO_HOME, or the cloud's API table. */
const StoreOptions = z.object({
  apiTable: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

const Tenant = z.string().regex(TENANT_ID, '2-63 lower-case letters, digits or "-"');
const Scopes = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.enum(SCOPES)).min(1));

function openStore(options: z.infer<typeof StoreOptions>): { store: CredentialStore; close(): void } {
  if (options.apiTable) {
    const client = new DynamoDBClient({ ...(options.region ? { region: options.region } : {}) });
    return { store: new DynamoDbApiStore(client, options.apiTable), close: () => client.destroy() };
  }
  const store = new SqliteApiStore(join(configFromEnv().home, 'service', 'queue.sqlite'));
  return { store, close: () => store.close() };
}

function print(json: boolean | undefined, value: unknown, lines: string[]): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${lines.join('\n')}\n`);
}

/**
 * `mmdo tenant` and `mmdo key`: the operator's side of the partner API. A tenant is created with its first admin
 * key (shown once; only its SHA-256 is stored); that key issues and revokes the tenant's other keys over the API
 * (POST/DELETE /v1/keys) or here. Locally the tenant also gets the demo profile, so it can inspect at once.
 */
export function register(program: Command): void {
  const tenant = program.command('tenant').description('partner API tenants (local store under MMDO_HOME, or --api-table in the cloud)');
  tenant
    .command('create <id>')
    .description('create a tenant and its first admin key (printed once); locally also its demo profile')
    .option('--name <name>', 'display name')
    .option('--no-demo', 'do not enrol the demo profile for the tenant (local store only)')
    .option('--api-table <name>', 'the cloud API table (e.g. mmdo-api) instead of the local store')
    .option('--region <region>', 'AWS region of --api-table')
    .option('--json', 'print one JSON document')
    .action(async (id: string, raw: unknown) => {
      const options = parseOptions(StoreOptions.extend({ name: z.string().min(1).max(200).optional(), demo: z.boolean().default(true) }), raw);
      const tenantId = parseOptions(z.object({ tenant: Tenant }), { tenant: id }).tenant;
      const { store, close } = openStore(options);
      try {
        const { tenant: created, created: isNew } = await createTenant(store, tenantId, options.name ?? tenantId);
        const { key, record } = await issueKey(store, created.id, ['admin'], 'first admin key');
        let demo = false;
        if (!options.apiTable && options.demo) {
          const runtime = await createLocalRuntime();
          try {
            demo = await seedDemoProfile(runtime, { ...DEFAULT_DEMO, tenant: created.id, samplesDir: null }, (line) => process.stderr.write(`${line}\n`));
          } finally {
            await runtime.close();
          }
        }
        print(options.json, { tenant: created, created: isNew, key: { ...publicKeyView(record), key }, demoProfile: demo }, [
          `tenant ${created.id} ${isNew ? 'created' : 'exists'}${demo ? " (profile 'demo' enrolled)" : ''}`,
          `admin key ${record.id} (shown once, keep it secret):`,
          key,
        ]);
      } finally {
        close();
      }
    });

  const keys = program.command('key').description('API keys of a tenant');
  keys
    .command('create')
    .description('issue a key (printed once)')
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`)
    .option('--name <name>', 'what the key is for', 'cli')
    .option('--api-table <name>', 'the cloud API table instead of the local store')
    .option('--region <region>', 'AWS region of --api-table')
    .option('--json', 'print one JSON document')
    .action(async (raw: unknown) => {
      const options = parseOptions(StoreOptions.extend({ tenant: Tenant, scopes: Scopes, name: z.string().min(1).max(100) }), raw);
      const { store, close } = openStore(options);
      try {
        const { key, record } = await issueKey(store, options.tenant, options.scopes, options.name);
        print(options.json, { ...publicKeyView(record), key }, [`key ${record.id} (${record.scopes.join(',')}) for ${options.tenant}, shown once:`, key]);
      } finally {
        close();
      }
    });
  keys
    .command('list')
    .description("a tenant's keys (never the keys themselves)")
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--api-table <name>', 'the cloud API table instead of the local store')
    .option('--region <region>', 'AWS region of --api-table')
    .option('--json', 'print one JSON document')
    .action(async (raw: unknown) => {
      const options = parseOptions(StoreOptions.extend({ tenant: Tenant }), raw);
      const { store, close } = openStore(options);
      try {
        const items = (await store.listKeys(options.tenant)).map(publicKeyView);
        print(options.json, { items }, items.map((k) => `${k.id}  ${k.scopes.join(',').padEnd(20)} ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ${k.name}`));
      } finally {
        close();
      }
    });
  keys
    .command('revoke <id>')
    .description('revoke a key')
    .requiredOption('--tenant <id>', 'the tenant the key belongs to')
    .option('--api-table <name>', 'the cloud API table instead of the local store')
    .option('--region <region>', 'AWS region of --api-table')
    .action(async (id: string, raw: unknown) => {
      const options = parseOptions(StoreOptions.extend({ tenant: Tenant }), raw);
      const { store, close } = openStore(options);
      try {
        if (!(await store.revokeKey(options.tenant, id, new Date().toISOString()))) throw new Error(`tenant ${options.tenant} has no key ${id}`);
        process.stdout.write(`key ${id} revoked\n`);
      } finally {
        close();
      }
    });
}
