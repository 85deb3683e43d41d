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

/** Words that mark a name as the central body's, not a local one's. */
const NATIONAL = /^(国家|中华人民共和国|国务院|中央|中共|全国|中国)/u;

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
    glossary.set(issuer.nameZh, issuer.nameKo);
    for (const alias of issuer.aliases) {
      // Only aliases that name the central body. Short or generic ones (国办, 发展改革委) also name
      // local bodies in running text: 各省…发展改革委 are the provincial commissions.
      if (NATIONAL.test(alias) && alias.length >= 4) glossary.set(alias, issuer.nameKo);
    }
  }
  return glossary;
}
