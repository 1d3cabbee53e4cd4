// live.js — the live progress of an analysis request on /requests/{id}.
// Listens on nchan's EventSource channel /live/requests/{id}; when that fails, polls
// /requests/{id}/status every 2 s. When the request ends, the page reloads to show
// its final state. No framework; the page works without this script (it then
// reloads itself every few seconds).
(function () {
	'use strict';
	var root = document.querySelector('[data-live-request]');
	if (!root) return;
	var id = root.getAttribute('data-live-request');
	var names = { queued: '대기 중', running: '분석 중', done: '완료', failed: '실패', cancelled: '취소됨' };
	var stages = { collect: '리뷰 수집', analyse: '분석', analyze: '분석', summarise: '요약', save: '저장' };
	var finished = false, poller = null, source = null, errors = 0;

	function stop() {
		if (source) source.close();
		if (poller) clearInterval(poller);
	}

	function show(m) {
		if (!m || typeof m.percent !== 'number' || String(m.id) !== id) return;
		var badge = root.querySelector('.status');
		badge.className = 'status ' + m.status;
		badge.textContent = names[m.status] || m.status;
		root.querySelector('.stage').textContent = m.stage ? (stages[m.stage] || m.stage) : '';
		var bar = root.querySelector('progress');
		bar.value = m.percent;
		bar.textContent = m.percent + '%';
		root.querySelector('.percent').textContent = m.percent + '%';
		if (m.message) root.querySelector('.message').textContent = m.message;
		root.setAttribute('data-status', m.status);
		if (m.status !== 'queued' && m.status !== 'running' && !finished) {
			finished = true;
			stop();
			setTimeout(function () { location.reload(); }, 800);
		}
	}

	function poll() {
		fetch('/requests/' + id + '/status', { credentials: 'same-origin' })
			.then(function (r) { return r.ok ? r.json() : null; })
			.then(show)
			.catch(function () {});
	}

	function startPolling() {
		if (poller || finished) return;
		root.setAttribute('data-transport', 'polling');
		poll();
		poller = setInterval(poll, 2000);
	}

	if (window.EventSource && !/[?&]transport=polling/.test(location.search)) {
		source = new EventSource('/live/requests/' + id);
		source.onopen = function () { root.setAttribute('data-transport', 'eventsource'); };
		source.onmessage = function (e) {
			try { show(JSON.parse(e.data)); } catch (x) { /* not ours */ }
		};
		source.onerror = function () {
			if (++errors >= 2 || source.readyState === 2) {
				source.close();
				startPolling();
			}
		};
	} else {
		startPolling();
	}
	poll();   // the state right now, in case it moved before the stream opened
})();
