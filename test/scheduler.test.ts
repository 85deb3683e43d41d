/**
 * The scheduler on real databases: a job runs on one holder at a time (the lease table), an expired
 * lease passes to another holder, failures are recorded, cron ticks fire without a job overlapping
 * itself, stopping waits for a running job, and `listJobs` shows last and next runs.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease, type JobDefinition, listJobs, pruneOldRecords, Scheduler } from '../src/jobs/scheduler.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const quiet = { info: () => {}, error: () => {} };

/** A job whose runs wait until released; counts concurrent and total runs. */
function gatedJob(name: string, cron = '0 0 1 1 *', leaseMs = 60_000) {
  const state = { running: 0, maxRunning: 0, runs: 0, aborted: 0, release: () => {} };
  let gate = Promise.resolve();
  const job: JobDefinition = {
    name,
    cron,
    timezone: 'Asia/Seoul',
    leaseMs,
    async run(signal) {
      state.runs++;
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      const onAbort = () => state.aborted++;
      signal.addEventListener('abort', onAbort, { once: true });
      await gate;
      signal.removeEventListener('abort', onAbort);
      state.running--;
      return `run ${state.runs}`;
    },
  };
  const hold = () => {
    gate = new Promise<void>((r) => (state.release = r));
  };
  return { job, state, hold };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDatabase('scheduler', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs a job on one holder at a time; the other is told it is held elsewhere', async () => {
    const { job, state, hold } = gatedJob('digest-email');
    const a = new Scheduler(t.db, [job], quiet);
    const b = new Scheduler(t.db, [job], quiet);
    expect(a.holder).not.toBe(b.holder);
    hold();
    const first = a.runJob(job);
    await tick(50);
    expect(await b.runJob(job)).toBe('held-elsewhere');
    const [info] = await listJobs(t.db, [job]);
    expect(info!.heldBy).toBe(a.holder);
    state.release();
    expect(await first).toBe('ran');
    expect(await b.runJob(job)).toBe('ran');
    expect(state.runs).toBe(2);
    const [after] = await listJobs(t.db, [job]);
    expect(after).toMatchObject({ lastStatus: 'ok', lastMessage: 'run 2', heldBy: null });
    expect(after!.lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(after!.lastStartedAt!.getTime());
  });

  it('lets another holder take a job whose lease expired (its holder died)', async () => {
    expect(await acquireLease(t.db, 'scrape:most', 'dead-host:1:x', 100)).toBe(true);
    expect(await acquireLease(t.db, 'scrape:most', 'other:2:y', 100)).toBe(false);
    await tick(150);
    expect(await acquireLease(t.db, 'scrape:most', 'other:2:y', 100)).toBe(true);
  });

  it('takes over at once from a killed process on this host, and renews the lease of a long run', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    expect(await acquireLease(t.db, 'takeover', `${hostname()}:${child.pid}:dead`, 600_000)).toBe(true);
    expect(await acquireLease(t.db, 'takeover', `${hostname()}:${process.pid}:alive`, 600_000)).toBe(true);
    expect(await acquireLease(t.db, 'takeover', `${hostname()}:${process.pid}:other`, 600_000)).toBe(false);

    const { job, state, hold } = gatedJob('renewed', '0 0 1 1 *', 1_000);
    const a = new Scheduler(t.db, [job], quiet);
    hold();
    const run = a.runJob(job);
    await tick(1_600); // past the first term: only a renewal keeps it held
    expect(await acquireLease(t.db, 'renewed', 'elsewhere:1:z', 1_000)).toBe(false);
    state.release();
    expect(await run).toBe('ran');
    expect(await acquireLease(t.db, 'renewed', 'elsewhere:1:z', 1_000)).toBe(true);
  });

  it('records a failing run with its error and goes on', async () => {
    const failing: JobDefinition = { name: 'enrich', cron: '0 0 1 1 *', timezone: 'Asia/Seoul', leaseMs: 1000, run: async () => Promise.reject(new Error('model endpoint answered 503')) };
    const errors: string[] = [];
    const s = new Scheduler(t.db, [failing], { info: () => {}, error: (f) => errors.push(String((f as { job: string }).job)) });
    expect(await s.runJob(failing)).toBe('failed');
    expect(errors).toEqual(['enrich']);
    expect((await s.list())[0]).toMatchObject({ lastStatus: 'failed', lastMessage: 'model endpoint answered 503', heldBy: null });
  });

  it('fires on cron ticks without overlapping itself, and stop() waits for the running job', async () => {
    const { job, state, hold } = gatedJob('dispatch', '* * * * * *');
    hold();
    const s = new Scheduler(t.db, [job], quiet);
    s.start();
    await tick(2600); // two or three ticks while the first run is still going
    expect(state.runs).toBe(1);
    expect(state.maxRunning).toBe(1);
    const stopping = s.stop();
    await tick(50);
    expect(state.aborted).toBe(1); // the running job was asked to stop
    state.release();
    await stopping;
    expect(state.running).toBe(0);
    const runs = state.runs;
    await tick(1200);
    expect(state.runs).toBe(runs); // no tick after stop
  });

  it('lists every job with its next run in its time zone', async () => {
    const jobs: JobDefinition[] = [
      { name: 'digest-email', cron: '0 9 * * 1', timezone: 'Asia/Seoul', leaseMs: 1, run: async () => {} },
      { name: 'scrape:gov-cn', cron: '7 8-20 * * 1-5', timezone: 'Asia/Shanghai', leaseMs: 1, run: async () => {} },
    ];
    const [digest, scrape] = await listJobs(t.db, jobs);
    // Monday 09:00 in Seoul is Monday 00:00 UTC
    expect(digest!.nextRun!.getUTCDay()).toBe(1);
    expect(digest!.nextRun!.getUTCHours()).toBe(0);
    expect(digest!.nextRun!.getTime()).toBeGreaterThan(Date.now());
    expect(digest!.nextRun!.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    // 8:07 … 20:07 in Beijing is 0:07 … 12:07 UTC
    expect(scrape!.nextRun!.getUTCMinutes()).toBe(7);
    expect(scrape!.nextRun!.getUTCHours()).toBeLessThanOrEqual(12);
  });

  it('prunes old run logs, keeping each source\'s latest, and old finished deliveries', async () => {
    const { noticeId } = await ingestScraped(t.db, scrapedFromArchive('02', 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm'));
    await t.db
      .insertInto('subscriptions')
      .values({ id: 'sub_prune', kind: 'alert', filter: JSON.stringify({}), channel: JSON.stringify({ type: 'email', to: 'a@example.org' }), events: ['notice.created'], unsubscribe_token: 'tok_prune', created_by: 'test' })
      .execute();
    const delivery = (id: string, status: 'pending' | 'delivered' | 'dead', created: Date) => ({ id, subscription_id: 'sub_prune', notice_id: noticeId, event: 'notice.created' as const, event_key: id, status, created_at: created });
    const longAgo = new Date(Date.now() - 200 * 86_400_000);
    await t.db
      .insertInto('deliveries')
      .values([delivery('msg_old_delivered', 'delivered', longAgo), delivery('msg_old_dead', 'dead', longAgo), delivery('msg_old_pending', 'pending', longAgo), delivery('msg_new', 'delivered', new Date())])
      .execute();
    const old = new Date(Date.now() - 200 * 86_400_000);
    const run = (started: Date) => ({ source_id: 'gov-cn', started_at: started, finished_at: started, status: 'ok' as const, trigger: 'schedule', mode: 'incremental' as const, errors: '[]' });
    const rows = await t.db
      .insertInto('scrape_runs')
      .values([run(old), run(new Date(old.getTime() + 1000)), run(new Date())])
      .returning('id')
      .execute()
      .catch((e) => {
        throw new Error(`scrape_runs insert: ${(e as Error).message}`);
      });
    expect(rows).toHaveLength(3);
    const message = await pruneOldRecords(t.db, 90);
    expect(message).toMatch(/^pruned 2 run\(s\) and 2 delivery record\(s\) older than 90 days$/);
    expect((await t.db.selectFrom('deliveries').select('id').orderBy('id').execute()).map((d) => d.id)).toEqual(['msg_new', 'msg_old_pending']);
    expect(await t.db.selectFrom('scrape_runs').select('id').execute()).toHaveLength(1);
  });
});

describe('CPT_SCHEDULES', () => {
  it('is checked at start-up', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(() => loadConfig({ CPT_SCHEDULES: '{"gov-cn":"not a cron"}' })).toThrow(/CPT_SCHEDULES\.gov-cn: "not a cron" is not a cron expression/);
    expect(() => loadConfig({ CPT_SCHEDULES: 'gov-cn=0 * * * *' })).toThrow(/CPT_SCHEDULES must be a JSON object/);
    expect(loadConfig({ CPT_SCHEDULES: '{"gov-cn":"*/30 8-20 * * 1-5"}' }).scheduler.sources.get('gov-cn')).toBe('*/30 8-20 * * 1-5');
    expect(() => loadConfig({ CPT_SECTOR_ORDER: 'health,medicine' })).toThrow(/CPT_SECTOR_ORDER: unknown sector medicine/);
    expect(() => loadConfig({ CPT_DIGEST_CRON: '61 9 * * 1' })).toThrow(/CPT_DIGEST_CRON/);
    expect(loadConfig({ CPT_SCHEDULER: '0' }).scheduler.enabled).toBe(false);
  });
});
