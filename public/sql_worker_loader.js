// Loads the SQL worker's wasm (Trunk builds it as a classic, no-modules
// script), only when the page opens the SQL console.
importScripts("./sql_worker.js");
wasm_bindgen("./sql_worker_bg.wasm");
