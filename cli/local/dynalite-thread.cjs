'use strict';
// The DynamoDB stand-in on a thread of its own (plain JavaScript: a worker gets no TypeScript
// loader). It answers on 127.0.0.1:<port>, as DynamoDB answers from servers of its own, so its
// work does not take turns with the code that calls it.
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');
// dynalite's own LevelDB package, to open the database folder once before dynalite does.
const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] }));

/**
 * dynalite opens its database lazily and, when that fails (the folder locked by another process,
 * or damaged), throws "Database is closed" from deep inside a request. Opening it here first
 * reports the real reason (LevelDB's code) before any command uses the stand-in.
 */
async function checkDatabase(path) {
  if (!path) return undefined;
  const db = new Level(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const cause = error.cause ?? error;
    return { error: String(cause.message ?? cause).split('\n')[0], code: cause.code, database: true };
  }
  await db.close();
  return undefined;
}

checkDatabase(workerData.options.path).then((problem) => {
  if (problem) {
    parentPort.postMessage(problem);
    return;
  }
  const server = dynalite(workerData.options);
  server.once('error', (error) => parentPort.postMessage({ error: error.message, code: error.code }));
  server.listen(workerData.port, '127.0.0.1', () => {
    parentPort.postMessage({ port: server.address().port });
  });
  parentPort.on('message', (message) => {
    if (message !== 'close') return;
    server.closeAllConnections?.();
    // dynalite closes its database with the server; then the thread ends (exit ends only the thread).
    server.close(() => process.exit(0));
  });
});
