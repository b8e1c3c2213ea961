import type { EvaluationWorkspace } from '../../../application/evaluate/evaluate.js';
import type { Backbone } from '../../../ports/backbone.js';
import { MemoryProfileStore } from '../../memory/memory-profile-store.js';
import { MemoryScratch } from '../../scratch/memory-scratch.js';
import { BankIndexCache } from '../bank-index-cache.js';
import { LocalPatchScorer } from '../local-patch-scorer.js';
import { LocalVectorIndexFactory } from '../vector-index/index.js';
import { ProfileEmbeddingIndex } from '../vector-index/profile-embeddings.js';

/** Evaluation's own profile in memory, scored by the same local adapters as inspection (ONNX backbone, in-process bank). */
export function evaluationWorkspace(backbone: Backbone, index: 'exact' | 'approximate'): EvaluationWorkspace {
  const profiles = new MemoryProfileStore();
  const banks = new BankIndexCache(profiles, new LocalVectorIndexFactory(), () => index);
  return {
    profiles,
    scorer: new LocalPatchScorer(backbone, banks),
    embeddings: new ProfileEmbeddingIndex(profiles),
    scratch: () => new MemoryScratch(),
    dispose: () => banks.dispose(),
  };
}
