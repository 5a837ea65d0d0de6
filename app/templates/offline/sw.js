// PostDrill service worker. Its one job: the daily drill opens with no signal.
//
// Pages always come from the network first: they carry fresh due dates, the CSRF token and the
// person's own data, so they are never cached. Only when the network fails does a page request get
// the offline shell ({{ offline_page }}), which renders the drill from the data pwa.js saved on the
// last online visit of /drill, and says "需要联网" for everything else. Quizzes, assessments and
// competitions are never cached: their answers and scores must be the server's.
//
// Static files carry a content hash (?v=…), so a cached copy is never stale: cache first.
"use strict";

var VERSION = "{{ version }}";
var SHELL_CACHE = "postdrill-shell-" + VERSION;
var SHELL = {{ shell|tojson }};
var OFFLINE_PAGE = "{{ offline_page }}";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  // Drop the shells of older versions; the data cache (postdrill-data) belongs to the pages.
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("postdrill-shell-") === 0 && key !== SHELL_CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromCacheFirst(request) {
  return caches.match(request).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function pageOrShell(request) {
  return fetch(request).catch(function () {
    return caches.match(OFFLINE_PAGE).then(function (shell) {
      return shell || new Response("<!doctype html><meta charset=utf-8><title>需要联网</title><p>没有网络，这一页需要联网。",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // reviews and runs go through the page's own queue
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 && url.searchParams.has("v")) {
    event.respondWith(fromCacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(pageOrShell(request));
  }
  // Everything else (the API, SSE, unhashed files) goes straight to the network, uncached.
});
