/**
 * `@ferry/core/testing`: what a plugin's tests need. Context factories,
 * `drive()` to run a reader (or `driveWriter()` a writer) as the engine
 * would, and the shared suites `testReader()` / `testWriter()` every plugin
 * runs. The suites use vitest (a peer dependency of this entry only).
 */
export { channelContext, jobContext, memoryLogger, type CollectingChannelContext, type ContextOptions, type MemoryLogger } from './contexts.js';
export { batchRows, drive, driveWriter, type DriveOptions, type ReadOutcome, type WriteOutcome } from './drive.js';
export { testReader, type ReaderSuiteOptions } from './reader-suite.js';
export { testWriter, type WriterSuiteOptions } from './writer-suite.js';
