// A CPU profile of the app's pipeline worker while it loads a folder of CSV
// files (Chrome DevTools Protocol `Profiler`, attached to the worker), and
// its hottest functions by self and by total time. Usage:
//   node bench/profile_worker.mjs DIR [OUT.cpuprofile]
// The release build's wasm has no function names: for names, build with
// `data-wasm-opt="0" data-keep-debug="true"` on the worker's <link> in
// index.html into another folder (`trunk build --release --offline --dist
// DIST`) and pass it as LAKEHOUSE_DIST. The .cpuprofile opens in Chrome's
// DevTools (Performance panel) too.
import { writeFileSync } from "node:fs";
import { serve, launch } from "../tests/e2e/specs/support.mjs";
import { csvFiles } from "./support.mjs";

const [dir, out = "bench-data/worker.cpuprofile"] = process.argv.slice(2);
const { files } = csvFiles(dir);
const { server, url } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  // The worker's session, not flattened: commands go through the page's.
  const workers = [];
  const answers = new Map();
  let nextId = 1;
  cdp.on("Target.attachedToTarget", (e) => {
    if (e.targetInfo.type === "worker") workers.push(e.sessionId);
  });
  cdp.on("Target.receivedMessageFromTarget", (e) => {
    const message = JSON.parse(e.message);
    answers.get(message.id)?.(message);
    answers.delete(message.id);
  });
  const send = (sessionId, method, params = {}) => new Promise((done) => {
    const id = nextId++;
    answers.set(id, done);
    cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) });
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await page.goto(url);
  await page.locator('[data-testid="drop-zone"]').waitFor();
  // The page starts its pipeline worker ahead of the files: the first.
  await page.waitForTimeout(2000);
  if (workers.length === 0) throw new Error("no worker to profile");
  const worker = workers[0];
  await send(worker, "Profiler.enable");
  await send(worker, "Profiler.setSamplingInterval", { interval: 500 });
  await send(worker, "Profiler.start");
  const started = Date.now();
  await page.locator('[data-testid="file-input"]').setInputFiles(files);
  await page.locator('[data-testid="results"]').waitFor({ timeout: 600_000 });
  const seconds = (Date.now() - started) / 1000;
  const { result } = await send(worker, "Profiler.stop");
  writeFileSync(out, JSON.stringify(result.profile));

  const { nodes, samples, timeDeltas } = result.profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  let all = 0;
  samples.forEach((id, i) => {
    const us = timeDeltas[i];
    all += us;
    const name = (n) => n.callFrame.functionName || "(anonymous)";
    self.set(name(byId.get(id)), (self.get(name(byId.get(id))) ?? 0) + us);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const n = name(byId.get(at));
      if (!seen.has(n)) total.set(n, (total.get(n) ?? 0) + us), seen.add(n);
    }
  });
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 25)
    .map(([n, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${(100 * us / all).toFixed(1).padStart(5)} %  ${n.slice(0, 120)}`);
  console.log(`files chosen to results: ${seconds} s; profile ${out}\n-- self\n${top(self).join("\n")}\n-- total\n${top(total).join("\n")}`);
} finally {
  await browser.close();
  server.close();
}
