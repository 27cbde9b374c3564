// The HTTP API as the pages use it: every answer's envelope checked, errors as ApiError.

export class ApiError extends Error {
  constructor(message, type, status) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

async function unwrap(response) {
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError(`HTTP ${response.status}: the answer is not JSON`, 'bad_response', response.status);
  }
  if (body.status !== 'success') {
    throw new ApiError(body.error || `HTTP ${response.status}`, body.errorType || 'unknown', response.status);
  }
  return body;
}

// GET path?params; the answer's data.
export async function get(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== '') q.append(k, one);
  }
  const s = q.toString();
  const response = await fetch(s ? `${path}?${s}` : path, { headers: { Accept: 'application/json' } });
  return (await unwrap(response)).data;
}

// POST with the parameters as a form: expressions of any length fit, as the API accepts both.
export async function post(path, params = {}) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
  return (await unwrap(response)).data;
}

// 'invalid parameter "query": 1:14: parse error: ...' -> {line, column}; null when the
// message names no position.
export function errorPosition(message) {
  const m = /(?:^|: )(\d+):(\d+): /.exec(message || '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}
