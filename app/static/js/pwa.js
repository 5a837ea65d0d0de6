// On every page: installs the service worker, keeps the queue of what was done offline (flashcard
// reviews, finger-point-and-say runs, text-only card proposals) and sends it to /api/drill/sync
// (proposals to their own route) whenever there is a network,
// and shows "待同步 N 条" until the server has it. On /drill it saves the worker's own posts (cards,
// flashcards, checklist) so they open with no signal (offline.js renders them).
//
// Why localStorage for the queue: it is small, synchronous and survives a closed browser, so an
// entry is on the phone before the page says "saved". Why Cache Storage for the post data: they
// are the API's own answers, kept as they came. Each entry has a client_id, so sending it twice
// (an answer lost on a weak signal) still counts once on the server.
(function () {
  "use strict";
  var QUEUE_KEY = "postdrill.queue";        // [{kind, person_id, label, body}] not yet on the server
  var REJECTED_KEY = "postdrill.rejected";  // [{label, msg}] refused by the server: shown, not resent
  var INDEX_KEY = "postdrill.offline";      // {person_id, person_name, saved_at, posts:[{id, name}]}
  var REVIEWED_KEY = "postdrill.reviewed";  // {card_id: reviewed_at} reviews newer than the saved data
  var DATA_CACHE = "postdrill-data";
  var listeners = [];
  var syncing = null;
  var note = "";

  function read(key, fallback) {
    try { var value = JSON.parse(localStorage.getItem(key)); return value == null ? fallback : value; } catch (e) { return fallback; }
  }
  function write(key, value) { localStorage.setItem(key, JSON.stringify(value)); changed(); }
  function changed() { listeners.forEach(function (fn) { fn(); }); show(); }
  function newClientId(prefix) {
    var random = window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2);
    return prefix + "-" + random;
  }
  function currentPersonId() {
    var id = Number(document.body.dataset.personId || 0);
    return id || (read(INDEX_KEY, {}).person_id || null);
  }
  // Times are shown in the enterprise's zone (the page says which, see app/clock.py), not the
  // phone's: the worker's queue and the leader's page must show the same run at the same time.
  var DEFAULT_ZONE = "Asia/Shanghai";
  function timeZone() {
    return document.body.dataset.timeZone || read(INDEX_KEY, {}).time_zone || DEFAULT_ZONE;
  }
  function localTime(value) {
    // "12-02 23:46", the server's short format (app.clock.SHORT)
    var options = { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    var format;
    try { format = new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: timeZone() }, options)); } catch (e) {
      format = new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: DEFAULT_ZONE }, options));
    }
    var parts = {};
    format.formatToParts(new Date(value)).forEach(function (part) { parts[part.type] = part.value; });
    return parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }
  function urls(postId) {
    return {
      flashcards: "/api/drill/flashcards?post_id=" + postId + "&due=false",
      checklist: "/api/drill/checklists/" + postId,
      post: "/api/posts/" + postId
    };
  }

  // --- the queue ------------------------------------------------------------------------------
  function pending() { return read(QUEUE_KEY, []); }
  function add(entry) {
    var all = pending();
    all.push(entry);
    write(QUEUE_KEY, all);
    if (entry.kind === "review") {
      var reviewed = read(REVIEWED_KEY, {});
      reviewed[entry.body.card_id] = entry.body.reviewed_at;
      write(REVIEWED_KEY, reviewed);
    }
    if (navigator.onLine) { sync(); }
  }
  function forget(keys) {
    // Re-read: another tab may have queued more since this batch was sent.
    write(QUEUE_KEY, pending().filter(function (e) { return !keys[e.kind + ":" + e.body.client_id]; }));
  }

  function sync() {
    if (syncing || !navigator.onLine || !pending().length) { return syncing || Promise.resolve(); }
    syncing = fetch("/offline/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (session) {
        if (!session.person_id) { note = "登录后自动同步。"; return null; }
        var mine = pending().filter(function (e) { return e.person_id === session.person_id; });
        if (!mine.length) { note = "这些记录属于另一个账号，该账号登录后同步。"; return null; }
        // Card proposals go one by one to their own route (the same client_id twice counts once).
        var proposals = mine.filter(function (e) { return e.kind === "proposal"; }).slice(0, 20);
        // Within the server's batch limits (500 reviews, 50 runs); the rest go in the next batch.
        var reviews = mine.filter(function (e) { return e.kind === "review"; }).slice(0, 200);
        var runs = mine.filter(function (e) { return e.kind === "run"; }).slice(0, 20);
        mine = reviews.concat(runs);
        if (!mine.length) { return sendProposals(proposals, session.csrf_token); }
        var body = {
          reviews: reviews.map(function (e) { return e.body; }),
          runs: runs.map(function (e) { return e.body; })
        };
        return fetch("/api/drill/sync", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token },
          body: JSON.stringify(body)
        }).then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        }).then(function (answer) { return settle(mine, answer.results); })
          .then(function (outcome) {
            return sendProposals(proposals, session.csrf_token).then(function (more) {
              return { stored: outcome.stored + more.stored, settled: outcome.settled + more.settled };
            });
          });
      })
      .catch(function () { note = "暂时连不上服务器，稍后自动重试。"; return null; })
      .then(function (outcome) {
        syncing = null;
        show();
        if (outcome && outcome.stored) { refreshSaved(); }  // the server's new due dates
        if (outcome && outcome.settled && pending().length) { sync(); }  // more than one batch
        return outcome;
      });
    return syncing;
  }

  function settle(sent, results) {
    var labels = {};
    sent.forEach(function (e) { labels[e.kind + ":" + e.body.client_id] = e.label; });
    var done = {};
    var stored = 0;
    var rejected = read(REJECTED_KEY, []);
    results.forEach(function (result) {
      var key = result.kind + ":" + result.client_id;
      if (result.ok) { done[key] = true; stored += 1; return; }
      var status = result.error ? result.error.status : 0;
      if (status === 409 || status >= 500) { return; }  // try again later
      done[key] = true;
      rejected.push({ label: labels[key] || result.client_id, msg: result.error ? result.error.msg : "" });
    });
    forget(done);
    write(REJECTED_KEY, rejected);
    note = pending().length ? "" : "全部已同步。";
    return { stored: stored, settled: Object.keys(done).length };
  }

  function sendProposals(entries, csrf) {
    // Each as the form the page sends; the answers are settled like the drill's.
    var results = [];
    return entries.reduce(function (chain, e) {
      return chain.then(function () {
        var form = new FormData();
        Object.keys(e.body).forEach(function (key) { if (key !== "post_id" && e.body[key] != null) { form.append(key, e.body[key]); } });
        return fetch("/api/posts/" + e.body.post_id + "/proposals", {
          method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }, body: form
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (answer) {
            results.push(response.ok ? { kind: "proposal", client_id: e.body.client_id, ok: true } :
              { kind: "proposal", client_id: e.body.client_id, ok: false, error: { status: response.status, msg: answer.detail || "" } });
          });
        });
      });
    }, Promise.resolve()).then(function () { return settle(entries, results); });
  }

  // --- saving the worker's posts for offline use -----------------------------------------------
  function save(info) {
    if (!("caches" in window) || !navigator.onLine) { return Promise.resolve(false); }
    return caches.open(DATA_CACHE).then(function (cache) {
      var all = [];
      info.posts.forEach(function (post) {
        var u = urls(post.id);
        [u.flashcards, u.checklist, u.post].forEach(function (url) {
          all.push(fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
            if (!response.ok) { throw new Error(url + " " + response.status); }
            return cache.put(url, response);
          }));
        });
      });
      return Promise.all(all);
    }).then(function () {
      var savedAt = new Date().toISOString();
      var reviewed = read(REVIEWED_KEY, {});
      var waiting = {};
      pending().forEach(function (e) { if (e.kind === "review") { waiting[e.body.card_id] = true; } });
      Object.keys(reviewed).forEach(function (id) { if (!waiting[id]) { delete reviewed[id]; } });
      write(REVIEWED_KEY, reviewed);
      write(INDEX_KEY, { person_id: info.person_id, person_name: info.person_name, version: info.version, saved_at: savedAt, posts: info.posts, time_zone: info.time_zone || timeZone() });
      document.documentElement.dataset.offlineSaved = savedAt;  // for the browser test
      return true;
    }).catch(function () { return false; });
  }
  function stillCached(posts) {
    // The browser may evict Cache Storage under storage pressure, while localStorage stays.
    return caches.open(DATA_CACHE).then(function (cache) {
      return Promise.all(posts.map(function (post) { return cache.match(urls(post.id).flashcards); }));
    }).then(function (hits) { return hits.every(Boolean); }, function () { return false; });
  }
  function refreshSaved() {
    if (byId("offline-posts")) { return; }  // /drill saves on its own, once the queue is in
    var index = read(INDEX_KEY, null);
    if (index && index.person_id === currentPersonId()) { save(index); }
  }

  // --- what the page shows --------------------------------------------------------------------
  function byId(id) { return document.getElementById(id); }
  function show() {
    var count = pending().length;
    var offline = !navigator.onLine;
    var bar = byId("sync-bar");
    if (bar) {
      byId("net-status").hidden = !offline;
      byId("sync-badge").hidden = count === 0;
      byId("sync-badge").textContent = "待同步 " + count + " 条";
      bar.hidden = !offline && count === 0;
    }
    var panel = byId("sync-panel");
    if (!panel) { return; }
    byId("sync-count").textContent = "待同步 " + count + " 条";
    byId("sync-note").textContent = note || (count ? (offline ? "没有网络：联网后自动上传。" : "正在上传…") : "全部已同步。");
    var list = byId("sync-list");
    list.textContent = "";
    pending().forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e.label;
      list.appendChild(li);
    });
    var rejected = read(REJECTED_KEY, []);
    var box = byId("sync-rejected");
    box.hidden = rejected.length === 0;
    box.textContent = "";
    if (rejected.length) {
      var title = document.createElement("p");
      title.textContent = "服务器没有接受 " + rejected.length + " 条（不会再上传）：";
      box.appendChild(title);
      rejected.forEach(function (r) {
        var p = document.createElement("p");
        p.className = "small";
        p.textContent = r.label + "：" + r.msg;
        box.appendChild(p);
      });
      var clear = document.createElement("button");
      clear.type = "button";
      clear.textContent = "知道了";
      clear.addEventListener("click", function () { write(REJECTED_KEY, []); });
      box.appendChild(clear);
    }
  }

  window.PostDrill = {
    add: add,
    pending: pending,
    sync: sync,
    newClientId: newClientId,
    personId: currentPersonId,
    index: function () { return read(INDEX_KEY, null); },
    reviewed: function () { return read(REVIEWED_KEY, {}); },
    urls: urls,
    timeZone: timeZone,
    localTime: localTime,
    dataCache: DATA_CACHE,
    onChange: function (fn) { listeners.push(fn); }
  };

  document.addEventListener("DOMContentLoaded", function () {
    show();
    var saved = byId("offline-posts");
    var first = sync();
    if (saved) {
      // After the queue is in, so the saved due dates already count what was just synced; and only
      // when the server says the saved copy is out of date (a new review, a republished post).
      first.then(function (synced) {
        var info = {
          person_id: Number(saved.dataset.personId),
          person_name: saved.dataset.personName,
          version: saved.dataset.version,
          posts: JSON.parse(saved.dataset.posts),
          time_zone: document.body.dataset.timeZone
        };
        var index = read(INDEX_KEY, null);
        var current = index && index.person_id === info.person_id && index.version === info.version &&
          index.time_zone === info.time_zone &&
          !(synced && synced.stored) && !pending().some(function (e) { return e.person_id === info.person_id; });
        if (!current || !("caches" in window)) { save(info); return; }
        stillCached(info.posts).then(function (all) {
          if (!all) { save(info); return; }
          document.documentElement.dataset.offlineSaved = index.saved_at;
        });
      });
    }
    var now = byId("sync-now");
    if (now) { now.addEventListener("click", function () { note = ""; sync(); }); }
    // Logging out clears this phone's copy of the posts (the queue stays until its owner syncs it).
    document.querySelectorAll("form[action='/logout']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!("caches" in window)) { return; }
        event.preventDefault();
        localStorage.removeItem(INDEX_KEY);
        caches.delete(DATA_CACHE).then(function () { form.submit(); }, function () { form.submit(); });
      });
    });
  });
  window.addEventListener("online", function () { note = ""; show(); sync(); });
  window.addEventListener("offline", show);
  window.addEventListener("storage", show);  // another tab queued or synced
  setInterval(function () { if (pending().length) { sync(); } }, 30000);  // a network that came back quietly
  // A drill page whose htmx request failed for lack of network: reload it, the service worker then
  // answers with the offline shell for the same address.
  document.addEventListener("htmx:sendError", function () {
    if (location.pathname.indexOf("/drill/") === 0) { location.reload(); }
  });
  window.addEventListener("load", function () {
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {}); }
  });
})();
