/**
 * Resolves issuer names as pages write them (中华人民共和国科学技术部, 国家发展和改革委员会, 发改委)
 * to the registry's canonical entries (科技部, 国家发展改革委).
 * @module
 */

/** The part of an issuer a resolver needs. */
export interface IssuerEntry {
  id: number;
  nameZh: string;
  aliases: string[];
  nameKo: string | null;
}

/** One written name and what it resolved to (null: unknown to the registry, kept as written). */
export interface ResolvedIssuer {
  written: string;
  issuer: IssuerEntry | null;
}

/** Separators between jointly issuing bodies in 发文机关 and in titles. */
const SEPARATORS = /[\s\u3000、，,；;／/]+/u;

function key(name: string): string {
  return name.normalize('NFKC').replace(/[\s\u3000]+/g, '');
}

/** Splits a 发文机关 value into the names it lists. */
export function splitIssuerNames(value: string | null | undefined): string[] {
  if (!value) return [];
  return value
    .split(SEPARATORS)
    .map((s) => s.trim())
    .filter(Boolean);
}

export class IssuerDirectory {
  readonly #byName = new Map<string, IssuerEntry>();
  readonly #byId = new Map<number, IssuerEntry>();

  constructor(entries: IssuerEntry[]) {
    for (const entry of entries) {
      this.#byId.set(entry.id, entry);
      for (const name of [entry.nameZh, ...entry.aliases]) this.#byName.set(key(name), entry);
    }
  }

  get size(): number {
    return this.#byId.size;
  }

  byId(id: number): IssuerEntry | undefined {
    return this.#byId.get(id);
  }

  /** @returns the canonical entry for a written name, or null when the registry lacks it. */
  resolve(written: string): IssuerEntry | null {
    const k = key(written);
    const direct = this.#byName.get(k);
    if (direct) return direct;
    // 中华人民共和国国家卫生健康委员会 → 国家卫生健康委员会
    if (k.startsWith('中华人民共和国')) return this.#byName.get(k.slice('中华人民共和国'.length)) ?? null;
    return null;
  }

  /** Resolves each name of a 发文机关 value, in order, dropping repeats. */
  resolveAll(names: string[]): ResolvedIssuer[] {
    const out: ResolvedIssuer[] = [];
    const seen = new Set<string>();
    for (const written of names) {
      const issuer = this.resolve(written);
      const id = issuer ? `#${issuer.id}` : key(written);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ written, issuer });
    }
    return out;
  }

  /**
   * Reads the issuers from a title's opening (`财政部 税务总局关于…` → 财政部, 税务总局).
   * @returns the names, or [] unless every name before 关于 is a known issuer.
   */
  namesFromTitle(title: string): string[] {
    const at = title.indexOf('关于');
    if (at <= 0) return [];
    const names = splitIssuerNames(title.slice(0, at));
    if (names.length === 0) return [];
    if (names.every((n) => this.resolve(n))) return names;
    // Joint titles often run the names together without spaces: 国家医保局财政部关于…
    const greedy = this.#splitRunTogether(key(title.slice(0, at)));
    return greedy ?? [];
  }

  /** Splits `国家医保局财政部` into known names, longest match first; null if any part is unknown. */
  #splitRunTogether(text: string): string[] | null {
    const out: string[] = [];
    let rest = text;
    while (rest) {
      let matched = '';
      for (let len = Math.min(rest.length, 30); len >= 2; len--) {
        const head = rest.slice(0, len);
        if (this.resolve(head)) {
          matched = head;
          break;
        }
      }
      if (!matched) return null;
      out.push(matched);
      rest = rest.slice(matched.length);
    }
    return out;
  }
}
