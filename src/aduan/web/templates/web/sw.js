/* Aduan's service worker (aduan.web.pwa): the app shell offline, the citizen's own report
   pages for offline reading, Web Push notifications, and the reports kept offline sent by
   Background Sync when the connection returns, even with no page of the site open. Rendered by the server with the
   shell's versioned URLs, so each deploy installs a new worker. */
"use strict";
const CONFIG = {{ config }};
const SHELL_CACHE = "aduan-shell-" + CONFIG.version;
const PAGES_CACHE = "aduan-pages";
const SHELL = new Set(CONFIG.shell);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(CONFIG.shell)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(
      names.filter((name) => name.startsWith("aduan-shell-") && name !== SHELL_CACHE)
        .map((name) => caches.delete(name))
    )).then(() => self.clients.claim())
  );
});

function neverStored(url) {
  return CONFIG.never.some((prefix) => url.pathname.startsWith(prefix));
}

// Only answers the server marked (a page of the citizen's own reports, no new cookie,
// not no-store, not for staff) are kept, and at most CONFIG.pagesKept of them, the oldest
// dropped first. The kept pages have one owner (the account tag the server sends): every
// live page says whom it is for (CONFIG.accountHeader), and one for anyone else (another
// person signed in on the same phone, or the session ended) empties the cache first.
const ACCOUNT_KEY = "/.aduan-account";
let queue = Promise.resolve();
function serially(work) {
  queue = queue.then(work, work);
  return queue;
}

async function owner() {
  const cache = await caches.open(PAGES_CACHE);
  const stored = await cache.match(ACCOUNT_KEY);
  return stored ? stored.text() : null;
}

async function forgetUnlessFor(account) {
  const kept = await owner();
  if (kept !== null && kept !== account) await caches.delete(PAGES_CACHE);
}

async function remember(request, response) {
  const account = response.headers.get(CONFIG.accountHeader);
  if (account) await forgetUnlessFor(account);
  const url = new URL(request.url);
  if (neverStored(url) || response.status !== 200 || response.redirected) return;
  const mark = (response.headers.get(CONFIG.header) || "").split(" ");
  if (mark[0] !== "keep" || !mark[1] || mark[1] !== account) return;
  if (/no-store/.test(response.headers.get("Cache-Control") || "")) return;
  const cache = await caches.open(PAGES_CACHE);
  if ((await owner()) === null) await cache.put(ACCOUNT_KEY, new Response(account));
  await cache.delete(request);
  await cache.put(request, response);
  const kept = (await cache.keys()).filter((key) => !key.url.endsWith(ACCOUNT_KEY));
  for (const old of kept.slice(0, Math.max(0, kept.length - CONFIG.pagesKept))) {
    await cache.delete(old);
  }
}

// Who is signed in now, offline: the cookie the server keeps in step with the session
// (no cookie: nobody). Null where the worker can not read cookies.
async function signedIn() {
  if (!self.cookieStore) return null;
  try {
    const cookie = await self.cookieStore.get(CONFIG.accountCookie);
    return cookie ? cookie.value : "anon";
  } catch (error) {
    return null;
  }
}

// A kept copy of the report form carries the key of a report perhaps already sent with
// it: the copy gets a fresh one (the server would refuse the old key with other words).
async function withFreshKey(copy) {
  if (!/text\/html/.test(copy.headers.get("Content-Type") || "")) return copy;
  const text = await copy.text();
  const fresh = text.replace(
    /(<input type="hidden" name="idempotency_key" value=")[^"]*(")/g,
    (match, before, after) => before + self.crypto.randomUUID() + after
  );
  const headers = new Headers(copy.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return new Response(fresh, { status: copy.status, statusText: copy.statusText, headers: headers });
}

async function navigate(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    event.waitUntil(serially(() => remember(request, response.clone())));
    return response;
  } catch (error) {
    const url = new URL(request.url);
    if (!neverStored(url)) {
      await serially(async () => {
        const now = await signedIn();
        if (now !== null) await forgetUnlessFor(now);
      });
      const copy = await caches.match(request, { cacheName: PAGES_CACHE });
      if (copy) return withFreshKey(copy);
    }
    return (await caches.match(CONFIG.offline, { cacheName: SHELL_CACHE })) || Response.error();
  }
}

// Signing out: the pages kept for the one who signed out go, and so does this browser's
// push subscription (the server also forgets the ones subscribed in that session).
async function signOut() {
  await caches.delete(PAGES_CACHE);
  const subscription = self.registration.pushManager
    ? await self.registration.pushManager.getSubscription()
    : null;
  if (subscription) await subscription.unsubscribe();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === CONFIG.signOut) {
    event.waitUntil(serially(signOut));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (SHELL.has(url.pathname)) {
    event.respondWith(
      caches.match(request, { cacheName: SHELL_CACHE }).then((hit) => hit || fetch(request))
    );
  }
  // Everything else (API answers, htmx fragments, attachments) goes to the network only.
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const url = typeof data.url === "string" ? data.url : "/";
  event.waitUntil(self.registration.showNotification(data.title || "Aduan", {
    body: data.body || "",
    icon: CONFIG.icon,
    badge: CONFIG.icon,
    lang: "id",
    data: { url: url },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // The server sends absolute URLs (its SITE_URL); only the path is followed, on this origin.
  const given = new URL(event.notification.data && event.notification.data.url || "/", self.location.origin);
  const target = new URL(given.pathname + given.search + given.hash, self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target.href && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target.href);
    })
  );
});


// --- Reports kept offline (offline.js writes them), sent by Background Sync -------------
// The same IndexedDB store and the same rule as the page: one draft at a time under the
// "aduan-drafts" lock, its own idempotency key, and the server refuses a draft of another
// account than the one signed in (409: it waits for its owner).
const SYNC_TAG = "aduan-drafts";
const SENT_PATH = /\/lapor\/terkirim\/([^/]+)\/$/;

function draftStore(mode, work) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("aduan", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("drafts", { keyPath: "key" });
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const transaction = db.transaction("drafts", mode);
      const request = work(transaction.objectStore("drafts"));
      transaction.oncomplete = () => { db.close(); resolve(request && request.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    };
  });
}

async function tellPages(message) {
  const windows = await self.clients.matchAll({ type: "window" });
  windows.forEach((client) => client.postMessage({ type: "aduan-draft", ...message }));
  return windows.length;
}

async function sendDraft(draft) {
  const body = new FormData();
  draft.fields.forEach(([name, value]) => {
    if (value instanceof Blob) body.append(name, value, value.name || "foto.jpg");
    else body.append(name, value);
  });
  body.append("csrfmiddlewaretoken", draft.csrf || "");
  // A network failure throws: the browser retries the sync later.
  const response = await fetch(draft.url, {
    method: "POST",
    body: body,
    credentials: "same-origin",
    headers: { "X-CSRFToken": draft.csrf || "" },
  });
  const sent = response.redirected && SENT_PATH.exec(new URL(response.url).pathname);
  if (sent) {
    const trackingId = decodeURIComponent(sent[1]);
    await draftStore("readwrite", (store) => store.delete(draft.key));
    const open = await tellPages({ state: "sent", trackingId: trackingId, url: response.url });
    if (!open && self.Notification && Notification.permission === "granted") {
      await self.registration.showNotification("Aduan", {
        body: (draft.sentText || "") + " " + trackingId,
        icon: CONFIG.icon,
        lang: draft.lang || "id",
        data: { url: response.url },
      });
    }
  } else if (response.status === 400 || response.status === 422) {
    draft.state = "failed";
    await draftStore("readwrite", (store) => store.put(draft));
    await tellPages({ state: "failed", url: draft.url });
  }
  // Signed out, another account, rate-limited or a server error: it stays waiting.
}

async function sendDrafts() {
  const list = (await draftStore("readonly", (store) => store.getAll())) || [];
  for (const draft of list.filter((d) => d.state === "waiting")) {
    await sendDraft(draft);
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  const run = self.navigator.locks
    ? self.navigator.locks.request(SYNC_TAG, sendDrafts)
    : sendDrafts();
  event.waitUntil(run);
});
