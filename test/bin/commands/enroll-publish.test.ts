import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profilesTableDefinition } from '../../../lambdas/adapters/aws/profile-registry.js';
import { S3ProfileStore } from '../../../lambdas/adapters/aws/s3-profile-store.js';
import { FileProfileStore } from '../../../lambdas/adapters/local/store/profile-store.js';
import { saveTinyProfile } from '../../local/support.js';
import { startDynalite, startS3rver, type LoopbackDynamo, type LoopbackS3 } from '../../support/loopback-aws.js';

const BUCKET = 'mmdo-artifacts';
const TABLE = 'mmdo-profiles';
let home: string;
let s3: LoopbackS3;
let dynamo: LoopbackDynamo;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mmdo-enroll-publish-'));
  [s3, dynamo] = await Promise.all([startS3rver([BUCKET]), startDynalite([profilesTableDefinition(TABLE)])]);
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop()]);
  await rm(home, { recursive: true, force: true });
});

/** The CLI as a user runs it, with the SDK clients pointed at s3rver and dynalite. */
function mmdo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/mmdo.mjs', ...args], {
      env: {
        ...process.env, NODE_OPTIONS: '', MMDO_HOME: home, MMDO_BACKBONE: '',
        AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
        MMDO_S3_ENDPOINT_URL: s3.url, MMDO_DYNAMODB_ENDPOINT_URL: dynamo.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('`mmdo enroll --profile NAME --publish` publishes an enrolled local profile to the cloud store (s3rver + dynalite)', async () => {
  await saveTinyProfile({ profiles: new FileProfileStore(join(home, 'profiles')) }, 'demo');
  const run = await mmdo(['enroll', '--profile', 'demo', '--publish', '--tenant', 'acme', '--bucket', BUCKET, '--profiles-table', TABLE, '--json']);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.code).toBe(0);
  // Without --opensearch-url no embeddings are indexed.
  expect(JSON.parse(run.stdout)).toEqual({ published: { tenant: 'acme', profile: 'demo', sourceVersion: 1, version: 1, embeddings: 0 } });
  const stored = await new S3ProfileStore(s3.client, dynamo.client, { bucket: BUCKET, table: TABLE }).load('acme', 'demo');
  expect(stored).toMatchObject({ name: 'demo', version: 1, backbone: { id: 'mock' } });
}, 60_000);

test('publishing options are checked before anything is published', async () => {
  const run = await mmdo(['enroll', '--profile', 'demo', '--publish', '--tenant', 'acme', '--json']);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/bucket|profilesTable/);
  const noPublish = await mmdo(['enroll', '--profile', 'demo', '--from-version', '1']);
  expect(noPublish.code).not.toBe(0);
  expect(noPublish.stderr).toMatch(/--from-version needs --publish/);
}, 60_000);
