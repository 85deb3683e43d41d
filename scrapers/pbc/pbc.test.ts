import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/http/charset.js';
import { type ListItem, ListLayoutError, type ListRequest, type SourceColumn } from '../source.js';
import source, { canonicalUrl, columns, isDetailUrl, parseDetail, parseList, titleIssuers, wzwsChallenge } from './index.js';
import { noSpace, sourceFixtures } from '../../test/support/source-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const { expected, pageUrls, fileOf, bytesOf, savedPage } = sourceFixtures(here, 'www.pbc.gov.cn');
const [normative, rules] = columns as [SourceColumn, SourceColumn];

const urlOf = (docNumber: string) => pageUrls.find((u) => expected[u].doc_number === docNumber)!;
const challengeUrl = pageUrls.find((u) => expected[u].reason === 'challenge')!;

function readColumn(column: SourceColumn) {
  const pages: Array<{ request: ListRequest; items: ListItem[] }> = [];
  let request: ListRequest | null = column.first;
  while (request && pages.length < 10) {
    const page = parseList(savedPage(request.url), request, column);
    pages.push({ request, items: page.items });
    request = page.next;
  }
  return pages;
}

const CODES: Record<string, string> = { 'no title': 'no_title', truncated: 'truncated', 'no body': 'no_body', challenge: 'challenge' };

describe('pbc lists', () => {
  it.each([
    [normative, ['/tiaofasi/144941/3581332/index.html', '/tiaofasi/144941/3581332/3b3662a6/index2.html']],
    [rules, ['/tiaofasi/144941/144957/index.html', '/tiaofasi/144941/144957/21892/index2.html']],
  ] as const)('pages through $id to the end', (column, paths) => {
    const pages = readColumn(column);
    expect(pages.map((p) => new URL(p.request.url).pathname)).toEqual(paths);
    for (const p of pages) expect(p.items).toHaveLength(expected._lists.items_per_page[new URL(p.request.url).pathname.slice(1)]);
    const items = pages.flatMap((p) => p.items);
    expect(items).toHaveLength(expected._lists[column.id]);
    for (const item of items) {
      expect(item.url).toMatch(/^https:\/\/www\.pbc\.gov\.cn\/tiaofasi\/144941\/\d+\/\d{7,}\/index\.html$/);
      expect(isDetailUrl(item.url)).toBe(true);
      expect(item.column).toBe(column.id);
      expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(expected[item.url], item.url).toBeDefined();
    }
  });

  it('lists every page of the oracle, the missing one (404) and the challenge included', () => {
    const listed = new Set([...readColumn(normative), ...readColumn(rules)].flatMap((p) => p.items.map((i) => i.url)));
    expect([...listed].sort()).toEqual([...pageUrls].sort());
  });

  it('takes the title from the title attribute, not the cut link text', () => {
    const html = savedPage(normative.first.url);
    expect(html).toMatch(/istitle="true">[^<]*\.\.\.<\/a>/);
    const items = parseList(html, normative.first, normative).items;
    const long = items.find((i) => i.url === urlOf('国数政策〔2023〕11号'))!;
    expect(long.title).toBe('国家数据局等部门关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知（国数政策〔2023〕11号）');
    expect(items.every((i) => !i.title?.endsWith('...'))).toBe(true);
  });

  it('drops files listed as rows and links to other sites', () => {
    const raw = [normative.first.url, 'https://www.pbc.gov.cn/tiaofasi/144941/3581332/3b3662a6/index2.html'].map((u) => savedPage(u)).join('\n');
    expect(raw).toMatch(/newslist_style[^>]*><a href="[^"]+\.pdf"/);
    expect(raw).toMatch(/newslist_style[^>]*><a href="[^"]+\.doc"/);
    expect(raw).toContain('href="http://www.gov.cn/');
    const items = readColumn(normative).flatMap((p) => p.items);
    expect(items.some((i) => /\.(pdf|doc)$|gov\.cn\/zhengce/.test(i.url))).toBe(false);
  });

  it('follows 下一页’s tagname, or works the next page out from td.Normal “n/total” when 下一页 has none', () => {
    const first = savedPage(rules.first.url);
    expect(first).toContain('tagname="[NEXTPAGE]">下一页');
    expect(parseList(first, rules.first, rules).next).toEqual({ url: 'https://www.pbc.gov.cn/tiaofasi/144941/144957/21892/index2.html', expect: 'html' });
    const dashed = first.replace(/\/tiaofasi\/144941\/144957\/21892\/index2\.html/g, '/tiaofasi/144941/144957/11040-2.html');
    expect(parseList(dashed, rules.first, rules).next?.url).toBe('https://www.pbc.gov.cn/tiaofasi/144941/144957/11040-2.html');
    const last = { url: 'https://www.pbc.gov.cn/tiaofasi/144941/3581332/3b3662a6/index2.html', expect: 'html' } as const;
    expect(parseList(savedPage(last.url), last, normative).next).toBeNull();
  });

  it('decodes the GB2312 list page and reads it', () => {
    const url = 'https://www.pbc.gov.cn/tiaofasi/144941/144957/21892/index2.html';
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytesOf(url))).toThrow();
    const decoded = decodeBody(bytesOf(url), 'text/html', true);
    expect(decoded.charset).toBe('gb18030');
    const page = parseList(decoded.text, { url, expect: 'html' }, rules);
    expect(page.items.map((i) => i.title)).toEqual(['财政部 税务总局关于二手车经销有关增值税政策的公告']);
  });

  it('reports the WZWS challenge and pages that are not a list of this source', () => {
    const challenge = savedPage(challengeUrl);
    expect(() => parseList(challenge, normative.first, normative)).toThrow(ListLayoutError);
    expect(() => parseList(challenge, normative.first, normative)).toThrow(/anti-bot challenge \(WZWS/);
    expect(() => parseList('<html><head><title>系统维护</title></head><body>系统维护中</body></html>', normative.first, normative)).toThrow(/no list rows.*系统维护/);
    expect(() => parseList('', normative.first, normative)).toThrow(ListLayoutError);
    expect(() => parseList('{"a":1}', normative.first, normative)).toThrow(ListLayoutError);
  });
});

describe('pbc detail pages (saved pages against expected.json)', () => {
  it('has the cases that matter', () => {
    const reasons = pageUrls.map((u) => (expected[u].ok ? 'ok' : expected[u].reason));
    expect(reasons.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(6);
    for (const r of ['challenge', 'no body', 'truncated', 'http 404']) expect(reasons).toContain(r);
    for (const u of pageUrls.filter((x) => expected[x].reason === 'http 404')) expect(existsSync(fileOf(u))).toBe(false);
  });

  it.each(pageUrls.filter((u) => existsSync(fileOf(u))))('%s', (url) => {
    const want = expected[url];
    const result = parseDetail(savedPage(url), url);
    if (!want.ok) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem.code).toBe(CODES[want.reason]);
      expect(result.problem.message.length).toBeGreaterThan(5);
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const n = result.notice;
    expect(n.url).toBe(url);
    expect(n.titleZh).toBe(want.title_zh);
    expect(n.docNumber).toBe(want.doc_number);
    expect(n.docType).toBe(want.doc_type);
    expect(n.issuerNames).toEqual(want.issuers);
    expect(n.writtenDate).toBe(want.written_date);
    expect(n.publishedDate).toBe(want.published_date);
    expect(n.topicZh).toBe(want.topic_zh);
    expect(n.origin).toBe(want.origin);
    expect(n.attachments).toEqual(want.attachments);
    expect(noSpace(n.bodyText).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(n.bodyText).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(n.bodyText.split('\n')).toHaveLength(want.body_paragraphs);
    for (const chrome of want.body_must_not_contain ?? []) expect(n.bodyText).not.toContain(chrome);
    expect(result.warnings).toEqual([]);
  });

  it('decodes the GB2312 detail pages through their <meta charset>', () => {
    const gb = pageUrls.filter((u) => expected[u].template === 'gb');
    expect(gb).toHaveLength(2);
    for (const url of gb) {
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytesOf(url))).toThrow();
      const decoded = decodeBody(bytesOf(url), 'text/html', true);
      expect(decoded.charset).toBe('gb18030');
      const result = parseDetail(decoded.text, url);
      expect(result.ok && result.notice.titleZh).toBe(expected[url].title_zh);
      expect(result.ok && result.notice.issuerNames).toEqual(['财政部', '税务总局']);
    }
  });

  it('recognises the WZWS challenge, and only it', () => {
    const result = parseDetail(savedPage(challengeUrl), challengeUrl);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toMatch(/WZWS.*\/WZWSREL[A-Za-z0-9+/=]+/);
    for (const url of pageUrls.filter((u) => expected[u].ok)) expect(wzwsChallenge(savedPage(url)), url).toBeNull();
    // cut short, it is still a challenge (not "truncated")
    const full = savedPage(challengeUrl);
    const cut = full.slice(0, full.indexOf('</script>'));
    expect(parseDetail(cut, challengeUrl).ok || (parseDetail(cut, challengeUrl) as any).problem.code).toBe('challenge');
  });

  it('reads the 16 co-issuers of a “X等部门” title from the signature block', () => {
    const url = urlOf('国数政策〔2023〕11号');
    const notice = JSON.parse(readFileSync(join(here, '..', '..', 'archive', 'notices', '18.json'), 'utf8'));
    const result = parseDetail(savedPage(url), url);
    expect(result.ok && result.notice.issuerNames).toEqual(notice.issuers);
    expect(result.ok && result.notice.issuerNames).toContain('中国人民银行');
    expect(savedPage(url)).toContain('国 家 数 据 局');
  });

  it('names issuers from the title, else 中国人民银行', () => {
    expect(titleIssuers('中国人民银行 国家外汇管理局关于印发《境内企业境外放款管理办法》的通知')).toEqual({ names: ['中国人民银行', '国家外汇管理局'], others: false });
    const page = (title: string) =>
      `<html><head><meta name="ArticleTitle" content="${title}"><meta name="PubDate" content="2020-05-12"></head><body><div id="zoom"><p>为规范……，现公告如下：</p><p>特此公告。</p></div></body></html>`;
    const url = 'https://www.pbc.gov.cn/tiaofasi/144941/3581332/4100001/index.html';
    const own = parseDetail(page('中国人民银行公告〔2020〕第5号'), url);
    expect(own.ok && [own.notice.issuerNames, own.notice.docType, own.notice.docNumber]).toEqual([['中国人民银行'], '公告', '中国人民银行公告〔2020〕第5号']);
    const joint = parseDetail(page('中国人民银行 国家外汇管理局关于银行业金融机构境外贷款业务有关事宜的通知（银发〔2022〕27号）'), url);
    expect(joint.ok && [joint.notice.issuerNames, joint.notice.docNumber, joint.notice.titleZh]).toEqual([
      ['中国人民银行', '国家外汇管理局'],
      '银发〔2022〕27号',
      '中国人民银行 国家外汇管理局关于银行业金融机构境外贷款业务有关事宜的通知',
    ]);
    const about = parseDetail(page('关于做好某项工作的通知'), url);
    expect(about.ok && about.notice.issuerNames).toEqual(['中国人民银行']);
  });

  it('falls back to <h2>, span#shijian and the list item when meta tags are missing', () => {
    const url = urlOf('财政部 税务总局公告2021年第34号');
    const html = savedPage(url).replace(/<meta name="(ArticleTitle|PubDate|ContentSource)"[^>]*>/g, '');
    const result = parseDetail(html, url);
    expect(result.ok && [result.notice.titleZh, result.notice.publishedDate, result.notice.origin]).toEqual([
      expected[url].title_zh,
      '2021-11-24',
      '条法司',
    ]);
    const bare = html.replace(/<span id="shijian">[^<]*<\/span>/, '');
    const item: ListItem = { url, column: normative.id, title: 't', date: '2021-11-25' };
    const fromItem = parseDetail(bare, url, item);
    expect(fromItem.ok && fromItem.notice.publishedDate).toBe('2021-11-25');
  });

  it('keeps a notice whose signature date is impossible: written_date null and a warning', () => {
    const url = urlOf('财政部 税务总局公告2021年第34号');
    const result = parseDetail(savedPage(url).replace('>2021年11月22日<', '>2021年11月31日<'), url);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notice.writtenDate).toBeNull();
    expect(result.warnings.join(' ')).toMatch(/落款日期 "2021年11月31日" is not a valid date/);
  });

  it('describes itself', () => {
    expect(source.id).toBe('pbc');
    expect(source.baseUrl).toBe('https://www.pbc.gov.cn');
    expect(source.needsBrowser).toBe(true);
    expect(source.columns.map((c) => c.id)).toEqual(['tiaofasi-3581332', 'tiaofasi-144957']);
    expect(source.schedule).toMatch(/^\d+ \d+-\d+ \* \* 1-5$/);
    expect(isDetailUrl('https://www.pbc.gov.cn/tiaofasi/144941/3581332/2026032016195944841/index.html')).toBe(true);
    expect(isDetailUrl('https://www.pbc.gov.cn/tiaofasi/144941/144957/5702602/index.html')).toBe(true);
    expect(isDetailUrl('https://www.pbc.gov.cn/goutongjiaoliu/113456/113469/5868082/index.html')).toBe(true);
    expect(isDetailUrl('https://www.pbc.gov.cn/zhengcehuobisi/125207/125213/125431/125475/2025092212550537670/index.html')).toBe(true);
    expect(isDetailUrl('https://www.pbc.gov.cn/tiaofasi/144941/144957/index.html')).toBe(false);
    expect(isDetailUrl('https://www.pbc.gov.cn/tiaofasi/144941/3581332/index.html')).toBe(false);
    expect(isDetailUrl('https://www.pbc.gov.cn/tiaofasi/144941/144957/21892/index2.html')).toBe(false);
    expect(isDetailUrl('https://www.pbc.gov.cn/zhengcehuobisi/125207/125213/125440/3876551/index.html')).toBe(false);
    expect(isDetailUrl('http://www.pbc.gov.cn/tiaofasi/144941/144957/5702602/index.html')).toBe(false);
    expect(canonicalUrl('http://www.pbc.gov.cn/tiaofasi/144941/144957/5702602/index.html')).toBe('https://www.pbc.gov.cn/tiaofasi/144941/144957/5702602/index.html');
    expect(canonicalUrl('http://pbc.gov.cn/x')).toBe('https://www.pbc.gov.cn/x');
  });
});

describe('pbc parsers never throw on bad input', () => {
  const sample = savedPage(urlOf('国数政策〔2023〕11号'));
  const list = savedPage(normative.first.url);
  const cut = (text: string) => fc.nat(text.length).map((n) => text.slice(0, n) + (n % 2 ? '</html>' : ''));
  const shuffled = (text: string) => fc.shuffledSubarray(text.split('\n'), { minLength: 0 }).map((lines) => lines.join('\n'));

  it('parseDetail returns a notice or a typed problem', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), cut(sample), shuffled(sample)), (html) => {
        const result = parseDetail(html, 'https://www.pbc.gov.cn/tiaofasi/144941/3581332/4100001/index.html');
        if (result.ok) expect(result.notice.titleZh.length).toBeGreaterThan(0);
        else expect(['truncated', 'no_title', 'no_body', 'malformed', 'challenge']).toContain(result.problem.code);
      }),
      { numRuns: 300 },
    );
  });

  it('parseList returns a page or throws ListLayoutError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), cut(list), shuffled(list)), (body) => {
        try {
          const page = parseList(body, normative.first, normative);
          for (const item of page.items) expect(isDetailUrl(item.url)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ListLayoutError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
