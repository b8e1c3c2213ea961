import type { ScoringWorkspace } from '../../application/scoring-workspace.js';
import type { Backbone } from '../../ports/backbone.js';
import type { VectorIndexFactory } from '../../ports/vector-index.js';
import { MemoryProfileStore } from '../memory/memory-profile-store.js';
import { MemoryScratch } from '../scratch/memory-scratch.js';
import { BankIndexCache } from './bank-index-cache.js';
import { InProcessPatchScorer } from './in-process-patch-scorer.js';
import { ProfileEmbeddingIndex } from './profile-embeddings.js';

/**
 * A profile built only to be measured (evaluation, the operating point at enrolment, tuning, recalibration) and the
 * ports that score against it, all in this process: profiles in memory, the memory bank in an index of `indexes`
 * (ONNX Runtime or usearch locally, the pure-TypeScript exact index in a Lambda), patches embedded by `backbone`.
 */
export function inProcessWorkspace(backbone: Backbone, indexes: VectorIndexFactory, index: 'exact' | 'approximate'): ScoringWorkspace {
  const profiles = new MemoryProfileStore();
  const banks = new BankIndexCache(profiles, indexes, () => index);
  return {
    profiles,
    scorer: new InProcessPatchScorer(backbone, banks),
    embeddings: new ProfileEmbeddingIndex(profiles),
    scratch: () => new MemoryScratch(),
    dispose: () => banks.dispose(),
  };
}
