// collector/content.js — runs on https://www.coupang.com/vp/products/*.
//
// Adds the "revlens로 보내기" button (bottom right, in its own shadow root so the page's
// styles do not reach it).  On a click it reads the product's name, price, image and
// "구매자 설문" from the page (SELECTORS below: the one place to fix when Coupang
// changes its markup), then fetches the reviews page by page from the page's own
// /next-api/review — size 10 as the page asks, at most one request a second, at most
// the options' page cap — and hands every batch to the background service worker,
// which alone talks to revlens (docs/ingest.md).  The panel shows pages done, reviews
// sent and errors.
(() => {
	'use strict';
	if (window.__revlensCollector) return;
	window.__revlensCollector = true;

	// ------------------------------------------------------------ what we read

	// Each entry: CSS selectors tried in order (the first one that matches wins).
	const SELECTORS = {
		name: ['h1.prod-buy-header__title', 'h1.product-title', '.prod-buy-header h1'],
		price: ['.prod-price .total-price strong', '.total-price strong', '.final-price-amount'],
		image: ['img.prod-image__detail', '.prod-image img', '.product-image img'],
		survey: ['.sdp-review__survey'],
		surveyCount: ['.sdp-review__survey__count'],
		surveyQuestion: ['.sdp-review__survey__question'],
		surveyQuestionTitle: ['.sdp-review__survey__question__title'],
		surveyAnswer: ['.sdp-review__survey__answer'],
		surveyAnswerLabel: ['.sdp-review__survey__answer__label'],
		surveyAnswerPercent: ['.sdp-review__survey__answer__percent'],
	};

	const REVIEW_API = '/next-api/review';
	const PAGE_SIZE = 10;          // the page's own size: Coupang refuses others
	const MIN_GAP_MS = 1000;       // at most one review request a second
	const MAX_429_RETRIES = 3;
	const MAX_5XX_RETRIES = 2;
	const COLLECTOR = 'extension';

	const one = (root, key) => {
		for (const sel of SELECTORS[key]) {
			const el = root.querySelector(sel);
			if (el) return el;
		}
		return null;
	};
	const all = (root, key) => {
		for (const sel of SELECTORS[key]) {
			const els = root.querySelectorAll(sel);
			if (els.length) return [...els];
		}
		return [];
	};
	const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
	const digits = (s) => {
		const d = String(s).replace(/[^0-9]/g, '');
		return d ? Number(d) : null;
	};

	function productId() {
		const m = location.pathname.match(/^\/vp\/products\/(\d+)/);
		return m ? Number(m[1]) : null;
	}

	// The product as the page shows it: {name, price, image_url, survey: {respondents, tags}}
	function readProduct() {
		const name = text(one(document, 'name')) || null;
		const price = digits(text(one(document, 'price')));
		const img = one(document, 'image');
		let image_url = null;
		if (img && img.src) {
			try {
				const u = new URL(img.getAttribute('src'), location.href);
				if (u.protocol === 'https:') image_url = u.href;
			} catch (e) { /* no image then */ }
		}
		const tags = [];
		let respondents = null;
		const survey = one(document, 'survey');
		if (survey) {
			respondents = digits(text(one(survey, 'surveyCount')));
			for (const q of all(survey, 'surveyQuestion')) {
				const question = text(one(q, 'surveyQuestionTitle'));
				if (!question) continue;
				for (const a of all(q, 'surveyAnswer')) {
					const answer = text(one(a, 'surveyAnswerLabel'));
					const percent = parseFloat(text(one(a, 'surveyAnswerPercent')).replace(/[^0-9.]/g, ''));
					if (answer && Number.isFinite(percent)) tags.push({ question, answer, percent });
				}
			}
		}
		return { name, price, image_url, survey: { respondents, tags } };
	}

	// One Coupang review object → one ingest review item (docs/ingest.md).
	function reviewItem(r, pid) {
		const item = {
			product_id: Number(r.productId) || pid,
			review_id: r.reviewId,
			rating: r.rating,
			content: r.content == null ? '' : String(r.content),
			written_at: r.reviewAt,
		};
		if (r.title) item.title = String(r.title);
		if (r.member && r.member.name) item.author = String(r.member.name);
		if (r.itemName) item.option = String(r.itemName);
		return item;
	}

	// ------------------------------------------------------------ the panel

	const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.rl { position: fixed; right: 24px; bottom: 24px; z-index: 2147483000; display: flex; flex-direction: column;
	align-items: flex-end; gap: 12px; font-family: "Pretendard", "Apple SD Gothic Neo", "Noto Sans KR",
	"Noto Sans CJK KR", "NanumGothic", "Malgun Gothic", system-ui, sans-serif; color: #17202e;
	font-size: 14px; line-height: 1.55; word-break: keep-all; }
.rl-send { display: inline-flex; align-items: center; gap: 8px; border: 0; border-radius: 999px;
	background: #3559e0; color: #fff; font: inherit; font-size: 15px; font-weight: 700; padding: 12px 20px 12px 14px;
	box-shadow: 0 6px 20px rgba(53, 89, 224, .35); cursor: pointer; }
.rl-send:hover { background: #2a4bc9; }
.rl-send:disabled { background: #8fa2e6; cursor: default; box-shadow: none; }
.rl-send:focus-visible, .rl-panel button:focus-visible { outline: 3px solid #b9c7f7; outline-offset: 2px; }
.rl-logo { width: 22px; height: 22px; flex: none; }
.rl-panel { width: 340px; background: #fff; border: 1px solid #e3e7ee; border-radius: 14px;
	box-shadow: 0 1px 2px rgba(23, 32, 46, .06), 0 10px 32px rgba(23, 32, 46, .16); overflow: hidden; }
.rl-panel[hidden] { display: none; }
.rl-head { display: flex; align-items: center; gap: 8px; padding: 12px 14px 10px 16px; border-bottom: 1px solid #eef1f6; }
.rl-head strong { font-size: 15px; }
.rl-head .rl-logo { width: 18px; height: 18px; }
.rl-badge { margin-left: auto; font-size: 12px; font-weight: 700; border-radius: 999px; padding: 2px 10px;
	background: #eaf0ff; color: #3559e0; }
.rl-close { border: 0; background: none; font: inherit; font-size: 20px; line-height: 1; color: #6b7588;
	cursor: pointer; padding: 2px 4px; border-radius: 6px; }
.rl-close:hover { background: #f5f7fb; }
.rl-body { padding: 14px 16px 16px; }
.rl-product { margin: 0 0 12px; font-weight: 600; color: #4a5567; overflow: hidden; text-overflow: ellipsis;
	white-space: nowrap; }
.rl-bar { height: 8px; background: #eef1f6; border-radius: 999px; overflow: hidden; }
.rl-bar-fill { height: 100%; width: 0; background: #3559e0; border-radius: 999px; transition: width .3s; }
.rl-stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 14px 0 0; }
.rl-stats div { background: #f5f7fb; border-radius: 10px; padding: 8px 10px; }
.rl-stats dt { font-size: 12px; color: #6b7588; }
.rl-stats dd { margin: 2px 0 0; font-size: 17px; font-weight: 700; font-variant-numeric: tabular-nums; }
.rl-message { margin: 14px 0 0; padding: 10px 12px; border-radius: 10px; background: #f5f7fb; color: #4a5567; }
.rl-message:empty { display: none; }
.rl-actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 14px; }
.rl-actions button { font: inherit; font-size: 13px; font-weight: 600; border-radius: 8px; padding: 6px 12px;
	border: 1px solid #d5dbe6; background: #fff; color: #17202e; cursor: pointer; }
.rl-actions button:hover { background: #f5f7fb; }
.rl-actions button[hidden] { display: none; }
.rl-panel[data-state="running"] .rl-badge { background: #eaf0ff; color: #3559e0; }
.rl-panel[data-state="done"] .rl-badge { background: #e9f8f1; color: #14976b; }
.rl-panel[data-state="done"] .rl-bar-fill { background: #14976b; }
.rl-panel[data-state="done"] .rl-message { background: #e9f8f1; color: #0f6e4f; }
.rl-panel[data-state="blocked"] .rl-badge, .rl-panel[data-state="failed"] .rl-badge { background: #fdecef; color: #b3263e; }
.rl-panel[data-state="blocked"] .rl-message, .rl-panel[data-state="failed"] .rl-message { background: #fdecef; color: #8f1d31; }
.rl-panel[data-state="blocked"] .rl-bar-fill, .rl-panel[data-state="failed"] .rl-bar-fill { background: #d1435b; }
.rl-panel[data-state="setup"] .rl-badge { background: #fff6e5; color: #94600b; }
.rl-panel[data-state="setup"] .rl-message { background: #fff6e5; color: #6d4708; }
`;
	const LOGO = '<svg class="rl-logo" viewBox="0 0 32 32" aria-hidden="true"><circle cx="16" cy="16" r="12" ' +
		'fill="none" stroke="currentColor" stroke-width="4"/><circle cx="16" cy="16" r="5" fill="currentColor"/></svg>';
	const BADGE = { idle: '대기', running: '수집 중', done: '완료', blocked: '차단됨', failed: '실패', setup: '설정 필요' };

	const host = document.createElement('div');
	host.id = 'revlens-collector';
	const root = host.attachShadow({ mode: 'open' });
	root.innerHTML = `<style>${CSS}</style>
<div class="rl">
  <section class="rl-panel" data-state="idle" role="status" aria-live="polite" hidden>
    <div class="rl-head"><span style="color:#3559e0;display:inline-flex">${LOGO}</span><strong>revlens 수집</strong>
      <span class="rl-badge">대기</span><button class="rl-close" type="button" aria-label="닫기">×</button></div>
    <div class="rl-body">
      <p class="rl-product"></p>
      <div class="rl-bar"><div class="rl-bar-fill"></div></div>
      <dl class="rl-stats">
        <div><dt>페이지</dt><dd class="rl-pages">0</dd></div>
        <div><dt>보낸 상품평</dt><dd class="rl-reviews">0</dd></div>
        <div><dt>오류</dt><dd class="rl-errors">0</dd></div>
      </dl>
      <p class="rl-message"></p>
      <div class="rl-actions">
        <button class="rl-stop" type="button" hidden>중지</button>
        <button class="rl-options" type="button">설정</button>
      </div>
    </div>
  </section>
  <button class="rl-send" type="button">${LOGO}<span>revlens로 보내기</span></button>
</div>`;
	(document.body || document.documentElement).appendChild(host);

	const $ = (sel) => root.querySelector(sel);
	const ui = {
		panel: $('.rl-panel'), badge: $('.rl-badge'), product: $('.rl-product'), fill: $('.rl-bar-fill'),
		pages: $('.rl-pages'), reviews: $('.rl-reviews'), errors: $('.rl-errors'), message: $('.rl-message'),
		send: $('.rl-send'), sendLabel: $('.rl-send span'), stop: $('.rl-stop'),
	};
	const fmt = (n) => Number(n).toLocaleString('ko-KR');

	function show(st) {
		ui.panel.hidden = false;
		ui.panel.dataset.state = st.state;
		ui.badge.textContent = BADGE[st.state] || st.state;
		ui.product.textContent = st.name || (st.pid ? `쿠팡 상품 ${st.pid}` : '');
		ui.product.title = ui.product.textContent;
		ui.pages.textContent = st.totalPages ? `${fmt(st.pages)} / ${fmt(st.totalPages)}` : fmt(st.pages);
		ui.reviews.textContent = fmt(st.reviews);
		ui.errors.textContent = fmt(st.errors);
		ui.message.textContent = st.message || '';
		const pct = st.state === 'done' ? 100 : st.totalPages ? Math.round(100 * st.pages / st.totalPages) : 0;
		ui.fill.style.width = `${Math.min(100, pct)}%`;
		const running = st.state === 'running';
		ui.send.disabled = running;
		ui.sendLabel.textContent = running ? '보내는 중…' : st.state === 'idle' || st.state === 'setup'
			? 'revlens로 보내기' : '다시 보내기';
		ui.stop.hidden = !running;
	}

	$('.rl-close').addEventListener('click', () => { ui.panel.hidden = true; });
	$('.rl-options').addEventListener('click', () => {
		chrome.runtime.sendMessage({ type: 'open-options' }).catch(() => {});
	});

	// ------------------------------------------------------------ the run

	class Stop extends Error {
		// revlens: the failure was revlens's (no point telling revlens about it)
		constructor(state, message, revlens = false) { super(message); this.state = state; this.revlens = revlens; }
	}

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	let lastRequestAt = 0;
	let cancelled = false;
	let st = null;

	// Hand a batch to the background (which posts it to revlens); throws Stop on failure.
	async function ingest(kind, items) {
		let res;
		try {
			res = await chrome.runtime.sendMessage({ type: 'ingest', kind, items });
		} catch (e) {
			throw new Stop('failed', '확장 프로그램이 응답하지 않습니다. 이 페이지를 새로 고친 뒤 다시 시도하세요.', true);
		}
		if (!res || !res.ok)
			throw new Stop('failed', (res && res.message) || 'revlens에 보내지 못했습니다. 설정을 확인하세요.', true);
		const rejected = (res.answer && res.answer.rejected) || [];
		st.errors += rejected.length;
		return res.answer || {};
	}

	// at most `max` bytes of UTF-8, cut at a character
	function clip(s, max) {
		const enc = new TextEncoder();
		if (enc.encode(s).length <= max) return s;
		let out = '';
		for (const ch of s) {
			if (enc.encode(out + ch + '…').length > max) break;
			out += ch;
		}
		return out + '…';
	}

	async function status(state, message) {
		return ingest('crawl-status', [{ product_id: st.pid, state, message: clip(message, 500),
			pages: st.pages, reviews: st.reviews }]);
	}

	// Wait for our turn: at most one review request a second in this tab, and — through the
	// background's clock — across every tab of the browser.
	async function pace() {
		let wait = lastRequestAt + MIN_GAP_MS - Date.now();
		try {
			const r = await chrome.runtime.sendMessage({ type: 'slot', gap: MIN_GAP_MS });
			if (r && Number.isFinite(r.wait)) wait = Math.max(wait, r.wait);
		} catch (e) { /* the local clock alone then */ }
		if (wait > 0) await sleep(wait);
		lastRequestAt = Date.now();
	}

	// One page of reviews: the decoded paging object, or null when the page could not be
	// read (malformed) — throws Stop when Coupang refuses us.
	async function fetchPage(page) {
		const q = new URLSearchParams({ productId: String(st.pid), page: String(page), size: String(PAGE_SIZE),
			sortBy: 'ORDER_SCORE_ASC', ratingSummary: 'true', ratings: '', market: '' });
		let tries429 = 0, tries5xx = 0, triesBad = 0;
		for (;;) {
			if (cancelled) throw new Stop('failed', '수집을 중지했습니다. 다시 보내려면 버튼을 누르세요.');
			await pace();
			let resp, body;
			try {
				resp = await fetch(`${REVIEW_API}?${q}`, { credentials: 'include',
					headers: { accept: 'application/json, text/plain, */*' } });
				body = await resp.text();
			} catch (e) {
				throw new Stop('failed', '쿠팡에 연결하지 못했습니다. 인터넷 연결을 확인한 뒤 다시 시도하세요.');
			}
			const html = /^\s*</.test(body) || /text\/html/i.test(resp.headers.get('content-type') || '');
			if (resp.status === 403 || (html && /access denied|captcha|challenge/i.test(body)))
				throw new Stop('blocked', '쿠팡이 상품평 요청을 차단했습니다(접근 거부). 쿠팡 페이지를 새로 고치고 ' +
					'로그인·보안 확인을 마친 뒤 잠시 후 다시 시도하세요.');
			if (resp.status === 429) {
				if (++tries429 > MAX_429_RETRIES)
					throw new Stop('failed', '쿠팡이 요청이 너무 잦다고 응답했습니다(429). 몇 분 뒤 다시 시도하세요.');
				const ra = Number(resp.headers.get('retry-after'));
				const secs = Number.isFinite(ra) && ra > 0 ? Math.min(ra, 60) : 5 * tries429;
				st.message = `쿠팡이 잠시 기다리라고 합니다. ${secs}초 뒤 ${page}쪽을 다시 요청합니다.`;
				show(st);
				await sleep(secs * 1000);
				continue;
			}
			if (resp.status >= 500) {
				if (++tries5xx > MAX_5XX_RETRIES)
					throw new Stop('failed', `쿠팡 서버가 상품평을 주지 않습니다(${resp.status}). 잠시 후 다시 시도하세요.`);
				st.message = `쿠팡 서버 오류(${resp.status}). ${2 * tries5xx}초 뒤 다시 요청합니다.`;
				show(st);
				await sleep(2000 * tries5xx);
				continue;
			}
			if (resp.status !== 200)
				throw new Stop('failed', `쿠팡이 상품평 요청에 ${resp.status}로 답했습니다. 잠시 후 다시 시도하세요.`);
			let data = null;
			try { data = JSON.parse(body); } catch (e) { data = null; }
			const paging = data && data.rData && data.rData.paging;
			if (paging && Array.isArray(paging.contents)) return paging;
			if (++triesBad > 1) return null;    // read it twice; then skip the page
		}
	}

	async function run() {
		const pid = productId();
		if (!pid) return;
		cancelled = false;
		ui.stop.disabled = false;
		const product = readProduct();
		st = { pid, name: product.name, state: 'running', pages: 0, totalPages: 0, reviews: 0, errors: 0,
			message: '설정을 확인하는 중입니다…' };
		show(st);

		let cfg;
		try {
			cfg = await chrome.runtime.sendMessage({ type: 'config' });
		} catch (e) {
			cfg = null;
		}
		if (!cfg || !cfg.configured) {
			st.state = 'setup';
			st.message = 'revlens 주소와 수집 토큰이 아직 없습니다. [설정]에서 입력한 뒤 다시 누르세요.';
			show(st);
			return;
		}
		const maxPages = cfg.maxPages;
		let skipped = 0, capped = false;
		try {
			st.message = `${cfg.host}에 상품 정보를 보내는 중입니다…`;
			show(st);
			await status('running', '브라우저 확장으로 상품평을 수집하고 있습니다.');
			const now = Date.now();
			if (product.price != null) {
				const item = { product_id: pid, price: product.price, observed_at: now };
				if (product.name) item.name = product.name;
				if (product.image_url) item.image_url = product.image_url;
				await ingest('prices', [item]);
			} else {
				st.errors++;
			}
			if (product.survey.tags.length) {
				await ingest('keyword-tags', product.survey.tags.map((t) => {
					const item = { product_id: pid, question: t.question, answer: t.answer, percent: t.percent,
						observed_at: now };
					if (product.survey.respondents != null) item.respondents = product.survey.respondents;
					return item;
				}));
			}

			for (let page = 1; page <= maxPages; page++) {
				st.message = `${page}쪽 상품평을 가져오는 중입니다…`;
				show(st);
				const paging = await fetchPage(page);
				if (paging === null) {
					skipped++;
					st.errors++;
					st.pages = page;
					show(st);
					continue;
				}
				const total = Number(paging.totalPage) || 0;
				capped = total > maxPages;
				st.totalPages = Math.min(total, maxPages);
				if (!paging.contents.length) break;
				const items = paging.contents.map((r) => reviewItem(r, pid));
				const ans = await ingest('reviews', items);
				st.reviews += Number(ans.stored) || 0;
				st.pages = page;
				show(st);
				if (page < st.totalPages) await status('running', `상품평 ${page}/${st.totalPages}쪽을 수집했습니다.`);
				if (page >= total) break;
			}
			let msg = st.reviews ? `상품평 ${fmt(st.reviews)}개를 revlens에 보냈습니다.` :
				'이 상품에는 아직 상품평이 없습니다.';
			if (skipped) msg += ` 읽지 못한 페이지 ${skipped}개는 건너뛰었습니다.`;
			if (capped) msg += ` 최대 페이지 수(${fmt(maxPages)}쪽)까지만 가져왔습니다. 더 가져오려면 [설정]에서 늘리세요.`;
			await status('done', msg);
			st.state = 'done';
			st.message = `완료: ${msg}`;
		} catch (e) {
			st.state = e instanceof Stop ? e.state : 'failed';
			st.message = e instanceof Stop ? e.message : `예상하지 못한 오류가 났습니다: ${e.message}. 다시 시도하세요.`;
			st.errors++;
			try {
				if (!e.revlens) await status(st.state, st.message);
			} catch (e2) { /* revlens itself is what failed */ }
		}
		show(st);
	}

	ui.send.addEventListener('click', () => { run(); });
	ui.stop.addEventListener('click', () => { cancelled = true; ui.stop.disabled = true; });
})();
