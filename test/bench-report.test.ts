/**
 * The `ferry bench --report` page in a real browser: Debian's headless
 * Chromium (driven by playwright-core) loads a report from a real sweep
 * without console errors or requests, and its chart has one bar (and one
 * RSS dot) per channel setting. The page and a screenshot are kept under
 * test/runs/bench-report/ for people to look at. Skipped loudly when
 * Chromium is not installed (`.ci/run` installs it).
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';

const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\n*** SKIPPING the bench report browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set FERRY_CHROMIUM) ***\n`);

/** Where the page and its screenshot stay after the run. */
const KEEP = join(ROOT, 'test', 'runs', 'bench-report');

describe.skipIf(!hasChromium)('the bench HTML report in headless Chromium', { timeout: 180_000 }, () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir('ferry-bench-report-')));
  afterAll(() => cleanup());

  it('loads without console errors or network requests and draws one bar per setting', async () => {
    const job = join(dir, 'job.json');
    writeFileSync(job, JSON.stringify({ reader: { plugin: 'generate', rows: 10_000 }, writer: { plugin: 'null' } }));
    const html = join(dir, 'report.html');
    const r = await runCli(['bench', job, '--channels', '1,2', '--repeat', '1', '--report', html, '--quiet']);
    expect(r.code, r.stderr).toBe(0);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // Self-contained: the file itself is the only thing the page may load.
      const url = pathToFileURL(html).href;
      page.on('request', (req) => {
        if (req.url() !== url) problems.push(`request: ${req.url()}`);
      });
      await page.goto(url, { waitUntil: 'load' });
      expect(problems).toEqual([]);
      expect(await page.locator('svg rect.bar').count()).toBe(2);
      expect(await page.locator('svg rect.bar').evaluateAll((els) => els.map((e) => e.getAttribute('data-channels')))).toEqual(['1', '2']);
      expect(await page.locator('svg circle.rss').count()).toBe(2);
      // Bars are drawn with a real height: records/s of a real run is above zero.
      const heights = await page.locator('svg rect.bar').evaluateAll((els) => els.map((e) => (e as unknown as { getBBox(): { height: number } }).getBBox().height));
      for (const h of heights) expect(h).toBeGreaterThan(0);
      expect(await page.locator('table tr').count()).toBe(3);
      expect(await page.locator('.rec').textContent()).toMatch(/^Recommended: [12] channels?\./);
      mkdirSync(KEEP, { recursive: true });
      copyFileSync(html, join(KEEP, 'report.html'));
      await page.screenshot({ path: join(KEEP, 'report.png'), fullPage: true });
      console.log(`bench report screenshot: ${join(KEEP, 'report.png')}`);
    } finally {
      await browser.close();
    }
  });
});
