/**
 * E-mail through SMTP (`SMTP_URL`, `SMTP_FROM`, nodemailer): a Korean HTML alert with a plain-text
 * part and a one-click unsubscribe link (RFC 8058 `List-Unsubscribe`), and the weekly digest.
 * @module
 */
import nodemailer from 'nodemailer';
import type { toNoticeJson } from '../api/notice.view.js';
import { shortKoreanDate } from '../enrichment/korean.js';

type NoticeJson = ReturnType<typeof toNoticeJson>;

export interface Mailer {
  sendAlert(to: string, notice: NoticeJson | null, unsubscribeUrl: string | null, messageId: string, link: string | null): Promise<void>;
  sendDigest(to: string, subject: string, html: string, text: string, unsubscribeUrl: string | null): Promise<void>;
  close(): void;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The alert e-mail: subject, HTML and text parts. */
export function alertMessage(notice: NoticeJson | null, unsubscribeUrl: string | null, link: string | null) {
  if (!notice) {
    const text = 'China Policy Tracker 알림 설정 시험 메시지입니다. 이 메일을 받으셨다면 알림이 정상적으로 전달됩니다.';
    return { subject: '[중국 정책 알림] 시험 메시지', text, html: `<p>${esc(text)}</p>` };
  }
  const date = notice.published_date ?? notice.written_date;
  const title = notice.title_ko ?? notice.title_zh;
  const sectors = notice.sectors.map((s) => s.name_ko).join(' · ');
  const issuers = notice.issuers.map((i) => i.name_ko ?? i.name_zh).join(', ');
  const lines = [
    `◆ ${sectors}`,
    `▶ ${title}${date ? ` (${shortKoreanDate(date)})` : ''}`,
    `원문 제목: ${notice.title_zh}`,
    `발문기관: ${issuers}${notice.doc_number ? ` · ${notice.doc_number}` : ''}`,
    '',
    ...(notice.summary_ko ? notice.summary_ko.split('\n') : []),
    '',
    ...(link ? [`원문: ${link}`] : []),
    ...(unsubscribeUrl ? [`수신 거부: ${unsubscribeUrl}`] : []),
  ];
  const html = [
    `<div style="font-family:'Noto Sans KR','Malgun Gothic',sans-serif;max-width:640px">`,
    `<p style="color:#1a2b4c;font-weight:bold;margin:0 0 4px">◆ ${esc(sectors)}</p>`,
    `<h2 style="font-size:17px;margin:0 0 6px">▶ ${esc(title)}${date ? ` (${esc(shortKoreanDate(date)!)})` : ''}</h2>`,
    `<p style="color:#444;font-size:13px;margin:0 0 4px">${esc(notice.title_zh)}</p>`,
    `<p style="color:#666;font-size:13px;margin:0 0 10px">${esc(issuers)}${notice.doc_number ? ` · ${esc(notice.doc_number)}` : ''}</p>`,
    ...(notice.summary_ko ? notice.summary_ko.split('\n').map((l) => `<p style="font-size:14px;margin:0 0 4px">${esc(l)}</p>`) : []),
    ...(link ? [`<p style="font-size:13px"><a href="${esc(link)}">원문 보기</a></p>`] : []),
    ...(unsubscribeUrl ? [`<p style="font-size:11px;color:#888"><a href="${esc(unsubscribeUrl)}">이 알림 수신 거부</a></p>`] : []),
    '</div>',
  ].join('\n');
  return { subject: `[중국 정책 알림] ${title}`, text: lines.join('\n'), html };
}

/** @param timeoutMs bounds connecting, the greeting and each socket wait, like a webhook attempt */
export function createMailer(smtpUrl: string, from: string, timeoutMs = 10_000): Mailer {
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  const unsubscribeHeaders = (url: string | null): Record<string, string> =>
    url ? { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {};
  return {
    async sendAlert(to, notice, unsubscribeUrl, messageId, link) {
      const message = alertMessage(notice, unsubscribeUrl, link);
      await transport.sendMail({
        from,
        to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { ...unsubscribeHeaders(unsubscribeUrl), 'X-CPT-Delivery': messageId },
      });
    },
    async sendDigest(to, subject, html, text, unsubscribeUrl) {
      await transport.sendMail({ from, to, subject, html, text, headers: unsubscribeHeaders(unsubscribeUrl) });
    },
    close() {
      transport.close();
    },
  };
}
