/**
 * The README's "by hand" workshop steps, run in order as written: the test
 * reads the commands out of README.md (and checks examples/workshop/README.md
 * holds the same ones), so the test fails when the README drifts. It runs
 * them in a copy of examples/workshop with `ferry` being this checkout's
 * CLI; the mock sources listen on a free port and a database of the test's
 * own instead of 8080 and `ferry_workshop`. Without MariaDB the MySQL parts
 * are allowed to fail, loudly.
 */
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from './helpers.js';
// @ts-expect-error plain ESM example without types
import { dropDatabase, loadUserInfo, startLogServer } from '../examples/workshop/mock-data.mjs';

const DB = `ferry_readme_${process.pid}`;
const MARKER = '<!-- workshop-steps';

/** The command lines of the marked sh block, comments and blank lines dropped. */
export function workshopSteps(markdown: string): string[] {
  const at = markdown.indexOf(MARKER);
  if (at < 0) throw new Error(`no ${MARKER} block`);
  const block = /```sh\n([\s\S]*?)```/.exec(markdown.slice(at))![1]!;
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** Shell words of a simple command line (no quotes needed by these steps). */
const words = (line: string) => line.split(/\s+/);

const { dir, cleanup } = tempDir('ferry-readme-');
let stopServer: (() => Promise<void>) | undefined;
let mysqlWhy: string | undefined;

afterAll(async () => {
  await stopServer?.();
  if (!mysqlWhy) await dropDatabase({ database: DB }).catch(() => {});
  cleanup();
});

describe('README workshop steps', () => {
  it('are the same in README.md and examples/workshop/README.md', () => {
    const main = workshopSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const example = workshopSteps(readFileSync(join(ROOT, 'examples/workshop/README.md'), 'utf8'));
    expect(example).toEqual(main);
    expect(main[0]).toBe('node mock-data.mjs &');
    expect(main.at(-1)).toBe('kill %1');
  });

  it('run in order, as written, inside examples/workshop', async () => {
    const steps = workshopSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    cpSync(join(ROOT, 'examples', 'workshop'), dir, { recursive: true, filter: (src: string) => !src.includes('.ferry') });
    const yaml = join(dir, 'ferry.yaml');
    const mysqlLine = /mysql|user_info|WorkShop/;
    for (const step of steps) {
      const [cmd, ...args] = words(step);
      if (step === 'node mock-data.mjs &') {
        // What mock-data.mjs does, on a free port and in a database of this test's own.
        const server = await startLogServer({ port: 0, lines: 2000, users: 200 });
        stopServer = server.close;
        try {
          await loadUserInfo({ database: DB, users: 200 });
        } catch (err) {
          mysqlWhy = `MariaDB at 127.0.0.1:3306 unavailable (${(err as Error).message})`;
          console.warn(`SKIPPING the MySQL parts of the README workshop steps: ${mysqlWhy}`);
        }
        writeFileSync(yaml, readFileSync(yaml, 'utf8').replaceAll('http://127.0.0.1:8080/', server.url).replaceAll('3306/ferry_workshop"', `3306/${DB}"`));
        continue;
      }
      if (step === 'kill %1') {
        await stopServer?.();
        stopServer = undefined;
        continue;
      }
      expect(cmd, `README step "${step}"`).toBe('ferry');
      if (args[0] === 'scheduler' && args[1] === 'start') {
        await startThenInterrupt(args, step);
        continue;
      }
      const r = await runCli(args, { cwd: dir });
      if (r.code !== 0 && mysqlWhy && mysqlLine.test(r.stdout + r.stderr)) {
        console.warn(`README step "${step}" failed without MariaDB (allowed): ${r.stderr.trim().split('\n')[0]}`);
        continue;
      }
      expect(r.code, `README step "${step}":\n${r.stdout}${r.stderr}`).toBe(0);
      if (step.startsWith('ferry table count')) expect(Number(r.stdout.trim())).toBe(2000);
      if (step.startsWith('ferry workflow backfill')) expect(r.stdout).toMatch(/20240618\s+succeeded[\s\S]*20240620\s+succeeded/);
    }
  }, 600_000);
});

/** `ferry scheduler start`: it must come up and stop cleanly on Ctrl-C. */
function startThenInterrupt(args: string[], step: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      err += d;
      // One Ctrl-C: a second one exits at once, by design.
      if (!sent && err.includes('scheduler started')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        expect(err, `README step "${step}"`).toContain('scheduler started');
        expect(code, `README step "${step}":\n${err}`).toBe(0);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
}
