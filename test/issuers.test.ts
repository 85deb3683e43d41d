import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IssuerDirectory, splitIssuerNames } from '../src/issuers/issuer.directory.js';
import { ISSUER_SEED } from '../src/issuers/registry-data.js';

const directory = new IssuerDirectory(ISSUER_SEED.map((s, i) => ({ id: i + 1, nameZh: s.nameZh, aliases: s.aliases, nameKo: s.nameKo })));
const archive = join(process.cwd(), 'archive', 'notices');
const expected = JSON.parse(readFileSync(join(process.cwd(), 'scrapers', 'gov-cn', 'fixtures', 'expected.json'), 'utf8')) as Record<string, any>;

describe('issuer registry', () => {
  it('has unique names and aliases, and parents listed before children', () => {
    const seen = new Map<string, string>();
    const names = new Set<string>();
    for (const entry of ISSUER_SEED) {
      for (const name of [entry.nameZh, ...entry.aliases]) {
        expect(seen.has(name), `${name} is used by ${seen.get(name)} and ${entry.nameZh}`).toBe(false);
        seen.set(name, entry.nameZh);
      }
      if (entry.parent) expect(names.has(entry.parent), `${entry.nameZh}'s parent ${entry.parent} comes first`).toBe(true);
      names.add(entry.nameZh);
    }
    expect(ISSUER_SEED.length).toBeGreaterThan(150);
  });

  it('points offices at their bodies', () => {
    const office = ISSUER_SEED.find((e) => e.nameZh === '国务院办公厅')!;
    expect(office.parent).toBe('国务院');
    expect(ISSUER_SEED.find((e) => e.nameZh === '生态环境部办公厅')!.parent).toBe('生态环境部');
  });

  it('resolves the names pages write to the gov.cn 发文机关 form', () => {
    const cases: Array<[string, string]> = [
      ['国家发展和改革委员会', '国家发展改革委'],
      ['发改委', '国家发展改革委'],
      ['中华人民共和国科学技术部', '科技部'],
      ['中华人民共和国国家卫生健康委员会', '国家卫生健康委'],
      ['国家医疗保障局', '国家医保局'],
      ['国家互联网信息办公室', '中央网信办'],
      ['卫生健康委', '国家卫生健康委'],
    ];
    for (const [written, canonical] of cases) expect(directory.resolve(written)?.nameZh, written).toBe(canonical);
    expect(directory.resolve('价格司')).toBeNull();
  });

  it('resolves the four issuers of the 2020 science-week notice, each with a Korean name', () => {
    const resolved = directory.resolveAll(splitIssuerNames('科技部 中央宣传部 卫生健康委 中国科协'));
    expect(resolved.map((r) => r.issuer?.nameZh)).toEqual(['科技部', '中央宣传部', '国家卫生健康委', '中国科协']);
    for (const r of resolved) expect(r.issuer?.nameKo).toBeTruthy();
  });

  it('resolves every issuer of the bundled notices and the gov.cn fixtures', () => {
    const written = new Set<string>();
    for (const file of readdirSync(archive).filter((f) => f.endsWith('.json'))) {
      for (const name of JSON.parse(readFileSync(join(archive, file), 'utf8')).issuers as string[]) written.add(name);
    }
    for (const [url, want] of Object.entries(expected)) if (url !== '_feeds' && want.ok) for (const n of want.issuers) written.add(n);
    const unknown = [...written].filter((n) => !directory.resolve(n));
    expect(unknown).toEqual([]);
  });

  it('reads joint issuers from a title, spaced or run together, and nothing else', () => {
    expect(directory.namesFromTitle('财政部 税务总局关于减征部分乘用车车辆购置税的公告')).toEqual(['财政部', '税务总局']);
    expect(directory.namesFromTitle('国家医保局财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知')).toEqual(['国家医保局', '财政部']);
    expect(directory.namesFromTitle('关于印发《“十四五”环境健康工作规划》的通知')).toEqual([]);
    expect(directory.namesFromTitle('某某公司关于某事的通知')).toEqual([]);
  });

  it('keeps one entry per body when a page repeats it under two names', () => {
    expect(directory.resolveAll(['国家发展改革委', '国家发展和改革委员会', '财政部']).map((r) => r.written)).toEqual(['国家发展改革委', '财政部']);
    expect(directory.resolveAll(['某某委员会'])).toEqual([{ written: '某某委员会', issuer: null }]);
  });
});
