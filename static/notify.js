// notify.js — price alerts pushed live to /watchlist (docs/aggregator.md "Price alerts").
// Listens on nchan's EventSource channel /live/users/me (the signed-in user's own) and
// adds each {"type":"price_alert",...} message to the notifications section as a new,
// unread entry, unless the page already lists it. Text only (textContent), never markup
// from the message. Without this script the page still lists them on the next load.
(function () {
	'use strict';
	var root = document.querySelector('[data-live-user]');
	if (!root || !window.EventSource) return;
	var list = root.querySelector('.notification-list');
	if (!list) return;

	function won(n) { return Number(n).toLocaleString('ko-KR') + '원'; }
	// the times the page itself shows are in the user's zone (data-tz), not the browser's
	var zone = root.getAttribute('data-tz') || undefined;
	function when(iso) {
		var d = new Date(iso), p = {};
		if (isNaN(d.getTime())) return iso;
		try {
			new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
				hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d)
				.forEach(function (x) { p[x.type] = x.value; });
			return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute;
		} catch (x) {
			return d.toISOString().slice(0, 16).replace('T', ' ');
		}
	}

	function show(m) {
		if (!m || m.type !== 'price_alert' || typeof m.id !== 'number' || !m.product) return;
		if (list.querySelector('[data-notification-id="' + m.id + '"]')) return;
		var li = document.createElement('li');
		li.className = 'notification unread live';
		li.setAttribute('data-notification-id', String(m.id));
		var badge = document.createElement('span');
		badge.className = 'status queued';
		badge.textContent = '새 알림';
		li.appendChild(badge);
		li.appendChild(document.createTextNode(' '));
		var a = document.createElement('a');
		a.href = '/products/' + encodeURIComponent(String(m.product.id));
		a.textContent = m.product.name || ('상품 ' + m.product.id);
		li.appendChild(a);
		li.appendChild(document.createTextNode(': ' + won(m.price) + ' — 목표가 ' + won(m.target_price) +
			' 이하로 내려갔습니다. '));
		var t = document.createElement('time');
		t.setAttribute('datetime', m.created_at || '');
		t.textContent = when(m.created_at);
		li.appendChild(t);
		list.insertBefore(li, list.firstChild);
		var count = root.querySelector('.unread-count');
		if (count) {
			var n = count.querySelector('.n');
			n.textContent = String((parseInt(n.textContent, 10) || 0) + 1);
			count.hidden = false;
		}
		var form = root.querySelector('.mark-read');
		if (form) form.hidden = false;
		var empty = root.querySelector('.empty');
		if (empty) empty.hidden = true;
	}

	var source = new EventSource('/live/users/me');
	source.onopen = function () { root.setAttribute('data-transport', 'eventsource'); };
	source.onmessage = function (e) {
		try { show(JSON.parse(e.data)); } catch (x) { /* not ours */ }
	};
	source.onerror = function () {
		if (source.readyState === 2) root.setAttribute('data-transport', 'closed');
	};
})();
