// A local HTTP file server for the httpfile benchmark, run as a child process
// so it has its own thread: it builds an access-log-like file of SIZE_MB in
// memory (a ~1 MB block repeated, each copy with its own numbers), serves it
// with Range support at /access.log, and prints `{"url", "bytes", "lines"}`.
//   node bench/reader-httpfile/serve.mjs <sizeMB>
import { createServer } from 'node:http';

const sizeMb = Number(process.argv[2] ?? 500);

function block() {
  const agents = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    'curl/8.5.0',
  ];
  const lines = [];
  let bytes = 0;
  // Each line starts with a 6-digit block number that every copy overwrites.
  for (let i = 0; bytes < 1024 * 1024; i++) {
    const line = `000000 10.${i % 251}.${(i * 7) % 253}.${(i * 13) % 254} - - [20/Jun/2024:${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')} +0800] "GET /item/${i}.html?cat=${i % 97}&ref=s${i % 13} HTTP/1.1" ${i % 50 === 0 ? 404 : 200} ${1000 + ((i * 37) % 9000)} "${i % 3 ? 'https://www.example.com/list?page=' + (i % 10) : '-'}" "${agents[i % agents.length]}" [unknown_content];\n`;
    lines.push(line);
    bytes += Buffer.byteLength(line);
  }
  return { text: lines.join(''), lines: lines.length };
}

const { text, lines: blockLines } = block();
const tpl = Buffer.from(text, 'latin1');
const starts = [];
for (let i = 0; i < tpl.length; i = tpl.indexOf(10, i) + 1) starts.push(i);
const copies = Math.max(1, Math.round((sizeMb * 1024 * 1024) / tpl.length));
const data = Buffer.allocUnsafe(copies * tpl.length);
for (let c = 0; c < copies; c++) {
  const base = c * tpl.length;
  tpl.copy(data, base);
  const num = String(c % 1_000_000).padStart(6, '0');
  for (const s of starts) data.write(num, base + s, 'latin1');
}

const server = createServer((req, res) => {
  if (req.url !== '/access.log') return void res.writeHead(404).end();
  let start = 0;
  let end = data.length - 1;
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const headers = { 'accept-ranges': 'bytes', 'content-type': 'text/plain' };
  if (m) {
    start = Number(m[1]);
    if (m[2]) end = Math.min(Number(m[2]), data.length - 1);
    if (start >= data.length) return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
  }
  headers['content-length'] = end - start + 1;
  res.writeHead(m ? 206 : 200, headers);
  if (req.method === 'HEAD') return void res.end();
  // 1 MiB writes with backpressure: the server should not be the bottleneck.
  let pos = start;
  const pump = () => {
    while (pos <= end) {
      const next = Math.min(end + 1, pos + 1024 * 1024);
      const ok = res.write(data.subarray(pos, next));
      pos = next;
      if (!ok) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => (pos = end + 1));
  pump();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/access.log`, bytes: data.length, lines: copies * blockLines }) + '\n');
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
