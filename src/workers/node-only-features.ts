/**
 * What the Worker answers with 501 instead of running it: PDF digests (pdfkit with two embedded
 * CJK fonts of several MB each does not fit Workers' bundle and CPU limits) and e-mail
 * subscriptions (SMTP needs raw TCP and TLS to a mail server; no HTTP e-mail API is wired yet).
 * Both work in the Node deployment (`npm start`), which is what the answer says.
 * @module
 */

export const NODE_DEPLOYMENT_HINT = 'use the Node deployment (npm start), which has it; README: "Deploy to Cloudflare"';

/** An RFC 9457 problem+json 501, shaped like the app's own problems. */
export function notOnWorkers(request: Request, what: string): Response {
  const body = {
    type: 'about:blank',
    title: 'Not Implemented',
    status: 501,
    detail: `${what} is not available on the Cloudflare Workers deployment; ${NODE_DEPLOYMENT_HINT}`,
    instance: new URL(request.url).pathname,
  };
  return new Response(JSON.stringify(body), { status: 501, headers: { 'content-type': 'application/problem+json; charset=utf-8' } });
}

/** Whether a subscription body (JSON from the API, a form from the web page) asks for e-mail. */
async function asksForEmail(request: Request): Promise<boolean> {
  const type = request.headers.get('content-type') ?? '';
  try {
    if (type.includes('application/json')) {
      const body = (await request.clone().json()) as { channel?: { type?: unknown } } | null;
      return body?.channel?.type === 'email';
    }
    if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
      return (await request.clone().formData()).get('channel_type') === 'email';
    }
  } catch {
    // a malformed body is the app's to refuse, with its own 400
  }
  return false;
}

/** The 501 answer for a request that needs a Node-only feature, or null to let the app answer it. */
export async function nodeOnlyAnswer(request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  if (request.method === 'GET' && url.pathname.startsWith('/api/digests/') && url.searchParams.get('format') === 'pdf') {
    return notOnWorkers(request, 'The PDF digest');
  }
  if (request.method === 'POST' && (url.pathname === '/api/subscriptions' || url.pathname === '/subscriptions') && (await asksForEmail(request))) {
    return notOnWorkers(request, 'E-mail delivery');
  }
  return null;
}
