/**
 * The coordinator's endpoint (a real HTTP server on loopback, a real
 * folder): requests without the run's token are refused, files outside the
 * run's staging place are refused, a good file lands whole and is recorded.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Logger } from '@ferry/core';
import { newToken, stagedPath, startUploadServer, type UploadServer } from '../src/upload-server.js';

const place = { storeDir: '', dir: 'data/p/t/dt=20240620', writeId: 'w1abc' };
let root: string;
let server: UploadServer;
const token = newToken();
const landed: string[] = [];
const warnings: string[] = [];
const log: Logger = { info: () => {}, debug: () => {}, warn: (m) => void warnings.push(m) };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ferry-upload-'));
  place.storeDir = join(root, 'store');
  server = await startUploadServer({
    runId: 'run1',
    token,
    staging: place,
    dirtyDir: join(root, 'dirty'),
    log,
    onProgress: () => ({ stop: false }),
    onResult: () => ({ accepted: true }),
    onFile: (_s, _a, path) => void landed.push(path),
  });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const put = (path: string, auth: string | undefined, body = 'PAR1data') =>
  fetch(`${server.endpoint}/file?split=3&attempt=1ab&path=${encodeURIComponent(path)}`, { method: 'PUT', headers: auth ? { authorization: auth } : {}, body });
const good = 'data/p/t/dt=20240620/w1abc-00003-1ab-00000.parquet';

describe('the workers endpoint', () => {
  test('refuses a request without the token, or with a wrong one, and says so in the log', async () => {
    for (const auth of [undefined, 'Bearer nope', `Bearer ${token}x`, token]) {
      const res = await put(good, auth);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('the run token is missing or wrong\n');
    }
    const progress = await fetch(`${server.endpoint}/progress`, { method: 'POST', body: '{}' });
    expect(progress.status).toBe(401);
    expect(existsSync(join(place.storeDir, good))).toBe(false);
    expect(landed).toEqual([]);
    expect(warnings.some((w) => w.includes('refused PUT /runs/run1/file') && w.includes('no token'))).toBe(true);
    expect(warnings.join('\n')).not.toContain(token);
  });

  test('refuses paths outside the run staging folder, whatever the spelling', async () => {
    const bad = [
      'data/p/t/dt=20240620/../dt=20240621/w1abc-00003-1ab-00000.parquet',
      'data/p/t/dt=20240621/w1abc-00003-1ab-00000.parquet',
      'data/p/t/dt=20240620/w1abc-00004-1ab-00000.parquet',
      'data/p/t/dt=20240620/w1abc-00003-2cd-00000.parquet',
      'data/p/t/dt=20240620/w1abc-00003-1ab-00000.parquet/../../../../../etc/x',
      'data/p/t/dt=20240620/w1abc-00003-1ab-../../00000.parquet',
      '/etc/passwd',
      'store.mdb',
    ];
    for (const path of bad) {
      const res = await put(path, `Bearer ${token}`);
      expect(res.status, path).toBe(403);
      expect(stagedPath(place, 3, '1ab', path), path).toBeUndefined();
    }
    expect(readdirSync(root).sort()).toEqual(['dirty']);
  });

  test('takes a file of the attempt, fsynced in place, and records it', async () => {
    const res = await put(good, `Bearer ${token}`, 'PAR1 whole file');
    expect(res.status).toBe(200);
    expect(readFileSync(join(place.storeDir, good), 'utf8')).toBe('PAR1 whole file');
    expect(landed).toEqual([good]);
    // No temporary file is left beside it.
    expect(readdirSync(join(place.storeDir, place.dir))).toEqual(['w1abc-00003-1ab-00000.parquet']);
  });
});
