/**
 * The `openai` provider: any OpenAI-compatible chat-completions endpoint (OpenAI, a local Ollama or
 * vLLM, DeepSeek, Qwen …). It sends the title, metadata and body (cut to a budget that keeps the
 * opening and the numbered sections), asks for JSON, validates it with zod, and retries a bounded
 * number of times on a timeout, an HTTP error or invalid output. The caller falls back to `offline`.
 * @module
 */
import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { SECTOR_CODES, type SectorCode } from '../domain/sector.js';
import { sectionHeading } from './numbers.js';
import { type Summarizer, SummarizerError, type SummaryInput, type SummaryOutput } from './summarizer.js';

export const OPENAI_PROMPT_VERSION = 'openai-1';

export interface OpenAiOptions {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
  retries: number;
  inputChars: number;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** The JSON contract of every model provider (`openai`, `workers-ai`). */
export const AnswerSchema = z.object({
  title_ko: z.string().trim().min(2).max(300),
  summary_ko: z.string().trim().min(10).max(4000),
  key_points: z.array(z.string().trim().min(1).max(500)).max(12).default([]),
  sectors: z.array(z.string()).max(16).default([]),
  effective_period: z.string().max(200).nullable().default(null),
});

export const SYSTEM_PROMPT = [
  'You summarise Chinese central-government policy documents for Korean companies.',
  'Answer with one JSON object only, with these keys:',
  '"title_ko": the title in Korean (issuing bodies by their official Korean names, then the subject, then the document type);',
  '"summary_ko": 3 to 6 Korean sentences or "- " bullets: who issued it, what it does, the measures with their numbers',
  '(percentages, amounts: 亿元 → 억 위안), periods and deadlines (2020년 7월 1일부터 12월 31일까지), who it applies to;',
  '"key_points": the measures as short Korean strings;',
  `"sectors": codes from this list that clearly apply: ${SECTOR_CODES.join(', ')};`,
  '"effective_period": when the measures apply, in Korean, or null.',
  'State only facts found in the document. Do not add background, opinions or anything the text does not say.',
].join(' ');

/** The body cut to `budget` characters, keeping the opening and every numbered section heading. */
export function truncateBody(body: string, budget: number): string {
  if (body.length <= budget) return body;
  const lines = body.split('\n');
  const headings = lines.filter((l) => sectionHeading(l) || /^[（(][一二三四五六七八九十]+[）)]/u.test(l.trim()));
  const headingText = headings.join('\n');
  const room = Math.max(budget - headingText.length - 40, Math.floor(budget / 2));
  return `${body.slice(0, room)}\n……（中略）……\n${headingText}`.slice(0, budget + 40);
}

export function buildUserMessage(input: SummaryInput, budget: number): string {
  const meta = [
    `标题: ${input.titleZh}`,
    `发文机关: ${input.issuers.map((i) => (i.nameKo ? `${i.nameZh} (${i.nameKo})` : i.nameZh)).join(', ') || '不详'}`,
    `发文字号: ${input.docNumber ?? '无'}`,
    `公文种类: ${input.docType ?? '不详'}`,
    `成文日期: ${input.writtenDate ?? '不详'}`,
    `发布日期: ${input.publishedDate ?? '不详'}`,
    `主题分类: ${input.topicZh ?? '不详'}`,
  ];
  const body = input.bodyText.trim() ? truncateBody(input.bodyText, budget) : '(正文未收录)';
  return `${meta.join('\n')}\n\n正文:\n${body}`;
}

/**
 * A model's answer checked against the contract: JSON text (a fenced block too) or an already
 * parsed object, validated with zod; sector codes outside the taxonomy are dropped.
 * @throws {SummarizerError} `invalid output: …` naming the first problem.
 */
export function answerFromContent(content: unknown): SummaryOutput {
  let parsed: unknown = content;
  if (typeof content === 'string') {
    try {
      parsed = JSON.parse(content.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
    } catch {
      throw new SummarizerError('invalid output: the message is not JSON');
    }
  } else if (typeof content !== 'object' || content === null) {
    throw new SummarizerError('invalid output: no message content');
  }
  const answer = AnswerSchema.safeParse(parsed);
  if (!answer.success) {
    const issue = answer.error.issues[0]!;
    throw new SummarizerError(`invalid output: ${issue.path.join('.') || 'answer'} ${issue.message}`);
  }
  const sectors = answer.data.sectors.filter((s): s is SectorCode => (SECTOR_CODES as readonly string[]).includes(s));
  return {
    titleKo: answer.data.title_ko,
    summaryKo: answer.data.summary_ko,
    keyPoints: answer.data.key_points,
    sectors,
    effectivePeriod: answer.data.effective_period,
  };
}

export class OpenAiSummarizer implements Summarizer {
  readonly name = 'openai';
  readonly promptVersion = OPENAI_PROMPT_VERSION;
  readonly #fetch: typeof fetch;

  constructor(private readonly options: OpenAiOptions) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  get model(): string {
    return this.options.model;
  }

  async #once(input: SummaryInput, signal?: AbortSignal): Promise<SummaryOutput> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(`${this.options.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: buildUserMessage(input, this.options.inputChars) },
          ],
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw new AbortError(signal.reason as Error);
      if (timeout.aborted) throw new SummarizerError(`timeout: no answer within ${this.options.timeoutMs} ms`);
      throw new SummarizerError(`network error: ${(error as Error).message}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const error = new SummarizerError(`HTTP ${response.status} from the model endpoint`);
      // a wrong key or model name will not get better by retrying
      if (response.status === 401 || response.status === 403 || response.status === 404) throw new AbortError(error);
      throw error;
    }
    let content: unknown;
    try {
      const data = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      content = data.choices?.[0]?.message?.content;
    } catch {
      throw new SummarizerError('the endpoint did not answer with JSON');
    }
    if (typeof content !== 'string') throw new SummarizerError('invalid output: no message content');
    return answerFromContent(content);
  }

  /** @throws {SummarizerError} after the bounded retries, saying what failed last. */
  async summarize(input: SummaryInput, signal?: AbortSignal): Promise<SummaryOutput> {
    try {
      return await pRetry(() => this.#once(input, signal), {
        retries: this.options.retries,
        minTimeout: 200,
        factor: 2,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof SummarizerError) throw error;
      throw new SummarizerError((error as Error).message);
    }
  }
}
