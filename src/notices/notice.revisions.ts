/**
 * Earlier texts of a notice (`notice_revisions`: the title, body and attachments a URL served
 * before its text changed) and what changed between consecutive revisions, as parts to render
 * as `<ins>`/`<del>`: paragraphs first, then characters inside a changed paragraph (Chinese has
 * no spaces between words, so characters are its smallest meaningful unit).
 * @module
 */
import { diffChars, diffLines } from 'diff';
import type { Kysely } from 'kysely';
import type { Attachment, Database } from '../db/schema.js';

export interface NoticeRevision {
  revision: number;
  title_zh: string;
  body_text: string;
  attachments: Attachment[];
  source_url: string | null;
  /** When this text was replaced by the next revision. */
  replaced_at: Date;
}

/** A piece of a diff: unchanged, inserted or deleted text. */
export interface DiffPart {
  kind: 'same' | 'ins' | 'del';
  text: string;
}

export interface RevisionChange {
  from: number;
  to: number;
  replacedAt: Date;
  sourceUrl: string | null;
  title: DiffPart[];
  body: DiffPart[];
  attachmentsAdded: Attachment[];
  attachmentsRemoved: Attachment[];
}

/** The stored earlier texts of a notice, oldest first. */
export async function listRevisions(db: Kysely<Database>, noticeId: string): Promise<NoticeRevision[]> {
  const rows = await db
    .selectFrom('notice_revisions')
    .select(['revision', 'title_zh', 'body_text', 'attachments', 'source_url', 'replaced_at'])
    .where('notice_id', '=', noticeId)
    .orderBy('revision')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, replaced_at: new Date(r.replaced_at) }));
}

/** Unchanged stretches longer than this keep only their ends, so a diff shows the changes. */
const CONTEXT_CHARS = 80;
/** Paragraph pairs longer than this are shown as replaced whole, not diffed by character. */
const CHAR_DIFF_LIMIT = 4000;
/** Below this share of unchanged characters, two texts are shown as one replaced by the other. */
const MIN_KEPT_SHARE = 0.5;

function trimContext(text: string, first: boolean, last: boolean): string {
  if (text.length <= CONTEXT_CHARS * 2 + 10) return text;
  const head = first ? '' : text.slice(0, CONTEXT_CHARS);
  const tail = last ? '' : text.slice(-CONTEXT_CHARS);
  return `${head} … ${tail}`.trim();
}

/** Character diff of two strings, or the whole of each when they differ too much to be useful. */
export function diffText(before: string, after: string): DiffPart[] {
  if (before === after) return [{ kind: 'same', text: after }];
  const changes =
    before.length <= CHAR_DIFF_LIMIT && after.length <= CHAR_DIFF_LIMIT ? diffChars(before, after, { maxEditLength: 1500 }) : undefined;
  const kept = changes?.reduce((n, c) => (c.added || c.removed ? n : n + c.value.length), 0) ?? 0;
  // a rewrite shares only scattered characters; shown interleaved it would be unreadable
  if (!changes || kept < MIN_KEPT_SHARE * Math.max(before.length, after.length)) {
    return [
      ...(before ? [{ kind: 'del' as const, text: before }] : []),
      ...(after ? [{ kind: 'ins' as const, text: after }] : []),
    ];
  }
  return changes.map((c) => ({ kind: c.added ? 'ins' : c.removed ? 'del' : 'same', text: c.value }));
}

/** Paragraph diff of two bodies; a paragraph replaced by another is refined by characters. */
export function diffBody(before: string, after: string): DiffPart[] {
  const lines = diffLines(before, after);
  const out: DiffPart[] = [];
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i]!;
    const next = lines[i + 1];
    if (c.removed && next?.added) {
      out.push(...diffText(c.value, next.value));
      i++;
    } else if (c.added) out.push({ kind: 'ins', text: c.value });
    else if (c.removed) out.push({ kind: 'del', text: c.value });
    else out.push({ kind: 'same', text: trimContext(c.value, i === 0, i === lines.length - 1) });
  }
  return out;
}

function attachmentKey(a: Attachment): string {
  return `${a.name}\u0000${a.url}`;
}

/**
 * What changed from each revision to the next, the last step ending at the current text.
 * @returns newest change first
 */
export function revisionChanges(
  revisions: NoticeRevision[],
  current: { revision: number; title_zh: string; body_text: string; attachments: Attachment[] },
): RevisionChange[] {
  const texts = [...revisions, { ...current, source_url: null, replaced_at: null as Date | null }];
  const changes: RevisionChange[] = [];
  for (let i = 0; i + 1 < texts.length; i++) {
    const a = texts[i]!;
    const b = texts[i + 1]!;
    const before = new Set(a.attachments.map(attachmentKey));
    const after = new Set(b.attachments.map(attachmentKey));
    changes.push({
      from: a.revision,
      to: b.revision,
      replacedAt: revisions[i]!.replaced_at,
      sourceUrl: revisions[i]!.source_url,
      title: diffText(a.title_zh, b.title_zh),
      body: diffBody(a.body_text, b.body_text),
      attachmentsAdded: b.attachments.filter((x) => !before.has(attachmentKey(x))),
      attachmentsRemoved: a.attachments.filter((x) => !after.has(attachmentKey(x))),
    });
  }
  return changes.reverse();
}
