/* 评优台账 patrol capture: pickers that narrow hall → window → worker and the rules to the
   chosen kind, and an outbox that keeps submissions in the browser (IndexedDB, photos
   included) while the network is away. Each submission has its own Idempotency-Key, so a
   resend after a lost answer is recorded once by the server; an item leaves the outbox only
   when the server has answered it. Without this script the page is a plain form. */
(function () {
  "use strict";

  var DB_NAME = "evaluation-ledger-patrol";
  var STORE = "outbox";
  var REJECTED = "evaluation-ledger-rejected";

  // --- small helpers ---------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function newKey() {  // crypto.randomUUID needs https; getRandomValues works on the intranet's http
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function pad(n) { return String(Math.floor(Math.abs(n))).padStart(2, "0"); }

  function phoneTime(d) {  // the phone's clock with its offset: 2022-03-01T09:30:00+08:00
    var offset = -d.getTimezoneOffset();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + (offset >= 0 ? "+" : "-") + pad(offset / 60) + ":" + pad(offset % 60);
  }

  function show(id, text) {
    var el = $(id);
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  // --- the outbox (IndexedDB) ------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function stored() {
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }
  // Waiting to be sent; a refused item stays in the outbox (note and photos kept) until the
  // inspector corrects and resends it, or discards it.
  function queued() { return stored().then(function (items) { return items.filter(function (i) { return !i.refused; }); }); }
  function refusedItems() { return stored().then(function (items) { return items.filter(function (i) { return i.refused; }); }); }
  function keep(item) { return withStore("readwrite", function (s) { return s.put(item); }); }
  function drop(key) { return withStore("readwrite", function (s) { return s.delete(key); }); }

  function rejected() {
    try { return JSON.parse(localStorage.getItem(REJECTED) || "[]"); } catch (e) { return []; }
  }
  function markRefused(item, message) {
    item.refused = message;
    return keep(item);
  }

  // --- sending ---------------------------------------------------------------------------
  function send(item) {
    var body = new FormData();
    Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
    body.append("idempotency_key", item.key);
    body.append("csrf", csrfToken());
    item.photos.forEach(function (p) { body.append("photos", p.blob, p.name); });
    return fetch("/ui/patrol", { method: "POST", body: body, credentials: "same-origin",
                                 headers: { "Accept": "application/json" } });
  }

  function detail(response) {
    return response.json().then(function (body) {
      var d = body && body.detail;
      return Array.isArray(d) ? d.map(function (x) { return x.message; }).join(";") : String(d || response.status);
    }, function () { return "服务器返回 " + response.status; });
  }

  // What an answer means for a queued item: "sent", "refused" (the server said no: show it,
  // never resend) or "later" (no answer, login needed, or the server busy: keep it).
  function outcome(response) {
    if (response.status === 200 || response.status === 201) return "sent";
    if (response.status === 401 || response.status === 403 || response.status === 429 || response.status >= 500) return "later";
    return "refused";
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    var waiting = "", refusedNow = false, sentNow = 0;
    return queued().then(function (items) {
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) return false;
          return send(item).then(function (response) {
            var result = outcome(response);
            if (result === "sent") { sentNow += 1; return drop(item.key).then(function () { return true; }); }
            if (result === "refused") {
              return detail(response).then(function (message) {
                refusedNow = true;
                return markRefused(item, message);
              }).then(function () { return true; });
            }
            waiting = response.status === 401 || response.status === 403 ? "登录已过期,请重新登录,登录后自动同步。" : "";
            return false;
          }, function () { return false; });  // the network is away again
        });
      });
      return chain;
    }).then(function () {
      flushing = false;
      var said = $("result") ? $("result").textContent : "";
      if (sentNow && !refusedNow && said.indexOf("当前离线") === 0) {  // the page said 已暂存: no longer true
        show("result", "已联网:暂存的 " + sentNow + " 条已发送并记录。");
      }
      if (refusedNow && $("refused")) {  // the page said 已暂存; now say what happened instead
        show("result", "");
        show("problem", "有记录被服务器退回,见页首“被退回、尚未记录的”,可改正后重发。");
      }
      return render(waiting);
    },
            function () { flushing = false; return render(waiting); });
  }

  function listItem(text, badgeKind, badgeText) {
    var li = document.createElement("li");
    var badge = document.createElement("span");
    li.textContent = text + " ";
    badge.className = "badge " + badgeKind;
    badge.textContent = badgeText;
    li.appendChild(badge);
    return li;
  }

  function renderRefused() {
    var box = $("refused-list");
    if (!box) return Promise.resolve();
    return refusedItems().then(function (items) {
      box.textContent = "";
      $("refused").hidden = !items.length;
      items.forEach(function (item) {
        var li = listItem(item.fields.rule_id + " · " + item.label + " · 手机时间 " +
                          item.fields.device_time.replace("T", " ").slice(0, 16) + " · 原因:" + item.refused, "veto", "未记录");
        var fix = document.createElement("button");
        fix.type = "button";
        fix.className = "secondary small";
        fix.textContent = "改正后重发";
        fix.addEventListener("click", function () { loadForCorrection(item); });
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "secondary small";
        discard.textContent = "删除";
        discard.addEventListener("click", function () { drop(item.key).then(function () { return render(); }); });
        li.appendChild(document.createElement("br"));
        li.appendChild(fix);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(discard);
        box.appendChild(li);
      });
    });
  }

  function render(extra) {
    renderRefused();
    return stored().then(function (all) {
      var items = all.filter(function (i) { return !i.refused; });
      var text = items.length ? "待同步 " + items.length + " 条" + (navigator.onLine ? "" : "(当前离线,联网后自动发送)") : "";
      show("sync-status", [text, extra].filter(Boolean).join(" "));
      var list = $("outbox-list");
      if (!list) return;
      list.textContent = "";
      all.forEach(function (item) {
        var when = item.fields.device_time.replace("T", " ").slice(0, 16);
        list.appendChild(item.refused ?
          listItem(item.fields.rule_id + " · " + item.label + " · 手机时间 " + when + " · 被退回:" + item.refused, "veto", "未记录") :
          listItem(item.fields.rule_id + " · " + item.label + " · 手机时间 " + when, "pending", "待同步"));
      });
      rejected().forEach(function (r) {  // refusals kept by earlier versions of this page
        list.appendChild(listItem(r.rule + " · " + r.subject + " · 被退回:" + r.message, "veto", "未记录"));
      });
      if (!list.children.length) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = list.dataset.empty;
        list.appendChild(empty);
      }
    });
  }

  // --- the form --------------------------------------------------------------------------
  function narrowPickers() {
    var hall = $("hall"), windowPick = $("window"), worker = $("worker"), search = $("worker-search"), rule = $("rule");
    function filter(select, keep) {
      Array.prototype.forEach.call(select.options, function (o) {
        if (!o.value) return;
        var visible = keep(o);
        o.hidden = !visible;
        o.disabled = !visible;
        if (!visible && o.selected) select.value = "";
      });
    }
    function update() {
      filter(windowPick, function (o) { return !hall.value || o.dataset.parent === hall.value; });
      var text = search.value.trim().toLowerCase();
      filter(worker, function (o) {
        return (!windowPick.value || o.dataset.parent === windowPick.value) &&
          (!hall.value || o.dataset.hall === hall.value) &&
          (!text || o.dataset.search.toLowerCase().indexOf(text) >= 0);
      });
      var kind = worker.value ? "worker" : windowPick.value ? "window" : hall.value ? "hall" : "";
      filter(rule, function (o) { return !kind || o.dataset.kind === kind; });
      Array.prototype.forEach.call(rule.querySelectorAll("optgroup"), function (g) {
        g.hidden = Boolean(kind) && g.dataset.kind !== kind;
      });
      var selected = rule.options[rule.selectedIndex];
      var effect = selected ? selected.dataset.effect : "";
      $("points-field").hidden = !(effect === "assess" || effect === "bonus-discretionary");
    }
    [hall, windowPick, worker, rule].forEach(function (el) { el.addEventListener("change", update); });
    search.addEventListener("input", update);
    update();
  }

  function labelOf() {
    var picks = ["worker", "window", "hall"].map(function (id) { return $(id); });
    for (var i = 0; i < picks.length; i++) {
      if (picks[i].value) return picks[i].options[picks[i].selectedIndex].textContent;
    }
    return "";
  }

  function capture(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf" && name !== "idempotency_key") fields[name] = value;
    });
    fields.device_time = phoneTime(new Date());
    var photos = Array.prototype.map.call($("photos").files, function (f) { return { name: f.name, blob: f }; });
    return { key: form.elements.idempotency_key.value, fields: fields, photos: photos, label: labelOf(),
             created: new Date().toISOString() };
  }

  function checkBeforeSending(item) {
    if (!item.fields.hall_id && !item.fields.window_id && !item.fields.worker_id) return "请选择被记录的大厅、窗口或工作人员。";
    if (!item.fields.rule_id) return "请选择考评事项。";
    if (item.photos.length > 3) return "最多上传 3 张照片。";
    return "";
  }

  var correcting = null;  // the key of a refused item being corrected: dropped once the resend is accepted

  function afterAccepted(form, message) {
    // The next finding is usually at the same hall, window or worker: keep them chosen.
    var keepPicks = ["hall", "window", "worker"].map(function (id) { return [id, $(id).value]; });
    form.reset();
    keepPicks.forEach(function (pick) { $(pick[0]).value = pick[1]; });
    form.elements.idempotency_key.value = newKey();
    $("worker-search").dispatchEvent(new Event("input"));
    show("problem", "");
    show("result", message);
    $("result").scrollIntoView({ block: "nearest" });
    if (correcting) {
      var done = correcting;
      correcting = null;
      drop(done).then(function () { return render(); });
    }
  }

  function loadForCorrection(item) {
    var form = $("patrol");
    Object.keys(item.fields).forEach(function (name) {
      var field = form.elements[name];
      if (field && name !== "device_time" && field.type !== "file") field.value = item.fields[name];
    });
    $("worker-search").value = "";
    $("worker").dispatchEvent(new Event("change"));  // narrows the pickers to what the item chose
    $("rule").value = item.fields.rule_id || "";
    $("rule").dispatchEvent(new Event("change"));
    if (item.photos.length && window.DataTransfer) {
      var files = new DataTransfer();
      item.photos.forEach(function (p) { files.items.add(new File([p.blob], p.name, { type: p.blob.type })); });
      $("photos").files = files.files;
    }
    form.elements.idempotency_key.value = newKey();
    correcting = item.key;
    show("result", "");
    show("problem", "正在改正被退回的记录(原因:" + item.refused + "),改好后点“提交记录”重发。");
    $("problem").scrollIntoView({ block: "center" });
  }

  function wireForm(form) {
    narrowPickers();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var item = capture(form);
      var problem = checkBeforeSending(item);
      show("result", "");
      show("problem", problem);
      if (problem) return;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      var done = function () { button.disabled = false; return render(); };
      if (!navigator.onLine) {
        keep(item).then(function () { afterAccepted(form, "当前离线:已暂存在本机,联网后自动发送。"); }).then(done, done);
        return;
      }
      // Online: keep it first (a crash or a lost answer cannot lose it), then send at once.
      keep(item).then(function () { return send(item); }).then(function (response) {
        var result = outcome(response);
        if (result === "sent") {
          return response.json().then(function (body) {
            return drop(item.key).then(function () { afterAccepted(form, "已记录(编号 " + body.id.slice(0, 8) + ")。"); });
          });
        }
        if (result === "refused") {  // let the inspector correct it: the same key stays for the resend
          return drop(item.key).then(function () { return detail(response); }).then(function (m) {
            show("problem", m);
            $("problem").scrollIntoView({ block: "nearest" });
          });
        }
        afterAccepted(form, response.status === 401 || response.status === 403 ?
          "登录已过期:记录已暂存在本机,请重新登录,登录后自动发送。" : "服务器暂时不可用:记录已暂存在本机,稍后自动发送。");
      }, function () {
        afterAccepted(form, "网络不通:记录已暂存在本机,联网后自动发送。");
      }).then(done, done);
    });
  }

  var form = $("patrol");
  if (form) wireForm(form);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { render(); });
  setInterval(flush, 30000);
  render().then(flush);
})();
