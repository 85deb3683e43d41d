import { describe, expect, it } from 'vitest';
import { sanitizeBodyHtml } from '../src/notices/sanitize.js';

describe('sanitizeBodyHtml', () => {
  const page = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';

  it('removes scripts, handlers, frames, forms and javascript: links', () => {
    const dirty =
      '<p onclick="steal()">一、实施范围<script>alert(1)</script></p><iframe src="https://evil.example"></iframe>' +
      '<a href="javascript:alert(1)">x</a><img src="x" onerror="alert(1)"><form><input name="q"></form><style>p{}</style>' +
      '<svg><script>alert(2)</script></svg><a href="data:text/html,hi">d</a>';
    const clean = sanitizeBodyHtml(dirty, page);
    expect(clean).not.toMatch(/script|onclick|onerror|iframe|<form|<input|<style|javascript:|data:|<svg/i);
    expect(clean).toContain('一、实施范围');
  });

  it('keeps document structure, safe layout styles and absolute links', () => {
    const clean = sanitizeBodyHtml(
      '<p style="text-align: right; font-family: 宋体; position: fixed">国家发展改革委</p>' +
        '<table><tr><td colspan="2">表</td></tr></table><a href="./P020200628.pdf">附件</a><img src="../img/a.png" alt="图">',
      page,
    );
    expect(clean).toContain('<p style="text-align:right">国家发展改革委</p>');
    expect(clean).toContain('<td colspan="2">表</td>');
    expect(clean).toContain('href="https://www.gov.cn/zhengce/zhengceku/2020-06/28/P020200628.pdf"');
    expect(clean).toContain('rel="noopener noreferrer nofollow"');
    expect(clean).toContain('src="https://www.gov.cn/zhengce/zhengceku/2020-06/img/a.png"');
  });
});
