/**
 * RFC 9457 problem details: every error the API returns is `application/problem+json` with a
 * title, status, detail and, for bad input, `errors: [{parameter, detail}]` naming each parameter.
 * @module
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ParameterError {
  parameter: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ParameterError[];
  /** The request's `X-Request-Id`, to find its log line. */
  request_id?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function problemJson(c: Context, status: ContentfulStatusCode, detail: string, errors?: ParameterError[], headers?: Record<string, string>) {
  const body: Problem = {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: new URL(c.req.url).pathname,
    ...(errors?.length ? { errors } : {}),
  };
  const requestId = (c as Context<{ Variables: { requestId?: string } }>).get('requestId');
  if (requestId) body.request_id = requestId;
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json; charset=utf-8', ...headers });
}

/** Thrown by handlers and services; rendered as problem+json by the app's error handler. */
export class ProblemException extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly detail: string,
    readonly errors?: ParameterError[],
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message: detail });
  }
}

export function badRequest(errors: ParameterError[]): ProblemException {
  return new ProblemException(400, errors.map((e) => `${e.parameter}: ${e.detail}`).join('; '), errors);
}
