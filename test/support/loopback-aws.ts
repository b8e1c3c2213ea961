/**
 * Real stand-ins for S3 and DynamoDB on loopback (s3rver, dynalite), started on a free port and stopped by the
 * returned `stop`. Typings for both packages: test/adapters/aws/servers.d.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { createS3Client } from '../../lambdas/adapters/aws/s3-artifact-store.js';

export interface LoopbackS3 {
  readonly client: S3Client;
  /** The endpoint URL, for code that builds its own client (a CLI run, a handler's environment). */
  readonly url: string;
  readonly server: S3rver;
  stop(): Promise<void>;
}

export async function startS3rver(buckets: readonly string[]): Promise<LoopbackS3> {
  const directory = await mkdtemp(join(tmpdir(), 'mmdo-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = (await server.run()) as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const client = createS3Client({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    client,
    url,
    server,
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface LoopbackDynamo {
  readonly client: DynamoDBClient;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startDynalite(tables: readonly CreateTableCommandInput[]): Promise<LoopbackDynamo> {
  const server: Server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const table of tables) await client.send(new CreateTableCommand(table));
  return {
    client,
    url,
    async stop() {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
