// The admin API, as the console calls it: JSON in and out, errors thrown with the server's message.

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : "HTTP " + status);
    this.status = status;
    this.code = body && body.code;
  }
}

async function call(method, path, body, headers) {
  const init = { method, headers: Object.assign({ "Accept": "application/json" }, headers || {}) };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch("/api/v1" + path, init);
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch (e) { json = null; }
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return { body: json, etag: res.headers.get("ETag") };
}

export const get = async path => (await call("GET", path)).body;
export const getWithTag = path => call("GET", path);
export const post = (path, body, etag) => call("POST", path, body, etag ? { "If-Match": etag } : {});
export const put = (path, body, etag) => call("PUT", path, body, etag ? { "If-Match": etag } : {});
export const del = (path, etag) => call("DELETE", path, undefined, etag ? { "If-Match": etag } : {});
export const enc = encodeURIComponent;
