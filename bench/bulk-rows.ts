/**
 * One synthetic notice as the rows a bulk load inserts: normalised as ingest does, then enriched
 * with the enricher's pure parts (sectors, Korea relevance, offline Korean title and summary, the
 * search lexemes of `noticeLexemes`). Runs in the load's worker threads; no database access.
 * @module
 */
import { createHash } from 'node:crypto';
import type { SectorMethod } from '../src/db/schema.js';
import type { SectorCode } from '../src/domain/sector.js';
import { offlineSummarizer } from '../src/enrichment/index.js';
import { classifySectors, koreaRelevance } from '../src/enrichment/sector-classifier.js';
import type { SummaryInput } from '../src/enrichment/summarizer.js';
import { IssuerDirectory } from '../src/issuers/issuer.directory.js';
import { newNoticeId, newNoticeRows } from '../src/notices/notice.ingest.js';
import { normalizeNotice, noticeLexemes } from '../src/notices/notice.normalize.js';
import type { SearchableText } from './search-corpus.js';

/** A registry issuer as the loader needs it (read once from the `issuers` table). */
export interface RegistryIssuer {
  id: number;
  name_zh: string;
  aliases: string[];
  name_ko: string | null;
  sectors: string[];
}

/** Rows of one notice; `lexemes` become `search_vector` with `array_to_tsvector` on insert. */
export interface ComputedNotice {
  notice: Record<string, unknown>;
  lexemes: string[];
  locator: Record<string, unknown>;
  issuers: Array<Record<string, unknown>>;
  sectors: Array<{ notice_id: string; code: string; score: number; method: SectorMethod }>;
  searchable: Omit<SearchableText, 'lexemes'>;
}

/**
 * `summaryInputHash` (enricher.ts) computed synchronously with node:crypto: the same bytes and
 * digest, without a Web Crypto round trip per notice (a tenth of the load's compute time).
 */
export function summaryHashSync(input: SummaryInput, promptVersion: string): string {
  return createHash('sha256').update(JSON.stringify([promptVersion, input])).digest('hex');
}

export class NoticeRowBuilder {
  private readonly directory: IssuerDirectory;
  private readonly registry: Map<number, RegistryIssuer>;
  private readonly summarizer = offlineSummarizer();

  constructor(
    registry: RegistryIssuer[],
    private readonly now: number,
  ) {
    this.directory = new IssuerDirectory(registry.map((r) => ({ id: r.id, nameZh: r.name_zh, aliases: r.aliases, nameKo: r.name_ko })));
    this.registry = new Map(registry.map((r) => [r.id, r]));
  }

  async build(scraped: Parameters<typeof normalizeNotice>[0], i: number): Promise<ComputedNotice> {
    const { notice: n } = await normalizeNotice(scraped, { sourceId: 'gov-cn', directory: this.directory });
    const id = newNoticeId(this.now - i);
    const base = newNoticeRows(n, id, new Date(this.now), false);
    // the empty-index placeholder is an SQL expression (not transferable); the loader writes the index
    const { search_vector: _placeholder, ...notice } = base.notice;
    const known = n.issuers.map((x) => (x.issuer ? this.registry.get(x.issuer.id) : undefined));
    const input: SummaryInput = {
      titleZh: n.titleZh,
      docNumber: n.docNumber,
      docType: n.docType,
      issuers: n.issuers.map((x, k) => ({ nameZh: known[k]?.name_zh ?? x.written, nameKo: known[k]?.name_ko ?? null })),
      writtenDate: n.writtenDate,
      publishedDate: n.publishedDate,
      effectiveDate: n.effectiveDate,
      topicZh: n.topicZh,
      bodyText: n.bodyText,
    };
    // the enricher's pure parts, combined as `Enricher.enrich` does
    const sectors = classifySectors({
      topicZh: n.topicZh,
      issuerSectors: known.map((k) => (k?.sectors ?? []) as SectorCode[]),
      titleZh: n.titleZh,
      bodyText: n.bodyText,
    });
    const korea = koreaRelevance(n.titleZh, n.bodyText);
    const s = this.summarizer;
    const summary = s.summarizeSync(input);
    return {
      notice: {
        ...notice,
        korea_relevant: korea.relevant,
        korea_reasons: korea.reasons,
        title_ko: summary.titleKo,
        summary_ko: summary.summaryKo,
        key_points: JSON.stringify(summary.keyPoints),
        effective_period: summary.effectivePeriod ?? null,
        summary_status: 'machine',
        summary_provider: s.name,
        summary_model: s.model,
        summary_prompt_version: s.promptVersion,
        summary_source_hash: summaryHashSync(input, s.promptVersion),
        summary_created_at: new Date(this.now),
        summary_note: null,
      },
      lexemes: noticeLexemes({ ...n, titleKo: summary.titleKo, summaryKo: summary.summaryKo }),
      locator: base.locator,
      issuers: base.issuers,
      sectors: sectors.map((x) => ({ notice_id: id, ...x })),
      searchable: { titleZh: n.titleZh, bodyText: n.bodyText, titleKo: summary.titleKo, summaryKo: summary.summaryKo },
    };
  }
}
