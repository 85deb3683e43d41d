/**
 * The `openai` provider against a local OpenAI-compatible server on loopback: a good JSON answer is
 * stored as given; invalid JSON, a 500 and a timeout each fall back to offline with the reason
 * recorded; the request carries the Chinese body.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichNotice, processEnrichmentJobs } from '../src/enrichment/enrichment-runner.js';
import { createEnricher } from '../src/enrichment/index.js';
import { buildUserMessage, OpenAiSummarizer, truncateBody } from '../src/enrichment/openai-summarizer.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { archiveNotice, ingestScraped, scrapedFromArchive } from './support/notices.js';

type Mode = 'good' | 'not-json' | 'bad-shape' | 'error500' | 'slow' | 'fence';

let mode: Mode = 'good';
const received: Array<{ headers: IncomingMessage['headers']; body: any }> = [];
let server: Server;
let baseUrl: string;

const GOOD = {
  title_ko: '국무원 판공청 의료보장기금 감독관리 제도 체계 개혁 추진에 관한 지도의견',
  summary_ko: '국무원 판공청은 의료보장기금 감독관리 제도 체계 개혁을 추진하는 지도의견을 발표했다.\n- 2025년까지 기금 감독관리 제도 체계를 기본적으로 구축한다.',
  key_points: ['2025년까지 감독관리 제도 체계 구축'],
  sectors: ['health', 'finance', 'not-a-sector'],
  effective_period: '2025년까지 제도 체계 구축',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(raw) });
      const reply = (content: string) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
      };
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      switch (mode) {
        case 'good':
          return reply(JSON.stringify(GOOD));
        case 'fence':
          return reply('```json\n' + JSON.stringify(GOOD) + '\n```');
        case 'not-json':
          return reply('다음은 요약입니다: 의료보장기금 …');
        case 'bad-shape':
          return reply(JSON.stringify({ title: 'x' }));
        case 'error500':
          res.writeHead(500, { 'content-type': 'application/json' });
          return res.end('{"error":"overloaded"}');
        case 'slow':
          setTimeout(() => reply(JSON.stringify(GOOD)), 1_500);
          return;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const provider = (overrides: Partial<ConstructorParameters<typeof OpenAiSummarizer>[0]> = {}) =>
  new OpenAiSummarizer({ baseUrl, apiKey: 'sk-test-secret', model: 'qwen-test', timeoutMs: 500, retries: 1, inputChars: 6000, ...overrides });

describe('openai provider over loopback', () => {
  let t: TestDatabase;
  let noticeId: string;
  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    noticeId = (await ingestScraped(t.db, scrapedFromArchive('03', 'https://www.gov.cn/zhengce/content/2020-07/09/content_5525564.htm'))).noticeId;
  });
  afterAll(async () => {
    await t?.close();
  });
  const deps = () => ({ db: t.db, enricher: createEnricher() });
  const stored = () =>
    t.db
      .selectFrom('notices')
      .select(['title_ko', 'summary_ko', 'key_points', 'effective_period', 'summary_status', 'summary_provider', 'summary_model', 'summary_note'])
      .where('id', '=', noticeId)
      .executeTakeFirstOrThrow();

  it('stores a good JSON answer as given, with provider and model, and adds its sectors', async () => {
    mode = 'good';
    received.length = 0;
    const result = await enrichNotice(deps(), noticeId, provider(), true);
    expect(result).toMatchObject({ outcome: 'summarised', provider: 'openai', note: null });
    expect(await stored()).toEqual({
      title_ko: GOOD.title_ko,
      summary_ko: GOOD.summary_ko,
      key_points: GOOD.key_points,
      effective_period: GOOD.effective_period,
      summary_status: 'machine',
      summary_provider: 'openai',
      summary_model: 'qwen-test',
      summary_note: null,
    });
    const sectors = await t.db.selectFrom('notice_sectors').select(['code', 'method']).where('notice_id', '=', noticeId).execute();
    expect(sectors).toContainEqual({ code: 'finance', method: 'llm' });
    expect(sectors.map((s) => s.code)).not.toContain('not-a-sector');

    // the request: model, JSON mode, the Chinese title, metadata and body, the key in the header only
    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.headers.authorization).toBe('Bearer sk-test-secret');
    expect(request.body.model).toBe('qwen-test');
    expect(request.body.response_format).toEqual({ type: 'json_object' });
    const user = request.body.messages.find((m: any) => m.role === 'user').content as string;
    expect(user).toContain('国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见');
    expect(user).toContain('国办发〔2020〕20号');
    expect(user).toContain('到2025年,基本建成医保基金监管制度体系和执法体系');
    expect(JSON.stringify(request.body)).not.toContain('sk-test-secret');
  });

  it('caches by input: the same text is not sent again', async () => {
    received.length = 0;
    expect((await enrichNotice(deps(), noticeId, provider())).outcome).toBe('cached');
    expect(received).toHaveLength(0);
  });

  it.each([
    ['not-json', /invalid output: the message is not JSON/],
    ['bad-shape', /invalid output: title_ko/],
    ['error500', /HTTP 500/],
    ['slow', /timeout: no answer within 500 ms/],
  ] as const)('falls back to offline on %s, after bounded retries, and records why', async (m, reason) => {
    mode = m;
    received.length = 0;
    const result = await enrichNotice(deps(), noticeId, provider(), true);
    expect(result.outcome).toBe('fallback');
    expect(received).toHaveLength(2); // first try + 1 retry
    const row = await stored();
    expect(row.summary_provider).toBe('offline');
    expect(row.summary_status).toBe('machine');
    expect(row.summary_note).toMatch(reason);
    expect(row.summary_note).toMatch(/^openai \(qwen-test\) failed: .*; the offline summary is used$/);
    expect(row.summary_ko).toContain('국무원 판공청');
  });

  it('accepts JSON wrapped in a code fence', async () => {
    mode = 'fence';
    expect((await enrichNotice(deps(), noticeId, provider(), true)).outcome).toBe('summarised');
  });

  it('works through the queue that ingest leaves with CPT_SUMMARIZER=openai', async () => {
    mode = 'good';
    const queued = createEnricher('openai');
    const id = (
      await ingestScraped(t.db, scrapedFromArchive('32', 'https://www.gov.cn/zhengce/zhengceku/2022-07/26/content_5702881.htm'), 'gov-cn', queued)
    ).noticeId;
    // ingest stored the offline summary at once …
    const before = await t.db.selectFrom('notices').select(['summary_provider']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(before.summary_provider).toBe('offline');
    const jobs = await t.db.selectFrom('enrichment_jobs').select(['notice_id', 'status']).where('notice_id', '=', id).execute();
    expect(jobs).toEqual([{ notice_id: id, status: 'pending' }]);
    // … and the queue replaces it with the model's
    const results = await processEnrichmentJobs({ db: t.db, enricher: queued }, provider());
    expect(results.map((r) => r.outcome)).toEqual(['summarised']);
    const after = await t.db.selectFrom('enrichment_jobs').select('status').where('notice_id', '=', id).executeTakeFirstOrThrow();
    expect(after.status).toBe('done');
  });
});

describe('request building', () => {
  it('keeps the opening and every numbered section when the body is over budget', () => {
    const body = archiveNotice('03').body!;
    const cut = truncateBody(body, 400);
    expect(cut.length).toBeLessThan(500);
    expect(cut.startsWith(body.slice(0, 50))).toBe(true);
    expect(cut).toContain('一、总体要求');
    expect(cut).toContain('(一)指导思想');
    expect(buildUserMessage({ titleZh: 'X关于Y的通知', docNumber: null, docType: null, issuers: [], writtenDate: null, publishedDate: null, effectiveDate: null, topicZh: null, bodyText: '' }, 100)).toContain('(正文未收录)');
  });
});
