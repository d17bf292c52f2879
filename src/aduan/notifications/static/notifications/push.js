/* "Notifications on this device" on the notification settings page: subscribes this
   browser to Web Push with the site's VAPID key and tells the server (or turns it off).
   Does nothing where the browser has no service worker or Push API; the section stays
   hidden until the site's service worker (/sw.js) is ready. */
(function () {
  "use strict";
  var section = document.getElementById("push-device");
  if (!section || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) {
    return;
  }
  var onButton = section.querySelector('[data-push="on"]');
  var offButton = section.querySelector('[data-push="off"]');
  var status = section.querySelector('[data-push="status"]');
  var data = section.dataset;

  function applicationServerKey(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response;
    });
  }

  function show(subscribed, message) {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    if (message !== undefined) { status.textContent = message; }
  }

  navigator.serviceWorker.ready.then(function (registration) {
    section.hidden = false;
    if (Notification.permission === "denied") { status.textContent = data.msgDenied; }

    // The browser's subscription may be another account's (someone else turned push on
    // on this phone): "on" only when the server says it is this user's; another's is
    // dropped (the server forgets it too), so it neither shows "on" nor keeps arriving.
    registration.pushManager.getSubscription().then(function (subscription) {
      if (!subscription) { show(false); return null; }
      return post(data.checkUrl, {endpoint: subscription.endpoint}).then(function (response) {
        return response.json();
      }).then(function (answer) {
        show(answer.mine === true);
        return answer.mine === true ? null : subscription.unsubscribe();
      });
    }).catch(function () { show(false); });

    onButton.addEventListener("click", function () {
      onButton.disabled = true;
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { throw new Error("denied"); }
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey(data.vapidPublicKey)
        });
      }).then(function (subscription) {
        return post(data.subscribeUrl, subscription.toJSON());
      }).then(function () {
        show(true, data.msgOn);
      }).catch(function (error) {
        show(false, error.message === "denied" ? data.msgDenied : data.msgFailed);
      }).then(function () { onButton.disabled = false; });
    });

    offButton.addEventListener("click", function () {
      offButton.disabled = true;
      registration.pushManager.getSubscription().then(function (subscription) {
        if (!subscription) { return null; }
        return post(data.unsubscribeUrl, {endpoint: subscription.endpoint}).then(function () {
          return subscription.unsubscribe();
        });
      }).then(function () {
        show(false, data.msgOff);
      }).catch(function () {
        status.textContent = data.msgFailed;
      }).then(function () { offButton.disabled = false; });
    });
  });
}());
