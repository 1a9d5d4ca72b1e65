/**
 * `ferry store ...`: commands on the store as a whole. `upgrade` converts a
 * store written by an older ferry (format 2: data inside store.mdb) to
 * Parquet files in place.
 */
import { Command } from 'commander';
import { resolveStoreDir, upgradeStore } from '@ferry/writer-table';

/** `ferry store`. */
export function storeCommand(): Command {
  const cmd = new Command('store').description('the store as a whole: upgrade an older store in place');
  cmd.addCommand(
    new Command('upgrade')
      .description('convert a store of an older ferry (data inside store.mdb) to Parquet files; atomic, and resumable when interrupted')
      .option('--store <dir>', 'the store folder (default: $FERRY_STORE, else ./.ferry)')
      .action(async (opts: { store?: string }) => {
        const dir = resolveStoreDir(opts.store);
        const r = await upgradeStore(dir);
        if (!r.upgraded) return void process.stdout.write(`store ${dir} is already up to date\n`);
        process.stdout.write(`upgraded store ${dir}: ${r.tables} table(s), ${r.partitions} partition(s), ${r.rows} row(s) in ${r.files} Parquet file(s)\n`);
      }),
  );
  return cmd;
}
