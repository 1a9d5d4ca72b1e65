import { mysqlReader } from './plugin.js';

export default mysqlReader;
export { mysqlReader };
export { mysqlConfig, type MysqlConfig } from './config.js';
export type { MysqlSplit } from './splits.js';
