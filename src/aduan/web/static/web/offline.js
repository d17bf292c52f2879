/* Aduan as an installable app (issue 14), all progressive enhancement:
   - registers the service worker (/sw.js);
   - photos are scaled down on the phone before upload (longest side 1600 px, JPEG);
   - a report sent without a connection is kept in IndexedDB ("waiting to send") and sent
     when the connection returns, once: each draft carries its own Idempotency key, which
     the server honours, so a resend after a lost answer gives back the first report; the
     service worker sends it too (Background Sync), with no page of the site open.
   Without this file (or without JavaScript) the form posts as it always did. */
(function () {
  "use strict";
  var script = document.currentScript;
  var MAX_SIDE = 1600;
  var SMALL = 400 * 1024; // smaller photos are left alone (the server re-encodes them anyway)
  var SENT_PATH = /\/lapor\/terkirim\/([^/]+)\/$/;

  if ("serviceWorker" in navigator && script && script.getAttribute("data-worker")) {
    navigator.serviceWorker.register(script.getAttribute("data-worker"), { scope: "/" })
      .catch(function () { /* the site works without it */ });
  }

  // --- IndexedDB: one store of drafts, keyed by their idempotency key ------------------
  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("aduan", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("drafts", { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction("drafts", mode);
        var result = work(transaction.objectStore("drafts"));
        transaction.oncomplete = function () { db.close(); resolve(result && result.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }
  var drafts = {
    all: function () { return store("readonly", function (s) { return s.getAll(); }); },
    put: function (draft) { return store("readwrite", function (s) { s.put(draft); }); },
    remove: function (key) { return store("readwrite", function (s) { s.delete(key); }); },
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // --- What the citizen reads ----------------------------------------------------------
  function say(state, trackingId, link) {
    var box = document.getElementById("offline-drafts");
    if (!box) return;
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!state) { box.hidden = true; return; }
    var text = document.createElement("p");
    text.className = "message" + (state === "failed" ? " message-error" : "");
    text.setAttribute("data-state", state);
    text.textContent = box.getAttribute("data-" + state) + (trackingId || link ? " " : "");
    if (trackingId || link) {
      var anchor = document.createElement("a");
      anchor.href = link;
      anchor.textContent = trackingId || link;
      anchor.className = "tracking-id";
      text.appendChild(anchor);
    }
    box.appendChild(text);
    box.hidden = false;
  }

  // Drafts belong to the account that wrote them: another person signed in on the same
  // phone never sends them. The page names its account (data-account), but it may be a
  // copy the worker kept: only when the cookie the server keeps in step with the session
  // names the same account are drafts kept, restored or sent from it.
  function account() {
    var box = document.getElementById("offline-drafts");
    var page = box ? box.getAttribute("data-account") : null;
    var match = document.cookie.match(/(?:^|;\s*)aduan_account=([^;]+)/);
    var now = match ? decodeURIComponent(match[1]) : null;
    return page && page !== "anon" && page === now ? page : null;
  }
  function mine(list) {
    var who = account();
    return list.filter(function (d) { return who && d.account === who; });
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- Sending the drafts, one at a time, in one tab at a time -------------------------
  var sending = false;
  function sendOne(draft) {
    var body = new FormData();
    draft.fields.forEach(function (pair) {
      if (pair[1] instanceof Blob) body.append(pair[0], pair[1], pair[1].name || "foto.jpg");
      else body.append(pair[0], pair[1]);
    });
    var token = csrfToken();
    body.append("csrfmiddlewaretoken", token);
    return fetch(draft.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    }).then(function (response) {
      var sent = response.redirected && SENT_PATH.exec(new URL(response.url).pathname);
      if (sent) {
        return drafts.remove(draft.key).then(function () {
          say("sent", decodeURIComponent(sent[1]), response.url);
        });
      }
      if (response.status === 400 || response.status === 422) {
        draft.state = "failed";
        return drafts.put(draft).then(function () { say("failed", "", draft.url); });
      }
      // Signed out, rate-limited or a server error: it stays waiting for the next try.
      say("waiting");
      return null;
    });
  }
  function sendAll() {
    return drafts.all().then(function (list) {
      var waiting = mine(list).filter(function (d) { return d.state === "waiting"; });
      return waiting.reduce(function (chain, draft) {
        return chain.then(function () {
          if (!navigator.onLine) return null;
          say("sending");
          return sendOne(draft);
        });
      }, Promise.resolve());
    });
  }
  function flush() {
    if (sending || !navigator.onLine || !window.indexedDB || !account()) return;
    sending = true;
    var run = navigator.locks ? navigator.locks.request("aduan-drafts", sendAll) : sendAll();
    run.catch(function () { say("waiting"); }).then(function () { sending = false; });
  }

  function keepDraft(form, submitter) {
    var fields = [];
    new FormData(form, submitter || undefined).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "idempotency_key") return;
      if (value instanceof Blob && !value.size) return; // an empty file input
      fields.push([name, value]);
    });
    var key = newKey();
    fields.push(["idempotency_key", key]);
    // The server refuses the draft from another account than this one (the worker sends
    // it for whoever is signed in then).
    fields.push(["draft_account", account()]);
    var box = document.getElementById("offline-drafts");
    return drafts.put({
      key: key,
      account: account(),
      url: form.action,
      fields: fields,
      csrf: csrfToken(),
      sentText: box ? box.getAttribute("data-sent") : "",
      lang: document.documentElement.lang,
      savedAt: new Date().toISOString(),
      state: "waiting",
    }).then(function () { askForSync(); }); // never waits on a worker that is not there
  }

  // Background Sync (Chromium): the worker sends the drafts when the connection returns,
  // also after this page is closed. Elsewhere the pages send them when next open.
  function askForSync() {
    if (!("serviceWorker" in navigator)) return null;
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync ? registration.sync.register("aduan-drafts") : null;
    }).catch(function () { return null; });
  }

  // A draft the server refused (a field to correct) goes back into the form, as typed.
  function restore(form, draft) {
    var files = window.DataTransfer ? new DataTransfer() : null;
    var fileInput = null;
    draft.fields.forEach(function (pair) {
      var field = form.elements.namedItem(pair[0]);
      if (!field) return;
      if (pair[1] instanceof Blob) {
        if (files && field.type === "file") { files.items.add(pair[1]); fileInput = field; }
        return;
      }
      if (field instanceof RadioNodeList || field.type === "radio" || field.type === "checkbox") {
        form.querySelectorAll("[name='" + pair[0] + "']").forEach(function (choice) {
          if (choice.value === pair[1]) choice.checked = true;
        });
      } else if (field.type !== "hidden") {
        field.value = pair[1];
      }
    });
    if (fileInput) fileInput.files = files.files;
    return true;
  }

  // --- Photos scaled down before they leave the phone ---------------------------------
  function scaled(file) {
    if (!/^image\/(jpeg|png)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var ratio = MAX_SIDE / Math.max(bitmap.width, bitmap.height);
      if (ratio >= 1) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * ratio);
      canvas.height = Math.round(bitmap.height * ratio);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG becomes a JPEG on white
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }
  // Runs before site.js's checks of size and type (capture), which then see the smaller files.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("form[data-offline-draft] input[type=file]")) return;
    if (input.aduanScaled) { input.aduanScaled = false; return; }
    if (!window.DataTransfer || !window.createImageBitmap) return;
    var large = Array.prototype.some.call(input.files, function (file) {
      return /^image\/(jpeg|png)$/.test(file.type) && file.size > SMALL;
    });
    if (!large) return;
    event.stopImmediatePropagation();
    var form = input.form;
    form.setAttribute("aria-busy", "true");
    Promise.all(Array.prototype.map.call(input.files, scaled)).then(function (files) {
      var list = new DataTransfer();
      files.forEach(function (file) { list.items.add(file); });
      input.files = list.files;
      input.aduanScaled = true;
      form.removeAttribute("aria-busy");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.indexedDB || !window.FormData) return;
    document.querySelectorAll("form[data-offline-draft]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        // Online, the form posts as it always did; the "check" and "refresh" helper
        // buttons (no-JavaScript paths) are left alone too.
        if (navigator.onLine || event.defaultPrevented || !account()) return;
        if (event.submitter && event.submitter.name) return;
        event.preventDefault();
        keepDraft(form, event.submitter).then(function () {
          form.reset();
          say("waiting");
        }, function () {
          form.submit(); // IndexedDB refused (private mode, full disk): the browser's own way
        });
      });
    });
    drafts.all().then(function (list) {
      list = mine(list);
      var failed = list.filter(function (d) { return d.state === "failed"; });
      var form = document.querySelector("form[data-offline-draft]");
      if (failed.length && form && restore(form, failed[0])) {
        drafts.remove(failed[0].key);
        say("restored");
      } else if (list.some(function (d) { return d.state === "waiting"; })) say("waiting");
      else if (failed.length) say("failed", "", failed[0].url);
      flush();
    }, function () {});
  });
  window.addEventListener("online", flush);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "aduan-draft") return;
      if (data.state === "sent") say("sent", data.trackingId, data.url);
      else if (data.state === "failed") say("failed", "", data.url);
    });
  }
})();
