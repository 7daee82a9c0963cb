// Service worker: makes the app work offline after the first visit.
// scripts/offline.py (a Trunk post-build hook) fills in the list of files
// Trunk built and a version derived from their contents, so a new build
// replaces the old cache. Only the app's own files are cached; user data is
// never seen here (files are read in the page's worker, not fetched).
const VERSION = "__VERSION__";
const FILES = __FILES__;
// Cached when first fetched, not at install: the SQL worker, which only the
// SQL console loads.
const LAZY = __LAZY__;
const CACHE = `synthea-lakehouse-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("synthea-lakehouse-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  // The page itself is served for any query (shared links carry filters).
  const lookup = request.mode === "navigate" ? caches.match("./", { ignoreSearch: true }) : caches.match(request, { ignoreSearch: true });
  const lazy = LAZY.some((file) => new URL(file, self.registration.scope).href === request.url.split("?")[0]);
  const fetched = () =>
    fetch(request).then((response) => {
      if (lazy && response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    });
  event.respondWith(lookup.then((hit) => hit ?? fetched()));
});
