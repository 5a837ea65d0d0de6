// The proposal form: a photo is shrunk on the phone (canvas, longest side ≤ 1280 px, JPEG) before it
// is sent, so a weak signal carries ~300 KB instead of a 5 MB camera file. Without a network a
// text-only proposal goes into the phone's queue (pwa.js) under a client_id and is sent later,
// counted once; a photo needs the network, and the page says so.
(function () {
  "use strict";
  var MAX_SIDE = 1280;
  var form = document.getElementById("propose-form");
  if (!form) { return; }
  var statusBox = document.getElementById("propose-status");
  var documentSelect = document.getElementById("propose-document");
  var lineSelect = document.getElementById("propose-line");

  function say(text, bad) {
    statusBox.hidden = false;
    statusBox.className = bad ? "alert" : "notice";
    statusBox.textContent = text;
    statusBox.scrollIntoView({ block: "center" });
  }
  // Only the chosen card's lines are offered.
  function filterLines() {
    lineSelect.querySelectorAll("optgroup").forEach(function (group) {
      var shown = group.dataset.document === documentSelect.value;
      group.hidden = !shown;
      group.disabled = !shown;
    });
    var chosen = lineSelect.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) { lineSelect.value = ""; }
  }
  documentSelect.addEventListener("change", filterLines);
  filterLines();

  // Decoded without a blob: URL (the page's Content-Security-Policy allows images from the site
  // and data: only): createImageBitmap where the browser has it, else a data: URL.
  function decode(file) {
    if (window.createImageBitmap) { return createImageBitmap(file); }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }
  function shrink(file) {
    return decode(file).then(function (img) {
      var width = img.naturalWidth || img.width, height = img.naturalHeight || img.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("encode")); }, "image/jpeg", 0.85);
      });
    });
  }

  function fields() {
    var data = new FormData(form);
    var clientId = window.PostDrill ? PostDrill.newClientId("proposal") : String(Date.now());
    form.elements.client_id.value = clientId;
    return {
      client_id: clientId,
      post_id: Number(form.dataset.postId),
      kind: data.get("kind"),
      document: data.get("document"),
      line: data.get("line") || null,
      text: String(data.get("text") || "").trim()
    };
  }

  function queue(body) {
    if (!window.PostDrill) { return false; }
    PostDrill.add({ kind: "proposal", person_id: PostDrill.personId(), label: "建议：" + form.dataset.postName + " · " + body.text.slice(0, 20), body: body });
    say("没有网络：建议已存在手机上，联网后自动提交（不会重复）。");
    form.reset();
    filterLines();
    return true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = fields();
    if (!body.text) { say("请写下您的建议，不能为空", true); return; }
    var file = form.elements.photo.files[0];
    if (!navigator.onLine) {
      if (file) { say("带照片的建议需要联网才能提交。可以先去掉照片只提交文字，或联网后再提交。", true); return; }
      queue(body);
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say("正在提交…");
    (file ? shrink(file) : Promise.resolve(null)).then(function (photo) {
      var data = new FormData();
      Object.keys(body).forEach(function (key) { if (key !== "post_id" && body[key] != null) { data.append(key, body[key]); } });
      if (photo) { data.append("photo", photo, "photo.jpg"); }
      var csrf = form.elements.csrf_token.value;
      return fetch(form.dataset.api, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }, body: data })
        .then(function (response) {
          return response.json().then(function (answer) {
            if (response.ok) { location.href = "/proposals?sent=" + answer.id; return; }
            button.disabled = false;
            var messages = (answer.errors || []).map(function (e) { return e.msg; });
            say(messages.length ? "没有提交：" + messages.join("；") : (answer.detail || "没有提交，请重试"), true);
          });
        }, function () {
          button.disabled = false;
          if (!photo) { queue(body); return; }
          say("网络断了，照片没有传上去。可以去掉照片先提交文字，或稍后再试。", true);
        });
    }, function () {
      button.disabled = false;
      say("这张照片打不开，请换一张 JPEG 或 PNG 照片。", true);
    });
  });
})();
