import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTable, listPartitions, scanBatches, type Store } from '@ferry/writer-table';
import { listFunctions, MAXCOMPUTE_MACROS, rewriteMaxCompute, runScript, SqlSession, type ScriptOptions } from '@ferry/writer-table/sql';
import { scriptRows, tempStore, writeTable } from './helpers.js';

let store: Store;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, dir, cleanup } = tempStore());
  await createTable(
    store,
    'p',
    `
    CREATE TABLE logs (col STRING) PARTITIONED BY (dt STRING);
    CREATE TABLE ranges (lo BIGINT, hi BIGINT, region STRING);
    CREATE TABLE small (uid STRING, n TINYINT) PARTITIONED BY (dt STRING);`,
  );
  await writeTable(dir, { table: 'logs', partition: 'dt=20240620' }, [[[['1.2.3.4##@@u1##@@GET / HTTP/1.1'], ['9.9.9.9##@@u2##@@POST /feed HTTP/1.0']]]], 'p');
});

afterEach(async () => {
  await cleanup();
});

const sql = (text: string, extra: Partial<ScriptOptions> = {}) => scriptRows(store, text, extra);

const one = async (expr: string) => Object.values((await sql(`SELECT ${expr} AS v`))[0]!)[0];
/** A date or timestamp value as ISO text (DuckDB gives JS Dates). */
const iso = async (expr: string) => {
  const v = await one(expr);
  return v instanceof Date ? v.toISOString() : String(v);
};

describe('MaxCompute functions on DuckDB', () => {
  test('dates: getdate, to_char, to_date, datetrunc, dateadd, datediff, datepart, weekday, lastday, unix time', async () => {
    expect(await one('typeof(getdate())')).toBe('TIMESTAMP');
    // getdate() is the wall time of the given zone (a workflow passes its workspace's), UTC without one.
    const hours = "SELECT datediff(getdate(), CAST(now() AS TIMESTAMP), 'hh') AS h";
    expect(await sql(hours)).toEqual([{ h: 0n }]);
    expect(await sql(hours, { timeZone: 'Asia/Shanghai' })).toEqual([{ h: 8n }]);
    expect(await one("to_char(CAST('2024-06-20 13:04:05' AS DATETIME), 'yyyymmdd')")).toBe('20240620');
    expect(await one("to_char(CAST('2024-06-20 13:04:05' AS DATETIME), 'yyyy-mm-dd hh:mi:ss')")).toBe('2024-06-20 13:04:05');
    expect(await one('to_char(42)')).toBe('42');
    expect(await iso("to_date('20240620', 'yyyymmdd')")).toMatch(/^2024-06-20/);
    expect(await iso("datetrunc(CAST('2024-06-20 13:04:05' AS DATETIME), 'mm')")).toMatch(/^2024-06-01T00:00:00/);
    expect(await iso("dateadd(CAST('2024-06-30 00:00:00' AS DATETIME), 1, 'dd')")).toMatch(/^2024-07-01T00:00:00/);
    expect(await iso("dateadd('2024-01-31 00:00:00', -1, 'mm')")).toMatch(/^2023-12-31/);
    expect(await one("datediff(CAST('2024-06-20 00:00:00' AS DATETIME), CAST('2024-06-01 00:00:00' AS DATETIME), 'dd')")).toBe(19n);
    expect(await one("datepart(CAST('2024-06-20 13:04:05' AS DATETIME), 'hh')")).toBe(13n);
    expect(await one("weekday(CAST('2024-06-17 00:00:00' AS DATETIME))")).toBe(0n); // a Monday
    expect(await iso("lastday(CAST('2024-02-10 00:00:00' AS DATETIME))")).toMatch(/^2024-02-29/);
    expect(await one("unix_timestamp(CAST('1970-01-02 00:00:00' AS DATETIME))")).toBe(86400n);
    expect(await iso('from_unixtime(86400)')).toMatch(/^1970-01-02T00:00:00/);
    await expect(sql("SELECT datetrunc(getdate(), 'fortnight')")).rejects.toThrow(/unknown date part fortnight/);
  });

  test('strings and regular expressions mean what they mean in MaxCompute', async () => {
    expect(await one("regexp_extract('foo=42', 'foo=([0-9]+)')")).toBe('42'); // group 1 by default
    expect(await one("regexp_extract('foo', 'bar(.)')")).toBe(null); // no match: NULL
    expect(await one("regexp_substr('GET /x HTTP/1.1', '(^[^ ]+ )')")).toBe('GET ');
    expect(await one("regexp_replace('a-b-c', '-', '+')")).toBe('a+b+c'); // every occurrence
    expect(await one("regexp_count('a1b22c', '[0-9]+')")).toBe(2n);
    expect(await one("split('a##@@b##@@c', '##@@')[0]")).toBe('a'); // 0-based
    expect(await one("split('a,b,c', ',')[1 + 1]")).toBe('c');
    expect(await one("split_part('a,b,c', ',', 2)")).toBe('b');
    expect(await one("concat('a', NULL, 'b')")).toBe(null);
    expect(await one("concat('a', 1, 'b')")).toBe('a1b');
    expect(await one("concat_ws(',', 'a', NULL, 'b')")).toBe('a,b');
    expect(await one("nvl(NULL, 'x')")).toBe('x');
    expect(await one("tolower('AbC') || toupper('d')")).toBe('abcD');
    expect(await one("decode(2, 1, 'one', 2, 'two', 'many')")).toBe('two');
    expect(await one("decode(NULL, NULL, 'null', 'other')")).toBe('null');
    expect(await one('cast(12 as string)')).toBe('12');
    expect(await one("size(split('a,b', ','))")).toBe(2n);
    expect(await one('get_json_object(\'{"a":{"b":7}}\', \'$.a.b\')')).toBe('7');
  });

  test('RLIKE and NOT RLIKE match a part of the text; backtick names are names', async () => {
    const rows = await sql(`SELECT SPLIT(col, '##@@')[1] AS uid,
        tolower(col) RLIKE 'post' AS post,
        SPLIT(col, '##@@')[2] NOT RLIKE '^GET' AS not_get,
        \`col\` RLIKE 'feed' AND col RLIKE '^9' AS feed
      FROM logs WHERE dt = 20240620 ORDER BY uid`);
    expect(rows).toEqual([
      { uid: 'u1', post: false, not_get: false, feed: false },
      { uid: 'u2', post: true, not_get: true, feed: true },
    ]);
  });

  test('the rewrite keeps text in quotes and comments and maps positions back', () => {
    const src = "select 'a rlike b', x rlike 'y' -- z rlike w\nfrom t";
    const r = rewriteMaxCompute(src);
    expect(r.text).toBe("select 'a rlike b', regexp_matches(x, 'y') -- z rlike w\nfrom t");
    expect(r.toSource(r.text.indexOf('from'))).toBe(src.indexOf('from'));
  });

  test('every mapped function is in docs/sql.md', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/sql.md', import.meta.url)), 'utf8');
    for (const m of MAXCOMPUTE_MACROS) expect(doc, m.name).toContain(`\`${m.name}(`);
  });
});

describe('errors say where, in the text as written', () => {
  test('an unknown function names itself and its line and column, after rewritten text on the same line', async () => {
    const err = await sql("SELECT col RLIKE 'x',\n  split(col, ',')[0], nosuch_fn(col)\nFROM logs").catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^unknown function nosuch_fn\(\).* \(line 2, column 23\)$/);
  });

  test('a statement of a script is placed in the script; with a source, as file:line:column of the file', async () => {
    const script = "SELECT 1;\n\nINSERT OVERWRITE TABLE small PARTITION (dt='20240620')\nSELECT col,\n       '20240620' || nosuch FROM logs";
    const err = await sql(script).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^Binder Error: Referenced column "nosuch" not found.* \(line 5, column 22\)$/);
    // The file had `${bizdate}` (10 characters) where the script has 20240620 (8): the column is the file's.
    const file = script.replaceAll('20240620', '${bizdate}');
    const filled = file.replaceAll('${bizdate}', '20240620');
    const toSource = (o: number) => {
      // The offsets before each `${bizdate}` are the same; after each, 2 more characters in the file.
      let shift = 0;
      let i = filled.indexOf('20240620');
      while (i >= 0 && i < o) {
        shift += 2;
        i = filled.indexOf('20240620', i + 8);
      }
      return o + shift;
    };
    const e2 = await sql(filled, { source: { name: 'sql/x.sql', text: file, toSource } }).catch((e: Error) => e);
    expect((e2 as Error).message).toMatch(/^sql\/x\.sql:5:24: Binder Error: Referenced column "nosuch"/);
  });

  test('a syntax error is one line with the position', async () => {
    const err = await sql('SELECT col\nFROM logs WHERE').catch((e: Error) => e);
    expect((err as Error).message).toBe('Parser Error: syntax error at end of input (line 2, column 16)');
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('user functions', () => {
  test('CREATE FUNCTION over a table is kept in the catalog and callable by later scripts and sessions', async () => {
    await sql(`INSERT OVERWRITE TABLE ranges SELECT * FROM (VALUES (0, 99, 'low'), (100, 199, 'high'))`);
    await sql(`CREATE FUNCTION region_of(n) AS (SELECT max(region) FROM ranges WHERE n BETWEEN lo AND hi)`);
    expect(listFunctions(store).map((f) => [f.project, f.name, f.params])).toEqual([['p', 'region_of', ['n']]]);
    expect(await sql('SELECT region_of(5) AS a, region_of(150) AS b, region_of(500) AS c')).toEqual([{ a: 'low', b: 'high', c: null }]);
    const session = await SqlSession.open(store, { project: 'p' });
    try {
      const rows: unknown[] = [];
      for await (const { result } of session.run('select p.region_of(120) as r')) rows.push(...(await result.getRowsJS()));
      expect(rows).toEqual([['high']]);
    } finally {
      await session.close();
    }
    await expect(sql('CREATE FUNCTION region_of(n) AS 1')).rejects.toThrow(/function p\.region_of exists already \(CREATE OR REPLACE FUNCTION replaces it/);
    await sql('CREATE FUNCTION IF NOT EXISTS region_of(n) AS 1');
    await sql('CREATE OR REPLACE FUNCTION region_of(n) AS n * 2');
    expect(await one('region_of(21)')).toBe(42);
    await sql('DROP FUNCTION region_of');
    await expect(sql('SELECT region_of(1)')).rejects.toThrow(/^unknown function region_of\(\)/);
  });

  test('a temporary function lives for its script only; a resource UDF is refused with what to write instead', async () => {
    expect(await sql('CREATE TEMPORARY FUNCTION twice(x) AS x * 2; SELECT twice(4) AS v')).toEqual([{ v: 8 }]);
    // A body may use the MaxCompute spellings too.
    expect(await sql("CREATE TEMPORARY FUNCTION first_low(s) AS tolower(split(s, ',')[0]); SELECT first_low('AB,C') AS v")).toEqual([{ v: 'ab' }]);
    expect(listFunctions(store)).toEqual([]);
    await expect(sql("CREATE FUNCTION getregion AS 'getaddr.py' USING 'getaddr.py,ip.dat'")).rejects.toThrow(
      /ferry runs no Python or Java UDFs .* write it as a SQL macro over a table: CREATE FUNCTION getregion\(arg, \.\.\.\) AS expression/,
    );
    await expect(runScript(store, 'CREATE FUNCTION f(x) AS x', { project: 'p', write: false })).rejects.toThrow(/read-only: CREATE FUNCTION writes to the store; run it with --write/);
  });

  test('a body that does not bind fails at CREATE with its position, and nothing is kept', async () => {
    const err = await sql('CREATE FUNCTION f(x) AS\n  (SELECT max(nosuch) FROM ranges)').catch((e: Error) => e);
    expect((err as Error).message).toMatch(/nosuch.*\(line 2, column 15\)$/);
    expect(listFunctions(store)).toEqual([]);
  });
});

describe('error limit of INSERT ... SELECT', () => {
  const insert = `INSERT OVERWRITE TABLE small PARTITION (dt='20240620')
    SELECT uid, n FROM (VALUES ('a', 1), ('b', 300), ('c', 3), ('d', 1000)) t(uid, n)`;

  test('rows whose value does not fit are left out up to the limit, and said why', async () => {
    const seen: { rejected: number; samples: string[] }[] = [];
    await sql(insert, { errorLimit: 2, onInsert: (r) => void seen.push({ rejected: r.rowsRejected, samples: r.rejectedSamples }) });
    expect(seen).toEqual([{ rejected: 2, samples: ['column n of p.small: value 300 does not fit TINYINT', 'column n of p.small: value 1000 does not fit TINYINT'] }]);
    const rows: string[] = [];
    for await (const b of scanBatches(store, 'p', 'small', 'dt=20240620')) for (const r of b.toArray()) rows.push(`${r.uid}:${r.n}`);
    expect(rows.sort()).toEqual(['a:1', 'c:3']);
  });

  test('more than the limit fails the statement and leaves the partition as it was', async () => {
    await sql(`INSERT OVERWRITE TABLE small PARTITION (dt='20240620') SELECT 'old', 1`);
    await expect(sql(insert, { errorLimit: 1 })).rejects.toThrow(
      /INSERT into p\.small: more than 1 row\(s\) do not fit the table \(the error limit\), e\.g\. column n of p\.small: value 300 does not fit TINYINT/,
    );
    await expect(sql(insert)).rejects.toThrow(/column n of p\.small: value 300 does not fit TINYINT/);
    expect(listPartitions(store, 'p', 'small').map((p) => [p.spec, p.rows])).toEqual([['dt=20240620', 1]]);
  });
});
