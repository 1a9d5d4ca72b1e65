/**
 * docs/plugins.md as someone outside the repository follows it: a fresh
 * folder under the system temp dir (no ferry node_modules above it), the
 * guide's shell steps run by bash as written (only FERRY points at this
 * checkout), the guide's own lines-reader.mjs and job.json written from the
 * page, then `ferry run job.json`. Fails when the guide drifts from what works.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runBash, tempDir } from './helpers.js';

const guide = readFileSync(join(ROOT, 'docs/plugins.md'), 'utf8');

/** The first fenced block after `<!-- marker`. */
function blockAfter(marker: string): string {
  const at = guide.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`docs/plugins.md has no <!-- ${marker} block`);
  return /```\w*\n([\s\S]*?)```/.exec(guide.slice(at))![1]!;
}

async function bash(script: string, cwd: string) {
  const r = await runBash(script, { cwd, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  return { code: r.code, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

const { dir, cleanup } = tempDir('ferry-plugin-guide-');
afterAll(() => cleanup());

describe('the plugin guide (docs/plugins.md)', () => {
  it('works in a folder of its own outside the repository', async () => {
    const setup = blockAfter('plugin-guide-setup').replace(/^FERRY=\S+/m, `FERRY=${JSON.stringify(ROOT)}`);
    expect(setup).toContain(`FERRY=${JSON.stringify(ROOT)}`);
    const s = await bash(setup, dir);
    expect(s.code, s.out).toBe(0);
    const plugin = join(dir, 'my-ferry-plugin');
    writeFileSync(join(plugin, 'lines-reader.mjs'), blockAfter('plugin-guide-file: lines-reader.mjs'));
    writeFileSync(join(plugin, 'job.json'), blockAfter('plugin-guide-file: job.json'));
    const run = await bash(`export PATH=${JSON.stringify(join(ROOT, 'node_modules/.bin'))}:$PATH\n${blockAfter('plugin-guide-run')}`, plugin);
    expect(run.code, run.out).toBe(0);
    expect(run.stdout).toMatch(/^Records read +: 6$/m);
    expect(run.stdout).toMatch(/^Records written +: 5$/m);
    expect(run.stdout).toMatch(/^Dirty records +: 1$/m);
    expect(
      readFileSync(join(plugin, 'out.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).n),
    ).toEqual(['1', '2', '3', '40', '60']);
  }, 180_000);
});
