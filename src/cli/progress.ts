/**
 * Scrape progress: a bar on a terminal (cli-progress), plain lines otherwise (logs, CI).
 * @module
 */
import cliProgress from 'cli-progress';
import type { ScrapeProgress } from '../scrape/scrape-runner.js';

export interface ProgressReporter {
  update: (p: ScrapeProgress) => void;
  stop: () => void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) {
    let lastPhase = '';
    let lastLogged = 0;
    return {
      update: (p) => {
        const now = Date.now();
        if (p.phase !== lastPhase || now - lastLogged > 5_000 || (p.total && p.done === p.total)) {
          stream.write(`${label}: ${p.phase} ${p.done}${p.total ? `/${p.total}` : ''} ${p.url}\n`);
          lastPhase = p.phase;
          lastLogged = now;
        }
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} {phase} [{bar}] {value}/{total} {url}`, stream, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const url = p.url.length > 60 ? `…${p.url.slice(-59)}` : p.url;
      if (!started) {
        bar.start(Math.max(p.total, 1), p.done, { phase: p.phase, url });
        started = true;
      }
      bar.setTotal(Math.max(p.total, p.done, 1));
      bar.update(p.done, { phase: p.phase, url });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
