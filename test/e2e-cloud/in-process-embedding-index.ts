import type { EmbeddingFilter, EmbeddingIndex, EmbeddingNeighbour, EmbeddingRecord } from '../../lambdas/ports/embedding-index.js';

/** The EmbeddingIndex port in memory (exact L2, same filters as the OpenSearch query): OpenSearch's stand-in here. */
export class InProcessEmbeddingIndex implements EmbeddingIndex {
  private readonly records = new Map<string, EmbeddingRecord>();

  async index(records: readonly EmbeddingRecord[]): Promise<void> {
    for (const r of records) this.records.set(`${r.tenant}/${r.profile}/${r.id}`, r);
  }

  async nearest(vector: Float32Array, k: number, filter: EmbeddingFilter): Promise<EmbeddingNeighbour[]> {
    const hits: EmbeddingNeighbour[] = [];
    for (const r of this.records.values()) {
      if (r.tenant !== filter.tenant || r.profile !== filter.profile) continue;
      if (filter.profileVersion !== undefined && r.profileVersion !== filter.profileVersion) continue;
      if (filter.material !== undefined && r.material !== filter.material) continue;
      let sum = 0;
      for (let i = 0; i < vector.length; i++) sum += (vector[i]! - r.vector[i]!) ** 2;
      hits.push({ id: r.id, distance: Math.sqrt(sum), ...(r.label ? { label: r.label } : {}) });
    }
    return hits.sort((a, b) => a.distance - b.distance).slice(0, k);
  }
}
