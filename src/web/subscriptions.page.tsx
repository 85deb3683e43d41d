/**
 * `/subscriptions` — alert and digest subscriptions, for a browser that holds an API key: the list
 * with status and delivery counts, recent deliveries, a form to create one (webhook or e-mail,
 * with a filter), pause/resume, delete and a test event. Forms are checked with the API's own
 * schema and stored through the same repository functions as `/api/subscriptions`.
 * @module
 */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import {
  createSubscription,
  deleteSubscription,
  deliveryCounts,
  type DeliveryRow,
  findSubscription,
  listSubscriptions,
  recentDeliveries,
  sendTestEvent,
  setSubscriptionStatus,
  subscriptionProblems,
  type SubscriptionRow,
} from '../alerts/subscription.repository.js';
import type { AppDeps } from '../api/app-deps.js';
import type { AppEnv } from '../api/app-env.js';
import { CreateSchema } from '../api/subscriptions.routes.js';
import { issuesToErrors } from '../api/validation.js';
import { SECTORS } from '../domain/sector.js';
import { sectorName } from '../enrichment/sector-classifier.js';
import { koreanErrors } from './form-errors.js';
import { koDateTime, Layout, sendPage } from './layout.js';
import { type KeyName, requireWriter } from './session.js';

type Deps = Pick<AppDeps, 'db' | 'alerts' | 'publicUrl'>;

/** Deliveries listed per subscription (the API's `/deliveries` has more). */
const RECENT_DELIVERIES = 10;

interface Listed {
  row: SubscriptionRow;
  counts: Record<'pending' | 'delivered' | 'dead', number>;
  deliveries: DeliveryRow[];
}

/** What the create form held, so a rejected form comes back filled in. */
interface CreateForm {
  kind: string;
  channel_type: string;
  url: string;
  format: string;
  to: string;
  sectors: string[];
  issuers: string;
  keywords: string;
  doc_types: string;
  korea_relevant: boolean;
  events: string[];
}

const EMPTY_FORM: CreateForm = {
  kind: 'alert',
  channel_type: 'webhook',
  url: '',
  format: 'standard',
  to: '',
  sectors: [],
  issuers: '',
  keywords: '',
  doc_types: '',
  korea_relevant: false,
  events: ['notice.created'],
};

interface Message {
  kind: 'ok' | 'error';
  text: string;
  /** A webhook secret, shown once after creating. */
  secret?: string | null;
}

interface PageProps {
  user: string | null;
  items: Listed[];
  form: CreateForm;
  errors: string[];
  message: Message | null;
}

const EVENT_KO: Record<string, string> = { 'notice.created': '새 문건', 'notice.updated': '문건 개정' };
const DELIVERY_KO: Record<string, string> = { pending: '대기', delivered: '전달됨', dead: '실패(중단)' };

function filterText(row: SubscriptionRow): string {
  const f = row.filter;
  const parts: string[] = [];
  if (f.sectors?.length) parts.push(`분야: ${f.sectors.map(sectorName).join(', ')}`);
  if (f.issuers?.length) parts.push(`발문기관: ${f.issuers.join(', ')}`);
  if (f.keywords?.length) parts.push(`키워드: ${f.keywords.join(', ')}`);
  if (f.doc_types?.length) parts.push(`문서 종류: ${f.doc_types.join(', ')}`);
  if (f.korea_relevant !== undefined) parts.push(f.korea_relevant ? '한국 관련만' : '한국 무관만');
  return parts.join(' · ') || '모든 문건';
}

function channelText(row: SubscriptionRow): string {
  const ch = row.channel;
  return ch.type === 'webhook' ? `웹훅${ch.format === 'slack' ? '(Slack)' : ''}: ${ch.url}` : `이메일: ${ch.to}`;
}

const ActionButton: FC<{ id: string; action: string; label: string; name?: string; value?: string }> = (p) => (
  <form class="inline" method="post" action={`/subscriptions/${encodeURIComponent(p.id)}/${p.action}`}>
    {p.name ? <input type="hidden" name={p.name} value={p.value} /> : null}
    <button type="submit" data-action={p.action}>
      {p.label}
    </button>
  </form>
);

const SubscriptionItem: FC<{ item: Listed }> = ({ item: { row, counts, deliveries } }) => (
  <section class="subscription" id={row.id} style="background:#fff;border:1px solid #dde;border-radius:6px;padding:12px;margin-bottom:12px">
    <h3 style="margin:0 0 4px">
      {row.kind === 'digest' ? '주간 다이제스트' : '알림'} · <span class="channel">{channelText(row)}</span>
    </h3>
    <p style="margin:4px 0">
      <span class={row.status === 'active' ? 'badge reviewed' : 'badge bad'}>{row.status === 'active' ? '활성' : '중지'}</span>{' '}
      {row.disabled_reason ? <span class="muted">({row.disabled_reason})</span> : null}
    </p>
    <p class="muted" style="margin:4px 0">
      {filterText(row)} · 이벤트: {row.events.map((e) => EVENT_KO[e] ?? e).join(', ')} · 만든 키: {row.created_by} · {koDateTime(row.created_at)}
    </p>
    <p class="muted" style="margin:4px 0">
      전달: 대기 {counts.pending} · 전달됨 {counts.delivered} · 실패 {counts.dead} · <code>{row.id}</code>
    </p>
    <div class="actions">
      {row.status === 'active' ? (
        <ActionButton id={row.id} action="status" name="status" value="disabled" label="일시 중지" />
      ) : (
        <ActionButton id={row.id} action="status" name="status" value="active" label="재개" />
      )}
      <ActionButton id={row.id} action="test" label="테스트 발송" />
      <ActionButton id={row.id} action="delete" label="삭제" />
    </div>
    <details>
      <summary>최근 전달 {deliveries.length}건</summary>
      {deliveries.length ? (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th>시각</th>
                <th>문건</th>
                <th>이벤트</th>
                <th>상태</th>
                <th>시도</th>
                <th>마지막 응답</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr>
                  <td>{koDateTime(d.created_at)}</td>
                  <td>
                    <a href={`/notices/${encodeURIComponent(d.notice_id)}`}>{d.notice_id}</a>
                  </td>
                  <td>{EVENT_KO[d.event] ?? d.event}</td>
                  <td>{DELIVERY_KO[d.status] ?? d.status}</td>
                  <td>{d.attempts}</td>
                  <td>
                    {d.last_status ?? ''} {d.last_error ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">아직 전달한 알림이 없습니다.</p>
      )}
    </details>
  </section>
);

const CreateFormView: FC<{ form: CreateForm; errors: string[] }> = ({ form, errors }) => (
  <form method="post" action="/subscriptions" id="create">
    {errors.length ? (
      <ul class="errors" role="alert" style="width:100%">
        {errors.map((e) => (
          <li>{e}</li>
        ))}
      </ul>
    ) : null}
    <fieldset>
      <legend>종류</legend>
      <label>
        <input type="radio" name="kind" value="alert" checked={form.kind !== 'digest'} /> 새 문건 알림
      </label>
      <label>
        <input type="radio" name="kind" value="digest" checked={form.kind === 'digest'} /> 주간 다이제스트(이메일)
      </label>
    </fieldset>
    <fieldset>
      <legend>채널</legend>
      <label>
        <input type="radio" name="channel_type" value="webhook" checked={form.channel_type !== 'email'} /> 웹훅
      </label>
      <label>
        <input type="radio" name="channel_type" value="email" checked={form.channel_type === 'email'} /> 이메일
      </label>
    </fieldset>
    <label>
      웹훅 주소 (https)
      <br />
      <input type="url" name="url" value={form.url} placeholder="https://hooks.example.com/cpt" />
    </label>
    <label>
      웹훅 형식
      <br />
      <select name="format">
        <option value="standard" selected={form.format !== 'slack'}>
          Standard Webhooks
        </option>
        <option value="slack" selected={form.format === 'slack'}>
          Slack 호환
        </option>
      </select>
    </label>
    <label>
      이메일 주소
      <br />
      <input type="email" name="to" value={form.to} placeholder="analyst@example.com" />
    </label>
    <fieldset>
      <legend>분야 (선택하지 않으면 전체)</legend>
      {SECTORS.map((s) => (
        <label class="chip">
          <input type="checkbox" name="sector" value={s.code} checked={form.sectors.includes(s.code)} /> {s.nameKo}
        </label>
      ))}
    </fieldset>
    <label>
      발문기관 (쉼표로 구분)
      <br />
      <input type="text" name="issuers" value={form.issuers} placeholder="国家医保局, 国家发展改革委" />
    </label>
    <label>
      키워드 (쉼표로 구분, 중국어·한국어)
      <br />
      <input type="text" name="keywords" value={form.keywords} placeholder="医保, 의료보장" />
    </label>
    <label>
      문서 종류 (쉼표로 구분)
      <br />
      <input type="text" name="doc_types" value={form.doc_types} placeholder="通知, 意见" />
    </label>
    <label>
      <input type="checkbox" name="korea_relevant" value="true" checked={form.korea_relevant} /> 한국 관련만
    </label>
    <fieldset>
      <legend>이벤트 (알림)</legend>
      <label>
        <input type="checkbox" name="events" value="notice.created" checked={form.events.includes('notice.created')} /> 새 문건
      </label>
      <label>
        <input type="checkbox" name="events" value="notice.updated" checked={form.events.includes('notice.updated')} /> 문건 개정
      </label>
    </fieldset>
    <button type="submit">구독 만들기</button>
  </form>
);

const SubscriptionsPage: FC<PageProps> = (p) => (
  <Layout title="알림 구독" active="subscriptions" user={p.user}>
    <h1>알림 구독</h1>
    {!p.user ? (
      <p>
        구독을 보고 관리하려면 <a href="/session?next=%2Fsubscriptions">API 키를 입력</a>하세요.
      </p>
    ) : (
      <>
        {p.message ? (
          <div class={p.message.kind === 'ok' ? 'notice-msg' : 'error'} role={p.message.kind === 'ok' ? 'status' : 'alert'} id="message">
            <p style="margin:0">{p.message.text}</p>
            {p.message.secret ? (
              <p style="margin:4px 0 0">
                서명 비밀키 (지금 한 번만 표시됩니다): <code id="secret">{p.message.secret}</code>
              </p>
            ) : null}
          </div>
        ) : null}
        <h2>구독 목록 ({p.items.length}개)</h2>
        {p.items.length ? p.items.map((item) => <SubscriptionItem item={item} />) : <p class="muted">구독이 없습니다.</p>}
        <h2>새 구독</h2>
        <CreateFormView form={p.form} errors={p.errors} />
      </>
    )}
  </Layout>
);

function list(values: string): string[] {
  return values
    .split(/[,，、\n]/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The form as posted, and the API's body built from it. */
function readCreateForm(body: Record<string, string | File | (string | File)[]>): { form: CreateForm; input: unknown } {
  const one = (k: string) => {
    const v = body[k];
    return typeof v === 'string' ? v.trim() : '';
  };
  const all = (k: string) => {
    const v = body[k];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
  };
  const form: CreateForm = {
    kind: one('kind') || 'alert',
    channel_type: one('channel_type') || 'webhook',
    url: one('url'),
    format: one('format') || 'standard',
    to: one('to'),
    sectors: all('sector'),
    issuers: one('issuers'),
    keywords: one('keywords'),
    doc_types: one('doc_types'),
    korea_relevant: one('korea_relevant') === 'true',
    events: all('events'),
  };
  const filter: Record<string, unknown> = {};
  if (form.sectors.length) filter.sectors = form.sectors;
  if (list(form.issuers).length) filter.issuers = list(form.issuers);
  if (list(form.keywords).length) filter.keywords = list(form.keywords);
  if (list(form.doc_types).length) filter.doc_types = list(form.doc_types);
  if (form.korea_relevant) filter.korea_relevant = true;
  const channel =
    form.channel_type === 'email' ? { type: 'email', to: form.to } : { type: form.channel_type, url: form.url, ...(form.format ? { format: form.format } : {}) };
  const input = { kind: form.kind, filter, channel, ...(form.events.length ? { events: form.events } : {}) };
  return { form, input };
}

export function subscriptionPages(deps: Deps, keyName: KeyName) {
  const app = new Hono<AppEnv>();

  async function render(c: Context, user: string | null, extra: Partial<Pick<PageProps, 'form' | 'errors' | 'message'>> = {}, status: 200 | 400 | 404 | 503 = 200) {
    const rows = user ? await listSubscriptions(deps.db) : [];
    const items = await Promise.all(
      rows.map(async (row) => ({
        row,
        counts: await deliveryCounts(deps.db, row.id),
        deliveries: await recentDeliveries(deps.db, row.id, { limit: RECENT_DELIVERIES }),
      })),
    );
    return sendPage(c, <SubscriptionsPage user={user} items={items} form={extra.form ?? EMPTY_FORM} errors={extra.errors ?? []} message={extra.message ?? null} />, status);
  }

  const DONE: Record<string, string> = {
    deleted: '구독을 삭제했습니다.',
    paused: '구독을 일시 중지했습니다.',
    resumed: '구독을 다시 시작했습니다.',
  };

  app.get('/subscriptions', async (c) => {
    const done = DONE[c.req.query('done') ?? ''];
    return render(c, await keyName(c), done ? { message: { kind: 'ok', text: done } } : {});
  });

  app.post('/subscriptions', async (c) => {
    const writer = await requireWriter(c, keyName, deps.publicUrl);
    if (writer instanceof Response) return writer;
    const { form, input } = readCreateForm(await c.req.parseBody({ all: true }));
    const parsed = CreateSchema.safeParse(input);
    if (!parsed.success) return render(c, writer.name, { form, errors: koreanErrors(issuesToErrors(parsed.error.issues)) }, 400);
    const problems = await subscriptionProblems(parsed.data, { allowPrivate: deps.alerts?.allowPrivate ?? false, resolver: deps.alerts?.resolver });
    if (problems.length) return render(c, writer.name, { form, errors: koreanErrors(problems) }, 400);
    const { row, secret } = await createSubscription(deps.db, parsed.data, writer.name);
    // rendered, not redirected: the webhook secret is shown this once
    return render(c, writer.name, { message: { kind: 'ok', text: `구독을 만들었습니다: ${channelText(row)}`, secret } });
  });

  app.post('/subscriptions/:id/status', async (c) => {
    const writer = await requireWriter(c, keyName, deps.publicUrl);
    if (writer instanceof Response) return writer;
    const body = await c.req.parseBody();
    const status = body.status === 'active' ? 'active' : body.status === 'disabled' ? 'disabled' : null;
    if (!status) return render(c, writer.name, { message: { kind: 'error', text: '상태는 active 또는 disabled여야 합니다.' } }, 400);
    const ok = await setSubscriptionStatus(deps.db, c.req.param('id'), status, writer.name);
    if (!ok) return render(c, writer.name, { message: { kind: 'error', text: '그런 구독이 없습니다.' } }, 404);
    return c.redirect(`/subscriptions?done=${status === 'active' ? 'resumed' : 'paused'}`, 303);
  });

  app.post('/subscriptions/:id/delete', async (c) => {
    const writer = await requireWriter(c, keyName, deps.publicUrl);
    if (writer instanceof Response) return writer;
    const ok = await deleteSubscription(deps.db, c.req.param('id'));
    if (!ok) return render(c, writer.name, { message: { kind: 'error', text: '그런 구독이 없습니다.' } }, 404);
    return c.redirect('/subscriptions?done=deleted', 303);
  });

  app.post('/subscriptions/:id/test', async (c) => {
    const writer = await requireWriter(c, keyName, deps.publicUrl);
    if (writer instanceof Response) return writer;
    const row = await findSubscription(deps.db, c.req.param('id'));
    if (!row) return render(c, writer.name, { message: { kind: 'error', text: '그런 구독이 없습니다.' } }, 404);
    if (!deps.alerts) return render(c, writer.name, { message: { kind: 'error', text: '이 서버는 알림을 보내지 않습니다.' } }, 503);
    const result = await sendTestEvent(deps.alerts.dispatcher, row);
    const text = result.ok
      ? `테스트 이벤트를 보냈습니다 (${channelText(row)}, 응답 ${result.status ?? '–'}, ${result.webhook_id}).`
      : `테스트 이벤트 실패 (${channelText(row)}): ${result.error ?? `HTTP ${result.status}`}`;
    return render(c, writer.name, { message: { kind: result.ok ? 'ok' : 'error', text } });
  });

  return app;
}
