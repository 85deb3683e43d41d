/**
 * Word segmentation of Chinese text. jieba (`@node-rs/jieba`, a native addon) where it loads, with
 * the glossary added to its dictionary so policy terms stay whole; otherwise a longest-match
 * segmenter over the glossary (Workers, or a platform without the prebuilt binary).
 * @module
 */
import { createRequire } from 'node:module';
import type { Glossary } from './glossary/index.js';

export interface Segmenter {
  readonly name: 'jieba' | 'longest-match';
  cut(text: string): string[];
}

/** Greedy longest match over the glossary; characters it does not know stand alone. */
export function longestMatchSegmenter(glossary: Glossary, maxLength = 12): Segmenter {
  return {
    name: 'longest-match',
    cut(text) {
      const chars = Array.from(text);
      const out: string[] = [];
      let i = 0;
      while (i < chars.length) {
        let taken = 1;
        for (let len = Math.min(maxLength, chars.length - i); len > 1; len--) {
          if (glossary.has(chars.slice(i, i + len).join(''))) {
            taken = len;
            break;
          }
        }
        out.push(chars.slice(i, i + taken).join(''));
        i += taken;
      }
      return out;
    },
  };
}

interface JiebaModule {
  Jieba: { withDict(dict: Uint8Array): { loadDict(dict: Uint8Array): void; cut(s: string, hmm?: boolean): string[] } };
}

/**
 * jieba with the default dictionary plus every glossary term (high frequency, so the term wins).
 * @returns null where the native addon cannot be loaded.
 */
export function jiebaSegmenter(glossary: Glossary): Segmenter | null {
  try {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as JiebaModule;
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    const jieba = Jieba.withDict(dict);
    const userDict = [...glossary.keys()]
      .filter((term) => /^[\p{Script=Han}]{2,}$/u.test(term))
      .map((term) => `${term} ${100_000 + term.length * 1_000} n`)
      .join('\n');
    jieba.loadDict(new TextEncoder().encode(userDict));
    return { name: 'jieba', cut: (text) => jieba.cut(text, false) };
  } catch {
    return null;
  }
}

export function createSegmenter(glossary: Glossary): Segmenter {
  return jiebaSegmenter(glossary) ?? longestMatchSegmenter(glossary);
}
