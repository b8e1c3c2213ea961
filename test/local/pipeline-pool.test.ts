import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { availableParallelism } from 'node:os';
import { PipelinePool, type PipelineThreadConfig } from '../../lambdas/local/pipeline-pool.js';
import { DEFAULT_INGEST_LIMITS } from '../../lambdas/ports/image-codec.js';
import { micrographPng, prepareDemoProfile, tempHome } from './support.js';

describe('PipelinePool: the local pipeline in worker threads', () => {
  test('gives the report the in-process pipeline gives, stores it, reports progress; a bad image is a failed report', async () => {
    const { home, cleanup } = tempHome();
    const runtime = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
    const pool = await PipelinePool.start({ home, backbone: 'builtin', env: {}, limits: DEFAULT_INGEST_LIMITS, size: 2 });
    try {
      await prepareDemoProfile(runtime, home);
      // Two threads share the cores: ORT threads shared out; a domain thread each only while there are cores to spare.
      const cores = availableParallelism();
      expect((pool as unknown as { config: PipelineThreadConfig }).config).toMatchObject({ ortThreads: Math.max(1, Math.floor(cores / 2)), domainThread: 2 < cores });
      const png = await micrographPng(21, 128, 'void');
      const stages: string[] = [];
      const [threaded, inProcess] = await Promise.all([
        pool.inspect({ tenant: 'local', name: 'a.png', bytes: png.slice(), profile: 'demo', reportId: 'pool-a', pixelSizeUm: 0.1 }, (stage) => stages.push(stage)),
        runtime.inspections.inspect({ tenant: 'local', name: 'a.png', bytes: png.slice(), profile: 'demo', reportId: 'main-a', pixelSizeUm: 0.1 }),
      ]);
      expect(threaded.status).toBe('completed');
      expect(threaded.scores).toEqual(inProcess.scores);
      expect(threaded.regions).toEqual(inProcess.regions);
      expect(await runtime.reports.get('local', 'pool-a')).toMatchObject({ id: 'pool-a', status: 'completed' });
      expect(stages).toEqual(expect.arrayContaining(['ingest', 'embed', 'render', 'done']));
      const bad = await pool.inspect({ tenant: 'local', name: 'b.png', bytes: png.slice(0, 300), profile: 'demo', reportId: 'pool-b' });
      expect(bad).toMatchObject({ status: 'failed', failure: { code: 'truncated_image', stage: 'ingest' } });
      // More inspections than threads wait for one.
      const many = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.inspect({ tenant: 'local', name: `m${n}.png`, bytes: png.slice(), profile: 'demo', reportId: `m${n}` })));
      expect(many.map((r) => r.status)).toEqual(Array(5).fill('completed'));
      expect(pool.load).toEqual({ running: 0, waiting: 0 });
    } finally {
      await pool.close();
      await runtime.close();
      cleanup();
    }
  });

  test('a thread killed mid-inspection fails that inspection with an error (the queue retries it) and is replaced; a pixel budget runs large images one at a time', async () => {
    const { home, cleanup } = tempHome();
    const runtime = await createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
    const pool = await PipelinePool.start({ home, backbone: 'builtin', env: {}, limits: DEFAULT_INGEST_LIMITS, size: 2, maxInflightPixels: 160 * 160 });
    try {
      await prepareDemoProfile(runtime, home);
      const png = await micrographPng(22, 128);
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const doomed = pool.inspect({ tenant: 'local', name: 'k.png', bytes: png.slice(), profile: 'demo', reportId: 'k' }, () => started());
      await running;
      // Fault injection: the thread running it dies (as a native crash or an out-of-memory kill would end it).
      const slots = (pool as unknown as { slots: { task?: unknown; thread: { terminate(): Promise<number> } }[] }).slots;
      await slots.find((s) => s.task)!.thread.terminate();
      await expect(doomed).rejects.toThrow(/pipeline thread running this inspection died/);
      expect(pool.size).toBe(2);
      const events: string[] = [];
      const run = (id: string) => pool.inspect({ tenant: 'local', name: `${id}.png`, bytes: png.slice(), profile: 'demo', reportId: id }, (stage) => {
        if (stage === 'ingest' || stage === 'done') events.push(`${id}:${stage}`);
      });
      const reports = await Promise.all([run('p1'), run('p2')]);
      expect(reports.map((r) => r.status)).toEqual(['completed', 'completed']);
      // 128² + 128² is over the 160² budget: the second started after the first was done, though a thread was free.
      expect(events).toEqual(['p1:ingest', 'p1:done', 'p2:ingest', 'p2:done']);
    } finally {
      await pool.close();
      await runtime.close();
      cleanup();
    }
  });
});

describe('ONNX Runtime threads of the pipeline threads', () => {
  test('the cores are shared out among the pool\'s threads (at least one each), and a thread\'s setting reaches its sessions', async () => {
    const { ortThreadsPerPipelineThread } = await import('../../lambdas/local/pipeline-pool.js');
    const { intraOpThreads, sessionOptions, setIntraOpThreads } = await import('../../lambdas/adapters/onnx/onnx-backbone.js');
    expect([ortThreadsPerPipelineThread(1, 2), ortThreadsPerPipelineThread(2, 2), ortThreadsPerPipelineThread(4, 2), ortThreadsPerPipelineThread(3, 8)]).toEqual([2, 1, 1, 2]);
    const before = intraOpThreads();
    try {
      setIntraOpThreads(1);
      expect(sessionOptions().intraOpNumThreads).toBe(1);
    } finally {
      setIntraOpThreads(undefined);
    }
    expect(intraOpThreads()).toBe(before);
  });
});
