/**
 * Every Korean page of the app, with one way of telling who the browser is (its API-key cookie).
 * @module
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppDeps } from '../api/app-deps.js';
import type { AppEnv } from '../api/app-env.js';
import { digestPages } from './digests.page.js';
import { noticePages } from './notice.page.js';
import { noticeListPages } from './notices.page.js';
import { keyNameOf, sessionPages } from './session.js';
import { sourcePages } from './sources.page.js';
import { subscriptionPages } from './subscriptions.page.js';

export function webPages(deps: AppDeps) {
  const keyName = keyNameOf(deps);
  const app = new Hono<AppEnv>();
  if (deps.access?.readAuth) {
    // CPT_READ_AUTH=1: the pages are reads like the API's; only the key form stays open
    const gate: MiddlewareHandler<AppEnv> = async (c, next) => {
      if (c.req.method !== 'GET' || (await keyName(c))) return next(); // writes check the key themselves
      const url = new URL(c.req.url);
      return c.redirect(`/session?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    };
    for (const path of ['/', '/notices/*', '/sources', '/digests']) app.use(path, gate);
  }
  app.route('/', noticeListPages(deps, keyName));
  app.route('/', noticePages(deps, keyName));
  app.route('/', sourcePages(deps, keyName));
  app.route('/', subscriptionPages(deps, keyName));
  app.route('/', sessionPages(deps, keyName));
  app.route('/', digestPages(keyName));
  return app;
}
