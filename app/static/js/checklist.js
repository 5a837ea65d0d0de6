// Finger-point-and-say step mode: one item at a time in big type, a large 确认 button, optional
// read-out in Chinese; the time of 开始 and of every confirmation is recorded and the run is sent at
// the end. A run in progress is kept on the phone (localStorage) after every tap, so a reload, a
// call or a locked screen carries on at the same item instead of starting over.
// With no network the run is not lost: it goes into the phone's queue (pwa.js) under the same
// client_id and is synced later, counted once. The offline shell (offline.js) starts it with
// {offline: true}: there the run always goes through the queue.
(function () {
  "use strict";
  var KEEP_MS = 12 * 3600 * 1000; // a run left longer than a shift is stale: start over
  var NEXT_STEP = "下一步：请班组长到现场看你做，在他的手机上“签认手指口述”，签认后算作“应会”。";

  window.PostDrillChecklist = { start: start };
  var page = document.getElementById("checklist");
  if (page) { start(page, {}); }

  function start(root, options) {
    var items = JSON.parse(root.dataset.items);
    var postId = root.dataset.postId;
    var postName = root.dataset.postName || "";
    var run = null; // {started_at, confirmations, client_id, items, saved_at} while in progress
    var $ = function (id) { return document.getElementById(id); };
    var itemsKey = items.map(function (item) { return item.id; }).join(",");

    function storageKey() {
      var personId = (window.PostDrill && window.PostDrill.personId()) || document.body.dataset.personId || "0";
      return "pd-checklist-run:" + personId + ":" + postId;
    }
    function save() {
      try {
        if (run) {
          run.saved_at = Date.now();
          window.localStorage.setItem(storageKey(), JSON.stringify(run));
        } else {
          window.localStorage.removeItem(storageKey());
        }
      } catch (e) { /* private mode or full storage: the run still works, it just is not kept */ }
    }
    function saved() {
      try {
        var kept = JSON.parse(window.localStorage.getItem(storageKey()) || "null");
        if (kept && kept.items === itemsKey && Date.now() - kept.saved_at < KEEP_MS && kept.confirmations.length <= items.length) {
          return kept;
        }
      } catch (e) { /* unreadable: start over */ }
      return null;
    }
    function csrfToken() {
      try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"]; } catch (e) { return ""; }
    }
    function newClientId() {
      return "run-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    }
    function speak(item) {
      if (!item || !("speechSynthesis" in window)) { return; }
      window.speechSynthesis.cancel();
      var utterance = new SpeechSynthesisUtterance("指：" + item.point_at + "。说：" + item.say);
      utterance.lang = "zh-CN";
      window.speechSynthesis.speak(utterance);
    }
    function current() { return run ? run.confirmations.length : -1; }
    function markList(index) {
      document.querySelectorAll("#step-list li").forEach(function (row, n) {
        row.classList.toggle("done", index < 0 ? false : n < index);
        row.classList.toggle("current", n === index);
      });
    }
    function show() {
      var index = current();
      var item = items[index];
      // the item one is on: "6/9" on the sixth, never the count of the ones before it
      $("step-count").textContent = (index + 1) + "/" + items.length;
      $("step-phase").textContent = item.phase + " · 第 " + (index + 1) + " 条，共 " + items.length + " 条";
      $("step-point").textContent = item.point_at;
      $("step-say").textContent = item.say;
      $("step-confirm").textContent = index === items.length - 1 ? "确认（最后一条）" : "确认";
      markList(index);
    }
    function tell(text, kind) {
      var done = $("step-done");
      done.hidden = false;
      done.className = kind || "notice";
      done.textContent = text;
    }
    function finished(title, lines, kind) {
      // The step card itself says the run is over and what happens next, where the eyes already are.
      root.classList.add("is-done");
      var again = $("step-restart");
      if (again) { again.remove(); }
      $("step-phase").textContent = "手指口述完成";
      $("step-point").textContent = title;
      $("step-say").textContent = NEXT_STEP;
      $("step-count").textContent = items.length + "/" + items.length;
      $("step-confirm").textContent = "已完成";
      $("step-confirm").disabled = true;
      markList(items.length);
      tell(lines.join(""), kind);
    }
    function restart(message) {
      run = null;
      save();
      $("step-confirm").disabled = false;
      $("step-confirm").textContent = "重新开始";
      $("step-count").textContent = "0/" + items.length;
      if (message) { tell(message, "alert"); }
    }
    function queued(body) {
      // Kept on the phone until the network is back; false when this browser cannot keep it.
      var personId = window.PostDrill && window.PostDrill.personId();
      if (!personId) { return false; }
      window.PostDrill.add({
        kind: "run",
        person_id: personId,
        // the run's start, as the leader's sign-off page shows it
        label: "手指口述：" + postName + "（" + items.length + " 条，" + window.PostDrill.localTime(body.started_at || body.items[0].confirmed_at) + " 开始）",
        body: { client_id: body.client_id, post_id: Number(postId), items: body.items, started_at: body.started_at }
      });
      finished("全部 " + items.length + " 条确认完毕", ["已存在这台手机上，联网后自动上传（见“待同步”）。上传后请班组长签认。"]);
      return true;
    }
    function finish() {
      $("step-confirm").disabled = true;
      $("step-confirm").textContent = "正在保存…";
      // Kept until the server or the offline queue has it: a reload meanwhile sends it again under
      // the same client_id, which the server counts once.
      save();
      var body = { items: run.confirmations, client_id: run.client_id, started_at: run.started_at };
      function handedOver() { run = null; save(); }
      if ((options.offline || !navigator.onLine) && queued(body)) { handedOver(); return; }
      fetch("/api/drill/checklists/" + postId + "/runs", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        if (result.ok) {
          handedOver();
          var lines = ["已保存（记录号 " + result.data.run_id + "），用时 " + result.data.seconds + " 秒。"];
          if (result.data.too_fast) {
            lines.push("用时太短：班组长签认时要再次确认。下次请指着实物、大声说完再点确认。");
          }
          finished("全部 " + items.length + " 条确认完毕", lines, result.data.too_fast ? "notice warn" : "notice");
        } else {
          restart("没有保存：" + ((result.data.errors || []).map(function (e) { return e.msg; }).join("；") || result.data.detail));
        }
      }).catch(function () {
        // The answer may have been lost after the server stored it: the queue resends the same
        // client_id, which the server counts once.
        if (queued(body)) { handedOver(); return; }
        restart("网络不通，没有保存。请有信号时再做一遍。");
      });
    }
    $("step-confirm").addEventListener("click", function () {
      if (!run) {
        $("step-done").hidden = true;
        run = { started_at: new Date().toISOString(), confirmations: [], client_id: newClientId(), items: itemsKey };
      } else {
        run.confirmations.push({ id: items[current()].id, confirmed_at: new Date().toISOString() });
      }
      if (current() >= items.length) { finish(); return; }
      save();
      show();
    });
    $("step-speak").addEventListener("click", function () { speak(items[Math.max(current(), 0)]); });

    run = saved();
    if (run && current() >= items.length) {
      finish(); // every item was confirmed but the phone never heard back: send it again
    } else if (run) {
      show();
      tell("接着上次做：前 " + run.confirmations.length + " 条已确认，现在是第 " + (run.confirmations.length + 1) + " 条。");
      var again = document.createElement("button");
      again.type = "button";
      again.id = "step-restart";
      again.textContent = "从头再来";
      again.addEventListener("click", function () {
        run = null;
        save();
        again.remove();
        $("step-done").hidden = true;
        $("step-confirm").textContent = "开始";
        $("step-count").textContent = "0/" + items.length;
        $("step-phase").textContent = "";
        $("step-point").textContent = "准备好后点“开始”";
        $("step-say").textContent = "每条指着实物大声说出来，说完点“确认”。";
        markList(-1);
      });
      $("step-confirm").parentNode.appendChild(again);
    }
  }
})();
