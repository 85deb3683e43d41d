/**
 * Worker thread of the bulk load: computes the batches the main thread asks for (`{ batch }`) and
 * posts their rows back. Every worker generates the whole corpus in order (cheap) and computes only
 * the notices of the batches it is given, so the data does not depend on the number of workers.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ComputedNotice, NoticeRowBuilder, type RegistryIssuer } from './bulk-rows.js';
import { loadLexicon, SearchCorpus } from './search-corpus.js';
import { loadVocabulary } from './synthetic.js';

export interface WorkerInput {
  registry: RegistryIssuer[];
  rows: number;
  batch: number;
  seed: number;
  now: number;
}

export interface WorkerBatch {
  batch: number;
  items: ComputedNotice[];
  /** Milliseconds spent computing this batch. */
  ms: number;
}

const input = workerData as WorkerInput;
const builder = new NoticeRowBuilder(input.registry, input.now);
const corpus = new SearchCorpus(loadVocabulary(), loadLexicon(), input.seed);
let next = 0;

// requests are handled one at a time, in the order they come (always increasing batch numbers)
let queue = Promise.resolve();
parentPort!.on('message', (message: { batch: number }) => {
  queue = queue.then(async () => {
    const t = performance.now();
    const from = message.batch * input.batch;
    const to = Math.min(input.rows, from + input.batch);
    for (; next < from; next++) corpus.notice(next);
    const items: ComputedNotice[] = [];
    for (; next < to; next++) items.push(await builder.build(corpus.notice(next), next));
    parentPort!.postMessage({ batch: message.batch, items, ms: performance.now() - t } satisfies WorkerBatch);
  });
});
