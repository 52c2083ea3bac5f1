'use strict';
// The DynamoDB stand-in on a thread of its own (plain JavaScript: a worker gets no TypeScript
// loader). It answers on 127.0.0.1:<port>, as DynamoDB answers from servers of its own, so its
// work does not take turns with the code that calls it.
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');

const server = dynalite(workerData.options);
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, '127.0.0.1', () => {
  parentPort.postMessage({ port: server.address().port });
});
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.closeAllConnections?.();
  // dynalite closes its database with the server; then the thread ends (exit ends only the thread).
  server.close(() => process.exit(0));
});
