/**
 * Responses that middleware in front of every API route can give, added to the OpenAPI document
 * in one place rather than repeated in every route: 429 (the per-client rate limit), 401 (a key
 * that is not valid; with `CPT_READ_AUTH=1`, a missing one), and the `request_id` of problem bodies.
 * @module
 */
import type { ApiAccess } from '../config.js';

interface Operation {
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

interface Document {
  paths?: object;
  components?: { schemas?: object };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

export function withAccessResponses<D extends Document>(document: D, access: ApiAccess | undefined): D {
  const limited = (access?.rateLimitPerMinute ?? 0) > 0;
  const readAuth = access?.readAuth ?? false;
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, unknown> | undefined>)) {
    if (!path.startsWith('/api/') || !item) continue;
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      const responses = (operation.responses ??= {});
      const keyRequired = operation.security?.some((s) => 'bearerAuth' in s) ?? false;
      responses['401'] ??= {
        description: readAuth
          ? 'No valid API key (CPT_READ_AUTH=1: every API request needs one)'
          : 'The presented API key is not valid (this endpoint needs none unless CPT_READ_AUTH=1)',
        headers: { 'WWW-Authenticate': { schema: { type: 'string' }, example: 'Bearer realm="cpt"' } },
        content: PROBLEM,
      };
      responses['429'] ??= {
        description: `Too many requests from this client in a minute (CPT_API_RATE_LIMIT${limited ? `=${access!.rateLimitPerMinute}` : ', off on this server'})`,
        headers: {
          'Retry-After': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
          'RateLimit-Limit': { schema: { type: 'integer' } },
          'RateLimit-Remaining': { schema: { type: 'integer' } },
          'RateLimit-Reset': { schema: { type: 'integer' } },
        },
        content: PROBLEM,
      };
      // a read takes a key (for its own rate limit, or because reads need one); `{}` = also without
      if (!keyRequired) operation.security = readAuth ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, {}];
    }
  }
  const problem = (document.components?.schemas as Record<string, unknown> | undefined)?.Problem as { properties?: Record<string, unknown> } | undefined;
  if (problem?.properties) {
    problem.properties.request_id = { type: 'string', description: 'The X-Request-Id of the request, to find its log line', example: '5f0c7a2e-3b1d-4c8e-9a6f-2d4b8e1c7f30' };
  }
  return document;
}
