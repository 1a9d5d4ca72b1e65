/**
 * The workshop demo (`pnpm demo`): the DataWorks "Synchronize data" tutorial
 * end to end on one machine.
 *
 * 1. copies examples/workshop to a fresh folder (the repo stays clean);
 * 2. starts the mock OSS (an HTTP server with user_log.txt) and loads the
 *    mock RDS table ods_user_info_d into the local MariaDB (database
 *    `ferry_workshop`, the demo's own; it says so before it drops and
 *    recreates that table);
 * 3. creates the two tables in the dev and prod projects (tutorial DDL);
 * 4. tests the data sources, runs workflow WorkShop for a business date in
 *    dev, shows its status;
 * 5. prints the counts per partition, as the tutorial's ad hoc query does,
 *    the table lineage of the workflow, and a few rows of the user profile
 *    the "Process data" SQL nodes made (ods -> dwd -> dws -> ads);
 * 6. checks that prod's project is untouched.
 *
 * Without a reachable MariaDB the demo runs the log half and says why it
 * skipped the other. Options: --bizdate yyyymmdd (default 20240620),
 * --keep (keep the demo folder), env DEMO_LINES / DEMO_USERS for sizes,
 * DEMO_MYSQL_PORT (default 3306; another port shows the skipped half),
 * DEMO_MYSQL_DB (default ferry_workshop).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadUserInfo, startLogServer } from './workshop/mock-data.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const CLI = join(here, '../packages/cli/bin/ferry.js');
const args = process.argv.slice(2);
const bizdate = args.includes('--bizdate') ? args[args.indexOf('--bizdate') + 1] : '20240620';
const keep = args.includes('--keep');
const LINES = Number(process.env.DEMO_LINES ?? 50_000);
const USERS = Number(process.env.DEMO_USERS ?? 10_000);
const MYSQL_PORT = Number(process.env.DEMO_MYSQL_PORT ?? 3306);
/** The demo's own MariaDB database (tests give another name). */
const MYSQL_DB = process.env.DEMO_MYSQL_DB ?? 'ferry_workshop';
const DEV = 'workshop2024_01_dev';
const PROD = 'workshop2024_01';

const dir = mkdtempSync(join(tmpdir(), 'ferry-workshop-'));
cpSync(join(here, 'workshop'), dir, { recursive: true, filter: (src) => !src.includes('.ferry') });

function step(title) {
  console.log(`\n== ${title}`);
}

/**
 * Runs `ferry ...` in the demo workspace, output shown; resolves to its
 * status and stdout. Asynchronous: the mock server lives in this process.
 */
function ferry(argv, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (!quiet) {
        console.log(`$ ferry ${argv.join(' ')}`);
        if (stdout) process.stdout.write(stdout);
        if (stderr) process.stdout.write(stderr.replace(/^(?=.)/gm, '  '));
      }
      resolve({ code, stdout });
    });
  });
}

const server = await startLogServer({ port: 0, lines: LINES, users: USERS });
let exitCode = 0;
try {
  step('mock sources');
  // The example points at 127.0.0.1:8080; the demo's server listens on a free port instead.
  const yamlPath = join(dir, 'ferry.yaml');
  writeFileSync(yamlPath, readFileSync(yamlPath, 'utf8').replaceAll('http://127.0.0.1:8080/', server.url).replaceAll('3306/ferry_workshop"', `${MYSQL_PORT}/${MYSQL_DB}"`));
  console.log(`workspace: ${dir}`);
  console.log(keep ? '(kept after the demo: --keep)' : '(a scratch copy, deleted when the demo ends with its store and logs: run `pnpm demo --keep` to keep it)');
  console.log(`mock OSS: ${server.url}user_log.txt (${LINES} lines, ${server.bytes} bytes)`);
  let mysqlSkipped;
  console.log(`mock RDS: (re)creating table ${MYSQL_DB}.ods_user_info_d in MariaDB 127.0.0.1:${MYSQL_PORT} (user root); ${MYSQL_DB} is the demo's own database, no other is touched`);
  try {
    const r = await loadUserInfo({ users: USERS, port: MYSQL_PORT, database: MYSQL_DB });
    console.log(`mock RDS: MariaDB 127.0.0.1:${MYSQL_PORT} ${r.database}.ods_user_info_d (${r.rows} rows)`);
  } catch (err) {
    mysqlSkipped = `MariaDB at 127.0.0.1:${MYSQL_PORT} (user root) is not reachable: ${err.message}`;
    console.log(`mock RDS: SKIPPED, ${mysqlSkipped}`);
  }

  step('tables in dev and prod (tutorial DDL)');
  for (const project of [DEV, PROD]) {
    for (const ddl of ['ddl/ods_raw_log_d.sql', 'ddl/ods_user_info_d.sql']) {
      if ((await ferry(['table', 'create', ddl, '--store', '.ferry', '--project', project])).code !== 0) throw new Error(`table create ${ddl} failed`);
    }
  }

  step('data sources');
  await ferry(['datasource', 'list']);
  for (const ds of ['user_behavior_analysis_httpfile', ...(mysqlSkipped ? [] : ['user_behavior_analysis_mysql'])]) await ferry(['datasource', 'test', ds, '--env', 'dev']);

  step(`run WorkShop for bizdate ${bizdate} in dev`);
  const nodes = mysqlSkipped ? ['--node', 'workshop_start', '--node', 'ods_raw_log_d'] : [];
  if (mysqlSkipped) console.log(`(ods_user_info_d skipped: ${mysqlSkipped})`);
  const run = await ferry(['workflow', 'run', 'WorkShop', '--bizdate', bizdate, '--env', 'dev', ...nodes]);
  if (run.code !== 0) exitCode = 1;
  const t = /\bT (\d{14})\b/.exec(run.stdout)?.[1];
  if (t) {
    console.log(`(T ${t} is the instance's scheduled time, cyctime, as yyyymmddhh24miss in the workspace zone Asia/Shanghai:`);
    console.log(` the daily 00:15 schedule runs the bizdate-${bizdate} instance on the next day. Times above are in Asia/Shanghai too.)`);
  }

  step(`ad hoc query: select count(*) ... where dt=${bizdate}`);
  const tables = ['ods_raw_log_d', ...(mysqlSkipped ? [] : ['ods_user_info_d'])];
  for (const t of tables) {
    const c = await ferry(['table', 'count', t, '--partition', `dt=${bizdate}`, '--store', '.ferry', '--project', DEV], { quiet: true });
    console.log(`${DEV}.${t} dt=${bizdate}: ${c.code === 0 ? c.stdout.trim() : 'error'} rows`);
  }
  await ferry(['table', 'head', 'ods_raw_log_d', '--partition', `dt=${bizdate}`, '-n', '3', '--store', '.ferry', '--project', DEV]);
  if (mysqlSkipped) console.log(`ods_user_info_d: skipped (${mysqlSkipped})`);

  step('"Process data": SQL nodes ods -> dwd_log_info_di -> dws_user_info_all_di -> ads_user_info_1d');
  await ferry(['workflow', 'lineage', 'WorkShop']);
  if (mysqlSkipped) console.log(`(the SQL nodes need ods_user_info_d: skipped, ${mysqlSkipped})`);
  else {
    const profile = await ferry([
      'sql',
      `select uid, region, device, pv, gender, age_range, zodiac from ads_user_info_1d where dt='${bizdate}' and uid <> '-' order by pv desc, uid limit 5`,
      '--store',
      '.ferry',
      '--project',
      DEV,
    ]);
    if (profile.code !== 0) exitCode = 1;
  }

  step('prod is untouched');
  for (const t of ['ods_raw_log_d', 'ods_user_info_d']) {
    const c = await ferry(['table', 'count', t, '--store', '.ferry', '--project', PROD], { quiet: true });
    const n = c.stdout.trim();
    console.log(`${PROD}.${t}: ${n} rows`);
    if (n !== '0') exitCode = 1;
  }
} catch (err) {
  console.error(`demo failed: ${err.message}`);
  exitCode = 1;
} finally {
  await server.close();
  if (keep) console.log(`\nworkspace kept at ${dir} (cd there and try: ferry workflow status WorkShop)`);
  else {
    rmSync(dir, { recursive: true, force: true });
    console.log(`\n${dir} removed, with the logs named above (pnpm demo --keep keeps them)`);
  }
}
process.exitCode = exitCode;
