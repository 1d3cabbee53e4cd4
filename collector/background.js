// collector/background.js — the service worker: the only part that talks to revlens.
//
// Messages (chrome.runtime.sendMessage) it answers:
//   {type: 'config'}                      → {configured, maxPages, host}      (content script)
//   {type: 'ingest', kind, items}         → {ok: true, answer} | {ok: false, message}
//        kind: reviews | prices | keyword-tags | crawl-status; posted as
//        {"collector": "extension", "items": [...]} to <revlens>/api/ingest/<kind> with
//        Authorization: Bearer <ingest token>                              (content script)
//   {type: 'check', url, token}           → the same answer for an empty crawl-status
//        batch: proves the address and the token before saving them       (options page)
//   {type: 'slot', gap}                   → {wait}: ms to wait before the next review
//        request, so that all tabs together ask Coupang at most once a second (content script)
//   {type: 'open-options'}                → opens the options page
// Only the revlens address saved in the options receives anything; the revlens ingest
// API answers CORS with Access-Control-Allow-Origin: *, so no host permission is needed.
'use strict';

const KINDS = new Set(['reviews', 'prices', 'keyword-tags', 'crawl-status']);
const DEFAULTS = { revlensUrl: '', token: '', maxPages: 50 };
const TOKEN_RE = /^rli_[A-Za-z0-9_-]{43}$/;
const PRODUCT_PAGE_RE = /^https:\/\/www\.coupang\.com\/vp\/products\/\d+/;
const RETRIES = 2;            // a network error or 503 store_unavailable: send again (idempotent)
const TIMEOUT_MS = 30000;
let nextSlotAt = 0;           // when the next review request may go (see 'slot')

async function config() {
	const c = await chrome.storage.local.get(DEFAULTS);
	const maxPages = Math.max(1, Math.min(1000, Math.floor(Number(c.maxPages)) || DEFAULTS.maxPages));
	return { revlensUrl: String(c.revlensUrl || ''), token: String(c.token || ''), maxPages };
}

// '<base>/api/ingest/<kind>' for a saved base address, or null when it is not usable.
function endpoint(base, kind) {
	let u;
	try {
		u = new URL(base);
	} catch (e) {
		return null;
	}
	if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
	return `${u.origin}${u.pathname.replace(/\/+$/, '')}/api/ingest/${kind}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What to tell the user for an answer revlens gave (or did not give).
function problem(status, body, host) {
	const code = body && body.error && body.error.code;
	if (status === 0)
		return `revlens(${host})에 연결하지 못했습니다. 설정의 주소가 맞는지, revlens가 켜져 있는지 확인하세요.`;
	if (status === 401)
		return 'revlens가 수집 토큰을 받아들이지 않았습니다(401). 토큰이 취소되었거나 만료되었을 수 있습니다. ' +
			'revlens의 수집 토큰 페이지(/me/tokens)에서 새 토큰을 만들어 설정에 넣으세요.';
	if (status === 403)
		return 'revlens가 이 토큰으로는 수집할 수 없다고 답했습니다(403). rli_로 시작하는 수집 토큰인지 확인하세요.';
	if (status === 404)
		return `revlens(${host})에서 수집 API를 찾지 못했습니다(404). 설정의 주소가 revlens 주소인지 확인하세요.`;
	if (status === 413)
		return 'revlens가 보낸 묶음이 너무 크다고 답했습니다(413). 최대 페이지 수를 줄여 다시 시도하세요.';
	if (status === 503)
		return 'revlens의 저장소가 잠시 응답하지 않습니다(503). 잠시 후 다시 시도하세요.';
	return `revlens가 요청을 거부했습니다(${status}${code ? `, ${code}` : ''}). 확장 프로그램이 최신인지 확인하고 다시 시도하세요.`;
}

async function post(base, token, kind, items) {
	const url = endpoint(base, kind);
	if (!url) return { ok: false, message: 'revlens 주소가 올바르지 않습니다. 설정에서 https://로 시작하는 주소를 입력하세요.' };
	const host = new URL(url).host;
	const body = JSON.stringify({ collector: 'extension', items });
	let status = 0, answer = null;
	for (let attempt = 0; attempt <= RETRIES; attempt++) {
		if (attempt) await sleep(1000 * attempt);
		const ctl = new AbortController();
		const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
		try {
			const resp = await fetch(url, {
				method: 'POST', body, signal: ctl.signal, credentials: 'omit', cache: 'no-store',
				headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
			});
			status = resp.status;
			try { answer = await resp.json(); } catch (e) { answer = null; }
		} catch (e) {
			status = 0;
			answer = null;
		} finally {
			clearTimeout(timer);
		}
		if (status === 200 && answer && typeof answer === 'object') return { ok: true, answer };
		if (status !== 0 && status !== 503) break;
	}
	return { ok: false, status, message: problem(status, answer, host) };
}

async function handle(msg, sender) {
	if (!msg || typeof msg !== 'object') return { ok: false, message: '알 수 없는 요청입니다.' };
	if (msg.type === 'config') {
		const c = await config();
		const configured = !!endpoint(c.revlensUrl, 'reviews') && TOKEN_RE.test(c.token);
		return { configured, maxPages: c.maxPages, host: configured ? new URL(c.revlensUrl).host : '' };
	}
	if (msg.type === 'slot') {
		// the next review request's turn: one a second across all tabs (MIN_GAP_MS of content.js)
		const gap = Math.max(1000, Math.min(10000, Number(msg.gap) || 1000));
		const now = Date.now();
		const at = Math.max(now, nextSlotAt);
		nextSlotAt = at + gap;
		return { wait: at - now };
	}
	if (msg.type === 'open-options') {
		await chrome.runtime.openOptionsPage();
		return { ok: true };
	}
	if (msg.type === 'ingest') {
		// batches come only from our content script on a Coupang product page
		if (!sender.tab || !PRODUCT_PAGE_RE.test(sender.url || ''))
			return { ok: false, message: '쿠팡 상품 페이지에서만 보낼 수 있습니다.' };
		if (!KINDS.has(msg.kind) || !Array.isArray(msg.items) || msg.items.length > 1000)
			return { ok: false, message: '잘못된 묶음입니다.' };
		const c = await config();
		if (!TOKEN_RE.test(c.token))
			return { ok: false, message: '수집 토큰이 없습니다. 확장 프로그램 설정에서 revlens 수집 토큰을 입력하세요.' };
		return post(c.revlensUrl, c.token, msg.kind, msg.items);
	}
	if (msg.type === 'check') {
		// only from our own options page
		if (sender.tab && !String(sender.url || '').startsWith(chrome.runtime.getURL('')))
			return { ok: false, message: '알 수 없는 요청입니다.' };
		return post(String(msg.url || ''), String(msg.token || ''), 'crawl-status', []);
	}
	return { ok: false, message: '알 수 없는 요청입니다.' };
}

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
	if (sender.id !== chrome.runtime.id) return false;
	handle(msg, sender).then(sendResponse,
		(e) => sendResponse({ ok: false, message: `확장 프로그램 오류: ${e && e.message}. 다시 시도하세요.` }));
	return true;
});

chrome.runtime.onInstalled.addListener(async (details) => {
	if (details.reason !== 'install') return;
	const c = await config();
	if (!c.revlensUrl || !c.token) chrome.runtime.openOptionsPage();
});

// the toolbar button opens the settings
chrome.action.onClicked.addListener(() => { chrome.runtime.openOptionsPage(); });
