#!/usr/bin/env node
import { main } from '../dist/main.js';
// `ferry ... | head` closes the pipe early: end quietly, as cat and grep do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
process.exitCode = await main(process.argv.slice(2));
