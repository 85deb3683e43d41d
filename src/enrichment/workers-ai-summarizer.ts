/**
 * The `workers-ai` provider (Cloudflare Workers, `[ai]` binding): the Korean title is a machine
 * translation of the Chinese one (`@cf/meta/m2m100-1.2b`, zh → ko), the summary comes from an
 * instruct model asked for the same JSON contract as the `openai` provider, validated the same way
 * (`answerFromContent`). A timeout, a thrown error or invalid output is retried a bounded number of
 * times; after that the caller falls back to `offline` and records why.
 * @module
 */
import pRetry from 'p-retry';
import { z } from 'zod';
import { answerFromContent, buildUserMessage, SYSTEM_PROMPT } from './openai-summarizer.js';
import { type Summarizer, SummarizerError, type SummaryInput, type SummaryOutput } from './summarizer.js';

export const WORKERS_AI_PROMPT_VERSION = 'workers-ai-1';
export const TRANSLATION_MODEL = '@cf/meta/m2m100-1.2b';
export const DEFAULT_INSTRUCT_MODEL = '@cf/meta/llama-3.1-8b-instruct';

/** The part of the Workers AI binding (`env.AI`) this provider uses. */
export interface AiBinding {
  run(model: string, input: Record<string, unknown>): Promise<unknown>;
}

export interface WorkersAiOptions {
  ai: AiBinding;
  /** The instruct model of the summary. */
  model?: string;
  timeoutMs: number;
  retries: number;
  /** Body characters sent to the model (the opening and the numbered sections are kept). */
  inputChars: number;
  /** First retry delay (doubles each time); small in tests. */
  minRetryDelayMs?: number;
}

const TranslationSchema = z.object({ translated_text: z.string().trim().min(2).max(300) });
const InstructSchema = z.object({ response: z.union([z.string(), z.record(z.string(), z.unknown())]) });

export class WorkersAiSummarizer implements Summarizer {
  readonly name = 'workers-ai';
  readonly promptVersion = WORKERS_AI_PROMPT_VERSION;
  readonly model: string;

  constructor(private readonly options: WorkersAiOptions) {
    this.model = options.model ?? DEFAULT_INSTRUCT_MODEL;
  }

  /** One model call, bounded by the timeout; a thrown error becomes a `SummarizerError`. */
  async #run(model: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SummarizerError(`timeout: ${model} gave no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    const aborted = signal
      ? new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))
      : null;
    try {
      return await Promise.race([this.options.ai.run(model, input), timeout, ...(aborted ? [aborted] : [])]);
    } catch (error) {
      if (error instanceof SummarizerError || signal?.aborted) throw error;
      throw new SummarizerError(`${model} failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async #once(input: SummaryInput, signal?: AbortSignal): Promise<SummaryOutput> {
    const translation = TranslationSchema.safeParse(
      await this.#run(TRANSLATION_MODEL, { text: input.titleZh, source_lang: 'zh', target_lang: 'ko' }, signal),
    );
    if (!translation.success) throw new SummarizerError(`invalid output: ${TRANSLATION_MODEL} gave no usable translated_text`);
    const answer = InstructSchema.safeParse(
      await this.#run(
        this.model,
        {
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: buildUserMessage(input, this.options.inputChars) },
          ],
          response_format: { type: 'json_object' },
          temperature: 0,
          max_tokens: 1500,
        },
        signal,
      ),
    );
    if (!answer.success) throw new SummarizerError(`invalid output: ${this.model} gave no response`);
    // the instruct model answers the whole contract; its title gives way to the translation model's
    return { ...answerFromContent(answer.data.response), titleKo: translation.data.translated_text };
  }

  /** @throws {SummarizerError} after the bounded retries, saying what failed last. */
  async summarize(input: SummaryInput, signal?: AbortSignal): Promise<SummaryOutput> {
    try {
      return await pRetry(() => this.#once(input, signal), {
        retries: this.options.retries,
        minTimeout: this.options.minRetryDelayMs ?? 200,
        factor: 2,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof SummarizerError) throw error;
      throw new SummarizerError((error as Error).message);
    }
  }
}
