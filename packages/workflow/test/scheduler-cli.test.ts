import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lmdbSchedulerState, openStateStore } from '@ferry/workflow';

const ferryBin = join(fileURLToPath(import.meta.url), '../../../cli/bin/ferry.js');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-sched-cli-'));
  writeFileSync(
    join(dir, 'ferry.yaml'),
    `name: SchedCli
timezone: Asia/Shanghai
environments:
  dev: { project: sched_dev }
  prod: { project: sched_prod }
workflows:
  WorkShop:
    schedule: { cron: "15 0 * * *" }
    nodes:
      workshop_start: { type: virtual }
  EverySecond:
    schedule: { cron: "* * * * * *" }
    nodes:
      start: { type: virtual }
  Manual:
    nodes:
      start: { type: virtual }
`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function ferry(...args: string[]) {
  const r = spawnSync(process.execPath, [ferryBin, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ferry scheduler', () => {
  it('plan prints each instance with its time in the workspace zone and its business date, --to inclusive', () => {
    const r = ferry('scheduler', 'plan', '--from', '2024-06-20', '--to', '2024-06-22T00:15', '--workflow', 'WorkShop');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'WORKFLOW  SCHEDULED                  BIZDATE   CYCTIME',
      'WorkShop  2024-06-20 00:15:00+08:00  20240619  20240620001500',
      'WorkShop  2024-06-21 00:15:00+08:00  20240620  20240621001500',
      'WorkShop  2024-06-22 00:15:00+08:00  20240621  20240622001500',
    ]);
  });

  it('plan takes dates as yyyymmdd or yyyy-mm-dd; a --to date covers its whole day, as backfill --to does', () => {
    const iso = ferry('scheduler', 'plan', '--from', '2024-06-20', '--to', '2024-06-21', '--workflow', 'WorkShop');
    const compact = ferry('scheduler', 'plan', '--from', '20240620', '--to', '20240621', '--workflow', 'WorkShop');
    expect(iso.code, iso.stderr).toBe(0);
    expect(compact.stdout).toBe(iso.stdout);
    expect(
      iso.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual(['2024-06-20', '2024-06-21']);
    const oneDay = ferry('scheduler', 'plan', '--from', '20240620', '--to', '20240620', '--workflow', 'WorkShop');
    expect(oneDay.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('plan --json gives one object per line, times with offsets', () => {
    const r = ferry('scheduler', 'plan', '--from', '2024-06-20T16:00:00Z', '--to', '2024-06-20T16:59:59Z', '--json');
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.filter((x) => x.workflow === 'WorkShop')).toEqual([
      { workflow: 'WorkShop', scheduledAt: '2024-06-21 00:15:00+08:00', utc: '2024-06-20T16:15:00.000Z', bizdate: '20240620', cyctime: '20240621001500' },
    ]);
    expect(rows.filter((x) => x.workflow === 'EverySecond')).toHaveLength(3600);
    expect(rows.some((x) => x.workflow === 'Manual')).toBe(false);
  });

  it('plan without a range shows the next day from now', () => {
    const r = ferry('scheduler', 'plan', '--workflow', 'WorkShop');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^WorkShop  \d{4}-\d\d-\d\d 00:15:00\+08:00  \d{8}  \d{8}001500$/);
  });

  it('plan rejects a bad range and an unknown workflow, naming them', () => {
    const back = ferry('scheduler', 'plan', '--from', '2024-06-20', '--to', '2024-06-19');
    expect(back.code).toBe(2);
    expect(back.stderr).toContain('--to 2024-06-19 is before --from 2024-06-20');
    const bad = ferry('scheduler', 'plan', '--from', '2024-02-30', '--to', '2024-03-01');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from 2024-02-30');
    const missing = ferry('scheduler', 'plan', '--from', '2024-06-20', '--to', '2024-06-21', '--workflow', 'Nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('workflow Nope not found');
  });

  it('start triggers instances, logs and records each, stops cleanly on SIGINT, and history lists them', async () => {
    const child = spawn(process.execPath, [ferryBin, 'scheduler', 'start', '--workflow', 'EverySecond', '--env', 'dev'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const twoTriggers = new Promise<void>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if ((err.match(/EverySecond instance \d{14} succeeded/g) ?? []).length >= 2) resolve();
      });
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await Promise.race([twoTriggers, exited]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toMatch(/INFO scheduler started .*instances due before .* are not run/);
    expect(err).toMatch(/INFO trigger EverySecond instance \d{14} \(bizdate \d{8}/);

    const store = openStateStore(join(dir, '.ferry'));
    try {
      const records = await lmdbSchedulerState(store, 'dev').list('EverySecond');
      expect(records.length).toBeGreaterThanOrEqual(2);
      expect(new Set(records.map((r) => r.cyctime)).size).toBe(records.length);
      expect(records.slice(0, 2).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    } finally {
      await store.close();
    }
    const history = ferry('scheduler', 'history', '--env', 'dev', '--limit', '2');
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WORKFLOW\s+SCHEDULED\s+BIZDATE\s+STATUS\s+ERROR$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['EverySecond', 'EverySecond']);
    expect(ferry('scheduler', 'history', '--env', 'prod').stderr).toContain('no instance in prod');
  }, 30_000);
});
