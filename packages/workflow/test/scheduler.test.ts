import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lmdbSchedulerState, openStateStore, startScheduler, type StateStore, type InstanceTimes, type SchedulerOptions, type SchedulerState } from '@ferry/workflow';

const distUrl = pathToFileURL(join(fileURLToPath(import.meta.url), '../../dist/index.js')).href;

const daily = { name: 'WorkShop', cron: '15 0 * * *', timezone: 'Asia/Shanghai' };

let dir: string;
let store: StateStore;
let state: SchedulerState;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-sched-'));
  store = openStateStore(dir);
  state = lmdbSchedulerState(store);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A fake timeline: `sleep` moves the clock instead of waiting, and the
 * scheduler's signal aborts once the clock reaches `end`.
 */
function timeline(start: string, end: string) {
  let t = Date.parse(start);
  const stop = Date.parse(end);
  const ctl = new AbortController();
  return {
    signal: ctl.signal,
    ctl,
    now: () => new Date(t),
    sleep: async (ms: number) => {
      t += ms;
      if (t >= stop) ctl.abort();
      await new Promise((r) => setImmediate(r));
    },
  };
}

interface Call {
  workflow: string;
  times: InstanceTimes;
  at: Date;
}

function run(opts: Partial<SchedulerOptions> & { clock: ReturnType<typeof timeline> }, calls: Call[] = []) {
  const { clock, ...rest } = opts;
  return startScheduler({
    workflows: [daily],
    state,
    signal: clock.signal,
    now: clock.now,
    sleep: clock.sleep,
    runInstance: async (workflow, times) => {
      calls.push({ workflow, times, at: clock.now() });
    },
    ...rest,
  });
}

describe('startScheduler', () => {
  it('triggers each instance at its time in the workspace zone with its business date, and records it', async () => {
    const calls: Call[] = [];
    const clock = timeline('2024-06-20T12:00:00+08:00', '2024-06-23T12:00:00+08:00');
    const summary = await run({ clock }, calls);
    expect(calls.map((c) => [c.workflow, c.times.cyctime, c.times.bizdate, c.at.toISOString()])).toEqual([
      ['WorkShop', '20240621001500', '20240620', '2024-06-20T16:15:00.000Z'],
      ['WorkShop', '20240622001500', '20240621', '2024-06-21T16:15:00.000Z'],
      ['WorkShop', '20240623001500', '20240622', '2024-06-22T16:15:00.000Z'],
    ]);
    expect(summary.triggered).toHaveLength(3);
    const records = await state.list('WorkShop');
    expect(records.map((r) => [r.cyctime, r.status])).toEqual([
      ['20240621001500', 'succeeded'],
      ['20240622001500', 'succeeded'],
      ['20240623001500', 'succeeded'],
    ]);
    expect(records[0]!.owner.pid).toBe(process.pid);
    expect((await state.lastTriggered('WorkShop'))!.cyctime).toBe('20240623001500');
    expect(await state.lastTriggered('Other')).toBeUndefined();
    expect(await state.lastTriggered('WorkShop2')).toBeUndefined();
    // Another environment has its own claims.
    const prod = lmdbSchedulerState(store, 'prod');
    expect(await prod.list()).toEqual([]);
    expect(await prod.claim('WorkShop', '20240621001500')).toBe(true);
    expect(await state.claim('WorkShop', '20240621001500')).toBe(false);
  });

  it('does not run instances missed before it started', async () => {
    const calls: Call[] = [];
    await run({ clock: timeline('2024-06-21T00:16:00+08:00', '2024-06-22T12:00:00+08:00') }, calls);
    expect(calls.map((c) => c.times.bizdate)).toEqual(['20240621']);
  });

  it('a restart does not trigger an instance again, even when started at its exact time', async () => {
    const calls: Call[] = [];
    await run({ clock: timeline('2024-06-21T00:10:00+08:00', '2024-06-21T00:20:00+08:00') }, calls);
    expect(calls).toHaveLength(1);
    const again = await run({ clock: timeline('2024-06-21T00:15:00+08:00', '2024-06-22T00:20:00+08:00') }, calls);
    expect(calls.map((c) => c.times.cyctime)).toEqual(['20240621001500', '20240622001500']);
    expect(again.skipped.map((i) => i.cyctime)).toEqual(['20240621001500']);
  });

  it('two schedulers on one store trigger each instance once between them', async () => {
    const calls: Call[] = [];
    const hourly = { name: 'Hourly', cron: '0 * * * *', timezone: 'Europe/Berlin' };
    const [a, b] = await Promise.all([
      run({ clock: timeline('2024-03-30T12:00:00Z', '2024-04-01T00:00:00Z'), workflows: [hourly, daily] }, calls),
      run({ clock: timeline('2024-03-30T12:00:00Z', '2024-04-01T00:00:00Z'), workflows: [hourly, daily] }, calls),
    ]);
    const keys = calls.map((c) => `${c.workflow}/${c.times.cyctime}`);
    expect(new Set(keys).size).toBe(keys.length);
    // 36 real hours (the 02:00 slot skipped by DST on 2024-03-31 is the 03:00 one), plus two daily instances.
    expect(keys.filter((k) => k.startsWith('Hourly/'))).toHaveLength(36);
    expect(keys.filter((k) => k.startsWith('WorkShop/'))).toHaveLength(2);
    expect(a.triggered.length + b.triggered.length).toBe(38);
    expect(a.skipped.length + b.skipped.length).toBe(38);
  });

  it('an instance that fails, or resolves as not ok, is recorded as failed with why', async () => {
    let n = 0;
    await run({
      clock: timeline('2024-06-20T12:00:00+08:00', '2024-06-22T12:00:00+08:00'),
      runInstance: async () => {
        if (n++ === 0) throw new Error('node ods_raw_log_d failed: connection refused');
        return { ok: false, nodes: { workshop_start: { state: 'succeeded' }, ods_user_info_d: { state: 'failed' } } };
      },
    });
    const records = await state.list('WorkShop');
    expect(records.map((r) => [r.status, r.error])).toEqual([
      ['failed', 'node ods_raw_log_d failed: connection refused'],
      ['failed', 'failed nodes: ods_user_info_d'],
    ]);
  });

  it('an instance due while the previous one of its workflow still runs waits for it', async () => {
    const clock = timeline('2024-06-21T00:00:00Z', '2024-06-21T05:30:00Z');
    const events: string[] = [];
    await run({
      clock,
      workflows: [{ name: 'Hourly', cron: '0 * * * *', timezone: 'UTC' }],
      runInstance: async (_wf, times) => {
        events.push(`start ${times.cyctime.slice(8, 12)} at ${clock.now().toISOString().slice(11, 16)}`);
        // Each run lasts 90 minutes of the fake clock.
        const until = times.scheduledAt.getTime() + 90 * 60_000;
        while (clock.now().getTime() < until && !clock.signal.aborted) await new Promise((r) => setImmediate(r));
        events.push(`end ${times.cyctime.slice(8, 12)}`);
      },
    });
    expect(events.slice(0, 6)).toEqual(['start 0000 at 00:00', 'end 0000', 'start 0100 at 01:30', 'end 0100', 'start 0200 at 02:30', 'end 0200']);
  });

  it('stopping aborts a running instance, waits for it and records it as interrupted', async () => {
    const clock = timeline('2024-06-21T00:14:00+08:00', '2099-01-01T00:00:00Z');
    const done = run({
      clock,
      runInstance: (_wf, _times, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          clock.ctl.abort();
        }),
    });
    const summary = await done;
    expect(summary.triggered).toHaveLength(1);
    const [rec] = await state.list();
    expect(rec!.status).toBe('failed');
    expect(rec!.error).toMatch(/^interrupted: scheduler stopped/);
  });

  it('rejects an invalid schedule before doing anything', async () => {
    await expect(run({ clock: timeline('2024-06-21T00:14:00Z', '2024-06-22T00:00:00Z'), workflows: [{ ...daily, cron: '15 25 * * *' }] })).rejects.toThrow(
      /workflow WorkShop: schedule.cron "15 25 \* \* \*"/,
    );
  });
});

/** A scheduler in a child process on the same store, on its own fake timeline. */
function childScheduler(opts: { start: string; end: string; cron: string; hang?: boolean }) {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `
import { lmdbSchedulerState, openStateStore, startScheduler } from '${distUrl}';
const store = openStateStore(${JSON.stringify(dir)});
let t = Date.parse(${JSON.stringify(opts.start)});
const end = Date.parse(${JSON.stringify(opts.end)});
const ctl = new AbortController();
setInterval(() => {}, 1000);
process.stdout.write('READY\\n');
const summary = await startScheduler({
  workflows: [{ name: 'Hourly', cron: ${JSON.stringify(opts.cron)}, timezone: 'Asia/Shanghai' }],
  state: lmdbSchedulerState(store),
  signal: ctl.signal,
  now: () => new Date(t),
  // A real millisecond per step, so this timeline and the test's overlap.
  sleep: async (ms) => { t += ms; if (t >= end) ctl.abort(); await new Promise((r) => setTimeout(r, 1)); },
  runInstance: async (wf, times) => {
    process.stdout.write('RUNNING ' + times.cyctime + '\\n');
    if (${opts.hang ? 'true' : 'false'}) await new Promise(() => {});
  },
});
process.stdout.write('DONE ' + JSON.stringify(summary.triggered.map((i) => i.cyctime)) + '\\n');
await store.close();
process.exit(0);
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    pid: child.pid!,
    exited,
    waitFor: (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const m = out.match(re);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        void exited.then(() => setImmediate(() => reject(new Error(`child exited before printing ${re}; output: ${out}`))));
      }),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('startScheduler across processes', () => {
  it('a scheduler in another process and this one trigger each instance once between them', async () => {
    const window = { start: '2024-06-20T00:00:00+08:00', end: '2024-06-22T00:00:00+08:00' };
    const child = childScheduler({ ...window, cron: '*/30 * * * *' });
    await child.waitFor(/READY/);
    const calls: Call[] = [];
    const clock = timeline(window.start, window.end);
    const slow = async (ms: number) => {
      await clock.sleep(ms);
      await new Promise((r) => setTimeout(r, 1));
    };
    const mine = await run({ clock: { ...clock, sleep: slow }, workflows: [{ name: 'Hourly', cron: '*/30 * * * *', timezone: 'Asia/Shanghai' }] }, calls);
    const theirs = JSON.parse((await child.waitFor(/DONE (.*)\n/))[1]!) as string[];
    expect(await child.exited).toBe(0);
    const all = [...mine.triggered.map((i) => i.cyctime), ...theirs].sort();
    expect(all).toHaveLength(96);
    expect(new Set(all).size).toBe(96);
    expect((await state.list('Hourly')).map((r) => r.cyctime)).toEqual(all);
  }, 60_000);

  it('an instance left running by a killed scheduler is marked failed on the next start', async () => {
    const child = childScheduler({ start: '2024-06-21T00:14:00+08:00', end: '2024-06-21T00:20:00+08:00', cron: '15 0 * * *', hang: true });
    await child.waitFor(/RUNNING 20240621001500/);
    await child.kill();
    const [before] = await state.list('Hourly');
    expect(before!.status).toBe('running');
    expect(before!.owner.pid).toBe(child.pid);

    const summary = await run({ clock: timeline('2024-06-21T00:30:00+08:00', '2024-06-21T00:40:00+08:00') });
    expect(summary.recovered).toBe(1);
    const [after] = await state.list('Hourly');
    expect(after!.status).toBe('failed');
    expect(after!.error).toContain(`scheduler process ${child.pid}`);
  }, 60_000);
});
