import { generateMicrograph } from './lambdas/domain/synth/index.js';
import { analyseMicrostructure } from './lambdas/domain/microstructure/index.js';
const ms = [0,1,2].map(k => generateMicrograph({ seed: 21+k, width: 512, height: 512, pixelSizeUm: 0.1, anomaly: 'crack' }));
for (let i = 0; i < 12; i++) { const m = ms[i%3]!; const t = performance.now(); analyseMicrostructure(m.image, { pixelSizeUm: 0.1, metadata: m.metadata }); if (i > 8) console.log((performance.now()-t).toFixed(0)); }
