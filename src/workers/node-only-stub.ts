/**
 * Stands in for pdfkit in the Worker bundle (`[alias]` in wrangler.toml). The digest renderer
 * imports it only when a PDF is asked for, and the Worker answers PDF requests with 501 before
 * that; should a path reach it anyway, it fails with a message that says where PDFs are made
 * instead of a missing-module error.
 * @module
 */
export class NodeOnlyError extends Error {
  override name = 'NodeOnlyError';
  constructor(what = 'PDF rendering') {
    super(`${what} needs the Node deployment (npm start); it is not available on Cloudflare Workers`);
  }
}

function unavailable(): never {
  throw new NodeOnlyError();
}

/** Any use — call, construction, property read — throws `NodeOnlyError`. */
const stub: object = new Proxy(unavailable, {
  get: (_target, property) => (property === 'then' ? undefined : unavailable()),
  apply: unavailable,
  construct: unavailable,
});

export default stub;
