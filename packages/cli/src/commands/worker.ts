/**
 * `ferry worker --redis URL`: runs splits of `ferry run --workers URL` jobs
 * on this host; `ferry workers --redis URL` lists the connected workers.
 */
import { Command, Option } from 'commander';
import { createLogger, ErrorCodes, FerryError, redactText } from '@ferry/core';
import { queueStatus, resolveRedisUrl, runWorker } from '@ferry/workers';
import { BUILTIN_PLUGINS } from '../builtin-plugins.js';
import { grid, int } from '../format.js';
import { withSignals } from '../run-support.js';

const redisOption = () => new Option('--redis <url>', 'Redis of the worker queue: redis://[user:password@]host:6379[/db], or ${env:NAME} (default: FERRY_REDIS_URL)');

function redisUrl(opt: string | undefined): string {
  const raw = opt ?? process.env.FERRY_REDIS_URL;
  if (!raw) throw new FerryError(ErrorCodes.USAGE, '--redis URL is required (or set FERRY_REDIS_URL)');
  return resolveRedisUrl(raw, '--redis');
}

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new FerryError(ErrorCodes.USAGE, `${name} ${v}: expected a whole number from 1 to 256`);
    return n;
  };
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run splits of `ferry run --workers URL` jobs on this host, until stopped (Ctrl-C / SIGTERM: no new split, the running ones finish; twice: at once)')
    .addOption(redisOption())
    .option('--concurrency <n>', 'splits run at once (worker threads)', positive('--concurrency'), 2)
    .option('--name <name>', 'name shown by `ferry workers` (default host-pid)')
    .option('--shared-store <path>', "the coordinators' store folder as mounted here (shared file system): write files there instead of uploading them")
    .option('--work-dir <path>', 'local folder for staged files and the channel log (default in the OS temp folder)')
    .action(async (opts: { redis?: string; concurrency: number; name?: string; sharedStore?: string; workDir?: string }, command: Command) => {
      const debug = Boolean(command.optsWithGlobals().debug);
      const url = redisUrl(opts.redis);
      const log = createLogger({ debug, write: (line) => process.stderr.write(redactText(line) + '\n') });
      await withSignals((signal) =>
        runWorker({
          redis: url,
          concurrency: opts.concurrency,
          plugins: { ...BUILTIN_PLUGINS },
          log,
          signal,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.sharedStore ? { sharedStore: opts.sharedStore } : {}),
          ...(opts.workDir ? { workDir: opts.workDir } : {}),
          ...(process.env.FERRY_WORKER_LOCK_MS ? { lockMs: Number(process.env.FERRY_WORKER_LOCK_MS) } : {}),
        }),
      );
    });
}

export function workersCommand(): Command {
  return new Command('workers')
    .description('list the ferry worker processes connected to a queue: host, running splits, throughput')
    .addOption(redisOption())
    .option('--json', 'print JSON')
    .action(async (opts: { redis?: string; json?: boolean }) => {
      const status = await queueStatus(redisUrl(opts.redis));
      if (opts.json) {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return;
      }
      if (status.workers.length === 0) process.stdout.write('no ferry worker is connected (start one: ferry worker --redis URL)\n');
      else {
        const header = ['WORKER', 'HOST', 'PID', 'CONCURRENCY', 'RUNNING', 'SPLITS DONE', 'RECORDS', 'RECORDS/S'];
        const rows: string[][] = [];
        for (const w of status.workers) {
          const running = w.running.length ? w.running.map((r) => `${r.run}#${r.split}`).join(' ') : '-';
          rows.push([w.name, w.host, String(w.pid), String(w.concurrency), running, int(w.splitsDone), int(w.recordsRead), int(w.recordsPerSecond)]);
        }
        process.stdout.write(grid(header, rows));
      }
      const s = status.splits;
      process.stdout.write(`queue: ${s.waiting ?? 0} waiting, ${s.active ?? 0} running, ${s.delayed ?? 0} delayed, ${s.failed ?? 0} failed\n`);
    });
}
