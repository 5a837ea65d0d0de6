// Finger-point-and-say step mode: one item at a time in big type, a large 确认 button, optional
// read-out in Chinese; the time of every confirmation is recorded and the run is sent at the end.
// With no network the run is not lost: it goes into the phone's queue (pwa.js) under the same
// client_id and is synced later, counted once. The offline shell (offline.js) starts it with
// {offline: true}: there the run always goes through the queue.
(function () {
  "use strict";
  window.PostDrillChecklist = { start: start };
  var page = document.getElementById("checklist");
  if (page) { start(page, {}); }

  function start(root, options) {
    var items = JSON.parse(root.dataset.items);
    var postId = root.dataset.postId;
    var postName = root.dataset.postName || "";
    var confirmations = [];
    var index = -1;
    var $ = function (id) { return document.getElementById(id); };

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
    function show() {
      var item = items[index];
      $("step-count").textContent = index + "/" + items.length;
      $("step-phase").textContent = item.phase + " · 第 " + (index + 1) + " 条";
      $("step-point").textContent = item.point_at;
      $("step-say").textContent = item.say;
      $("step-confirm").textContent = "确认";
      var rows = document.querySelectorAll("#step-list li");
      rows.forEach(function (row, n) { row.classList.toggle("done", n < index); row.classList.toggle("current", n === index); });
    }
    function restart() {
      $("step-confirm").disabled = false;
      $("step-confirm").textContent = "重新开始";
      confirmations = [];
      index = -1;
    }
    function queued(body) {
      // Kept on the phone until the network is back; false when this browser cannot keep it.
      var personId = window.PostDrill && window.PostDrill.personId();
      if (!personId) { return false; }
      window.PostDrill.add({
        kind: "run",
        person_id: personId,
        // the run's start, as the leader's sign-off page shows it
        label: "手指口述：" + postName + "（" + items.length + " 条，" + window.PostDrill.localTime(body.items[0].confirmed_at) + " 开始）",
        body: { client_id: body.client_id, post_id: Number(postId), items: body.items }
      });
      var done = $("step-done");
      done.hidden = false;
      done.className = "notice";
      done.textContent = "全部确认完毕，已存在这台手机上，联网后自动上传（见“待同步”）。上传后请班组长签认。";
      $("step-confirm").textContent = "已完成";
      return true;
    }
    function finish() {
      $("step-count").textContent = items.length + "/" + items.length;
      $("step-confirm").disabled = true;
      $("step-confirm").textContent = "正在保存…";
      var body = { items: confirmations, client_id: newClientId() };
      if ((options.offline || !navigator.onLine) && queued(body)) { return; }
      fetch("/api/drill/checklists/" + postId + "/runs", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        var done = $("step-done");
        done.hidden = false;
        if (result.ok) {
          done.textContent = "全部确认完毕，已保存（记录号 " + result.data.run_id + "）。请班组长在自己的手机上签认。";
          $("step-confirm").textContent = "已完成";
        } else {
          done.className = "alert";
          done.textContent = "没有保存：" + (result.data.errors || []).map(function (e) { return e.msg; }).join("；");
          restart();
        }
      }).catch(function () {
        // The answer may have been lost after the server stored it: the queue resends the same
        // client_id, which the server counts once.
        if (queued(body)) { return; }
        $("step-done").hidden = false;
        $("step-done").textContent = "网络不通，没有保存。请有信号时再做一遍。";
        restart();
      });
    }
    $("step-confirm").addEventListener("click", function () {
      if (index >= 0) {
        confirmations.push({ id: items[index].id, confirmed_at: new Date().toISOString() });
      } else {
        $("step-done").hidden = true;
      }
      index += 1;
      if (index >= items.length) { finish(); return; }
      show();
    });
    $("step-speak").addEventListener("click", function () { speak(items[Math.max(index, 0)]); });
  }
})();
