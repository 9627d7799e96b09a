// The capture dashboard's page: bins, a live table of hits, a hit's detail. Everything captured is shown as text, never as HTML.
'use strict';

(() => {
  const base = new URL('.', location.href).pathname;
  const api = (path) => `${base}api/${path}`;
  // The key the server gave this page: the API answers a page's request
  // only with it. In the page, or in the fragment of the URL the token
  // led to (kept for this tab, then taken out of the address bar).
  const given = new URLSearchParams(location.hash.slice(1)).get('key');
  if (given) {
    sessionStorage.setItem('mixnmatch-key', given);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const key = document.documentElement.dataset.key || sessionStorage.getItem('mixnmatch-key') || '';
  /** An API URL a request cannot send a header to (a feed, a download): the key in its query. */
  const keyed = (path) =>
    `${api(path)}${path.includes('?') ? '&' : '?'}key=${encodeURIComponent(key)}`;
  const $ = (selector) => document.querySelector(selector);

  /** An element with text (never markup) and attributes. */
  function element(tag, text, attributes = {}) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  async function getJson(path, init = {}) {
    const res = await fetch(api(path), {
      ...init,
      headers: { Accept: 'application/json', 'X-Mixnmatch-Key': key, ...(init.headers || {}) },
      credentials: 'same-origin',
    });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  const state = { bins: [], bin: undefined, hits: new Map(), selected: undefined, feed: undefined };

  /** Counts a hit of a bin in the list; a bin the list does not show yet makes it load again. */
  function countHit(binId) {
    const bin = state.bins.find((b) => b.id === binId);
    if (!bin) return void loadBins();
    const item = document.querySelector(`#bin-list li[data-bin="${CSS.escape(binId)}"]`);
    if (item) item.textContent = `${bin.id} (${++bin.hits})`;
  }

  function setStatus(text, kind) {
    const status = $('#status');
    status.textContent = text;
    status.dataset.state = kind;
  }

  async function loadInfo() {
    const info = await getJson('info');
    $('#version').textContent = `v${info.version}`;
    const facts = $('#facts');
    facts.replaceChildren(...info.facts.map((fact) => element('li', fact)));
  }

  function captureUrl(bin) {
    return bin === 'all' ? 'every request (capture all)' : `${location.origin}/bin/${bin}`;
  }

  async function loadBins() {
    const { bins } = await getJson('bins');
    state.bins = bins;
    const list = $('#bin-list');
    list.replaceChildren(
      ...bins.map((bin) => {
        const item = element('li', `${bin.id} (${bin.hits})`, {
          'data-bin': bin.id,
          'aria-selected': String(bin.id === state.bin),
          role: 'option',
        });
        item.addEventListener('click', () => selectBin(bin.id));
        return item;
      }),
    );
    if (state.bin === undefined && bins.length > 0) await selectBin(bins[bins.length - 1].id);
  }

  function shortTime(iso) {
    return iso.slice(11, 23);
  }

  function addRow(hit) {
    if (state.hits.has(hit.id)) return;
    state.hits.set(hit.id, hit);
    const row = element('tr', undefined, { 'data-hit': hit.id, 'aria-selected': 'false' });
    for (const value of [
      shortTime(hit.time),
      hit.method,
      hit.label,
      hit.target,
      hit.status,
      `${hit.remoteAddress}:${hit.remotePort}`,
      hit.worker,
    ]) {
      row.append(element('td', value, { title: String(value) }));
    }
    row.addEventListener('click', () => showHit(hit.id));
    $('#hit-table tbody').prepend(row);
    $('#empty').hidden = true;
  }

  async function selectBin(id) {
    state.bin = id;
    state.hits.clear();
    state.selected = undefined;
    $('#detail').hidden = true;
    for (const item of document.querySelectorAll('#bin-list li')) {
      item.setAttribute('aria-selected', String(item.dataset.bin === id));
    }
    $('#hits-title').textContent = `Hits of ${id}`;
    $('#capture-url').textContent = captureUrl(id);
    $('#har').href = keyed(`bins/${encodeURIComponent(id)}.har`);
    $('#har').setAttribute('download', `${id}.har`);
    $('#hit-table tbody').replaceChildren();
    $('#empty').hidden = false;
    const { hits, evicted } = await getJson(`bins/${encodeURIComponent(id)}/hits?limit=1000`);
    $('#evicted').hidden = evicted === 0;
    $('#evicted').textContent = `${evicted} older hits were evicted.`;
    for (const hit of hits) addRow(hit);
    listen(id, hits.length > 0 ? hits[hits.length - 1].id : undefined);
  }

  /** Follows a bin's feed: the hits after `since`, then each as it comes. */
  function listen(id, since) {
    if (state.feed) state.feed.close();
    const query = since ? `?since=${encodeURIComponent(since)}` : '';
    const feed = new EventSource(keyed(`bins/${encodeURIComponent(id)}/feed${query}`));
    state.feed = feed;
    feed.addEventListener('open', () => setStatus('live', 'live'));
    feed.addEventListener('error', () => setStatus('reconnecting…', 'down'));
    feed.addEventListener('hit', (event) => {
      if (state.bin === id) addRow(JSON.parse(event.data));
    });
  }

  /** Follows every bin's hits, for the counts in the list (the selected bin's come through its own feed too). */
  function listenAll() {
    const all = new EventSource(keyed('feed'));
    all.addEventListener('hit', (event) => countHit(JSON.parse(event.data).bin));
  }

  function hexDump(bytes) {
    const lines = [];
    for (let offset = 0; offset < bytes.length && offset < 65536; offset += 16) {
      const row = bytes.slice(offset, offset + 16);
      const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
      const text = Array.from(row, (b) =>
        b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.',
      ).join('');
      lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`);
    }
    return lines.join('\n');
  }

  function bytesOf(body) {
    if (body.text !== undefined) return new TextEncoder().encode(body.text);
    const binary = atob(body.base64 || '');
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  async function showHit(id) {
    const hit = state.hits.get(id);
    if (!hit) return;
    state.selected = id;
    for (const row of document.querySelectorAll('#hit-table tbody tr')) {
      row.setAttribute('aria-selected', String(row.dataset.hit === id));
    }
    $('#detail').hidden = false;
    $('#detail-id').textContent = hit.id;
    const summary = $('#summary');
    summary.replaceChildren();
    for (const [name, value] of [
      ['Time', hit.time],
      ['Bin', hit.bin],
      ['Label', hit.label],
      ['Request', `${hit.method} ${hit.target} HTTP/${hit.httpVersion}`],
      ['Path', hit.path],
      ['From', `${hit.remoteAddress}:${hit.remotePort}${hit.tls ? ' (TLS)' : ''}`],
      ['Status', hit.status],
      ['Duration', `${hit.durationMs} ms`],
      ['Worker', hit.worker],
    ]) {
      summary.append(element('dt', name), element('dd', value));
    }
    $('#headers tbody').replaceChildren(
      ...hit.headers.map(([name, value]) => {
        const row = element('tr');
        row.append(element('td', name), element('td', value));
        return row;
      }),
    );
    const bytes = bytesOf(hit.body);
    $('#body-size').textContent =
      `(${hit.body.size} bytes${hit.body.truncated ? ', truncated' : ''})`;
    $('#body-text').textContent =
      hit.body.text !== undefined ? hit.body.text : '(not UTF-8: see the hex)';
    $('#body-hex').textContent = hexDump(bytes);
    const res = await fetch(
      api(`bins/${encodeURIComponent(hit.bin)}/hits/${encodeURIComponent(hit.id)}/curl`),
      { credentials: 'same-origin', headers: { 'X-Mixnmatch-Key': key } },
    );
    $('#curl').textContent = res.ok ? await res.text() : '';
  }

  $('#copy-curl').addEventListener('click', () => {
    void navigator.clipboard?.writeText($('#curl').textContent);
  });

  $('#new-bin').addEventListener('click', async () => {
    const bin = await getJson('bins', { method: 'POST' });
    await loadBins();
    await selectBin(bin.id);
  });

  (async () => {
    try {
      await loadInfo();
      await loadBins();
      listenAll();
      if (state.bins.length === 0) setStatus('no bins yet', 'live');
    } catch (err) {
      setStatus(String(err.message || err), 'down');
    }
  })();
})();
