/** A throwaway workspace folder: ferry.yaml, job files, tables in its store. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkspace, type Workspace } from '@ferry/workflow';
import { createTable, openStore } from '@ferry/writer-table';

export interface TestWorkspace {
  dir: string;
  /** Writes `jobs/<name>` (JSON). */
  job(name: string, job: object): void;
  /** Writes ferry.yaml and loads it. */
  load(yaml: string): Promise<Workspace>;
  /** Creates tables from DDL in a project of the workspace store. */
  ddl(project: string, sql: string): Promise<void>;
  cleanup(): void;
}

export function testWorkspace(): TestWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-wf-'));
  mkdirSync(join(dir, 'jobs'));
  return {
    dir,
    job: (name, job) => writeFileSync(join(dir, 'jobs', name), JSON.stringify(job)),
    load: async (yaml) => {
      writeFileSync(join(dir, 'ferry.yaml'), yaml);
      return loadWorkspace({ workspace: dir });
    },
    ddl: async (project, sql) => {
      const store = openStore(join(dir, '.ferry'));
      try {
        await createTable(store, project, sql);
      } finally {
        await store.close();
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** ferry.yaml text: dev/prod environments and one workflow `W` with `nodes` (YAML lines, indented 6). */
export function workspaceYaml(nodes: string, extra = ''): string {
  return `name: t
timezone: Asia/Shanghai
environments:
  dev: { project: p_dev }
  prod: { project: p_prod }
${extra}workflows:
  W:
    schedule: { cron: "15 0 * * *" }
    nodes:
${nodes}`;
}

/** A generate -> table job writing `rows` rows into t (dt=${bizdate}); slowed to `recordsPerSecond` when given. */
export function generateJob(rows: number, opts: { table?: string; partition?: string; recordsPerSecond?: number } = {}): object {
  return {
    reader: { plugin: 'generate', rows, columns: [{ name: 'id', type: 'bigint' }], batchRows: 1000 },
    writer: { plugin: 'table', table: opts.table ?? 't', partition: opts.partition ?? 'dt=${bizdate}' },
    setting: { channel: 1, ...(opts.recordsPerSecond ? { speed: { records: opts.recordsPerSecond } } : {}) },
  };
}

/** A job that fails validation (unknown column type): a failure retries cannot fix. */
export const brokenJob = {
  reader: { plugin: 'generate', rows: 1, columns: [{ name: 'id', type: 'no_such_type' }] },
  writer: { plugin: 'null' },
};

/** The built-in plugins the CLI would hand the workflow (only httpfile is used here; `table` the workflow adds itself). */
export const PLUGINS: Record<string, string> = { httpfile: new URL('../../reader-httpfile/dist/index.js', import.meta.url).href };
