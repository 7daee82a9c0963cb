// Loads the worker's wasm (Trunk builds it as a classic, no-modules script).
// Relative URLs: this file sits next to worker.js in dist/, at any sub-path.
importScripts("./worker.js");
wasm_bindgen("./worker_bg.wasm");
