// The one way the console calls the server's HTTP API. Paths are relative so the console
// also works behind a proxy under a path prefix. Network failures throw; every answer the
// server gave comes back as { ok, status, data } with the JSON body (or null).

export async function api(path, body, method) {
  const options = {
    method: method || (body === undefined ? 'GET' : 'POST'),
    credentials: 'same-origin',
    headers: {},
  };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch (_) { data = null; }
  }
  return { ok: response.ok, status: response.status, data };
}

/** The server's own sentence for a refusal, or `fallback`. */
export function refusal(result, fallback) {
  return (result.data && result.data.message) || fallback;
}
