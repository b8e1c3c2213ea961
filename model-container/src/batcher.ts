import type { LayerOutput } from './engine.js';

/** Runs one batch of equally sized tiles (`count` tiles of height×width back to back) for the given outputs. */
export type BatchRunner = (tiles: Float32Array, count: number, height: number, width: number, layers: readonly string[]) => Promise<Map<string, LayerOutput>>;

export interface BatcherOptions {
  /** Most tiles in one ORT run. */
  readonly maxTiles: number;
  /** How long the first waiting request may wait for others to join its run. */
  readonly delayMs: number;
}

interface Job {
  readonly tiles: Float32Array;
  readonly count: number;
  readonly resolve: (outputs: Map<string, LayerOutput>) => void;
  readonly reject: (error: unknown) => void;
}

export interface BatcherStats {
  readonly runs: number;
  readonly tiles: number;
  readonly largestRun: number;
}

/**
 * Request batching: tiles of concurrent requests that share a size are stacked into one ORT run (a GPU is far
 * more efficient on a batch than on single images). The first waiting request opens a short window (`delayMs`);
 * runs are serialised, and whatever arrived during a run goes into the next one without further delay, so batches
 * grow with load and an idle server adds at most `delayMs` of latency.
 */
export class TileBatcher {
  private readonly queues = new Map<string, Job[]>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private counters = { runs: 0, tiles: 0, largestRun: 0 };

  constructor(private readonly run: BatchRunner, private readonly options: BatcherOptions) {}

  /**
   * The `layers` outputs for `count` tiles (height×width each); large requests are split into runs of at most
   * maxTiles. Requests share a run when their tile size and layer set match.
   */
  async submit(tiles: Float32Array, count: number, height: number, width: number, layers: readonly string[]): Promise<Map<string, LayerOutput>> {
    const plane = height * width;
    const key = `${width}x${height}|${[...new Set(layers)].sort().join(',')}`;
    const max = this.options.maxTiles;
    const parts: Promise<Map<string, LayerOutput>>[] = [];
    for (let start = 0; start < count; start += max) {
      const n = Math.min(max, count - start);
      parts.push(this.enqueue(key, tiles.subarray(start * plane, (start + n) * plane), n));
    }
    const results = await Promise.all(parts);
    return results.length === 1 ? results[0]! : concatenate(results);
  }

  get stats(): BatcherStats {
    return { ...this.counters };
  }

  private enqueue(key: string, tiles: Float32Array, count: number): Promise<Map<string, LayerOutput>> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ tiles, count, resolve, reject });
      this.queues.set(key, queue);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    if (this.queues.size === 0) return;
    const full = [...this.queues.values()].some((q) => q.reduce((n, j) => n + j.count, 0) >= this.options.maxTiles);
    if (full || this.options.delayMs <= 0) {
      void this.drain();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.delayMs);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let next = this.take(); next; next = this.take()) await this.execute(next.key, next.jobs);
    } finally {
      this.running = false;
    }
  }

  /** The jobs of the longest-waiting size, FIFO, up to maxTiles (always at least one job). */
  private take(): { key: string; jobs: Job[] } | undefined {
    const first = this.queues.entries().next();
    if (first.done) return undefined;
    const [key, queue] = first.value;
    const jobs: Job[] = [];
    let tiles = 0;
    while (queue.length && (jobs.length === 0 || tiles + queue[0]!.count <= this.options.maxTiles)) {
      const job = queue.shift()!;
      jobs.push(job);
      tiles += job.count;
    }
    this.queues.delete(key);
    if (queue.length) this.queues.set(key, queue); // re-insert at the end: other sizes get their turn
    return { key, jobs };
  }

  private async execute(key: string, jobs: Job[]): Promise<void> {
    const [size, layerList] = key.split('|') as [string, string];
    const [width, height] = size.split('x').map(Number) as [number, number];
    const plane = width * height;
    const count = jobs.reduce((n, j) => n + j.count, 0);
    let input: Float32Array;
    if (jobs.length === 1) input = jobs[0]!.tiles;
    else {
      input = new Float32Array(count * plane);
      let offset = 0;
      for (const job of jobs) {
        input.set(job.tiles, offset);
        offset += job.tiles.length;
      }
    }
    try {
      const outputs = await this.run(input, count, height, width, layerList.split(','));
      this.counters.runs++;
      this.counters.tiles += count;
      this.counters.largestRun = Math.max(this.counters.largestRun, count);
      let first = 0;
      for (const job of jobs) {
        job.resolve(sliceBatch(outputs, first, job.count));
        first += job.count;
      }
    } catch (error) {
      for (const job of jobs) job.reject(error);
    }
  }
}

function sliceBatch(outputs: Map<string, LayerOutput>, first: number, count: number): Map<string, LayerOutput> {
  const out = new Map<string, LayerOutput>();
  for (const [name, { dims, data }] of outputs) {
    const per = data.length / dims[0]!;
    out.set(name, { dims: [count, ...dims.slice(1)], data: data.subarray(first * per, (first + count) * per) });
  }
  return out;
}

function concatenate(parts: Map<string, LayerOutput>[]): Map<string, LayerOutput> {
  const out = new Map<string, LayerOutput>();
  for (const name of parts[0]!.keys()) {
    const pieces = parts.map((p) => p.get(name)!);
    const data = new Float32Array(pieces.reduce((n, p) => n + p.data.length, 0));
    let offset = 0;
    for (const p of pieces) {
      data.set(p.data, offset);
      offset += p.data.length;
    }
    out.set(name, { dims: [pieces.reduce((n, p) => n + p.dims[0]!, 0), ...pieces[0]!.dims.slice(1)], data });
  }
  return out;
}
