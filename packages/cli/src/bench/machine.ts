/** The machine a bench ran on, for the report: figures only mean something next to it. */
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface MachineInfo {
  /** Cores Node may use (availableParallelism). */
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  node: string;
  /** 1-minute load average when the bench started: a busy machine makes noisy figures. */
  loadAtStart: number;
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
