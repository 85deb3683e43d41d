/**
 * The API's validation messages (English, per parameter) said in Korean for the pages' forms.
 * A message this table does not know keeps its English text after the Korean field name, so
 * nothing the validator says is lost.
 * @module
 */
import type { ParameterError } from '../api/problem.js';

const FIELD_KO: Record<string, string> = {
  source: '수집원',
  issuer: '발문기관',
  doc_type: '문서 종류',
  sector: '분야',
  korea_relevant: '한국 관련',
  from: '시작일',
  to: '종료일',
  written_from: '작성일(부터)',
  written_to: '작성일(까지)',
  q: '검색어',
  limit: '표시 개수',
  cursor: '페이지 위치',
  sort: '정렬',
  kind: '구독 종류',
  events: '이벤트',
  channel: '채널',
  'channel.type': '채널 종류',
  'channel.url': '웹훅 주소',
  'channel.to': '이메일 주소',
  'channel.format': '웹훅 형식',
  filter: '조건',
  'filter.sectors': '분야',
  'filter.issuers': '발문기관',
  'filter.keywords': '키워드',
  'filter.doc_types': '문서 종류',
  'filter.korea_relevant': '한국 관련',
  request: '요청',
};

const MESSAGE_KO: [RegExp, string][] = [
  [/must be a real date written YYYY-MM-DD/, 'YYYY-MM-DD 형식의 실제 날짜여야 합니다'],
  [/must not be after `?to`?/, '종료일보다 늦을 수 없습니다'],
  [/must not be after `?written_to`?/, '작성일(까지)보다 늦을 수 없습니다'],
  [/^unknown sector/, '알 수 없는 분야입니다'],
  [/^unknown source/, '알 수 없는 수집원입니다'],
  [/must not be empty/, '비어 있을 수 없습니다'],
  [/is not a parameter of this endpoint/, '알 수 없는 항목입니다'],
  [/is not a cursor this API issued/, '이 서비스가 만든 페이지 위치가 아닙니다'],
  [/must be an integer from 1 to 100/, '1에서 100 사이의 정수여야 합니다'],
  [/must be true or false/, 'true 또는 false여야 합니다'],
  [/Too big|too_big|at most|<=/i, '너무 깁니다'],
  [/Too small|too_small|at least|>=/i, '너무 짧거나 적습니다'],
  [/Invalid URL|invalid url/i, '올바른 URL이 아닙니다'],
  [/Invalid email|invalid email/i, '올바른 이메일 주소가 아닙니다'],
  [/a digest subscription is sent by e-mail/, '주간 다이제스트 구독은 이메일로만 받을 수 있습니다'],
  [/private|loopback|link-local|https/i, '허용되지 않는 웹훅 주소입니다 (https, 공인 주소만)'],
];

/** One Korean line per error: `시작일: YYYY-MM-DD 형식의 실제 날짜여야 합니다 (must be …)`. */
export function koreanErrors(errors: ParameterError[]): string[] {
  return errors.map((e) => {
    const field = FIELD_KO[e.parameter] ?? e.parameter;
    const known = MESSAGE_KO.find(([re]) => re.test(e.detail));
    return known ? `${field}: ${known[1]} (${e.detail})` : `${field}: 값이 올바르지 않습니다 (${e.detail})`;
  });
}
