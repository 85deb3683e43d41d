/**
 * Builds the enrichment parts once per process: glossary (with the issuer registry's names),
 * segmenter, translator, the offline provider and the enricher.
 * @module
 */
import { ISSUER_SEED } from '../issuers/registry-data.js';
import { Enricher } from './enricher.js';
import { buildGlossary } from './glossary/index.js';
import { OfflineSummarizer } from './offline-summarizer.js';
import { type OpenAiOptions, OpenAiSummarizer } from './openai-summarizer.js';
import type { Summarizer } from './summarizer.js';
import { createSegmenter } from './segmenter.js';
import { Translator } from './translator.js';

let offline: OfflineSummarizer | undefined;

/** A new offline provider: glossary, segmenter dictionary and converter tables are built here. */
export function buildOfflineSummarizer(): OfflineSummarizer {
  const glossary = buildGlossary(ISSUER_SEED);
  return new OfflineSummarizer(new Translator({ glossary, segmenter: createSegmenter(glossary) }));
}

/** The process's offline provider (built on first use: loading the dictionaries takes a moment). */
export function offlineSummarizer(): OfflineSummarizer {
  offline ??= buildOfflineSummarizer();
  return offline;
}

export type SummarizerChoice = 'offline' | 'openai';

/** The enricher ingest uses; with `openai`, model summaries are queued after ingest. */
export function createEnricher(choice: SummarizerChoice = 'offline'): Enricher {
  return new Enricher({ offline: offlineSummarizer(), queuedProvider: choice === 'offline' ? null : choice });
}

/** The provider called `name`; `openai` needs the LLM settings. */
export function createSummarizer(name: SummarizerChoice, llm: OpenAiOptions): Summarizer {
  return name === 'openai' ? new OpenAiSummarizer(llm) : offlineSummarizer();
}

export { Enricher } from './enricher.js';
