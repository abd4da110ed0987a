// The server's JSON API (docs/http-api.md): the token from the page's URL rides on every
// request, and every state-changing request carries the X-Vanish header.

const token = new URLSearchParams(location.search).get('token') || '';

export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

// A URL for an element's src or a link: the token goes in the query.
export function url(path, params = {}) {
  const q = new URLSearchParams(params);
  if (token) q.set('token', token);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function headers(extra = {}) {
  const h = { 'X-Vanish': '1', ...extra };
  if (token) h['X-Vanish-Token'] = token;
  return h;
}

// Parse a response: JSON on success; {error} turned into an ApiError with the server's words.
async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = body && body.error ? body.error : `the server answered ${res.status} ${res.statusText}`;
    throw new ApiError(msg, res.status);
  }
  return body;
}

async function call(method, path, body, params) {
  let res;
  try {
    res = await fetch(url(path, params), {
      method,
      headers: headers(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError('cannot reach the vanish server (is `vanish gui` still running?)', 0);
  }
  return parse(res);
}

export const get = (path, params) => call('GET', path, undefined, params);
export const post = (path, body = {}, params) => call('POST', path, body, params);
export const del = (path, params) => call('DELETE', path, undefined, params);

// Upload a file as the raw request body; onProgress(fraction) while it goes.
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url('/api/videos/upload', { name: file.name }));
    for (const [k, v] of Object.entries(headers({ 'Content-Type': 'application/octet-stream' })))
      x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) resolve(body);
      else reject(new ApiError(body && body.error ? body.error : `upload failed (${x.status})`, x.status));
    };
    x.onerror = () => reject(new ApiError('the upload was interrupted', 0));
    x.send(file);
  });
}
