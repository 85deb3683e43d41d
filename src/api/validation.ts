/**
 * Turns validation failures into 400 problem+json naming each bad parameter.
 * @module
 */
import type { Hook } from '@hono/zod-openapi';
import { badRequest, type ParameterError } from './problem.js';

interface IssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

export function issuesToErrors(issues: IssueLike[]): ParameterError[] {
  const out: ParameterError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) out.push({ parameter: key, detail: 'is not a parameter of this endpoint' });
      continue;
    }
    out.push({ parameter: issue.path.map(String).filter((p) => !/^\d+$/.test(p)).join('.') || 'request', detail: issue.message });
  }
  return out;
}

export const validationHook: Hook<any, any, any, any> = (result) => {
  if (!result.success) throw badRequest(issuesToErrors(result.error.issues as IssueLike[]));
};
