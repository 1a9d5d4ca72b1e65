/** The real MariaDB for end-to-end tests, through the `mariadb` client (127.0.0.1:3306, root, no password). */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Runs SQL with the mariadb client; returns its tab-separated output. */
export function sql(text: string, database?: string): string {
  return execFileSync('mariadb', ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '-B', '-N', ...(database ? [database] : [])], { input: text, encoding: 'utf8' });
}

/** A throwaway database; drop it when done. */
export function createDatabase(prefix = 'ferry_test_'): { name: string; drop: () => void } {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  sql(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  return { name, drop: () => void sql(`DROP DATABASE IF EXISTS \`${name}\``) };
}
