/**
 * Subscriptions (API key): alerts on new notices and weekly digest e-mails, by webhook (signed,
 * Standard Webhooks; or Slack-compatible) or e-mail. `GET /unsubscribe/{token}` is the one-click
 * unsubscribe link of e-mails (the token is the authorisation).
 * @module
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createSubscription,
  deleteSubscription,
  deliveryCounts,
  findSubscription,
  listSubscriptions,
  recentDeliveries,
  sendTestEvent,
  setSubscriptionStatus,
  subscriptionProblems,
  type SubscriptionRow,
} from '../alerts/subscription.repository.js';
import { isSectorCode, SECTOR_CODES } from '../domain/sector.js';
import type { AppDeps } from './app-deps.js';
import type { AppEnv } from './app-env.js';
import { requireApiKey } from './auth.js';
import { badRequest, ProblemException } from './problem.js';
import { problemResponse } from './schemas.js';
import { validationHook } from './validation.js';

export const FilterSchema = z
  .strictObject({
    sectors: z
      .array(z.string().refine((v: string): boolean => isSectorCode(v), { message: `unknown sector; valid: ${SECTOR_CODES.join(', ')}` }))
      .max(16)
      .optional(),
    issuers: z.array(z.string().trim().min(1).max(60)).max(50).optional().openapi({ description: 'Chinese or Korean names or aliases' }),
    keywords: z.array(z.string().trim().min(1).max(50)).max(50).optional().openapi({ description: 'Chinese or Korean; any of them' }),
    doc_types: z.array(z.string().trim().min(1).max(20)).max(20).optional(),
    korea_relevant: z.boolean().optional(),
  })
  .openapi('SubscriptionFilter');

export const ChannelSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('webhook'), url: z.string().url(), format: z.enum(['standard', 'slack']).optional() }),
    z.strictObject({ type: z.literal('email'), to: z.string().email() }),
  ])
  .openapi('SubscriptionChannel');

/** The body of `POST /api/subscriptions`; the `/subscriptions` page checks its form with it too. */
export const CreateSchema = z.strictObject({
  kind: z.enum(['alert', 'digest']).default('alert'),
  filter: FilterSchema.default({}),
  channel: ChannelSchema,
  events: z
    .array(z.enum(['notice.created', 'notice.updated']))
    .min(1)
    .default(['notice.created'])
    .openapi({ description: 'Alerts only: notice.created (default) and/or notice.updated (a new revision)' }),
});

const SubscriptionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['alert', 'digest']),
    filter: FilterSchema,
    channel: ChannelSchema,
    events: z.array(z.string()),
    status: z.enum(['active', 'disabled']),
    disabled_reason: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    deliveries: z.object({ pending: z.number().int(), delivered: z.number().int(), dead: z.number().int() }),
  })
  .openapi('Subscription');

export function subscriptionRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const auth = requireApiKey(deps.authenticate);
  const idParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });

  async function toJson(row: SubscriptionRow) {
    return {
      id: row.id,
      kind: row.kind,
      filter: row.filter,
      channel: row.channel,
      events: row.events,
      status: row.status,
      disabled_reason: row.disabled_reason,
      created_by: row.created_by,
      created_at: new Date(row.created_at).toISOString(),
      deliveries: await deliveryCounts(deps.db, row.id),
    };
  }

  const create = createRoute({
    method: 'post',
    path: '/api/subscriptions',
    tags: ['subscriptions'],
    summary: 'Subscribe to alerts or the weekly digest; a webhook gets its signing secret once, in this answer',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    request: { body: { required: true, content: { 'application/json': { schema: CreateSchema } } } },
    responses: {
      201: {
        description: 'Created',
        content: { 'application/json': { schema: SubscriptionSchema.extend({ secret: z.string().nullable().openapi({ example: 'whsec_…' }) }) } },
      },
      400: problemResponse('The body is invalid, or the webhook URL is not allowed (https only; no private addresses)'),
      401: problemResponse('No valid API key'),
    },
  });
  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const problems = await subscriptionProblems(body, { allowPrivate: deps.alerts?.allowPrivate ?? false, resolver: deps.alerts?.resolver });
    if (problems.length) throw badRequest(problems);
    const { row, secret } = await createSubscription(deps.db, body, c.get('apiKeyName'));
    return c.json({ ...(await toJson(row)), secret }, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/api/subscriptions',
    tags: ['subscriptions'],
    summary: 'Every subscription with its delivery counts',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    responses: {
      200: { description: 'Subscriptions', content: { 'application/json': { schema: z.object({ items: z.array(SubscriptionSchema) }) } } },
      401: problemResponse('No valid API key'),
    },
  });
  app.openapi(list, async (c) => {
    const rows = await listSubscriptions(deps.db);
    return c.json({ items: await Promise.all(rows.map(toJson)) }, 200);
  });

  async function find(id: string) {
    const row = await findSubscription(deps.db, id);
    if (!row) throw new ProblemException(404, `no subscription with id "${id}"`);
    return row;
  }

  const one = createRoute({
    method: 'get',
    path: '/api/subscriptions/{id}',
    tags: ['subscriptions'],
    summary: 'One subscription',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    request: { params: idParam },
    responses: {
      200: { description: 'The subscription', content: { 'application/json': { schema: SubscriptionSchema } } },
      401: problemResponse('No valid API key'),
      404: problemResponse('No such subscription'),
    },
  });
  app.openapi(one, async (c) => c.json(await toJson(await find(c.req.valid('param').id)), 200));

  const remove = createRoute({
    method: 'delete',
    path: '/api/subscriptions/{id}',
    tags: ['subscriptions'],
    summary: 'Delete a subscription (its pending deliveries go with it)',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    request: { params: idParam },
    responses: { 204: { description: 'Deleted' }, 401: problemResponse('No valid API key'), 404: problemResponse('No such subscription') },
  });
  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    await find(id);
    await deleteSubscription(deps.db, id);
    return c.body(null, 204);
  });

  const update = createRoute({
    method: 'patch',
    path: '/api/subscriptions/{id}',
    tags: ['subscriptions'],
    summary: 'Re-enable a disabled subscription (after fixing its endpoint) or pause one',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    request: {
      params: idParam,
      body: { required: true, content: { 'application/json': { schema: z.strictObject({ status: z.enum(['active', 'disabled']) }) } } },
    },
    responses: {
      200: { description: 'The subscription', content: { 'application/json': { schema: SubscriptionSchema } } },
      400: problemResponse('The body is invalid'),
      401: problemResponse('No valid API key'),
      404: problemResponse('No such subscription'),
    },
  });
  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const { status } = c.req.valid('json');
    await find(id);
    await setSubscriptionStatus(deps.db, id, status, c.get('apiKeyName') ?? 'an API key');
    return c.json(await toJson(await find(id)), 200);
  });

  const DeliverySchema = z
    .object({
      id: z.string().openapi({ description: 'The webhook-id of every attempt' }),
      notice_id: z.string(),
      event: z.string(),
      status: z.enum(['pending', 'delivered', 'dead']),
      attempts: z.number().int(),
      last_status: z.number().int().nullable(),
      last_error: z.string().nullable(),
      created_at: z.string(),
      delivered_at: z.string().nullable(),
      next_attempt_at: z.string().nullable(),
    })
    .openapi('Delivery');
  const deliveries = createRoute({
    method: 'get',
    path: '/api/subscriptions/{id}/deliveries',
    tags: ['subscriptions'],
    summary: 'Recent deliveries of a subscription, newest first: status, attempts and the last error',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    request: {
      params: idParam,
      query: z.strictObject({
        status: z.enum(['pending', 'delivered', 'dead']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
    },
    responses: {
      200: { description: 'Deliveries', content: { 'application/json': { schema: z.object({ items: z.array(DeliverySchema) }) } } },
      400: problemResponse('A parameter is invalid'),
      401: problemResponse('No valid API key'),
      404: problemResponse('No such subscription'),
    },
  });
  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid('param');
    const { status, limit } = c.req.valid('query');
    await find(id);
    const rows = await recentDeliveries(deps.db, id, { status, limit });
    const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
    return c.json(
      {
        items: rows.map((r) => ({
          id: r.id,
          notice_id: r.notice_id,
          event: r.event,
          status: r.status,
          attempts: r.attempts,
          last_status: r.last_status,
          last_error: r.last_error,
          created_at: iso(r.created_at)!,
          delivered_at: iso(r.delivered_at),
          next_attempt_at: r.status === 'pending' ? iso(r.next_attempt_at) : null,
        })),
      },
      200,
    );
  });

  const test = createRoute({
    method: 'post',
    path: '/api/subscriptions/{id}/test',
    tags: ['subscriptions'],
    summary: 'Send a test event now (signed like any other) and report what the endpoint answered',
    security: [{ bearerAuth: [] }],
    middleware: [auth] as const,
    request: { params: idParam },
    responses: {
      200: {
        description: 'The attempt',
        content: { 'application/json': { schema: z.object({ ok: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable(), webhook_id: z.string() }) } },
      },
      401: problemResponse('No valid API key'),
      404: problemResponse('No such subscription'),
      503: problemResponse('This instance does not send alerts'),
    },
  });
  app.openapi(test, async (c) => {
    const row = await find(c.req.valid('param').id);
    if (!deps.alerts) throw new ProblemException(503, 'this instance does not send alerts');
    return c.json(await sendTestEvent(deps.alerts.dispatcher, row), 200);
  });

  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const row = await deps.db.selectFrom('subscriptions').select(['id', 'status']).where('unsubscribe_token', '=', token).executeTakeFirst();
    if (!row) return c.html('<!DOCTYPE html><meta charset="utf-8"><p>이 수신 거부 링크는 유효하지 않습니다.</p>', 404);
    await deps.db.updateTable('subscriptions').set({ status: 'disabled', disabled_reason: 'unsubscribed by the recipient' }).where('id', '=', row.id).execute();
    return c.html('<!DOCTYPE html><meta charset="utf-8"><p>수신 거부되었습니다. 더 이상 이 알림을 보내지 않습니다.</p>');
  });
  // RFC 8058 one-click: mail clients POST to the same link
  app.post('/unsubscribe/:token', async (c) => {
    const result = await deps.db
      .updateTable('subscriptions')
      .set({ status: 'disabled', disabled_reason: 'unsubscribed by the recipient' })
      .where('unsubscribe_token', '=', c.req.param('token'))
      .executeTakeFirst();
    return c.body(null, Number(result.numUpdatedRows) > 0 ? 204 : 404);
  });

  return app;
}
