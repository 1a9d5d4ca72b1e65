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
const { main } = await import('../dist/main.js');
// `ferry ... | head` closes the pipe early: end quietly, as cat and grep do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
process.exitCode = await main(process.argv.slice(2));
