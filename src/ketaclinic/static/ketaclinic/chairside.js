// The chair page: entries sent in the background, kept when the network drops (issue 11 §3).
//
// Each form marked data-chart-form is sent with fetch. Before it is sent it gets
// its own id (client_ref) and the moment the nurse entered it (occurred_at), and
// it goes into an outbox kept in the browser's storage. The outbox is sent in
// order; an entry leaves it when the server has answered (stored, or refused with
// the reason shown). When the network is down the entry stays, listed under
// "Not yet sent" with its time, and is sent when the network returns. The server
// stores an entry once per client_ref, so an entry sent twice (the answer was
// lost, not the request) is not doubled.
(function () {
  "use strict";
  var body = document.getElementById("session-body");
  if (!body) { return; }
  var url = body.getAttribute("data-chart-url");
  var key = "ketaclinic-outbox-" + body.getAttribute("data-session");
  var outboxBox = document.getElementById("outbox");
  var sending = false;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(items) { window.localStorage.setItem(key, JSON.stringify(items)); }
  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16); window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function show() {
    var items = load();
    outboxBox.hidden = items.length === 0;
    var list = outboxBox.querySelector("ul");
    list.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + ", entered at " + new Date(item.at).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
      list.appendChild(li);
    });
  }
  function replaceBody(html) {
    body.innerHTML = html;
    tick();
  }

  function flush() {
    if (sending) { return; }
    var items = load();
    if (items.length === 0) { show(); return; }
    sending = true;
    var item = items[0];
    var data = new URLSearchParams();
    item.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "X-CSRFToken": csrf()},
    }).then(function (response) {
      return response.text().then(function (html) {
        if (response.redirected || response.status >= 500) {
          // Signed out (the answer is the sign-in page) or the server failed: the
          // entry was not stored. Keep it, say so, and try again later.
          sending = false;
          outboxBox.querySelector("strong").textContent = response.redirected
            ? "Not yet sent: sign in again (in another tab) and they are sent"
            : "Not yet sent: the server could not store them; trying again";
          show();
          return;
        }
        // Stored (200) or refused with the reason shown (4xx): it has its answer.
        var rest = load().filter(function (x) { return x.ref !== item.ref; });
        save(rest);
        replaceBody(html);
        sending = false;
        show();
        if (rest.length) { flush(); }
      });
    }).catch(function () {
      sending = false;  // offline: keep it and try again later
      show();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-chart-form]")) { return; }
    event.preventDefault();
    if (form.hasAttribute("data-online-only")) {  // a password is never kept in storage
      fetch(url, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
        headers: {"X-Requested-With": "fetch", "X-CSRFToken": csrf()},
      }).then(function (r) { return r.text(); }).then(replaceBody).catch(function () {
        window.alert("Signing needs the network: sign when it is back.");
      });
      return;
    }
    var ref = uuid();
    var at = new Date().toISOString();
    form.querySelector("input[name=client_ref]").value = ref;
    form.querySelector("input[name=occurred_at]").value = at;
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") { fields.push([name, String(value)]); }
    });
    var items = load();
    items.push({ref: ref, at: at, label: form.getAttribute("data-label") || "Entry", fields: fields});
    save(items);
    form.reset();
    show();
    flush();
  });

  // "Next vital signs due": minutes left, and overdue in red, without a reload.
  function tick() {
    var due = document.querySelector("[data-due]");
    if (!due || !due.getAttribute("data-due")) { return; }
    var late = Date.now() > new Date(due.getAttribute("data-due")).getTime();
    due.classList.toggle("danger", late);
  }

  window.addEventListener("online", flush);
  window.setInterval(function () { if (load().length) { flush(); } tick(); }, 5000);
  show();
  flush();
})();
