/**
 * The contract of a Korean title-and-summary provider (`offline`, `openai`, later `workers-ai`).
 * @module
 */
import type { SectorCode } from '../domain/sector.js';

export interface SummaryInput {
  titleZh: string;
  docNumber: string | null;
  docType: string | null;
  /** Issuers in document order, with their Korean names from the registry where known. */
  issuers: Array<{ nameZh: string; nameKo: string | null }>;
  writtenDate: string | null;
  publishedDate: string | null;
  effectiveDate: string | null;
  topicZh: string | null;
  bodyText: string;
}

export interface SummaryOutput {
  titleKo: string;
  summaryKo: string;
  keyPoints: string[];
  /** Sectors a language model proposes (recorded with method `llm`). */
  sectors?: SectorCode[];
  /** The period the measures apply, as the provider states it. */
  effectivePeriod?: string | null;
}

export interface Summarizer {
  readonly name: string;
  readonly model: string | null;
  readonly promptVersion: string;
  summarize(input: SummaryInput, signal?: AbortSignal): Promise<SummaryOutput>;
}

/** A provider that could not produce a summary; the caller falls back to `offline` and records why. */
export class SummarizerError extends Error {
  override name = 'SummarizerError';
}
