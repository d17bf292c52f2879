/* Aduan's service worker (aduan.web.pwa): the app shell offline, the citizen's own report
   pages for offline reading, and Web Push notifications. Rendered by the server with the
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
// not no-store) are kept, and at most CONFIG.pagesKept of them, the oldest dropped first.
// A page for another account than the kept ones (someone else signed in) empties the cache.
const ACCOUNT_KEY = "/.aduan-account";
async function keep(request, response) {
  const url = new URL(request.url);
  if (neverStored(url) || response.status !== 200 || response.redirected) return;
  const mark = (response.headers.get(CONFIG.header) || "").split(" ");
  if (mark[0] !== "keep") return;
  if (/no-store/.test(response.headers.get("Cache-Control") || "")) return;
  const account = mark[1] || "";
  let cache = await caches.open(PAGES_CACHE);
  const owner = await cache.match(ACCOUNT_KEY);
  if (!owner || (await owner.text()) !== account) {
    await caches.delete(PAGES_CACHE);
    cache = await caches.open(PAGES_CACHE);
    await cache.put(ACCOUNT_KEY, new Response(account));
  }
  await cache.delete(request);
  await cache.put(request, response);
  const kept = (await cache.keys()).filter((key) => !key.url.endsWith(ACCOUNT_KEY));
  for (const old of kept.slice(0, Math.max(0, kept.length - CONFIG.pagesKept))) {
    await cache.delete(old);
  }
}

async function navigate(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    event.waitUntil(keep(request, response.clone()));
    return response;
  } catch (error) {
    const url = new URL(request.url);
    if (!neverStored(url)) {
      const copy = await caches.match(request, { cacheName: PAGES_CACHE });
      if (copy) return copy;
    }
    return (await caches.match(CONFIG.offline, { cacheName: SHELL_CACHE })) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Signing out forgets the pages kept for the one who signed out.
  if (request.method === "POST" && url.pathname === CONFIG.signOut) {
    event.waitUntil(caches.delete(PAGES_CACHE));
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
