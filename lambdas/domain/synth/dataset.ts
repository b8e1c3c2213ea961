import { ANOMALY_TYPES, type AnomalyType } from './anomalies.js';
import type { MicrographRequest, SynthParamsInput } from './micrograph.js';
import { createRandom } from './random.js';

export interface SynthSetOptions {
  readonly seed: number;
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly pixelSizeUm: number;
  /** Share of images with an injected anomaly, 0..1 (types are spread evenly). */
  readonly anomalyRate: number;
  readonly anomalyTypes?: readonly AnomalyType[];
  /** Images per synthesis batch: images of one batch share their design values and synthesis sheet. */
  readonly batchSize?: number;
}

export interface SynthSetItem {
  readonly index: number;
  /** File stem, e.g. `syn-0007-crack`. */
  readonly name: string;
  readonly batchId: string;
  readonly anomaly?: AnomalyType;
  readonly request: MicrographRequest;
}

/**
 * Plans a deterministic set of micrographs: which get which anomaly (evenly spread over the types, positions
 * shuffled), and per-batch design values varied around the defaults so a set is not one texture repeated.
 */
export function planSynthSet(options: SynthSetOptions): SynthSetItem[] {
  const random = createRandom(options.seed);
  const types = options.anomalyTypes ?? ANOMALY_TYPES;
  const anomalous = Math.round(Math.max(0, Math.min(1, options.anomalyRate)) * options.count);
  const assignments: (AnomalyType | undefined)[] = Array.from({ length: options.count }, (_, i) => (i < anomalous ? types[i % types.length] : undefined));
  // Fisher-Yates with the set's seed: anomalies land at reproducible but mixed positions.
  for (let i = assignments.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [assignments[i], assignments[j]] = [assignments[j], assignments[i]];
  }
  const batchSize = Math.max(1, options.batchSize ?? 5);
  const digits = Math.max(4, String(options.count).length);
  const items: SynthSetItem[] = [];
  let params: SynthParamsInput = {};
  let batchId = '';
  for (let i = 0; i < options.count; i++) {
    if (i % batchSize === 0) {
      batchId = `SYN-${(options.seed >>> 0).toString(16).padStart(8, '0')}-B${String(i / batchSize + 1).padStart(3, '0')}`;
      params = batchParams(random);
    }
    const anomaly = assignments[i];
    items.push({
      index: i,
      name: `syn-${String(i + 1).padStart(digits, '0')}-${anomaly ?? 'normal'}`,
      batchId,
      ...(anomaly ? { anomaly } : {}),
      request: {
        seed: random.int(0, 0x7fffffff),
        width: options.width,
        height: options.height,
        pixelSizeUm: options.pixelSizeUm,
        params: { ...params, ...acquisitionParams(random) },
        ...(anomaly ? { anomaly } : {}),
        batchId,
      },
    });
  }
  return items;
}

/** Design values of one batch, within the ranges a process window would allow. */
function batchParams(random: ReturnType<typeof createRandom>): SynthParamsInput {
  return {
    sulfurAreaFraction: random.uniform(0.17, 0.22),
    porosity: random.uniform(0.08, 0.115),
    particleD50Um: random.uniform(1.8, 2.4),
    particleSizeSigma: random.uniform(0.25, 0.35),
    poreD50Um: random.uniform(0.8, 1.0),
  };
}

/** Imaging conditions vary image to image, not batch to batch. */
function acquisitionParams(random: ReturnType<typeof createRandom>): SynthParamsInput {
  return {
    photonsPerUnit: random.uniform(110, 200),
    streaks: random.int(1, 4),
    drift: random.uniform(0.03, 0.08),
    blurSigmaPx: random.uniform(0.6, 1.0),
  };
}
