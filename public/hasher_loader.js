// Loads a hashing worker (the pipeline worker's second worker, one per
// load). Its first message is the pipeline worker's WebAssembly.Module,
// already compiled: the same code is instantiated again, not compiled a
// second time on the two cores the page and the pipeline share.
// Relative URLs: this file sits next to worker.js in dist/, at any sub-path.
importScripts("./worker.js");
self.onmessage = (event) => {
  self.onmessage = null;
  wasm_bindgen({ module_or_path: event.data });
};
