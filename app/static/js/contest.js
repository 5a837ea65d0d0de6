// The live competition screens. Each live region ([data-poll]) takes its fragment from the
// competition's event stream (htmx SSE extension); where EventSource is missing or the stream
// fails for good, it polls the same fragment every 2 s instead. An unchanged fragment is not
// swapped again, so a phone loads its own part once per change of the game, not per tick.
// The countdowns only show the server's remaining time; the server decides what counts.
(function () {
  "use strict";

  function poll(root) {
    if (root.dataset.polling) { return; }
    root.dataset.polling = "1";
    root.removeAttribute("sse-connect");
    root.removeAttribute("sse-swap");
    root.setAttribute("hx-get", root.dataset.poll);
    root.setAttribute("hx-trigger", "every 2s");
    root.setAttribute("hx-swap", "innerHTML");
    htmx.process(root);
  }

  function unchanged(root, html) {
    if (root.liveHtml === html) { return true; }
    root.liveHtml = html;
    return false;
  }

  // An element marked data-keep (the board's rows) keeps showing its old content across a swap
  // of the live region until its own request brings the new one: no flash of "正在加载".
  var kept = {};
  function keep(root) {
    kept = {};
    root.querySelectorAll("[data-keep][id]").forEach(function (el) { kept[el.id] = el.innerHTML; });
  }
  function restore(root) {
    root.querySelectorAll("[data-keep][id]").forEach(function (el) {
      if (kept[el.id] !== undefined) { el.innerHTML = kept[el.id]; }
    });
  }

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (unchanged(event.target, event.detail.data)) { event.preventDefault(); return; }
    keep(event.target);
  });
  document.addEventListener("htmx:sseMessage", function (event) {
    if (event.target.hasAttribute("sse-swap")) { restore(event.target); }
  });

  document.addEventListener("htmx:sseError", function (event) {
    var source = event.detail && event.detail.source;
    if (source && source.readyState === 2) {  // CLOSED: the stream is refused, not reconnecting
      source.close();
      var root = event.target.closest("[data-poll]");
      if (root) { poll(root); }
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var root = event.detail.elt;
    if (root && root.dataset && root.dataset.polling && root === event.detail.target &&
        unchanged(root, event.detail.serverResponse)) {
      event.detail.shouldSwap = false;
      return;
    }
    if (root && root.dataset && root.dataset.polling) { keep(root); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.elt;
    if (root && root.dataset && root.dataset.polling) { restore(root); }
  });

  var timers = [];
  function countdowns() {
    timers.forEach(clearInterval);
    timers = [];
    document.querySelectorAll("[data-remaining-ms]").forEach(function (clock) {
      var endsAt = Date.now() + Number(clock.dataset.remainingMs);
      function show() {
        var left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
        clock.textContent = String(left);
        clock.classList.toggle("urgent", left <= 5);
      }
      show();
      timers.push(setInterval(show, 250));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.EventSource) { document.querySelectorAll("[data-poll]").forEach(poll); }
    countdowns();
  });
  document.addEventListener("htmx:afterSettle", countdowns);
})();
