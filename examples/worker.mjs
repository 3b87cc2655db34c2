// A demo worker: logs one line a second until it is asked to stop.
let n = 0;
const timer = setInterval(() => console.log(`${process.env.TSVISOR_PROCESS_NAME ?? "worker"}: tick ${++n}`), 1000);
process.on("SIGTERM", () => {
  clearInterval(timer);
  console.log("worker: finishing up");
  process.exit(0);
});
