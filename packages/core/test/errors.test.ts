import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deserializeError, ErrorCodes, FerryError, isFerryError, isUsageError, serializeError, wrapPluginError } from '@ferry/core';

describe('the error contract', () => {
  it('lists FERRY_ERR_INTERNAL among the codes', () => {
    expect(ErrorCodes.INTERNAL).toBe('FERRY_ERR_INTERNAL');
  });

  it('recognises a FerryError thrown by another copy of @ferry/core (a plugin bundling its own)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-errors-'));
    try {
      const copy = join(dir, 'errors.js');
      writeFileSync(copy, readFileSync(join(import.meta.dirname, '../dist/errors.js'), 'utf8').replace(/\/\/# sourceMappingURL=.*/, ''));
      const other = (await import(pathToFileURL(copy).href)) as typeof import('@ferry/core');
      const err = new other.FerryError(other.ErrorCodes.SOURCE, 'no such host');
      expect(err instanceof FerryError).toBe(false);
      expect(isFerryError(err)).toBe(true);
      expect(wrapPluginError(err, 'mine', 'read')).toMatchObject({ code: 'FERRY_ERR_SOURCE', message: 'no such host', plugin: 'mine', hook: 'read' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(isFerryError(Object.assign(new Error('x'), { code: 'FERRY_ERR_CONFIG' }))).toBe(false);
  });

  it('keeps plugin, hook and the original code of a plain plugin error across serialisation, prefixing the message once', () => {
    const plain = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const wrapped = wrapPluginError(plain, 'mysql', 'read');
    const back = deserializeError(serializeError(wrapped));
    expect(isFerryError(back)).toBe(true);
    expect(back).toMatchObject({ code: 'FERRY_ERR_INTERNAL', plugin: 'mysql', hook: 'read', originalCode: 'ECONNRESET', message: 'plugin "mysql" failed in read: read ECONNRESET' });
    // Wrapped again (engine after worker): same message, first plugin and hook kept.
    expect(wrapPluginError(back, 'other', 'commit').message).toBe('plugin "mysql" failed in read: read ECONNRESET');
    expect(wrapPluginError(back, 'other', 'commit')).toMatchObject({ plugin: 'mysql', hook: 'read' });
  });

  it('has one list of usage codes (exit 2, not retried)', () => {
    for (const c of [ErrorCodes.CONFIG, ErrorCodes.USAGE, ErrorCodes.PARAM, ErrorCodes.DDL, ErrorCodes.PLUGIN]) expect(isUsageError(c)).toBe(true);
    for (const c of [ErrorCodes.SOURCE, ErrorCodes.STORE, ErrorCodes.INTERNAL, ErrorCodes.ABORTED, ErrorCodes.DIRTY_LIMIT, undefined]) expect(isUsageError(c)).toBe(false);
  });
});
