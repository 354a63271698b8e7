/* Shared helpers for every page (no inline scripts; CSP: script-src 'self'). */
(function (global) {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* POST JSON with the session's CSRF token. Resolves {status, ok, data}; never throws on HTTP errors. */
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      if (res.status === 204) { return { status: 204, ok: true, data: null }; }
      return res.json().catch(function () { return null; }).then(function (data) {
        return { status: res.status, ok: res.ok, data: data };
      });
    });
  }

  function getJSON(url, token) {
    var headers = { "Accept": "application/json" };
    if (token) { headers.Authorization = "Bearer " + token; }
    return fetch(url, { credentials: "same-origin", headers: headers }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        return { status: res.status, ok: res.ok, data: data };
      });
    });
  }

  /* Translated strings handed over by the template: <script type="application/json" id="i18n">. */
  function messages() {
    var el = document.getElementById("i18n");
    if (!el) { return {}; }
    try { return JSON.parse(el.textContent); } catch (e) { return {}; }
  }

  global.Adminduk = { csrfToken: csrfToken, postJSON: postJSON, getJSON: getJSON, messages: messages };
})(window);
