import { describe, expect, it } from 'vitest';
import { BadDateError, isIsoDay, parseSiteDate } from '../src/domain/dates.js';
import {
  docNumberFromTitle,
  docNumberKey,
  docTypeFromTitle,
  effectiveDateFromText,
  normalizeDocNumber,
  stripAppendedDocNumber,
  titleKey,
} from '../src/domain/document.js';
import { parseSearchQuery, searchLexemes, toTsQuery } from '../src/domain/search-text.js';

describe('site dates', () => {
  it.each([
    ['2020年06月24日', '2020-06-24'],
    ['2020年6月4日', '2020-06-04'],
    ['2020 年 6 月 4 日', '2020-06-04'],
    ['２０２０年６月４日', '2020-06-04'],
    ['2020-07-09-17:00:05', '2020-07-09'],
    ['2020-07-09 17:00:05', '2020-07-09'],
    ['2020-07-09', '2020-07-09'],
    ['2020/07/09', '2020-07-09'],
    ['2020.07.09', '2020-07-09'],
    ['2024-02-29', '2024-02-29'],
  ])('%s → %s', (input, want) => expect(parseSiteDate(input)).toBe(want));

  it.each(['2020年13月45日', '2023-02-29', '2020-00-10', 'yesterday', '1899-01-01', '2020-07-09T25:00'])(
    'rejects %s with the value in the message',
    (input) => {
      expect(() => parseSiteDate(input)).toThrow(BadDateError);
      expect(() => parseSiteDate(input)).toThrow(input.trim());
    },
  );

  it('treats empty as unknown', () => {
    expect(parseSiteDate('')).toBeNull();
    expect(parseSiteDate('  ')).toBeNull();
    expect(parseSiteDate(null)).toBeNull();
  });

  it('checks API dates strictly', () => {
    expect(isIsoDay('2020-06-28')).toBe(true);
    expect(isIsoDay('2020-6-28')).toBe(false);
    expect(isIsoDay('2020-13-45')).toBe(false);
  });
});

describe('document numbers, titles and types', () => {
  it('normalises 文号 brackets, digits and spaces', () => {
    expect(normalizeDocNumber('国办发[2020]20号')).toBe('国办发〔2020〕20号');
    expect(normalizeDocNumber('国办发【2020】 20 号')).toBe('国办发〔2020〕20号');
    expect(normalizeDocNumber('发改价格（2020）994号')).toBe('发改价格〔2020〕994号');
    expect(normalizeDocNumber('国科发智〔２０２０〕１６７号')).toBe('国科发智〔2020〕167号');
    expect(normalizeDocNumber('财政部  税务总局公告2023年第19号')).toBe('财政部 税务总局公告2023年第19号');
    expect(docNumberKey('财政部 税务总局公告2023年第19号')).toBe('财政部税务总局公告2023年第19号');
  });

  it('reads and strips a 文号 appended to a title', () => {
    const title = '国务院办公厅关于同意建立全国计量工作部际联席会议制度的函（国办函〔2020〕128号）';
    expect(docNumberFromTitle(title)).toBe('国办函〔2020〕128号');
    expect(stripAppendedDocNumber(title)).toBe('国务院办公厅关于同意建立全国计量工作部际联席会议制度的函');
    expect(docNumberFromTitle('关于印发《“数据要素×”三年行动计划(2024—2026年)》的通知')).toBeNull();
    expect(stripAppendedDocNumber('关于印发《方案(2024—2026年)》的通知')).toBe('关于印发《方案(2024—2026年)》的通知');
  });

  it.each([
    ['国家发展改革委关于延长阶段性降低企业用电成本政策的通知', '通知'],
    ['国务院办公厅关于推进医疗保障基金监管制度体系改革的指导意见', '意见'],
    ['中华人民共和国国家卫生健康委员会公告', '公告'],
    ['科技部关于支持上海建设国家新一代人工智能创新发展试验区的函', '函'],
    ['国务院关于修改部分行政法规的决定', '决定'],
    ['国务院关于同意设立某某的批复', '批复'],
    ['某某办法', null],
  ])('type of %s is %s', (title, type) => expect(docTypeFromTitle(title)).toBe(type));

  it('matches titles across formatting differences', () => {
    expect(titleKey('关于印发《公共数据资源登记管理暂行办法》的通知')).toBe(titleKey('关于印发“公共数据资源登记管理暂行办法”的通知 '));
    expect(titleKey('国办函（国办函〔2020〕128号）')).toBe(titleKey('国办函'));
  });

  it('finds the effective date a text states for itself', () => {
    const dates = { written: '2023-08-01', published: '2023-08-02' };
    expect(effectiveDateFromText('……\n本办法自2023年10月1日起施行。', dates)).toBe('2023-10-01');
    expect(effectiveDateFromText('本公告自2023年1月1日起执行。', dates)).toBe('2023-01-01');
    expect(effectiveDateFromText('本通知自印发之日起施行。', dates)).toBe('2023-08-01');
    expect(effectiveDateFromText('本规定自发布之日起实施。', dates)).toBe('2023-08-02');
    // a period a measure runs for is not the document's effective date
    expect(effectiveDateFromText('自2020年7月1日起至12月31日止,电网企业……', dates)).toBeNull();
  });
});

describe('search text', () => {
  it('indexes CJK as bigrams and Latin as lower-case words', () => {
    expect(searchLexemes(['医疗保障 DRG付费'])).toEqual(['医疗', '疗保', '保障', 'drg', '付费']);
    expect(searchLexemes(['의료보장'])).toEqual(['의료', '료보', '보장']);
    expect(searchLexemes(['５Ｇ网络'])).toEqual(['5g', '网络']);
  });

  it('turns a query into AND-ed bigrams, prefix Latin words and single-character terms', () => {
    const { terms, excluded } = parseSearchQuery('医疗保障 DRG 医');
    expect(terms.map((t) => [t.text, t.singleChar, t.needsRecheck])).toEqual([
      ['医疗保障', false, true],
      ['drg', false, false],
      ['医', true, true],
    ]);
    expect(excluded).toEqual([]);
    expect(toTsQuery(terms)).toBe("'医疗' & '疗保' & '保障' & 'drg':*");
    expect(toTsQuery(parseSearchQuery('医').terms)).toBeNull();
    expect(parseSearchQuery('  ,, ')).toEqual({ terms: [], excluded: [] });
  });

  it('keeps quoted phrases together and reads -term as an exclusion', () => {
    const parsed = parseSearchQuery('"data security" 医保 -试点 -"DRG 付费" “数字 经济”');
    expect(parsed.terms.map((t) => t.text)).toEqual(['data security', '医保', '数字 经济']);
    expect(parsed.excluded.map((t) => t.text)).toEqual(['试点', 'drg 付费']);
    // one bigram proves itself; a phrase of several runs needs the text checked
    expect(parsed.terms.map((t) => t.needsRecheck)).toEqual([true, false, true]);
    expect(toTsQuery(parsed.terms)).toBe("'data' & 'security':* & '医保' & '数字' & '经济'");
    // a lone hyphen or an empty phrase is nothing
    expect(parseSearchQuery('- ""')).toEqual({ terms: [], excluded: [] });
  });

  it('quotes lexemes safely', () => {
    expect(toTsQuery(parseSearchQuery("it's").terms)).toBe("'it' & 's':*");
    expect(toTsQuery(parseSearchQuery("a'b\\c").terms)).not.toContain("\\'");
  });
});
