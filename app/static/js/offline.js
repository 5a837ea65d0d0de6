// The offline shell. The service worker answers with this page whenever a page cannot be fetched,
// keeping the address the worker asked for; we render that address from what pwa.js saved on the
// last online visit of /drill (the API's own answers, in Cache Storage):
//   /drill, /drill/offline, /          the worker's posts, due cards, links
//   /drill/{post}/flashcards           a flashcard session; each rating goes into the sync queue
//   /drill/{post}/checklist            finger-point-and-say (checklist.js), the run goes into the queue
//   /posts/{post}                      the post's 两单两卡, read-only (the emergency card above all)
//   anything else                      "需要联网": quizzes, assessments and competitions are online-only
// Everything is built with textContent, never innerHTML: the card text is data, not markup.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  var drill = window.PostDrill;
  var RATINGS = [["again", "重来"], ["hard", "困难"], ["good", "良好"], ["easy", "简单"]];
  var KINDS = { risk: "风险", step: "操作要点", prohibition: "禁止事项", scenario: "应急", mnemonic: "口诀", duty: "职责" };
  var LEVELS = { "重大": "red", "较大": "orange", "一般": "yellow", "低": "blue" };
  var COLOURS = { "重大": "红", "较大": "橙", "一般": "黄", "低": "蓝" };
  var CONTROLS = [["engineering", "工程技术"], ["management", "管理"], ["training", "培训教育"], ["ppe", "个体防护"], ["emergency", "应急处置"]];

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") { node.textContent = props[key]; } else if (key === "class") { node.className = props[key]; } else { node.setAttribute(key, props[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function card(children) { return el("section", { class: "card" }, children); }
  function link(href, text, primary) { return el("a", { class: "button" + (primary ? " primary" : ""), href: href, text: text }); }
  function show(nodes) { app.textContent = ""; nodes.forEach(function (n) { app.appendChild(n); }); }
  function cached(url) {
    if (!("caches" in window)) { return Promise.resolve(null); }
    return caches.match(url).then(function (response) { return response ? response.json() : null; });
  }
  function when(iso) { return drill.localTime(iso); }
  function dueCards(cards, index) {
    // Due by the phone's clock, minus what was reviewed here since the data was saved (its next due
    // date is the server's to compute, after sync).
    var now = new Date();
    var reviewed = drill.reviewed();
    var waiting = {};
    drill.pending().forEach(function (e) { if (e.kind === "review") { waiting[e.body.card_id] = true; } });
    return cards.filter(function (c) {
      var since = reviewed[c.id];
      return new Date(c.due) <= now && !waiting[c.id] && !(since && since > index.saved_at);
    });
  }
  function needsNetwork(text) {
    show([card([
      el("h1", { text: "这一页需要联网" }),
      el("p", { text: text || "练习题、考试和竞赛要在线做：题目、计时和成绩都以服务器为准。有信号后再打开这一页。" }),
      el("div", { class: "actions" }, [link("/drill/offline", "离线练兵", true)])
    ])]);
  }

  function home(index) {
    var intro = card([
      el("h1", { text: "离线练兵" }),
      el("p", { class: "small", text: "没有网络也能复习闪卡、做手指口述、看本岗位的两单两卡。记录先存在这台手机上，联网后自动上传。" }),
      el("p", { class: "small muted", text: "练习题、考试和竞赛需要联网。内容保存于 " + when(index.saved_at) + "。" })
    ]);
    var sections = [intro];
    var loads = index.posts.map(function (post) {
      return cached(drill.urls(post.id).flashcards).then(function (cards) {
        var due = cards ? dueCards(cards, index).length : 0;
        return card([
          el("h2", { text: post.name }),
          el("p", { class: "small muted", text: "到期卡片 " + due + " 张" }),
          el("div", { class: "actions" }, [
            link("/drill/" + post.id + "/flashcards", due ? "复习 " + due + " 张" : "看看卡片", true),
            link("/drill/" + post.id + "/checklist", "手指口述"),
            link("/posts/" + post.id, "两单两卡")
          ])
        ]);
      });
    });
    return Promise.all(loads).then(function (cards) { show(sections.concat(cards)); });
  }

  function flashcards(index, post) {
    return cached(drill.urls(post.id).flashcards).then(function (cards) {
      if (!cards) { return needsNetwork("这个岗位的卡片没有保存在这台手机上。联网后打开一次“每日练兵”。"); }
      function next() {
        var due = dueCards(cards, index);
        var head = el("header", { class: "quiz-head" }, [el("span", { text: post.name }), el("span", { text: "离线 · 还有 " + due.length + " 张" })]);
        if (!due.length) {
          show([head, card([
            el("h2", { text: "到期的卡片复习完了" }),
            el("p", { text: "联网后记录自动上传，下次复习的时间由服务器重新安排。" }),
            el("div", { class: "actions" }, [link("/drill/" + post.id + "/checklist", "手指口述"), link("/drill/offline", "离线练兵")])
          ])]);
          return;
        }
        var current = due[0];
        var reveal = el("button", { type: "button", class: "primary big", text: "显示答案" });
        var face = el("section", { class: "card flashcard" }, [
          el("p", { class: "small muted", text: KINDS[current.kind] || current.kind }),
          el("h2", { class: "front", text: current.front }),
          reveal
        ]);
        reveal.addEventListener("click", function () {
          face.removeChild(reveal);
          face.appendChild(el("div", { class: "back" }, current.back.split("\n").map(function (line) { return el("p", { text: line }); })));
          face.appendChild(el("p", { class: "small muted source", text: "出处：" + (current.source_label || current.source) }));
          var ratings = el("div", { class: "ratings" }, RATINGS.map(function (r) {
            var button = el("button", { type: "button", class: "rating-" + r[0], text: r[1] });
            button.addEventListener("click", function () { rate(current, r); });
            return button;
          }));
          face.appendChild(ratings);
        });
        show([head, face]);
      }
      function rate(current, rating) {
        drill.add({
          kind: "review",
          person_id: index.person_id,
          label: "复习：" + current.front.slice(0, 24) + "（" + rating[1] + "）",
          body: { client_id: drill.newClientId("review"), card_id: current.id, rating: rating[0], reviewed_at: new Date().toISOString() }
        });
        next();
      }
      next();
    });
  }

  function checklist(index, post) {
    return cached(drill.urls(post.id).checklist).then(function (data) {
      if (!data) { return needsNetwork("这个岗位的手指口述没有保存在这台手机上。联网后打开一次“每日练兵”。"); }
      var root = el("section", { class: "checklist-run", id: "checklist", "data-post-id": String(post.id), "data-post-name": post.name, "data-items": JSON.stringify(data.items) }, [
        el("header", { class: "quiz-head" }, [el("span", { text: post.name + " · 手指口述（离线）" }), el("span", { class: "progress-count", id: "step-count", text: "0/" + data.items.length })]),
        el("div", { class: "card step-card", "aria-live": "polite" }, [
          el("p", { class: "small muted", id: "step-phase" }),
          el("p", { class: "point" }, [el("span", { class: "label", text: "指" }), el("strong", { id: "step-point", text: "准备好后点“开始”" })]),
          el("p", { class: "say" }, [el("span", { class: "label", text: "说" }), el("span", { id: "step-say", text: "每条指着实物大声说出来，说完点“确认”。" })])
        ]),
        el("div", { class: "actions" }, [
          el("button", { type: "button", class: "primary big", id: "step-confirm", text: "开始" }),
          el("button", { type: "button", id: "step-speak", text: "朗读" })
        ]),
        el("p", { class: "notice", id: "step-done", hidden: "", role: "status" }),
        el("ol", { class: "checklist small", id: "step-list" }, data.items.map(function (item) {
          return el("li", { "data-id": item.id, text: item.point_at + "——" + item.say });
        }))
      ]);
      show([root]);
      window.PostDrillChecklist.start(root, { offline: true });
    });
  }

  function postCards(post) {
    return cached(drill.urls(post.id).post).then(function (p) {
      if (!p) { return needsNetwork("这个岗位的两单两卡没有保存在这台手机上。"); }
      var phone = p.emergency.dispatch_phone;
      var parts = [
        el("section", { class: "post-head" }, [el("h1", { text: p.name }), el("p", { class: "muted small", text: "离线查看 · 第" + p.version + "版" })]),
        card([el("h2", { text: "岗位应急处置卡" })].concat(p.emergency.scenarios.map(function (s) {
          return el("article", { class: "item scenario" }, [
            el("header", {}, [el("strong", { text: s.id + " " + s.title })]),
            s.signs && s.signs.length ? el("p", { text: "征兆：" + s.signs.join("；") }) : null,
            el("ol", {}, s.actions.map(function (a) {
              // Stored cards before 谁去做 existed give plain lines; the API gives {text, who}.
              if (typeof a === "string") { return el("li", { text: a }); }
              return el("li", {}, [a.who ? el("span", { class: "doer", text: a.who }) : null, document.createTextNode(a.text)]);
            })),
            el("div", {}, (s.prohibitions || []).map(function (no) { return el("p", { class: "forbid", text: no }); })),
            s.escape_route ? el("p", { text: "撤离路线：" + s.escape_route }) : null,
            s.muster_point ? el("p", { text: "集合点：" + s.muster_point }) : null,
            s.kit_location ? el("p", { text: "应急物资：" + s.kit_location }) : null,
            s.report_items && s.report_items.length ? el("p", { text: "报告内容：" + s.report_items.join("；") }) : null,
            el("p", { class: "contacts" }, s.contacts.map(function (c) {
              var number = c.phone || phone;
              return number ? el("a", { class: "button call", href: "tel:" + number, text: c.who + " " + number }) : el("span", { class: "chip", text: c.who + "（内部电话）" });
            }))
          ]);
        }))),
        card([el("h2", { text: "岗位风险清单" })].concat(p.risks.map(function (r) {
          return el("article", { class: "item risk" }, [
            el("header", {}, [el("span", { class: "badge level-" + (LEVELS[r.level] || "blue"), text: r.level + "风险 · " + (COLOURS[r.level] || "") }), el("strong", { text: " " + r.id + " " + r.point })]),
            r.control_level || r.responsible ? el("p", { text: [r.control_level ? "管控层级：" + r.control_level + "级" : "", r.responsible ? "责任岗位：" + r.responsible : ""].filter(Boolean).join("　") }) : null,
            r.substance ? el("p", { text: "危险物质：" + r.substance }) : null,
            el("p", { text: "危险因素：" + r.hazard }),
            el("p", { text: "可能导致：" + r.accident_types.join("、") }),
            el("ul", {}, CONTROLS.reduce(function (all, group) {
              return all.concat((r.controls[group[0]] || []).map(function (m) { return el("li", { text: group[1] + "：" + m }); }));
            }, []))
          ]);
        }))),
        card([el("h2", { text: "岗位职责清单" }), el("ol", {}, p.duties.map(function (d) { return el("li", { text: d.text }); }))]),
        card([el("h2", { text: "岗位操作卡" }), el("ol", { class: "steps" }, p.operation.steps.map(function (s) {
          return el("li", {}, [el("p", { text: s.phase + "：" + s.text })].concat((s.prohibitions || []).map(function (no) { return el("p", { class: "forbid", text: no }); })));
        }))]),
        card([el("h2", { text: "口诀" })].concat(p.mnemonics.map(function (m) { return el("blockquote", { text: m.title + "：" + m.text }); })))
      ];
      show(parts);
    });
  }

  function route() {
    var index = drill.index();
    var who = document.getElementById("offline-who");
    if (index && who) { who.textContent = index.person_name || ""; }
    var path = location.pathname.replace(/\/+$/, "") || "/";
    var drillPage = path.match(/^\/drill\/(\d+)\/(flashcards|checklist)$/);
    var postPage = path.match(/^\/posts\/(\d+)$/);
    var isDrill = path === "/" || path === "/drill" || path === "/drill/offline" || drillPage || postPage;
    if (!isDrill) { return needsNetwork(); }
    if (!index || !("caches" in window)) {
      return needsNetwork("这台手机上还没有保存练兵内容。有信号时打开一次“每日练兵”，之后没有网络也能练。");
    }
    var id = Number((drillPage || postPage || [])[1]);
    var post = index.posts.filter(function (p) { return p.id === id; })[0];
    if (id && !post) { return needsNetwork("这个岗位的内容没有保存在这台手机上。"); }
    if (postPage) { return postCards(post); }
    if (drillPage && drillPage[2] === "flashcards") { return flashcards(index, post); }
    if (drillPage) { return checklist(index, post); }
    return home(index);
  }

  route();
})();
