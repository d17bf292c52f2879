// Runs push.js in a stub browser (node's vm) and prints what it did as JSON.
// Usage: node push_js_harness.js <path to push.js>
//   <scenario: full | no-push-api | mine | another-account>
// (mine, another-account: the browser starts with a subscription the server says is, or
// is not, the signed-in user's)
"use strict";
const fs = require("fs");
const vm = require("vm");

const [, , scriptPath, scenario] = process.argv;
const calls = [];
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function button(name) {
  return {
    name, hidden: name === "off", disabled: false, handlers: [],
    addEventListener(type, handler) { this.handlers.push(handler); },
    click() { this.handlers.forEach((handler) => handler()); },
  };
}
const buttons = {on: button("on"), off: button("off")};
const status = {textContent: ""};
const section = {
  hidden: true,
  dataset: {
    vapidPublicKey: process.env.VAPID_PUBLIC_KEY,
    subscribeUrl: "/notifikasi/push/langganan/",
    unsubscribeUrl: "/notifikasi/push/berhenti/",
    checkUrl: "/notifikasi/push/periksa/",
    msgOn: "ON", msgOff: "OFF", msgDenied: "DENIED", msgFailed: "FAILED",
  },
  querySelector(selector) {
    if (selector === '[data-push="on"]') { return buttons.on; }
    if (selector === '[data-push="off"]') { return buttons.off; }
    return status;
  },
};
const subscription = {
  endpoint: "https://fcm.googleapis.com/fcm/send/device-1",
  toJSON() { return {endpoint: this.endpoint, expirationTime: null, keys: {p256dh: "P", auth: "A"}}; },
  unsubscribe() { calls.push(["unsubscribe"]); current = null; return Promise.resolve(true); },
};
let current = scenario === "mine" || scenario === "another-account" ? subscription : null;
const pushManager = {
  getSubscription() { return Promise.resolve(current); },
  subscribe(options) {
    calls.push(["subscribe", options.userVisibleOnly, Buffer.from(options.applicationServerKey).toString("base64url")]);
    current = subscription;
    return Promise.resolve(subscription);
  },
};
const context = {
  document: {
    getElementById(id) { return id === "push-device" ? section : null; },
    querySelector(selector) {
      return selector === 'input[name="csrfmiddlewaretoken"]' ? {value: "csrf-token"} : null;
    },
  },
  navigator: scenario === "no-push-api" ? {} : {serviceWorker: {ready: Promise.resolve({pushManager})}},
  Notification: {permission: "default", requestPermission() { calls.push(["permission"]); return Promise.resolve("granted"); }},
  fetch(url, options) {
    calls.push(["fetch", url, options.method, options.headers["X-CSRFToken"], JSON.parse(options.body)]);
    const answer = {mine: scenario === "mine"};
    return Promise.resolve({ok: true, status: 201, json: () => Promise.resolve(answer)});
  },
  atob: (text) => Buffer.from(text, "base64").toString("binary"),
  Uint8Array, JSON, Promise, Boolean, Error,
};
if (scenario !== "no-push-api") { context.PushManager = function PushManager() {}; }
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(scriptPath, "utf8"), context);

(async () => {
  const seen = [];
  const snapshot = () => ({section: section.hidden, on: buttons.on.hidden, off: buttons.off.hidden, status: status.textContent});
  for (let i = 0; i < 5; i += 1) { await tick(); }
  seen.push(snapshot());
  buttons.on.click();
  for (let i = 0; i < 10; i += 1) { await tick(); }
  seen.push(snapshot());
  buttons.off.click();
  for (let i = 0; i < 10; i += 1) { await tick(); }
  seen.push(snapshot());
  process.stdout.write(JSON.stringify({calls, seen}) + "\n");
})();
