/**
 * `/notices/:id` — one notice: the Korean title and summary beside the Chinese original, the
 * metadata table, attachments, every source URL, and earlier revisions with what changed. An
 * analyst whose browser holds an API key corrects the Korean title and summary here
 * (`POST /notices/:id/summary`), which marks the summary `reviewed`.
 * @module
 */
import { Hono } from 'hono';
import { raw } from 'hono/html';
import sanitizeHtml from 'sanitize-html';
import type { FC } from 'hono/jsx';
import type { AppDeps } from '../api/app-deps.js';
import type { AppEnv } from '../api/app-env.js';
import { sectorName } from '../enrichment/sector-classifier.js';
import { findNoticeById, type NoticeDetailRow } from '../notices/notice.repository.js';
import { REVIEW_LIMITS, reviewNotice } from '../notices/notice.review.js';
import { type DiffPart, listRevisions, type RevisionChange, revisionChanges } from '../notices/notice.revisions.js';
import { sanitizeBodyHtml } from '../notices/sanitize.js';
import { koDate, koDateTime, Layout, safeHref, sendPage, SUMMARY_BADGE } from './layout.js';
import { type KeyName, requireWriter } from './session.js';

interface EditForm {
  title_ko: string;
  summary_ko: string;
}

interface NoticePageProps {
  user: string | null;
  notice: NoticeDetailRow;
  changes: RevisionChange[];
  saved: boolean;
  form: EditForm | null;
  errors: string[];
}

const Diff: FC<{ parts: DiffPart[] }> = ({ parts }) => (
  <>
    {parts.map((p) => (p.kind === 'ins' ? <ins>{p.text}</ins> : p.kind === 'del' ? <del>{p.text}</del> : <span>{p.text}</span>))}
  </>
);

const Link: FC<{ url: string | null | undefined; text?: string }> = ({ url, text }) => {
  const href = safeHref(url);
  return href ? (
    <a href={href} rel="noopener noreferrer nofollow">
      {text ?? href}
    </a>
  ) : (
    <span>{text ?? url ?? '–'}</span>
  );
};

/**
 * Images become links to them: the page's CSP loads no remote image (no request to another site
 * from an analyst's browser), and a blocked image would only be an error in the console.
 */
function imagesAsLinks(html: string): string {
  return sanitizeHtml(html, {
    // everything passes here; the allow-list pass that follows decides what stays
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      img: (_tag, a) => {
        const attribs: Record<string, string> = {};
        if (a.src) attribs.href = a.src;
        return { tagName: 'a', attribs, text: `[그림${a.alt ? `: ${a.alt}` : ''}]` };
      },
    },
  });
}

/** Body HTML was sanitised when stored; it is sanitised again here with the same allow-list, last. */
function bodyHtml(n: NoticeDetailRow): string | null {
  if (!n.body_html) return null;
  return sanitizeBodyHtml(imagesAsLinks(n.body_html), n.url ?? n.urls[0] ?? null);
}

const NoticePage: FC<NoticePageProps> = ({ user, notice: n, changes, saved, form, errors }) => {
  const badge = SUMMARY_BADGE[n.summary_status];
  const html = bodyHtml(n);
  const issuers = n.issuers.map((i) => (i.name_ko ? `${i.name_ko}(${i.name_zh})` : i.name_zh)).join(', ');
  const edit = form ?? { title_ko: n.title_ko ?? '', summary_ko: n.summary_ko ?? '' };
  return (
    <Layout title={n.title_ko ?? n.title_zh} active="notices" user={user}>
      <p class="muted">
        <a href="/">← 공고 목록</a>
      </p>
      <h1 id="title-ko">{n.title_ko ?? '(한국어 제목 없음)'}</h1>
      <p id="title-zh" lang="zh">
        {n.title_zh}
      </p>
      <p>
        <span class={badge.cls} id="summary-status">
          {badge.label}
        </span>{' '}
        {n.sectors.map((s) => (
          <span class="badge sector">{sectorName(s.code)}</span>
        ))}{' '}
        {n.korea_relevant ? <span class="badge">한국 관련: {n.korea_reasons.join(', ') || '예'}</span> : null}
      </p>
      {saved ? (
        <p class="notice-msg" role="status">
          검토한 제목과 요약을 저장했습니다.
        </p>
      ) : null}
      <div class="cols">
        <section id="korean" lang="ko">
          <h2>한국어 요약</h2>
          <p>
            <strong>{n.title_ko ?? '–'}</strong>
          </p>
          <div class="pre" id="summary-ko">
            {n.summary_ko ?? '아직 요약되지 않았습니다.'}
          </div>
          {n.reviewed_by ? (
            <p class="muted">
              검토: {n.reviewed_by} · {koDateTime(n.reviewed_at)}
            </p>
          ) : n.summary_provider ? (
            <p class="muted">
              요약: {n.summary_provider}
              {n.summary_model ? ` (${n.summary_model})` : ''} · {koDateTime(n.summary_created_at)}
              {n.summary_note ? ` · ${n.summary_note}` : ''}
            </p>
          ) : null}
        </section>
        <section id="original" lang="zh">
          <h2>原文</h2>
          <p>
            <strong>{n.title_zh}</strong>
          </p>
          {html ? <div class="body-html">{raw(html)}</div> : <div class="pre">{n.body_text || '（无正文）'}</div>}
        </section>
      </div>

      <h2>문건 정보</h2>
      <div class="table-wrap">
        <table id="metadata">
          <tbody>
            <tr>
              <th>发文字号 (문호)</th>
              <td lang="zh">{n.doc_number ?? '–'}</td>
            </tr>
            <tr>
              <th>发文机关 (발문기관)</th>
              <td>{issuers || '–'}</td>
            </tr>
            <tr>
              <th>成文日期 (작성일)</th>
              <td>{koDate(n.written_date)}</td>
            </tr>
            <tr>
              <th>发布日期 (발표일)</th>
              <td>{koDate(n.published_date)}</td>
            </tr>
            <tr>
              <th>施行日期 (시행일)</th>
              <td>{koDate(n.effective_date)}</td>
            </tr>
            <tr>
              <th>公文种类 (문서 종류)</th>
              <td lang="zh">{n.doc_type ?? '–'}</td>
            </tr>
            <tr>
              <th>主题分类 (주제)</th>
              <td lang="zh">{n.topic_zh ?? '–'}</td>
            </tr>
            <tr>
              <th>时效性 (효력)</th>
              <td lang="zh">{n.validity ?? '–'}</td>
            </tr>
            <tr>
              <th>索引号 (색인번호)</th>
              <td>{n.index_number ?? '–'}</td>
            </tr>
            <tr>
              <th>수집원 · 개정</th>
              <td>
                {n.source_id}
                {n.archive_id ? ` (${n.archive_id})` : ''} · 개정 {n.revision} · 최초 수집 {koDateTime(n.first_seen_at)}
              </td>
            </tr>
          </tbody>
        </table>
      </div>

      <h2>첨부 파일</h2>
      {n.attachments.length ? (
        <ul id="attachments">
          {n.attachments.map((a) => (
            <li>
              <Link url={a.url} text={a.name} />
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">첨부 파일 없음</p>
      )}

      <h2>원문 주소</h2>
      {n.urls.length ? (
        <ul id="urls">
          {n.urls.map((u) => (
            <li>
              <Link url={u} />
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">알려진 원문 주소가 없습니다 (보관 자료).</p>
      )}

      <h2>개정 이력</h2>
      {changes.length ? (
        <div id="revisions">
          {changes.map((ch) => (
            <section class="revision">
              <h3>
                개정 {ch.from} → {ch.to} <span class="muted">({koDateTime(ch.replacedAt)})</span>
              </h3>
              {ch.sourceUrl ? (
                <p class="muted">
                  주소: <Link url={ch.sourceUrl} />
                </p>
              ) : null}
              <p lang="zh">
                제목: <Diff parts={ch.title} />
              </p>
              <div class="pre" lang="zh">
                <Diff parts={ch.body} />
              </div>
              {ch.attachmentsAdded.map((a) => (
                <p>
                  <ins>첨부 추가: {a.name}</ins>
                </p>
              ))}
              {ch.attachmentsRemoved.map((a) => (
                <p>
                  <del>첨부 삭제: {a.name}</del>
                </p>
              ))}
            </section>
          ))}
        </div>
      ) : (
        <p class="muted">개정 이력 없음 (처음 수집한 본문 그대로입니다).</p>
      )}

      <h2>한국어 제목·요약 수정</h2>
      {user ? (
        <form method="post" action={`/notices/${encodeURIComponent(n.id)}/summary`} id="review">
          {errors.length ? (
            <ul class="errors" role="alert">
              {errors.map((e) => (
                <li>{e}</li>
              ))}
            </ul>
          ) : null}
          <label style="width:100%">
            한국어 제목
            <br />
            <input type="text" name="title_ko" value={edit.title_ko} maxlength={REVIEW_LIMITS.titleKo} required style="width:100%" />
          </label>
          <label style="width:100%">
            한국어 요약
            <br />
            <textarea name="summary_ko" rows={10} maxlength={REVIEW_LIMITS.summaryKo} required>
              {edit.summary_ko}
            </textarea>
          </label>
          <button type="submit">검토 완료로 저장</button>
        </form>
      ) : (
        <p>
          요약을 수정하려면 <a href={`/session?next=${encodeURIComponent(`/notices/${n.id}`)}`}>API 키를 입력</a>하세요.
        </p>
      )}
    </Layout>
  );
};

const NotFoundPage: FC<{ user: string | null; id: string }> = ({ user, id }) => (
  <Layout title="찾을 수 없음" active="notices" user={user}>
    <h1>공고를 찾을 수 없습니다</h1>
    <p class="error" role="alert">
      ID "{id}"인 공고가 없습니다.
    </p>
    <p>
      <a href="/">공고 목록으로</a>
    </p>
  </Layout>
);

/** Checks the edit form as the API checks `PUT /api/notices/{id}/summary`. */
function readEditForm(body: Record<string, unknown>): { form: EditForm; errors: string[] } {
  const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : '');
  const form = { title_ko: text(body.title_ko), summary_ko: text(body.summary_ko) };
  const errors: string[] = [];
  if (!form.title_ko) errors.push('한국어 제목을 입력하세요.');
  if (form.title_ko.length > REVIEW_LIMITS.titleKo) errors.push(`한국어 제목은 ${REVIEW_LIMITS.titleKo}자 이하여야 합니다.`);
  if (!form.summary_ko) errors.push('한국어 요약을 입력하세요.');
  if (form.summary_ko.length > REVIEW_LIMITS.summaryKo) errors.push(`한국어 요약은 ${REVIEW_LIMITS.summaryKo}자 이하여야 합니다.`);
  return { form, errors };
}

export function noticePages(deps: Pick<AppDeps, 'db' | 'publicUrl'>, keyName: KeyName) {
  const app = new Hono<AppEnv>();

  async function render(c: Parameters<KeyName>[0], id: string, user: string | null, extra: Pick<NoticePageProps, 'saved' | 'form' | 'errors'>, status: 200 | 400) {
    const notice = await findNoticeById(deps.db, id);
    if (!notice) return sendPage(c, <NotFoundPage user={user} id={id} />, 404);
    const changes = revisionChanges(await listRevisions(deps.db, id), notice);
    return sendPage(c, <NoticePage user={user} notice={notice} changes={changes} {...extra} />, status);
  }

  app.get('/notices/:id', async (c) =>
    render(c, c.req.param('id'), await keyName(c), { saved: c.req.query('saved') === '1', form: null, errors: [] }, 200),
  );

  app.post('/notices/:id/summary', async (c) => {
    const writer = await requireWriter(c, keyName, deps.publicUrl);
    if (writer instanceof Response) return writer;
    const id = c.req.param('id');
    const { form, errors } = readEditForm(await c.req.parseBody());
    if (errors.length) return render(c, id, writer.name, { saved: false, form, errors }, 400);
    const ok = await reviewNotice(deps.db, id, { titleKo: form.title_ko, summaryKo: form.summary_ko, reviewer: writer.name });
    if (!ok) return sendPage(c, <NotFoundPage user={writer.name} id={id} />, 404);
    return c.redirect(`/notices/${encodeURIComponent(id)}?saved=1`, 303);
  });

  return app;
}
