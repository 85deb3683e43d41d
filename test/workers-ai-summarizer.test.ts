/**
 * The `workers-ai` provider with a fake `AI` binding (`{ run(model, input) }`, the shape of
 * Cloudflare's): the title comes from the translation model, the rest from the instruct model's
 * JSON; invalid JSON, a wrong shape, a thrown error and a timeout are retried a bounded number of
 * times and then fall back to offline with the reason recorded, as with the `openai` provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enricher } from '../src/enrichment/enricher.js';
import { enrichNotice, processEnrichmentJobs } from '../src/enrichment/enrichment-runner.js';
import { createEnricher, offlineSummarizer } from '../src/enrichment/index.js';
import { DEFAULT_INSTRUCT_MODEL, TRANSLATION_MODEL, type AiBinding, WorkersAiSummarizer } from '../src/enrichment/workers-ai-summarizer.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

type Mode = 'good' | 'object' | 'not-json' | 'bad-shape' | 'throws' | 'slow' | 'no-translation';

const TITLE_KO = '국무원 판공청 의료보장기금 감독관리 제도 체계 개혁 추진에 관한 지도의견';
const GOOD = {
  title_ko: '(the instruct model’s own title, replaced by the translation)',
  summary_ko: '국무원 판공청은 의료보장기금 감독관리 제도 체계 개혁을 추진하는 지도의견을 발표했다.\n- 2025년까지 기금 감독관리 제도 체계를 기본적으로 구축한다.',
  key_points: ['2025년까지 감독관리 제도 체계 구축'],
  sectors: ['health', 'finance', 'not-a-sector'],
  effective_period: '2025년까지 제도 체계 구축',
};

/** A fake of the Workers AI binding: answers by `mode`, records every call. */
function fakeAi() {
  const calls: Array<{ model: string; input: Record<string, unknown> }> = [];
  const state = { mode: 'good' as Mode };
  const ai: AiBinding = {
    async run(model, input) {
      calls.push({ model, input });
      if (model === TRANSLATION_MODEL) {
        return state.mode === 'no-translation' ? { translated_text: '' } : { translated_text: TITLE_KO };
      }
      switch (state.mode) {
        case 'good':
        case 'no-translation':
          return { response: JSON.stringify(GOOD) };
        case 'object':
          // JSON mode may hand back the object itself
          return { response: GOOD };
        case 'not-json':
          return { response: '다음은 요약입니다: 의료보장기금 …' };
        case 'bad-shape':
          return { response: JSON.stringify({ title: 'x' }) };
        case 'throws':
          throw new Error('3040: Capacity temporarily exceeded');
        case 'slow':
          return new Promise((resolve) => setTimeout(() => resolve({ response: JSON.stringify(GOOD) }), 1_000));
      }
    },
  };
  return { ai, calls, state };
}

describe('workers-ai provider with a fake AI binding', () => {
  let t: TestDatabase;
  let noticeId: string;
  const fake = fakeAi();
  const provider = () => new WorkersAiSummarizer({ ai: fake.ai, timeoutMs: 300, retries: 1, inputChars: 6000, minRetryDelayMs: 10 });
  const deps = () => ({ db: t.db, enricher: createEnricher() });
  const stored = () =>
    t.db
      .selectFrom('notices')
      .select(['title_ko', 'summary_ko', 'key_points', 'effective_period', 'summary_status', 'summary_provider', 'summary_model', 'summary_note'])
      .where('id', '=', noticeId)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    noticeId = (await ingestScraped(t.db, scrapedFromArchive('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm'))).noticeId;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores the translated title and the instruct model’s summary, with provider and model, and adds its sectors', async () => {
    fake.state.mode = 'good';
    fake.calls.length = 0;
    const result = await enrichNotice(deps(), noticeId, provider(), true);
    expect(result).toMatchObject({ outcome: 'summarised', provider: 'workers-ai', note: null });
    expect(await stored()).toEqual({
      title_ko: TITLE_KO,
      summary_ko: GOOD.summary_ko,
      key_points: GOOD.key_points,
      effective_period: GOOD.effective_period,
      summary_status: 'machine',
      summary_provider: 'workers-ai',
      summary_model: DEFAULT_INSTRUCT_MODEL,
      summary_note: null,
    });
    const sectors = await t.db.selectFrom('notice_sectors').select(['code', 'method']).where('notice_id', '=', noticeId).execute();
    expect(sectors).toContainEqual({ code: 'finance', method: 'llm' });
    expect(sectors.map((s) => s.code)).not.toContain('not-a-sector');

    // two calls: the title zh → ko, then the summary with the Chinese title, metadata and body
    expect(fake.calls.map((c) => c.model)).toEqual([TRANSLATION_MODEL, DEFAULT_INSTRUCT_MODEL]);
    expect(fake.calls[0]!.input).toEqual({ text: '国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见', source_lang: 'zh', target_lang: 'ko' });
    const messages = fake.calls[1]!.input.messages as Array<{ role: string; content: string }>;
    expect(messages.find((m) => m.role === 'system')!.content).toContain('"summary_ko"');
    const user = messages.find((m) => m.role === 'user')!.content;
    expect(user).toContain('国办发〔2020〕20号');
    expect(user).toContain('到2025年,基本建成医保基金监管制度体系和执法体系');
  });

  it('accepts an answer that JSON mode hands back as an object', async () => {
    fake.state.mode = 'object';
    expect((await enrichNotice(deps(), noticeId, provider(), true)).outcome).toBe('summarised');
    expect((await stored()).summary_ko).toBe(GOOD.summary_ko);
  });

  it.each([
    ['not-json', /invalid output: the message is not JSON/],
    ['bad-shape', /invalid output: title_ko/],
    ['throws', /@cf\/meta\/llama-3\.1-8b-instruct failed: 3040: Capacity temporarily exceeded/],
    ['slow', /timeout: @cf\/meta\/llama-3\.1-8b-instruct gave no answer within 300 ms/],
    ['no-translation', /invalid output: @cf\/meta\/m2m100-1\.2b gave no usable translated_text/],
  ] as const)('falls back to offline on %s, after bounded retries, and records why', async (m, reason) => {
    fake.state.mode = m;
    fake.calls.length = 0;
    const result = await enrichNotice(deps(), noticeId, provider(), true);
    expect(result.outcome).toBe('fallback');
    // first try + 1 retry, each starting with the translation
    expect(fake.calls.filter((c) => c.model === TRANSLATION_MODEL)).toHaveLength(2);
    const row = await stored();
    expect(row.summary_provider).toBe('offline');
    expect(row.summary_status).toBe('machine');
    expect(row.summary_note).toMatch(reason);
    expect(row.summary_note).toMatch(/^workers-ai \(@cf\/meta\/llama-3\.1-8b-instruct\) failed: .*; the offline summary is used$/);
    expect(row.summary_ko).toContain('국무원 판공청');
  });

  it('works through the queue that ingest leaves when the Worker queues workers-ai summaries', async () => {
    fake.state.mode = 'good';
    const queued = new Enricher({ offline: offlineSummarizer(), queuedProvider: 'workers-ai' });
    const id = (
      await ingestScraped(t.db, scrapedFromArchive('32', 'https://www.gov.cn/zhengce/zhengceku/2022-07/26/content_5702881.htm'), 'gov-cn', queued)
    ).noticeId;
    const before = await t.db.selectFrom('notices').select(['summary_provider']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(before.summary_provider).toBe('offline');
    const results = await processEnrichmentJobs({ db: t.db, enricher: queued }, provider());
    expect(results.map((r) => [r.noticeId, r.outcome])).toEqual([[id, 'summarised']]);
    const after = await t.db.selectFrom('notices').select(['summary_provider', 'title_ko']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(after).toEqual({ summary_provider: 'workers-ai', title_ko: TITLE_KO });
    const job = await t.db.selectFrom('enrichment_jobs').select('status').where('notice_id', '=', id).executeTakeFirstOrThrow();
    expect(job.status).toBe('done');
  });
});
