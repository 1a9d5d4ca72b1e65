/** Every mistake on the command line exits 2 (README: 0 ok, 1 failed work, 2 usage or config). */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

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
