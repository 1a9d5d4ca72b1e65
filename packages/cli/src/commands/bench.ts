/** `ferry bench <job>`: runs a job at several channel settings and recommends one. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ErrorCodes, FerryError, isFerryError } from '@ferry/core';
import { parseParamArgs, readJobFile } from '@ferry/core/engine';
import { applyDatasources } from '@ferry/workflow/job';
import { resolveStoreDir } from '@ferry/writer-table';
import { renderHtml } from '../bench/render-html.js';
import { renderText } from '../bench/render-text.js';
import { runBench } from '../bench/run-bench.js';
import { saveReport } from '../bench/saved-reports.js';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const collect = (v: string, prev: string[]) => [...prev, v];

/** `1,2,4` -> [1, 2, 4]; a FerryError naming the option otherwise. */
export function parseCountList(text: string, flag: string, min: number, max: number): number[] {
  const items = text.split(',').map((s) => s.trim());
  const nums = items.map(Number);
  if (items.some((s) => !/^\d+$/.test(s)) || nums.some((n) => n < min || n > max)) {
    throw new FerryError(ErrorCodes.USAGE, `${flag} ${text}: expected a comma-separated list of whole numbers from ${min} to ${max}`);
  }
  return [...new Set(nums)].sort((a, b) => a - b);
}

interface BenchCliOptions extends TargetOptions {
  param: string[];
  bizdate?: string;
  channels?: string;
  repeat: string;
  target: 'null' | 'scratch';
  report?: string;
  json?: boolean;
  quiet?: boolean;
  speedRecords?: string;
}

const HELP = `
How it measures:
  One warm-up run first (not counted; it also tells how many splits the reader
  makes), then --repeat rounds; each round runs the source's baseline and every
  channel setting once, in order (1,2,4,1,2,4...), so a busy machine's drift
  hits every setting alike. Every run is a fresh Node process, so its peak RSS
  and CPU seconds (main thread + channel workers) are its own.

  Baseline: readers with a baseline hook read the same data as plainly as the
  source allows (mysql: the job's SELECTs on one connection, rows not decoded;
  httpfile: the raw bytes of the URLs, not parsed). "vs baseline" is a
  setting's median wall time divided by the baseline's.

  Recommended: the fewest channels whose median is within 5% of the best, with
  the likely limit (the source, the CPUs, or fixed costs).

Reports: when the store folder exists (a workspace's, --store, $FERRY_STORE or
  ./.ferry), the report is also kept as <store>/bench/<time>-<job>.json for
  ferry ui to list and show.

Targets:
  null     (default) rows are read and dropped: the source side alone.
  scratch  rows go through the job's table writer into a throwaway store next
           to the real one (<store>.bench-<pid>-<id>, holding only a copy of the
           destination table), commit included; it is removed after every run,
           also after Ctrl-C or a failure (one left by kill -9 is removed by the
           next bench). The job's real tables and partitions are never written.

Exit codes: 0 done, 1 a run failed, 2 a mistake in the job or options, 130 stopped (Ctrl-C).

Examples:
  ferry bench jobs/ods_user_info_d.json --bizdate 20240620
  ferry bench job.json --channels 1,2,4,8 --repeat 5 --report bench.html
  ferry bench job.json --target scratch --speed-records 100000,200000 --json
`;

export function benchCommand(): Command {
  const cmd = new Command('bench')
    .description('run a job at several channel settings, measure each (time, records/s, CPU, peak RSS) and recommend one')
    .argument('<job>', 'job file (JSON or YAML), as for ferry run')
    .option('-p, --param <name=value>', 'fill ${name} placeholders (repeatable)', collect, [])
    .option('--bizdate <yyyymmdd>', 'business date: sets ${bizdate} and scheduling expressions like ${yyyymmdd-1}')
    .option('--channels <list>', 'channel settings to try, e.g. 1,2,4,8 (default: 1, 2, 4 and the core count, up to the splits the reader makes)')
    .option('--repeat <n>', 'measured runs per setting, after one warm-up run', '3')
    .addOption(new Option('--target <target>', "where rows go: null (read and drop) or scratch (the job's table writer into a throwaway store)").choices(['null', 'scratch']).default('null'))
    .option('--report <file.html>', 'also write a self-contained HTML report (chart, table, job and machine) to this file')
    .option('--json', 'print one JSON object with every figure on stdout instead of the table')
    .option('--speed-records <list>', 'afterwards, run the recommended setting with each setting.speed.records limit (e.g. 100000,200000) and check it holds')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', HELP);
  return targetOptions(cmd).action(async (jobPath: string, opts: BenchCliOptions, command: Command) => {
    const debug = Boolean(command.optsWithGlobals().debug);
    const params = parseParamArgs(opts.param);
    if (opts.bizdate !== undefined) {
      if (!/^\d{8}$/.test(opts.bizdate)) throw new FerryError(ErrorCodes.USAGE, `--bizdate ${opts.bizdate}: expected yyyymmdd`);
      params.bizdate ??= opts.bizdate;
    }
    const channels = opts.channels === undefined ? undefined : parseCountList(opts.channels, '--channels', 1, 256);
    const [repeat] = parseCountList(opts.repeat, '--repeat', 1, 100);
    if (opts.repeat.includes(',')) throw new FerryError(ErrorCodes.USAGE, `--repeat ${opts.repeat}: expected one number`);
    const speedRecords = opts.speedRecords === undefined ? undefined : parseCountList(opts.speedRecords, '--speed-records', 1, Number.MAX_SAFE_INTEGER);
    const path = resolve(jobPath);
    const target = await resolveTarget(opts);
    let job = await readJobFile(path);
    if (target.workspace) job = applyDatasources(job, target.workspace, target.env, path);
    else if (/"datasource"\s*:/.test(JSON.stringify(job))) {
      throw new FerryError(ErrorCodes.CONFIG, `${path}: the job names a data source, which needs a workspace (ferry.yaml in this folder or above, or --workspace FILE)`);
    }

    // First Ctrl-C: stop the running trial cleanly (its writer aborts) and clean up; a second one kills it.
    const stop = new AbortController();
    const kill = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals === 1) {
        process.stderr.write(`\nferry: ${sig} received, stopping the running trial and removing scratch stores...\n`);
        stop.abort();
      } else kill.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const report = await runBench({
        file: jobPath,
        job,
        params,
        ...(opts.bizdate ? { bizdate: opts.bizdate } : {}),
        storeDir: target.storeDir,
        project: target.project,
        baseDir: dirname(path),
        ...(channels ? { channels } : {}),
        repeat: repeat!,
        target: opts.target,
        ...(speedRecords ? { speedRecords } : {}),
        debug,
        ferryVersion: VERSION,
        progress: opts.quiet ? undefined : (line) => process.stderr.write(`bench: ${line}\n`),
        control: { signal: stop.signal, kill: kill.signal },
      });
      // Kept in the store for `ferry ui`; a bench outside any store leaves nothing behind.
      const storeDir = resolveStoreDir(target.storeDir);
      if (existsSync(storeDir)) {
        const kept = saveReport(storeDir, report);
        if (!opts.quiet) process.stderr.write(`bench: report kept in ${kept} (ferry ui shows it)\n`);
      }
      if (opts.report) {
        writeFileSync(opts.report, renderHtml(report));
        if (!opts.quiet) process.stderr.write(`bench: report written to ${opts.report}\n`);
      }
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : renderText(report) + '\n');
      process.exitCode = 0;
    } catch (err) {
      if (stop.signal.aborted || (isFerryError(err) && err.code === ErrorCodes.ABORTED)) {
        process.stderr.write("ferry: bench stopped; the job's store was not written and the scratch stores are removed\n");
        process.exitCode = 130;
        return;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
