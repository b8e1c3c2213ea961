/**
 * Converting a declared sulfur loading (wt% of the solid cathode: sulfur + carbon host) into the volume share that an
 * image can measure as an area fraction, via the phase densities:
 *   v_S = (w/ρ_S) / (w/ρ_S + (1−w)/ρ_C)        (w = loading as a fraction)
 * and, for a section with porosity φ, the expected sulfur area fraction of the whole image is (1 − φ)·v_S
 * (Delesse: area fraction in a random section = volume fraction).
 */
export const SULFUR_DENSITY_G_CM3 = 2.07;

/** Skeletal densities of common carbon hosts (g/cm³); unknown hosts use DEFAULT_CARBON_DENSITY_G_CM3. */
export const CARBON_HOST_DENSITIES_G_CM3: Readonly<Record<string, number>> = {
  'ketjen black': 2.0,
  'super p': 2.0,
  'carbon black': 2.0,
  'acetylene black': 1.95,
  cnt: 1.8,
  'carbon nanotubes': 1.8,
  graphene: 2.2,
  'reduced graphene oxide': 2.0,
  rgo: 2.0,
  graphite: 2.26,
  'activated carbon': 2.0,
};

/** Amorphous / carbon-black skeletal density used when the host is unknown. */
export const DEFAULT_CARBON_DENSITY_G_CM3 = 2.0;

export function carbonHostDensity(host: string | undefined): number {
  if (!host) return DEFAULT_CARBON_DENSITY_G_CM3;
  const key = host.toLowerCase();
  for (const [name, density] of Object.entries(CARBON_HOST_DENSITIES_G_CM3)) {
    if (key.includes(name)) return density;
  }
  return DEFAULT_CARBON_DENSITY_G_CM3;
}

/** Sulfur volume fraction of the solids (0..1) for a loading in wt% of the solids. */
export function sulfurWtPctToVolumeFraction(wtPct: number, carbonDensity = DEFAULT_CARBON_DENSITY_G_CM3): number {
  const w = wtPct / 100;
  const vs = w / SULFUR_DENSITY_G_CM3;
  const vc = (1 - w) / carbonDensity;
  return vs + vc > 0 ? vs / (vs + vc) : 0;
}

/** Inverse of sulfurWtPctToVolumeFraction: wt% of the solids for a sulfur volume fraction of the solids. */
export function sulfurVolumeFractionToWtPct(volumeFraction: number, carbonDensity = DEFAULT_CARBON_DENSITY_G_CM3): number {
  const ms = volumeFraction * SULFUR_DENSITY_G_CM3;
  const mc = (1 - volumeFraction) * carbonDensity;
  return ms + mc > 0 ? (100 * ms) / (ms + mc) : 0;
}
