import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import type { RunningService } from '../../lambdas/local/service.js';
import { auroc } from '../../lambdas/domain/evaluation/ranking.js';
import { SqliteApiStore } from '../../lambdas/adapters/local/store/api-store.js';
import { createTenant, issueKey } from '../../lambdas/application/tenancy/api-keys.js';
import { createDeps, micrographPng, prepareDemoProfile, saveTinyProfile, start, tempHome, testOptions, type TestDeps } from '../local/support.js';

/**
 * The web page in a real browser (Debian's chromium driven by playwright-core) against the real local service on a
 * free port with a fresh MMDO_HOME: upload an image, wait for its report, read the viewer's pixels (micrograph,
 * overlay, heatmap, phases), submit a review, and see the lists update. Screenshots of each view go to a temporary
 * folder, or to docs/images/ (the README's) with MMDO_SCREENSHOTS=1.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/web/browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const SHOTS = process.env.MMDO_SCREENSHOTS ? join(process.cwd(), 'docs', 'images') : mkdtempSync(join(tmpdir(), 'mmdo-web-shots-'));

interface CanvasStats {
  readonly image: number;
  readonly grey: number;
  readonly yellow: number;
  readonly blue: number;
  readonly cyan: number;
  readonly meanLuma: number;
  readonly lumaSd: number;
}

/** Colour statistics of the viewer's canvas (every 5th pixel; the dark background left out). */
const CANVAS_STATS = `(() => {
  const c = document.querySelector('.viewer-canvas');
  const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  let image = 0, grey = 0, yellow = 0, blue = 0, cyan = 0, luma = 0, luma2 = 0;
  for (let i = 0; i < data.length; i += 20) {
    const r = data[i], g = data[i + 1], b = data[i + 2];
    if (r === 32 && g === 37 && b === 43) continue;
    image++;
    const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    luma += y;
    luma2 += y * y;
    if (Math.max(r, g, b) - Math.min(r, g, b) < 10) grey++;
    if (r > 170 && g > 140 && b < 120) yellow++;
    if (b > 90 && b - r > 40 && b - g > 25) blue++;
    if (r < 90 && g > 180 && b > 180) cyan++;
  }
  const meanLuma = luma / image;
  return { image, grey: grey / image, yellow: yellow / image, blue: blue / image, cyan: cyan / image, meanLuma, lumaSd: Math.sqrt(Math.max(0, luma2 / image - meanLuma ** 2)) };
})()`;

/**
 * Text whose contrast with what is behind it is under 4.5:1 (WCAG AA for body text), the element's and its
 * ancestors' opacity included; disabled controls are exempt (as WCAG says).
 */
const CONTRAST_PROBLEMS = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0]; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, bottom, a) => top.map((v, i) => v * a + bottom[i] * (1 - a));
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    let bg = [255, 255, 255];
    for (const c of layers.reverse()) bg = over(c.slice(0, 3), bg, c[3]);
    return bg;
  };
  const problems = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (!el.getClientRects().length || el.closest('[disabled], [hidden], .sr-only, option, dialog:not([open])')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const fg = parse(style.color);
    const bg = background(el);
    const shown = over(fg.slice(0, 3), bg, fg[3] * opacity);
    const [a, b] = [lum(shown), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) problems.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return problems;
})()`;

const FRAMES = 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))';

/**
 * Polls an expression in the page until it is true. (Playwright's waitForFunction polls with eval inside the page,
 * which the page's CSP rightly refuses; page.evaluate goes through the DevTools protocol.)
 */
async function waitUntil(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Grey share and spread of the middle of each thumbnail canvas the selector finds. */
async function thumbPixels(page: Page, selector: string): Promise<{ grey: number; sd: number }[]> {
  return page.evaluate<{ grey: number; sd: number }[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((c) => {
    const { data } = c.getContext('2d').getImageData(c.width / 4, c.height / 4, c.width / 2, c.height / 2);
    let n = 0, grey = 0, sum = 0, sum2 = 0;
    for (let i = 0; i < data.length; i += 4) {
      n++;
      if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) < 4) grey++;
      sum += data[i];
      sum2 += data[i] * data[i];
    }
    return { grey: grey / n, sd: Math.sqrt(sum2 / n - (sum / n) ** 2) };
  })`);
}

/** Thumbnails of micrographs: grey, with texture (not a blank or a flat fill). */
function expectMicrographs(pixels: readonly { grey: number; sd: number }[]): void {
  for (const p of pixels) {
    expect(p.grey).toBeGreaterThan(0.99);
    expect(p.sd).toBeGreaterThan(10);
  }
}

async function expectReadable(page: Page): Promise<void> {
  expect(await page.evaluate<string[]>(CONTRAST_PROBLEMS)).toEqual([]);
}

describeInBrowser('web page in chromium', () => {
  let home: string;
  let cleanup: () => void;
  let deps: TestDeps;
  let service: RunningService;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const problems: string[] = [];

  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    deps = await createDeps(home);
    await prepareDemoProfile(deps, home);
    service = await start(deps, testOptions(home, { inbox: null }));
    userDataDir = mkdtempSync(join(tmpdir(), 'mmdo-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[49]/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await service?.stop();
    await deps?.close();
    cleanup?.();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    // The screenshots' temporary folder (docs/images/ is kept when asked for).
    if (!process.env.MMDO_SCREENSHOTS) rmSync(SHOTS, { recursive: true, force: true });
  });

  const stats = async (): Promise<CanvasStats> => {
    await page.evaluate(FRAMES);
    return page.evaluate<CanvasStats>(CANVAS_STATS);
  };

  let reportId = '';
  /** The uploaded micrograph's mean grey level and its spread (what the viewer's Micrograph layer must show). */
  let uploaded = { mean: 0, sd: 0 };

  test('upload images by the file picker and by drag and drop; each is followed to its report', async () => {
    await page.goto(`${service.url}/#/upload`);
    await page.getByLabel('Batch').fill('B-web-1');
    const [voidPng, normalPng, crackPng] = await Promise.all([micrographPng(31, 256, 'void'), micrographPng(32, 256), micrographPng(33, 256, 'crack')]);
    const [grey] = (await sharp(voidPng).stats()).channels;
    uploaded = { mean: grey!.mean, sd: grey!.stdev };
    await page.setInputFiles('#upload-files', [
      { name: 'web-void.png', mimeType: 'image/png', buffer: Buffer.from(voidPng) },
      { name: 'web-normal.png', mimeType: 'image/png', buffer: Buffer.from(normalPng) },
    ]);
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob('${Buffer.from(crackPng).toString('base64')}'), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'web-crack.png', { type: 'image/png' }));
      const zone = document.querySelector('.dropzone');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    for (const name of ['web-void.png', 'web-normal.png', 'web-crack.png']) {
      const item = page.locator(`li.upload-item[data-file="${name}"]`);
      await item.locator('a', { hasText: 'Open report' }).waitFor({ timeout: 60_000 });
      expect(await item.getAttribute('data-status')).toBe('completed');
    }
    reportId = (await page.locator('li.upload-item[data-file="web-void.png"]').getAttribute('data-id'))!;
    expect(reportId).toMatch(/^[A-Za-z0-9_-]+$/);
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-upload.png') });
  }, 90_000);

  test('the report: the micrograph, overlay, heatmap and phases render (pixels), regions listed with µm², the nearest known samples as thumbnails', async () => {
    // The report names each nearest enrolled image by content hash; the last one's thumbnail answers 404 here.
    const nearest = ((await (await fetch(`${service.url}/v1/inspections/${reportId}`)).json()) as { novelty: { nearest: { id: string; sha256?: string }[] } }).novelty.nearest;
    expect(nearest.length).toBeGreaterThan(1);
    for (const n of nearest) expect(n.sha256).toMatch(/^[0-9a-f]{64}$/);
    const missing = nearest.at(-1)!;
    const missingThumb = `**/images/${missing.sha256}/thumbnail.png`;
    await page.route(missingThumb, (route) => route.fulfill({ status: 404, contentType: 'application/problem+json', body: JSON.stringify({ title: 'Not Found', status: 404, code: 'artifact_not_available' }) }));
    await page.goto(`${service.url}/#/reports/${reportId}`);
    await waitUntil(page, `document.querySelector('.viewer')?.dataset.layers === 'base heatmap phases'`);
    await page.getByRole('heading', { name: 'web-void.png', level: 1 }).waitFor();
    await page.getByLabel('Region outlines').uncheck();

    // The base is the micrograph from the API (GET …/micrograph.png): the uploaded grey pixels, nothing tinted.
    expect(await page.locator('.viewer').getAttribute('data-base')).toBe('micrograph');
    await page.getByLabel('Heatmap opacity').fill('0');
    const micrograph = await stats();
    expect(micrograph.image).toBeGreaterThan(10_000);
    expect(micrograph.grey).toBeGreaterThan(0.99);
    expect(Math.abs(micrograph.meanLuma - uploaded.mean)).toBeLessThan(4);
    expect(micrograph.lumaSd).toBeGreaterThan(uploaded.sd * 0.5);

    await page.getByLabel('Heatmap opacity').fill('100');
    const heatmap = await stats();
    await page.getByLabel('Base image').selectOption('overlay');
    await waitUntil(page, `document.querySelector('.viewer')?.dataset.base === 'overlay'`);
    await page.getByLabel('Heatmap opacity').fill('0');
    const overlay = await stats();
    await page.getByLabel('Phase overlay').check();
    await page.getByLabel('Heatmap opacity').fill('0');
    const phases = await stats();

    expect(overlay.image).toBeGreaterThan(10_000);
    // The overlay is the micrograph in grey with colour where anomalous; the heatmap is the inferno map, mostly dark
    // colour; the phase overlay tints sulfur yellow and pores blue.
    expect(overlay.grey).toBeGreaterThan(0.5);
    expect(heatmap.grey).toBeLessThan(overlay.grey - 0.3);
    expect(heatmap.meanLuma).toBeLessThan(overlay.meanLuma * 0.6);
    expect(phases.yellow).toBeGreaterThan(0.03);
    expect(phases.blue).toBeGreaterThan(0.01);
    expect(overlay.yellow).toBeLessThan(phases.yellow / 2);
    // The overlay is contrast-stretched and tinted where anomalous: not the micrograph's pixels.
    expect(overlay.grey).toBeLessThan(micrograph.grey);

    // Region outlines drawn by the viewer on top.
    await page.getByLabel('Phase overlay').uncheck();
    const before = await stats();
    await page.getByLabel('Region outlines').check();
    const outlined = await stats();
    expect(outlined.cyan).toBeGreaterThan(before.cyan);
    const regions = page.locator('section', { has: page.getByRole('heading', { name: 'Regions' }) });
    expect(await regions.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await regions.textContent()).toMatch(/µm²/);
    expect(await page.locator('section', { has: page.getByRole('heading', { name: 'Microstructure' }) }).textContent()).toMatch(/D10 \/ D50 \/ D90[\d.\s/]+µm/);

    // The nearest known samples: a thumbnail of each enrolled image (micrograph pixels) with its name and distance;
    // the one whose thumbnail is missing keeps its name and distance, without an empty frame.
    const samples = page.getByRole('list', { name: 'Nearest known samples' });
    expect(await samples.locator('li').allTextContents()).toEqual(nearest.map((n) => expect.stringMatching(new RegExp(`^${n.id.replace(/\./g, '\\.')}distance \\d+\\.\\d{4}`))));
    await samples.scrollIntoViewIfNeeded();
    await waitUntil(page, `[...document.querySelectorAll('.nearest canvas.thumb')].every((c) => c.dataset.loaded)`);
    const loaded = '.nearest canvas.thumb[data-loaded="true"]';
    expect(await page.locator(loaded).count()).toBe(nearest.length - 1);
    expectMicrographs(await thumbPixels(page, loaded));
    const gone = samples.locator('li', { hasText: missing.id });
    expect(await gone.locator('canvas').getAttribute('data-loaded')).toBe('error');
    expect(await gone.locator('canvas').isVisible()).toBe(false);
    expect(await gone.locator('.name').isVisible()).toBe(true);
    await page.locator('section', { has: samples }).screenshot({ path: join(SHOTS, 'web-report-nearest.png') });
    await page.unroute(missingThumb);
    await page.evaluate('window.scrollTo(0, 0)');

    // Keyboard: the canvas takes focus and zooms (the screenshot: the heatmap at half opacity over the micrograph).
    await page.getByLabel('Base image').selectOption('micrograph');
    await waitUntil(page, `document.querySelector('.viewer')?.dataset.base === 'micrograph'`);
    await page.getByLabel('Heatmap opacity').fill('50');
    await page.locator('.viewer-canvas').focus();
    const zoomBefore = await page.locator('.zoom').textContent();
    await page.keyboard.press('+');
    await page.evaluate(FRAMES);
    expect(await page.locator('.zoom').textContent()).not.toBe(zoomBefore);
    await page.keyboard.press('0');
    await page.evaluate(FRAMES);
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-report.png') });
  }, 60_000);

  test('the inspections list shows the report, filters by batch and verdict', async () => {
    await page.goto(`${service.url}/#/inspections`);
    const row = page.locator(`tr[data-report-id="${reportId}"]`);
    await row.waitFor();
    await waitUntil(page, `document.querySelector('tr[data-report-id="${reportId}"] canvas.thumb')?.dataset.loaded === 'true'`);
    await page.goto(`${service.url}/#/inspections?batch=none-such`);
    await page.getByText('No reports match.').waitFor();
    await page.goto(`${service.url}/#/inspections?batch=B-web-1`);
    await row.waitFor();
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-inspections.png') });
  }, 30_000);

  test('profiles, webhooks and usage views answer from the API', async () => {
    await page.goto(`${service.url}/#/webhooks`);
    await page.getByLabel('Target URL').fill('http://127.0.0.1:9/hooks/mmdo');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByLabel('Signing secret').waitFor();
    expect(await page.getByLabel('Signing secret').inputValue()).toMatch(/^whsec_/);
    await page.locator('td', { hasText: 'http://127.0.0.1:9/hooks/mmdo' }).waitFor();
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-webhooks.png') });

    await page.goto(`${service.url}/#/usage`);
    await page.getByRole('heading', { name: 'Totals' }).waitFor();
    expect(await page.locator('dl.facts').first().textContent()).toMatch(/inspection\s*3/);
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-usage.png') });
  }, 30_000);

  test('review queue: most uncertain first, judged from the keyboard; the queue and the labelled set update', async () => {
    await page.goto(`${service.url}/#/review?profile=demo`);
    const queue = page.getByRole('listbox', { name: /Reports to review/ });
    await queue.locator('li[role="option"]').first().waitFor();
    const ids = await queue.locator('li[role="option"]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-report-id')));
    expect(ids).toHaveLength(3);
    const uncertainties = (await queue.locator('.uncertainty').allTextContents()).map((t) => Number(t.replace(/[^\d.]/g, '')));
    expect([...uncertainties].sort((a, b) => b - a)).toEqual(uncertainties);
    await waitUntil(page, `[...document.querySelectorAll('canvas.thumb')].every((c) => c.dataset.loaded === 'true')`);
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-review.png') });

    // The listbox has focus: move to the void image's row, confirm it with "c"; relabel the next with "l".
    const target = ids.indexOf(reportId);
    for (let i = 0; i < target; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('c');
    await queue.locator(`li[data-report-id="${reportId}"][data-judged]`).waitFor();
    expect(await queue.locator(`li[data-report-id="${reportId}"]`).getAttribute('data-judged')).toBe('anomalous');
    const other = ids.find((id, k) => k !== target && id !== null)!;
    for (let i = 0; i < 3; i++) await page.keyboard.press(ids.indexOf(other) > target ? 'ArrowDown' : 'ArrowUp');
    await page.keyboard.press('l');
    await page.keyboard.type('crack');
    await page.keyboard.press('Enter');
    await queue.locator(`li[data-report-id="${other}"][data-judged="crack"]`).waitFor();

    await page.reload();
    await page.getByRole('listbox', { name: /Reports to review/ }).locator('li[role="option"]').first().waitFor();
    const left = await page.locator('li[role="option"]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-report-id')));
    expect(left).toHaveLength(1);
    expect(left).not.toContain(reportId);

    await page.goto(`${service.url}/#/profiles/demo`);
    const labelled = page.locator('section', { has: page.getByRole('heading', { name: 'Labelled set (validation)' }) });
    await labelled.locator('tbody tr').nth(1).waitFor();
    expect(await labelled.textContent()).toMatch(/web-void\.png\s*anomalous/);
  }, 30_000);

  test('enrol new normal images into a profile: declared, uploaded to their forms, a new version', async () => {
    await page.goto(`${service.url}/#/profiles/demo`);
    const enrol = page.locator('section', { has: page.getByRole('heading', { name: 'Enrol new normal images' }) });
    const [a, b] = await Promise.all([micrographPng(41, 128), micrographPng(42, 128)]);
    await enrol.getByLabel('Normal images').setInputFiles([
      { name: 'normal-41.png', mimeType: 'image/png', buffer: Buffer.from(a) },
      { name: 'normal-42.png', mimeType: 'image/png', buffer: Buffer.from(b) },
    ]);
    await enrol.getByRole('button', { name: 'Enrol' }).click();
    await enrol.locator('form[data-status]').waitFor({ timeout: 90_000 });
    expect(await enrol.locator('form').getAttribute('data-status')).toBe('completed');
    await page.locator('section', { has: page.getByRole('heading', { name: 'Versions' }) }).getByText('v2', { exact: true }).waitFor();

    // The new (active) version's enrolled images: the earlier ones and these two, as thumbnails with their role.
    const grid = page.getByRole('list', { name: 'Enrolled images' });
    await grid.locator('li', { hasText: 'normal-41.png' }).waitFor();
    expect(await grid.locator('li').count()).toBe(8);
    expect(await grid.locator('li[data-role="bank"]').count()).toBeGreaterThan(0);
    expect(await grid.locator('li[data-role="calibration"]').count()).toBeGreaterThan(0);
    await grid.scrollIntoViewIfNeeded();
    await waitUntil(page, `[...document.querySelectorAll('.image-grid canvas.thumb')].every((c) => c.dataset.loaded === 'true')`);
    // Each thumbnail shows a micrograph: grey, with texture (not a blank or a flat fill).
    const pixels = await thumbPixels(page, '.image-grid canvas.thumb');
    expect(pixels).toHaveLength(8);
    expectMicrographs(pixels);
  }, 120_000);

  test("profile calibration figures: the normals' histograms with their levels, and with labels of both kinds the ROC and its AUROC", async () => {
    // The uploads labelled as what they are (the review above judged two of them from the keyboard, whichever came
    // first): v1, which scored the three, has labels of both kinds.
    const call = (path: string, init?: RequestInit) => page.evaluate<unknown>(`fetch(${JSON.stringify(path)}, ${JSON.stringify(init ?? {})}).then((r) => r.json())`);
    const uploads = (await call('/v1/inspections?batch=B-web-1')) as { items: { id: string; input: { name: string } }[] };
    const truth: Record<string, string> = { 'web-normal.png': 'normal', 'web-void.png': 'void', 'web-crack.png': 'crack' };
    expect(uploads.items.map((r) => r.input.name).sort()).toEqual(Object.keys(truth).sort());
    for (const r of uploads.items) {
      await call(`/v1/inspections/${r.id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'relabel', label: truth[r.input.name] }) });
    }
    type Share = { hits: number; of: number };
    type Figures = {
      components: { normals: number[] }[]; labelled: { items: { anomalous: boolean; score: number }[]; otherVersions: number };
      operating: { thresholds: { suspect: number } }; atOperating: { recall: Share | null; falseAlarms: Share | null };
    };
    const [v1, v2] = (await Promise.all([1, 2].map((v) => call(`/v1/profiles/demo/versions/${v}/calibration`)))) as Figures[];
    type Labelled = { reportId: string; label: string; anomalous: boolean };
    const labelOf = (id: string) => ((v1 as unknown as { labelled: { items: Labelled[] } }).labelled.items.find((l) => l.reportId === id)?.label);
    expect(Object.fromEntries(uploads.items.map((r) => [r.input.name, labelOf(r.id)]))).toEqual(truth);
    expect(v1!.labelled.items.map((l) => l.anomalous).sort()).toEqual([false, true, true]);
    expect(v2!.labelled).toEqual({ items: [], otherVersions: 3 });

    // (The page is on this view already: reloaded, it reads the new label.)
    await page.goto(`${service.url}/#/profiles/demo`);
    await page.reload();
    const figures = page.locator('section', { has: page.getByRole('heading', { name: 'Calibration and evaluation' }) });
    const select = figures.getByLabel('Version');
    // The active version (v2): a histogram of the calibration normals per calibrated component, each with its two
    // levels; no labelled report of its own, so no ROC, and the page says why.
    expect(await select.inputValue()).toBe('2');
    await figures.locator('[data-missing]').first().waitFor();
    const withNormals = (f: Figures) => f.components.filter((c) => c.normals.length > 0).length;
    expect(await figures.locator('figure[data-chart="histogram"]').count()).toBe(withNormals(v2!));
    expect(await figures.locator('figure[data-chart="roc"]').count()).toBe(0);
    expect(await figures.locator('[data-missing]').allTextContents()).toEqual([
      expect.stringMatching(/^No ROC: .*\(now 0 normal, 0 anomalous\)/), expect.stringMatching(/^3 labelled reports were scored by other versions/),
    ]);
    expect(await figures.locator('[data-at-operating]').textContent()).toBe('no labelled defect yet; no labelled normal yet.');
    for (const svg of await figures.locator('figure[data-chart="histogram"] svg').all()) {
      expect(await svg.locator('rect[fill-opacity="0.5"]').count()).toBeGreaterThan(0);
      expect(await svg.locator('line[stroke-dasharray]').count()).toBe(2);
    }

    // v1 scored the labelled reports: the fused-score histogram too, and the ROC (the diagonal and one curve with a
    // point per distinct score after the origin) with the AUROC the labels give.
    await select.selectOption('1');
    await figures.locator('figure[data-chart="roc"]').waitFor();
    expect(await figures.locator('figure[data-chart="histogram"]').count()).toBe(withNormals(v1!) + 1);
    const roc = figures.locator('figure[data-chart="roc"] svg');
    const lines = await roc.locator('polyline').evaluateAll((ps) => ps.map((p) => p.getAttribute('points')!.split(' ').length));
    const scores = v1!.labelled.items.map((l) => l.score);
    expect(lines).toEqual([2, new Set(scores).size + 1]);
    const area = auroc(scores, v1!.labelled.items.map((l) => (l.anomalous ? 1 : 0)));
    expect(await roc.getAttribute('aria-label')).toContain(`AUROC ${area.toFixed(3)}`);
    expect(await roc.textContent()).toContain(`fused score (AUROC ${area.toFixed(3)})`);
    expect(await figures.locator('[data-missing]').count()).toBe(0);
    // What the labels say the threshold does: two labelled defects and one normal, counted as the API counts them.
    const flagged = (anomalous: boolean) => v1!.labelled.items.filter((l) => l.anomalous === anomalous && l.score >= v1!.operating.thresholds.suspect).length;
    expect(v1!.atOperating).toMatchObject({ recall: { hits: flagged(true), of: 2 }, falseAlarms: { hits: flagged(false), of: 1 } });
    expect(await figures.locator('[data-at-operating]').textContent()).toMatch(new RegExp(`^flags ${flagged(true)} of 2 labelled defects \\(.*95 % interval .*\\); and ${flagged(false)} of 1 labelled normal \\(`));
    await expectReadable(page);
    await page.screenshot({ path: join(SHOTS, 'web-profiles.png'), fullPage: true });
  }, 30_000);

  test('on a tablet (820×1180, touch) the report is one column', async () => {
    const tablet = await context.newPage();
    await tablet.setViewportSize({ width: 820, height: 1180 });
    await tablet.goto(`${service.url}/#/reports/${reportId}`);
    await waitUntil(tablet, `document.querySelector('.viewer')?.dataset.layers === 'base heatmap phases'`);
    const [viewer, side] = await Promise.all([tablet.locator('.viewer').boundingBox(), tablet.locator('.side').boundingBox()]);
    expect(side!.y).toBeGreaterThanOrEqual(viewer!.y + viewer!.height - 1);
    expect(side!.width).toBeGreaterThan(700);
    await tablet.screenshot({ path: join(SHOTS, 'web-report-tablet.png') });
    await tablet.close();
  }, 30_000);

  test('with API keys required, the page asks for a key, keeps it in memory only, and works with it', async () => {
    const keyed = tempHome();
    const keyedDeps = await createDeps(keyed.home);
    await saveTinyProfile(keyedDeps, 'demo');
    const keyedService = await start(keyedDeps, { ...testOptions(keyed.home, { inbox: null, worker: { concurrency: 0, leaseMs: 1000, maxAttempts: 1, retryDelayMs: 0, pollMs: 50 } }), apiKeys: 'required' });
    const store = new SqliteApiStore(join(keyed.home, 'service', 'queue.sqlite'));
    const keyedPage = await context.newPage();
    try {
      await createTenant(store, 'acme');
      const { key } = await issueKey(store, 'acme', ['admin'], 'web test');
      await keyedPage.goto(`${keyedService.url}/#/profiles`);
      const dialog = keyedPage.getByRole('dialog', { name: 'API key' });
      await dialog.waitFor();
      await dialog.getByLabel('Key').fill(key);
      await dialog.getByRole('button', { name: 'Use key' }).click();
      await keyedPage.getByRole('heading', { name: 'New profile' }).waitFor();
      // acme has no profile of its own (the tiny one is tenant local's): the key's tenant is what the page sees.
      expect(await keyedPage.locator('main').textContent()).toContain('No profile yet.');
      expect(await keyedPage.evaluate<string>('JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie')).not.toContain(key);
    } finally {
      await keyedPage.close();
      store.close();
      await keyedService.stop();
      await keyedDeps.close();
      keyed.cleanup();
    }
  }, 30_000);

  test('no page error and no CSP violation on the way', () => {
    expect(problems).toEqual([]);
  });
});
