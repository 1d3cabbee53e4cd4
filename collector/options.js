// collector/options.js — the options page: the revlens address, the ingest token and the
// page cap, kept in chrome.storage.local (this browser only).  "연결 확인" sends an empty
// crawl-status batch through the background worker to prove the address and the token.
'use strict';

const DEFAULTS = { revlensUrl: '', token: '', maxPages: 50 };
const TOKEN_RE = /^rli_[A-Za-z0-9_-]{43}$/;
const $ = (id) => document.getElementById(id);
const form = $('form'), urlIn = $('revlens-url'), tokenIn = $('token'), pagesIn = $('max-pages');
const statusEl = $('status');

function say(kind, msg) {
	statusEl.className = `status ${kind}`;
	statusEl.textContent = msg;
}

// The form's values, checked: {values} or {error, field}.
function read() {
	for (const el of [urlIn, tokenIn, pagesIn]) el.removeAttribute('aria-invalid');
	let raw = urlIn.value.trim();
	if (raw && !/^[a-z]+:\/\//i.test(raw)) raw = `https://${raw}`;
	let u = null;
	try { u = new URL(raw); } catch (e) { u = null; }
	if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname)
		return { field: urlIn, error: 'revlens 주소를 https://revlens.example.com 처럼 입력하세요.' };
	const token = tokenIn.value.trim();
	if (!TOKEN_RE.test(token))
		return { field: tokenIn, error: '수집 토큰은 rli_로 시작하는 47자입니다. revlens의 수집 토큰 페이지(/me/tokens)에서 만든 토큰을 그대로 붙여 넣으세요.' };
	const maxPages = Number(pagesIn.value);
	if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 1000)
		return { field: pagesIn, error: '최대 페이지 수는 1에서 1000 사이의 정수로 입력하세요.' };
	const revlensUrl = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
	const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
	const warning = u.protocol === 'http:' && !local
		? ' 주의: https가 아닌 주소라 토큰과 상품평이 암호화되지 않은 채 전송됩니다.' : '';
	return { values: { revlensUrl, token, maxPages }, warning };
}

function invalid(r) {
	r.field.setAttribute('aria-invalid', 'true');
	r.field.focus();
	say('error', r.error);
}

async function load() {
	const c = await chrome.storage.local.get(DEFAULTS);
	urlIn.value = c.revlensUrl;
	tokenIn.value = c.token;
	pagesIn.value = c.maxPages;
	if (!c.revlensUrl || !c.token)
		say('warn', 'revlens 주소와 수집 토큰을 입력하고 저장하면 쿠팡 상품 페이지에 [revlens로 보내기] 버튼이 동작합니다.');
}

form.addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const r = read();
	if (r.error) return invalid(r);
	await chrome.storage.local.set(r.values);
	urlIn.value = r.values.revlensUrl;
	say(r.warning ? 'warn' : 'ok', `저장했습니다. 이제 쿠팡 상품 페이지에서 [revlens로 보내기]를 누르세요.${r.warning}`);
});

$('check').addEventListener('click', async () => {
	const r = read();
	if (r.error) return invalid(r);
	const btn = $('check');
	btn.disabled = true;
	say('warn', '연결을 확인하는 중입니다…');
	try {
		const res = await chrome.runtime.sendMessage({ type: 'check', url: r.values.revlensUrl, token: r.values.token });
		if (res && res.ok) say('ok', `${new URL(r.values.revlensUrl).host}에 연결했고 토큰이 유효합니다. [저장]을 눌러 저장하세요.`);
		else say('error', (res && res.message) || '연결을 확인하지 못했습니다. 다시 시도하세요.');
	} catch (e) {
		say('error', '확장 프로그램이 응답하지 않습니다. 확장 프로그램을 다시 로드한 뒤 시도하세요.');
	} finally {
		btn.disabled = false;
	}
});

$('toggle-token').addEventListener('click', () => {
	const show = tokenIn.type === 'password';
	tokenIn.type = show ? 'text' : 'password';
	$('toggle-token').textContent = show ? '숨기기' : '보기';
});

load();
