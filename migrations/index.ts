/**
 * The explicit list of migrations, in order. An explicit index (rather than reading the folder)
 * keeps migrations type-checked and lets the Workers bundle include them without `fs`.
 * @module
 */
import type { Migration } from 'kysely/migration';
import * as m20261125T100000000Z from './20261125T100000000Z-initial.js';
import * as m20261125T120000000Z from './20261125T120000000Z-enrichment.js';
import * as m20261125T140000000Z from './20261125T140000000Z-alerts.js';
import * as m20261126T090000000Z from './20261126T090000000Z-api-keys.js';
import * as m20261126T100000000Z from './20261126T100000000Z-list-order.js';

export const MIGRATIONS: Record<string, Migration> = {
  '20261125T100000000Z-initial': m20261125T100000000Z,
  '20261125T120000000Z-enrichment': m20261125T120000000Z,
  '20261125T140000000Z-alerts': m20261125T140000000Z,
  '20261126T090000000Z-api-keys': m20261126T090000000Z,
  '20261126T100000000Z-list-order': m20261126T100000000Z,
};
