/** Every mistake on the command line exits 2 (README: 0 ok, 1 failed work, 2 usage or config). */
import { describe, expect, it } from 'vitest';
import { CLI, runBash, runCli } from './helpers.js';

describe('command-line usage mistakes', () => {
  it.each([
    ['a missing argument', ['run']],
    ['an unknown option of a subcommand', ['run', '--nope', 'x.json']],
    ['a bad --format', ['table', 'export', 't', '--format', 'xml']],
    ['a command group without its subcommand', ['table']],
    ['an unknown command', ['nosuch']],
  ])('exits 2 for %s', async (_what, args) => {
    const res = await runCli(args);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('ferry plugin describe', () => {
  it('prints each field from the config schema, and the JSON Schema with --json', async () => {
    const text = await runCli(['plugin', 'describe', 'generate']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('  rows: a non-negative integer (required)\n      how many rows to generate\n');
    const json = await runCli(['plugin', 'describe', 'table', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const schema = JSON.parse(json.stdout);
    expect(schema.properties.writeMode).toMatchObject({ enum: ['overwrite', 'append'], default: 'overwrite', description: expect.stringContaining('INSERT OVERWRITE') });
    expect(schema.required).toEqual(['table']);
  });
});

describe('a closed output pipe', () => {
  it('ends quietly when the reader of stdout goes away (ferry plugin describe ... | head -1)', async () => {
    // `plugin describe` prints many lines; head -1 closes the pipe after the first.
    const res = await runBash(`set -o pipefail; node "${CLI}" plugin describe mysql | head -1 >/dev/null`);
    expect(res.stderr).not.toContain('EPIPE');
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
  });
});
