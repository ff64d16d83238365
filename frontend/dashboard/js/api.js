// The one place that talks HTTP: base URL from config.json, bearer token, error shapes, uploads, downloads.
import { readEvents } from './sse.js';
import { summary } from './validation.js';

const state = { base: '', widgetScriptUrl: '', token: null, onUnauthorized: () => {} };

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && (body.detail ?? body.message);
    super(describe(detail) || (status ? `HTTP ${status}` : 'network error: the API could not be reached'));
    this.status = status;
    this.detail = detail;
    // A route this server does not have: FastAPI's bare 404/405, or API Gateway's "missing token" 403.
    this.missingRoute =
      status === 405 ||
      status === 501 ||
      (status === 404 && detail === 'Not Found') ||
      (status === 403 && detail === 'Missing Authentication Token');
  }
}

export function describe(detail) {
  if (!detail) return '';
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return summary(detail);
  return JSON.stringify(detail);
}

export async function loadConfig() {
  let config = {};
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) config = await response.json();
  } catch {
    config = {};
  }
  state.base = (config.apiBaseUrl || '').replace(/\/+$/, '');
  const apiOrigin = state.base || window.location.origin;
  state.widgetScriptUrl = config.widgetScriptUrl || `${apiOrigin}/widget/minirag-widget.js`;
  return settings();
}

export function setToken(token) {
  state.token = token;
}

export function onUnauthorized(callback) {
  state.onUnauthorized = callback;
}

export function apiUrl(path, query) {
  const url = new URL(state.base + path, window.location.href);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url.toString();
}

function authHeaders(extra) {
  const headers = { ...extra };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  return headers;
}

async function bodyOf(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

/** Returns {data, headers, status}; throws ApiError for anything but 2xx. */
export async function call(method, path, { body, query, auth = true } = {}) {
  const init = { method, headers: auth ? authHeaders({}) : {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), init);
  } catch {
    throw new ApiError(0, null);
  }
  const data = await bodyOf(response);
  if (!response.ok) {
    if (response.status === 401 && auth) state.onUnauthorized();
    throw new ApiError(response.status, data);
  }
  return { data, headers: response.headers, status: response.status };
}

export const get = async (path, query) => (await call('GET', path, { query })).data;
export const post = async (path, body, query) => (await call('POST', path, { body, query })).data;
export const patch = async (path, body) => (await call('PATCH', path, { body })).data;
export const del = async (path) => (await call('DELETE', path)).data;

/**
 * One page of a list as {items, cursor} (cursor null on the last page), in either of the API's shapes:
 * `{items, next_cursor}`, or a bare array with X-Next-Cursor (the routes kept as the original MiniRAG's).
 */
export async function getPage(path, query) {
  const { data, headers } = await call('GET', path, { query });
  if (Array.isArray(data)) return { items: data, cursor: headers.get('X-Next-Cursor') };
  return { items: data.items, cursor: data.next_cursor };
}

/** A whole list: pages of 200 (the most the API gives), following the cursor to the end. */
export async function getAll(path, query) {
  const items = [];
  let cursor = null;
  do {
    const page = await getPage(path, { ...query, limit: 200, cursor });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return items;
}

/** POST /v1/chat with stream:true, read with fetch + ReadableStream (EventSource cannot POST). */
export async function streamChat(body, handlers, signal) {
  let response;
  try {
    response = await fetch(apiUrl('/v1/chat'), {
      method: 'POST',
      headers: authHeaders({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch {
    return handlers.error({ detail: 'network error: the API could not be reached' });
  }
  if (!response.ok) {
    const error = new ApiError(response.status, await bodyOf(response));
    if (response.status === 401) state.onUnauthorized();
    return handlers.error({ detail: error.message });
  }
  let finished = false;
  try {
    for await (const { event, data } of readEvents(response.body)) {
      if (event === 'sources') handlers.sources(data.sources || []);
      else if (event === 'delta') handlers.delta(data.content || '');
      else if (event === 'done' || event === 'error') {
        finished = true;
        handlers[event](data);
      }
    }
  } catch {
    finished = false;
  }
  if (!finished) handlers.error({ detail: 'the answer stream ended before the answer was complete' });
}

function xhrSend(method, url, { body, headers = {}, onProgress }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onload = () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = { detail: xhr.responseText.slice(0, 300) };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    };
    xhr.send(body);
  });
}

/** Multipart upload with a progress callback (fetch cannot report upload progress). */
export function upload(path, formData, onProgress) {
  return xhrSend('POST', apiUrl(path), { body: formData, headers: authHeaders({}), onProgress });
}

/** PUT to a presigned URL: no bearer token, only the headers the API asked for. */
export function putPresigned(url, file, headers, onProgress) {
  return xhrSend('PUT', url, { body: file, headers, onProgress });
}

/** Fetches an authenticated file and hands it to the browser as a download. */
export async function download(path, query, fallbackName) {
  const response = await fetch(apiUrl(path, query), { headers: authHeaders({}) });
  if (!response.ok) throw new ApiError(response.status, await bodyOf(response));
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = match ? decodeURIComponent(match[1]) : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export function settings() {
  return { apiBaseUrl: state.base || window.location.origin, widgetScriptUrl: state.widgetScriptUrl };
}
