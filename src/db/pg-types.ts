/**
 * How `pg` turns PostgreSQL values into JavaScript for the store, wherever `pg` is used (the Node
 * server and CLI, and the Worker through Hyperdrive): `date` stays a YYYY-MM-DD string (a notice
 * date has no time zone); counts (int8) become numbers.
 * @module
 */
import pg from 'pg';

pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export { pg };
