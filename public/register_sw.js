// Registers the offline service worker (a file, so the CSP needs no hash).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("./sw.js", { scope: "./" }).catch(() => {});
}
