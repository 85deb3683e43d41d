/**
 * Prometheus metrics of one app instance (its own registry, so two apps in one process never
 * share counters): HTTP requests by matched route, and figures read from the database when
 * `/metrics` is scraped (a few counting queries, nothing kept in between).
 * @module
 */
import type { Kysely } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/schema.js';

export interface AppMetricsOptions {
  /** Node process metrics (memory, CPU, event loop, GC) as `cpt_process_*`/`cpt_nodejs_*`: the server turns them on. */
  processMetrics?: boolean;
}

export class AppMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'method' | 'route'>;
  readonly #scrapeRuns: Counter<'source' | 'status'>;
  readonly #notices: Gauge;
  readonly #deliveriesPending: Gauge;
  readonly #deliveriesDead: Gauge;
  readonly #enrichmentQueued: Gauge;
  readonly #databaseUp: Gauge;

  constructor(private readonly db: Kysely<Database>, options: AppMetricsOptions = {}) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'cpt_http_requests_total',
      help: 'HTTP requests answered, by method, matched route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'cpt_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (until the handler returned), by method and matched route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#scrapeRuns = new Counter({
      name: 'cpt_scrape_runs_total',
      help: 'Scrape runs recorded in the store, by source and status (runs older than 90 days are pruned, so it can drop)',
      labelNames: ['source', 'status'],
      registers,
    });
    this.#notices = new Gauge({ name: 'cpt_notices_total', help: 'Notices in the store', registers });
    this.#deliveriesPending = new Gauge({ name: 'cpt_alert_deliveries_pending', help: 'Alert deliveries waiting for an attempt', registers });
    this.#deliveriesDead = new Gauge({ name: 'cpt_alert_deliveries_dead', help: 'Alert deliveries given up after the last retry', registers });
    this.#enrichmentQueued = new Gauge({ name: 'cpt_enrichment_jobs_queued', help: 'Model-summary jobs waiting or running', registers });
    this.#databaseUp = new Gauge({ name: 'cpt_database_up', help: '1 when the store answered the metrics queries, else 0', registers });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'cpt_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.inc({ method, route, status: String(status) });
    this.#duration.observe({ method, route }, seconds);
  }

  /** The exposition text, with the store's figures read now. */
  async render(): Promise<string> {
    await this.#readStore();
    return this.registry.metrics();
  }

  async #readStore(): Promise<void> {
    try {
      const [runs, notices, deliveries, queued] = await Promise.all([
        this.db
          .selectFrom('scrape_runs')
          .select((eb) => ['source_id', 'status', eb.fn.countAll<number>().as('n')])
          .groupBy(['source_id', 'status'])
          .execute(),
        this.db.selectFrom('notices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        this.db
          .selectFrom('deliveries')
          .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
          .where('status', 'in', ['pending', 'dead'])
          .groupBy('status')
          .execute(),
        this.db
          .selectFrom('enrichment_jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['pending', 'running'])
          .executeTakeFirstOrThrow(),
      ]);
      this.#scrapeRuns.reset();
      for (const r of runs) this.#scrapeRuns.inc({ source: r.source_id, status: r.status }, Number(r.n));
      this.#notices.set(Number(notices.n));
      const deliveriesWith = (status: string) => Number(deliveries.find((d) => d.status === status)?.n ?? 0);
      this.#deliveriesPending.set(deliveriesWith('pending'));
      this.#deliveriesDead.set(deliveriesWith('dead'));
      this.#enrichmentQueued.set(Number(queued.n));
      this.#databaseUp.set(1);
    } catch {
      // the HTTP figures are still worth scraping when the store is down; /healthz says why
      this.#databaseUp.set(0);
    }
  }
}
