export * from './schedule.js';
export * from './scheduler.js';
export * from './scheduler-state.js';
