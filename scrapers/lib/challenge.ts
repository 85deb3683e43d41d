/**
 * Anti-bot challenge pages that Chinese government sites serve instead of content: 瑞数 (Ruishu,
 * HTTP 412), 加速乐 (jsl, HTTP 521) and WZWS. Every source uses this one detector, so a 200 answer with
 * a challenge body is reported as a `challenge` problem, never stored as a notice.
 * @module
 */

export type ChallengeVendor = '瑞数' | '加速乐' | 'WZWS';

export interface Challenge {
  vendor: ChallengeVendor;
  /** The HTTP status the vendor normally answers with (412 瑞数, 521 加速乐), for messages. */
  usualStatus: number | null;
  message: string;
}

/** 瑞数 (Ruishu): `$_ts=window['$_ts']` bootstrap script, `<meta content="{qqqq…">` seed. */
const RUISHU_TS = /\$_ts\s*=\s*window\s*\[\s*['"]\$_ts['"]\s*\]|\$_ts\.(?:nsd|cd)\s*=/;
const RUISHU_META = /<meta\b[^>]*\bcontent\s*=\s*["']\{q{4}/i;
/** 加速乐 (jsl): a script that sets `__jsl_clearance[_s]` and reloads the page. */
const JSL_COOKIE = /__jsl_clearance(?:_s)?/;
const JSL_RELOAD = /document\.cookie\s*=[\s\S]{0,4000}location\.(?:href|replace|reload)/;
/** WZWS (网宿): `wzws_cid` cookie, `/WZWSREL…` follow-up URLs. */
const WZWS = /\bwzws_cid\b|\/WZWSREL[A-Za-z0-9+/=]+|wzwschallenge|wzwstemplate|WZWS_CONFIRM_PREFIX_LABEL/i;

/**
 * Recognises an anti-bot challenge page.
 * @param body the response text
 * @param content a pattern that only real pages of the site match (their list or body container);
 *   a page that matches it is content even when the site injects a vendor script into it
 * @returns the challenge, or null when the body is not one
 */
export function detectChallenge(body: string, content?: RegExp): Challenge | null {
  // Challenge pages are small; a full page that happens to mention a marker in its text is not one.
  if (body.length > 200_000) return null;
  if (content?.test(body)) return null;
  if (RUISHU_TS.test(body) || RUISHU_META.test(body)) {
    return {
      vendor: '瑞数',
      usualStatus: 412,
      message: 'anti-bot challenge (瑞数 JavaScript cookie challenge, normally HTTP 412) served instead of the page; the site must be read through a browser',
    };
  }
  if (JSL_COOKIE.test(body) || (body.length < 20_000 && JSL_RELOAD.test(body))) {
    return {
      vendor: '加速乐',
      usualStatus: 521,
      message: 'anti-bot challenge (加速乐 __jsl_clearance cookie script, normally HTTP 521) served instead of the page; the site must be read through a browser',
    };
  }
  if (WZWS.test(body)) {
    return {
      vendor: 'WZWS',
      usualStatus: null,
      message: 'anti-bot challenge (WZWS JavaScript challenge) served instead of the page; the site must be read through a browser',
    };
  }
  return null;
}

