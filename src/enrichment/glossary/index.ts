/**
 * The policy-term glossary (simplified Chinese → Korean): general vocabulary, sector vocabulary,
 * and the issuer registry's names. Later sources override earlier ones, so an issuer's official
 * Korean name wins over a generic rendering of the same characters.
 * @module
 */
import type { IssuerSeed } from '../../issuers/issuer.types.js';
import { GLOSSARY_DOMAINS } from './domains.js';
import { GLOSSARY_GENERAL } from './general.js';

export type Glossary = Map<string, string>;

/** Parses `中文<TAB>한국어` lines; `#` starts a comment; an empty Korean side drops the word. */
export function parseGlossary(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    out.push([line.slice(0, tab).trim(), line.slice(tab + 1).trim()]);
  }
  return out;
}

/** Builds the glossary; `issuers` adds every registry name and alias with its Korean name. */
export function buildGlossary(issuers: readonly Pick<IssuerSeed, 'nameZh' | 'aliases' | 'nameKo'>[] = []): Glossary {
  const glossary: Glossary = new Map();
  for (const [zh, ko] of parseGlossary(GLOSSARY_GENERAL)) glossary.set(zh, ko);
  for (const [zh, ko] of parseGlossary(GLOSSARY_DOMAINS)) glossary.set(zh, ko);
  for (const issuer of issuers) {
    for (const name of [issuer.nameZh, ...issuer.aliases]) {
      // one- or two-character aliases (国办, 央行) are too likely to be parts of other words
      if (name.length >= 3 || name === issuer.nameZh) glossary.set(name, issuer.nameKo);
    }
  }
  return glossary;
}
