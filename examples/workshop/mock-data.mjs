/**
 * Mock sources for the workshop, standing in for the tutorial's OSS bucket
 * and ApsaraDB RDS instance:
 * - an HTTP server serving a generated `user_log.txt` in the tutorial's log
 *   format (Range requests supported, as OSS does);
 * - a generated `ods_user_info_d` table (uid, gender, age_range, zodiac) in
 *   the local MariaDB, database `ferry_workshop` (ferry's own, so no
 *   database of yours is touched).
 *
 *   node examples/workshop/mock-data.mjs [--port 8080] [--lines 50000] [--users 10000] [--no-mysql]
 *
 * serves until Ctrl-C. The data is deterministic (same sizes, same bytes).
 * demo.mjs and the tests import the functions instead.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const GENDERS = ['male', 'female'];
const AGES = ['under 20', '20-25', '25-30', '30-35', '35-40', '40-45', '45-50', 'over 50'];
const ZODIAC = ['Aries', 'Taurus', 'Gemini', 'Cancer', 'Leo', 'Virgo', 'Libra', 'Scorpio', 'Sagittarius', 'Capricorn', 'Aquarius', 'Pisces'];
const PAGES = ['/', '/index.html', '/item/list', '/cart', '/search?q=dataworks', '/article/2024/06/maxcompute.html', '/favicon.ico', '/login'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'curl/8.5.0',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];
const p2 = (n) => String(n).padStart(2, '0');

/**
 * `lines` access-log lines in the tutorial's format:
 * $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"$http_referer" "$http_user_agent" [unknown_content];
 * for the day `day` (yyyy-mm-dd), users uid 0..users-1 appearing in the URLs.
 */
export function userLog({ lines = 50_000, users = 10_000, day = '2024-06-20', seed = 2024 } = {}) {
  const r = rng(seed);
  const [y, m, d] = day.split('-').map(Number);
  const out = [];
  for (let i = 0; i < lines; i++) {
    const secs = Math.floor((i / lines) * 86_400);
    const time = `${p2(d)}/${MONTHS[m - 1]}/${y}:${p2(Math.floor(secs / 3600))}:${p2(Math.floor(secs / 60) % 60)}:${p2(secs % 60)} +0800`;
    const ip = `${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const uid = Math.floor(r() * users);
    const user = r() < 0.7 ? `0016359810821${String(uid).padStart(5, '0')}` : '-';
    const method = r() < 0.9 ? 'GET' : 'POST';
    const status = r() < 0.93 ? 200 : pick(r, [301, 304, 404, 500]);
    const bytes = status === 304 ? 0 : 200 + Math.floor(r() * 40_000);
    const referer = r() < 0.4 ? '-' : `https://www.example.com${pick(r, PAGES)}`;
    out.push(`${ip} - ${user} [${time}] "${method} ${pick(r, PAGES)} HTTP/1.1" ${status} ${bytes}"${referer}" "${pick(r, AGENTS)}" [unknown_content];`);
  }
  return out.join('\n') + '\n';
}

/** `users` rows of (uid, gender, age_range, zodiac). */
export function userInfo({ users = 10_000, seed = 2017 } = {}) {
  const r = rng(seed);
  const rows = [];
  for (let i = 0; i < users; i++) rows.push([`0016359810821${String(i).padStart(5, '0')}`, pick(r, GENDERS), pick(r, AGES), pick(r, ZODIAC)]);
  return rows;
}

/**
 * Serves `/user_log.txt` (with Range support) and a small index at `/` (the
 * data source's connectivity test probes the base URL). Resolves when
 * listening: `{ url, close }`, url being the base URL with a trailing `/`.
 */
export async function startLogServer({ port = 8080, host = '127.0.0.1', lines = 50_000, users = 10_000, day } = {}) {
  const body = Buffer.from(userLog({ lines, users, day }), 'utf8');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('user_log.txt\n');
      return;
    }
    if (path !== '/user_log.txt') {
      res.writeHead(404).end('not found\n');
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1, 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'accept-ranges': 'bytes', 'content-length': body.length, 'content-type': 'text/plain' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}/`;
  return { url, lines, bytes: body.length, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** mysql2/promise, resolved through the mysql reader package (examples/ is not a package). */
function mysql2() {
  const require = createRequire(new URL('../../packages/reader-mysql/package.json', import.meta.url));
  return require('mysql2/promise');
}

/**
 * (Re)creates `database`.ods_user_info_d in MariaDB/MySQL and fills it with
 * `users` generated rows. Throws when the server cannot be reached.
 */
export async function loadUserInfo({ host = '127.0.0.1', port = 3306, user = 'root', password = '', database = 'ferry_workshop', users = 10_000 } = {}) {
  const conn = await mysql2().createConnection({ host, port, user, password, connectTimeout: 3000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    await conn.query(`DROP TABLE IF EXISTS \`${database}\`.ods_user_info_d`);
    await conn.query(`CREATE TABLE \`${database}\`.ods_user_info_d (uid VARCHAR(32) PRIMARY KEY, gender VARCHAR(16), age_range VARCHAR(16), zodiac VARCHAR(16)) DEFAULT CHARSET=utf8mb4`);
    const rows = userInfo({ users });
    for (let i = 0; i < rows.length; i += 1000) {
      await conn.query(`INSERT INTO \`${database}\`.ods_user_info_d (uid, gender, age_range, zodiac) VALUES ?`, [rows.slice(i, i + 1000)]);
    }
    return { database, rows: rows.length };
  } finally {
    await conn.end();
  }
}

/** Drops the database (tests clean up their own). */
export async function dropDatabase({ host = '127.0.0.1', port = 3306, user = 'root', password = '', database }) {
  const conn = await mysql2().createConnection({ host, port, user, password, connectTimeout: 3000 });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await conn.end();
  }
}

async function cli() {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const port = Number(opt('--port', '8080'));
  const lines = Number(opt('--lines', '50000'));
  const users = Number(opt('--users', '10000'));
  const server = await startLogServer({ port, lines, users });
  console.log(`serving ${server.url}user_log.txt (${lines} lines, ${server.bytes} bytes)`);
  if (!args.includes('--no-mysql')) {
    console.log('MariaDB 127.0.0.1:3306 (user root): (re)creating table ferry_workshop.ods_user_info_d (--no-mysql to skip)');
    try {
      const r = await loadUserInfo({ users });
      console.log(`MariaDB 127.0.0.1:3306: ${r.database}.ods_user_info_d has ${r.rows} rows`);
    } catch (err) {
      console.log(`MariaDB 127.0.0.1:3306 not loaded (${err.message}); the ods_user_info_d node will fail`);
    }
  }
  console.log('Ctrl-C to stop');
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await cli();
