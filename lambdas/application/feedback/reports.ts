import { NotFoundError } from '../../domain/errors.js';
import type { ScoringSettings } from '../../domain/profile/settings.js';
import type { Report } from '../../domain/report/report.js';
import type { ComponentInput } from '../../domain/scoring/fusion.js';
import type { ProfileCatalog } from '../../ports/inspection.js';
import type { ReportStore } from '../../ports/stores.js';

/** Reports read at most by the review queue (newest first): a bound on one request's work. */
export const DEFAULT_SCAN_LIMIT = 5000;

/** Completed reports of a tenant, newest first, optionally of one profile, at most `scan` read. */
export async function completedReports(reports: Pick<ReportStore, 'list'>, tenant: string, profile: string | undefined, scan = DEFAULT_SCAN_LIMIT): Promise<{ reports: Report[]; scanned: number }> {
  const out: Report[] = [];
  let scanned = 0;
  let cursor: string | undefined;
  do {
    const page = await reports.list(tenant, { limit: Math.min(500, scan - scanned), ...(cursor ? { cursor } : {}) });
    scanned += page.items.length;
    for (const r of page.items) {
      if (r.status === 'completed' && r.scores && r.profile && (profile === undefined || r.profile.name === profile)) out.push(r);
    }
    cursor = page.cursor;
  } while (cursor && scanned < scan);
  return { reports: out, scanned };
}

/** A report's fused components as the fusion takes them. */
export function componentsOf(report: Report): ComponentInput[] {
  return (report.scores?.components ?? []).map((c) => ({ name: c.name, raw: c.raw, calibrated: c.calibrated }));
}

/** The latest settings of each profile, read once per request (undefined when the profile is gone). */
export function latestSettings(profiles: Pick<ProfileCatalog, 'describe'>, tenant: string): (name: string) => Promise<ScoringSettings | undefined> {
  const cache = new Map<string, Promise<ScoringSettings | undefined>>();
  return (name) => {
    let hit = cache.get(name);
    if (!hit) {
      hit = profiles.describe(tenant, name).then((d) => d.settings, (e: unknown) => {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      });
      cache.set(name, hit);
    }
    return hit;
  };
}
