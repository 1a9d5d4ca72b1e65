#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
// V8 optimises a function once it has run ~132 KB of bytecode; a ferry run is
// a short process with three or more isolates (this thread and the channel
// threads), and at that budget they spent ~0.5 s of CPU optimising start-up
// code (module loading, config checks) that then never ran again: 234
// optimised functions in a 500 MB httpfile -> table run against 39 at 1 MB.
// The hot loops still reach it within a few batches. Measured over 12
// interleaved pairs of that run: median CPU 4.03 -> 3.69 s, wall 2.31 -> 2.16 s.
// Set before anything is loaded; the channel threads inherit it.
setFlagsFromString('--interrupt-budget=1048576');
// The Parquet writer's snappy (a napi-rs module with its own mimalloc) takes
// a zeroed ~1.2 MB buffer per 1 MiB page. mimalloc hands idle pages back to
// the OS after 10 ms, so each file's pages were faulted in and zeroed again
// by the kernel. Held for a second instead, they are reused. 500 MB httpfile
// -> table at 2 channels, 6 interleaved rounds: page faults 69k -> 53k, CPU
// 4.86 -> 4.20 s, wall 3.19 -> 2.74 s; MySQL 5M rows, 5 rounds: wall 4.09 ->
// 3.79 s. mimalloc reads this when the module loads (in a channel thread,
// later), from the process environment this sets; a value the user set wins.
process.env.MIMALLOC_PURGE_DELAY ??= '1000';
const { main } = await import('../dist/main.js');
// `ferry ... | head` closes the pipe early: end quietly, as cat and grep do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
process.exitCode = await main(process.argv.slice(2));
